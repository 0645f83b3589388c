"""Writing an Atom document (RFC 4287) with feedgen: the entries every feed is made of, the
feed's metadata, and the response (content type, caching, conditional GETs).

Everything here is plain text: titles, summaries and contents are sent as ``type="text"`` and
feedgen (lxml) escapes them, so no user text is ever HTML in a feed. Characters XML 1.0 cannot
hold (control characters a form may have let through) are removed first: lxml would refuse
them and the feed would fail."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator
from flask import current_app, request
from werkzeug.wrappers import Response

from app.core.i18n import current_language

#: Entries in a feed: the newest ones.
MAX_ENTRIES = 50
#: How long a reader or a proxy may keep a feed (seconds).
MAX_AGE = 300
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
#: Characters XML 1.0 refuses (C0 controls but tab, line feed and carriage return; surrogates;
#: U+FFFE and U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: A feed with no entry yet is dated by this instant rather than "now", so its body (and its
#: ETag) stays the same until something is published.
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def xml_safe(text: object) -> str:
    """``text`` without the characters an XML document cannot carry."""
    return _NOT_XML.sub("", str(text or ""))


@dataclass(frozen=True)
class Entry:
    """One Atom entry. ``id`` is a permanent IRI (the page's address and a fragment), ``updated``
    an aware datetime."""

    id: str
    title: str
    link: str
    updated: datetime
    summary: str = ""
    content: str = ""
    published: datetime | None = None
    #: A person's public name, only where the page prints it (comments).
    author: str = ""


def newest(entries: Iterable[Entry], limit: int = MAX_ENTRIES) -> list[Entry]:
    """The ``limit`` newest entries, newest first (ties broken by id, so the order is stable)."""
    return sorted(entries, key=lambda e: (e.updated, e.id), reverse=True)[:limit]


def tag_id(*parts: object) -> str:
    """A permanent entry or feed id that does not depend on the address a request came in by:
    ``tag:<host>,2026:feeds/…`` (RFC 4151), from ``BASE_URL``."""
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    return f"tag:{host},2026:" + "/".join(str(p) for p in parts)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def build(
    *, feed_id: str, title: str, page_url: str, subtitle: str, entries: list[Entry]
) -> FeedGenerator:
    """The feed: its id, title and subtitle in the reader's language (``xml:lang``), a link to
    the page it follows and one to itself, and ``entries`` (already the newest, newest first)."""
    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(xml_safe(title))
    fg.subtitle(xml_safe(subtitle))
    fg.language(current_language())
    fg.author({"name": current_app.config.get("SITE_NAME", "Qhawaq")})
    fg.link(href=page_url, rel="alternate", type="text/html")
    fg.link(href=request.url, rel="self", type="application/atom+xml")
    fg.generator("Qhawaq")
    fg.updated(utc(entries[0].updated) if entries else EPOCH)
    # feedgen prepends by default: append keeps the newest first, as given.
    for entry in entries:
        fe = fg.add_entry(order="append")
        fe.id(entry.id)
        fe.title(xml_safe(entry.title))
        fe.link(href=entry.link, rel="alternate", type="text/html")
        fe.updated(utc(entry.updated))
        if entry.published is not None:
            fe.published(utc(entry.published))
        if entry.summary:
            fe.summary(xml_safe(entry.summary), type="text")
        if entry.content:
            fe.content(xml_safe(entry.content), type="text")
        if entry.author:
            fe.author({"name": xml_safe(entry.author)})
    return fg


def response(fg: FeedGenerator) -> Response:
    """The feed as a public, cacheable response (an ETag of its body; 304 when unchanged). A
    feed is the same for everyone who asks in the same language: it never depends on who is
    signed in."""
    body = fg.atom_str(pretty=True)
    result = Response(body, content_type=CONTENT_TYPE)
    result.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    result.headers["Content-Language"] = current_language()
    result.add_etag()
    return result.make_conditional(request)
