"""A shared cache of public pages as an anonymous visitor sees them (the idea of Discourse's
anonymous cache), so a page read by many is built once, not once per reader.

- **What is kept**: a GET answered 200 with HTML that ``http_cache`` found public (nobody signed
  in, nothing put in the session, no form token, no cache policy of the view's own), as it left
  the app (compressed), with the headers that belong to the page (type, encoding, validator,
  cache policy, Vary, language). Cookies and the security headers are not kept: every answer gets
  its own from the other hooks.
- **Key**: host, path with its query, the interface language as the request chose it, and the
  ``Accept-Encoding`` header (the same header always gets the same encoding).
- **Who is served from it**: a GET or HEAD of a non-personal path by someone not signed in whose
  session carries nothing but a form token (a flash message waiting, a sign-in in progress and
  the like go to the view).
- **Exact**: every committed write bumps a *generation* (``after_flush`` or a write statement
  through the session marks the transaction, unless it wrote only ``PRIVATE_TABLES``, which no
  shared page reads: mail, notifications, reminders; ``after_commit`` bumps); a kept page is
  served only under the generation it was built under, read before the view's first query. A
  vote, a comment, an answer or a moderation decision therefore shows to the next reader. What
  changes with the clock alone (overdue now, closing soon) is at most ``PAGE_CACHE_SECONDS``
  old, as browsers already may keep it (``Cache-Control: max-age``).
- **Where**: Redis when the rate limits are counted there (``RATELIMIT_STORAGE_URI``, required with
  several workers) or ``PAGE_CACHE_STORAGE_URI`` names one: shared by every worker and app
  server, one round trip (MGET of the generation and the page) a request. Otherwise in the
  process (one worker: ``make run``, the embedded default); a write made by another process (a
  CLI job) then shows within ``PAGE_CACHE_SECONDS``; several gunicorn workers without Redis keep
  no pages at all (one worker's writes would not reach another's pages). Keys are named after the
  database, so two instances sharing a Redis never mix their pages. If Redis fails, pages are
  built as if there were no cache (logged, never an error page).
- ``PAGE_CACHE_SECONDS=0`` turns it off (the test configuration does, except in the tests of this
  module, so the suite's other tests see every page built)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from typing import Any, Protocol, cast

from flask import Flask, current_app, g, has_app_context, request, session
from flask.wrappers import Response
from flask_login import current_user
from sqlalchemy import TextClause, event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from app.core.db import ends_the_transaction
from app.core.i18n import choose_language
from app.core.security import personal

log = logging.getLogger(__name__)

#: Set by gunicorn.conf.py: an in-process store is right only when one process serves.
WORKERS_ENV = "QHAWAQ_SERVER_WORKERS"
#: Headers kept with a page; the rest (cookies, security headers) each answer gets anew.
KEPT_HEADERS = (
    "Content-Type",
    "Content-Encoding",
    "Content-Language",
    "ETag",
    "Cache-Control",
    "Vary",
)
#: What an anonymous session may hold and still be served a kept page.
NEUTRAL_SESSION_KEYS = frozenset({"csrf_token", "_permanent"})
#: Pages larger than this are not kept (none of the public pages comes near).
MAX_BODY_BYTES = 1024 * 1024
#: Pages kept in one process by the in-process store.
MEMORY_ENTRIES = 500
_WRITE = re.compile(
    r"^\s*(?:INSERT|UPDATE|DELETE|MERGE|REPLACE|CREATE|ALTER|DROP|TRUNCATE)\b"
    r"|^\s*WITH\b.*\b(?:INSERT|UPDATE|DELETE)\b",
    re.IGNORECASE | re.DOTALL,
)
_DIRTY = "qhawaq_page_cache_dirty"
#: Tables no shared page reads (mail, notifications and their settings, reminders to
#: institutions, data exports, filing-form tokens, the code counter, sign-in links): a
#: transaction that wrote only these keeps the shared pages. Anything else bumps, raw SQL too.
PRIVATE_TABLES = frozenset(
    {
        "outbox_messages",
        "notifications",
        "notification_digests",
        "notification_preferences",
        "digest_notices",
        "moderator_digests",
        "deadline_notices",
        "data_exports",
        "form_tokens",
        "tracking_code_counters",
        "user_identities",
    }
)


class Store(Protocol):
    def read(self, key: str) -> tuple[int, bytes | None]: ...
    def write(self, key: str, value: bytes, seconds: int) -> None: ...
    def bump(self) -> None: ...


class MemoryStore:
    """One process's pages, newest-used kept, and its own generation."""

    def __init__(self, entries: int = MEMORY_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._pages: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._entries = entries
        self.generation = 0

    def read(self, key: str) -> tuple[int, bytes | None]:
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                return self.generation, None
            if found[0] < time.monotonic():
                del self._pages[key]
                return self.generation, None
            self._pages.move_to_end(key)
            return self.generation, found[1]

    def write(self, key: str, value: bytes, seconds: int) -> None:
        with self._lock:
            self._pages[key] = (time.monotonic() + seconds, value)
            self._pages.move_to_end(key)
            while len(self._pages) > self._entries:
                self._pages.popitem(last=False)

    def bump(self) -> None:
        with self._lock:
            self.generation += 1
            self._pages.clear()


class RedisStore:
    """Pages in Redis with their lifetime; the generation is one INCR'd key. After a failure
    the store is left alone for ``PAUSE_SECONDS`` (pages are built meanwhile), so a Redis that
    does not answer costs one timeout, not one a request."""

    PAUSE_SECONDS = 10.0

    def __init__(self, url: str, namespace: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._generation = f"{namespace}generation"
        self._paused_until = 0.0

    def _check(self) -> None:
        if time.monotonic() < self._paused_until:
            raise ConnectionError("page cache paused after a Redis failure")

    def _failed(self) -> None:
        self._paused_until = time.monotonic() + self.PAUSE_SECONDS

    def read(self, key: str) -> tuple[int, bytes | None]:
        self._check()
        try:
            generation, page = cast(list[Any], self._redis.mget(self._generation, key))
        except Exception:
            self._failed()
            raise
        return int(generation or 0), page

    def write(self, key: str, value: bytes, seconds: int) -> None:
        self._check()
        try:
            self._redis.set(key, value, ex=seconds)
        except Exception:
            self._failed()
            raise

    def bump(self) -> None:
        # Tried even while paused: a write must reach the generation whenever Redis answers.
        self._redis.incr(self._generation)


def active_store() -> Store | None:
    """The app's store, or None when the cache is off."""
    return current_app.extensions.get("qhawaq_page_cache")


def namespace(database_uri: str) -> str:
    """The key prefix of one database's pages."""
    return f"qhawaq:pages:{hashlib.sha256(database_uri.encode()).hexdigest()[:12]}:"


def _servable() -> bool:
    if request.method not in ("GET", "HEAD") or request.endpoint in (None, "static"):
        return False
    if personal(request.path) or current_user.is_authenticated:
        return False
    return set(session.keys()) <= NEUTRAL_SESSION_KEYS


def key(*parts: str) -> str:
    """The store's key for ``parts`` (this database's namespace, then a digest)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
    return current_app.config["PAGE_CACHE_NAMESPACE"] + digest


def read(store: Store, name: str) -> tuple[int, bytes | None] | None:
    """The generation and what is kept under ``name``; None when the store fails (logged: the
    caller builds as if nothing were kept)."""
    try:
        return store.read(name)
    except Exception as problem:
        log.warning("page cache unavailable, built: %s", problem)
        return None


def write(store: Store, name: str, value: bytes) -> None:
    """Keep ``value`` for ``PAGE_CACHE_SECONDS``; a failing store is logged, never raised."""
    try:
        store.write(name, value, current_app.config["PAGE_CACHE_SECONDS"])
    except Exception as problem:
        log.warning("page cache unavailable, not kept: %s", problem)


def _key() -> str:
    return key(
        "page",
        request.host,
        request.scheme,
        request.full_path,
        choose_language(),
        request.headers.get("Accept-Encoding", "").replace(" ", "").lower(),
    )


def _pack(generation: int, response: Response) -> bytes:
    headers = [[name, response.headers[name]] for name in KEPT_HEADERS if name in response.headers]
    meta = {"g": generation, "t": time.time(), "h": headers}
    return json.dumps(meta, separators=(",", ":")).encode() + b"\n" + response.get_data()


def _unpack(generation: int, value: bytes) -> Response | None:
    head, _, body = value.partition(b"\n")
    meta = json.loads(head)
    if meta.get("g") != generation:
        return None
    response = Response(body, status=200)
    response.headers.clear()
    for name, header in meta["h"]:
        response.headers[name] = header
    response.headers["Age"] = str(max(0, int(time.time() - float(meta["t"]))))
    response.headers["Content-Length"] = str(len(body))
    return response


def serve() -> Response | None:
    """``before_request``: the kept page for this request, answered 304 when the client has it;
    None to let the view build it (remembering the generation it is built under)."""
    store = active_store()
    if store is None or not _servable():
        return None
    page_key = _key()
    found = read(store, page_key)
    if found is None:
        return None
    generation, value = found
    g.page_cache = (page_key, generation)
    if value is None:
        return None
    response = _unpack(generation, value)
    if response is None:
        return None
    g.page_cache_hit = True
    response.make_conditional(request)
    return response


def keep(response: Response) -> None:
    """Called by ``http_cache.finish`` once a public page is compressed: keep it."""
    pending = g.pop("page_cache", None)
    store = active_store()
    if pending is None or store is None or g.get("page_cache_hit"):
        return
    if response.status_code != 200 or response.is_streamed or "Set-Cookie" in response.headers:
        return
    if len(response.get_data()) > MAX_BODY_BYTES:
        return
    page_key, generation = pending
    write(store, page_key, _pack(generation, response))


def _mark(session: Session) -> None:
    session.info[_DIRTY] = True


def _public(table: Any) -> bool:
    """Whether a write to ``table`` may change a shared page (anything not known private)."""
    return getattr(table, "name", None) not in PRIVATE_TABLES


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, context: UOWTransaction) -> None:
    # Still the flush's own lists here: what it inserted, changed and deleted.
    written = [*session.new, *session.dirty, *session.deleted]
    if not written or any(_public(getattr(type(obj), "__table__", None)) for obj in written):
        _mark(session)


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    statement = state.statement
    if state.is_insert or state.is_update or state.is_delete:
        if _public(getattr(statement, "table", None)):
            _mark(state.session)
    elif isinstance(statement, TextClause) and _WRITE.match(statement.text):
        _mark(state.session)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if not session.info.pop(_DIRTY, False) or not has_app_context():
        return
    store = current_app.extensions.get("qhawaq_page_cache")
    if store is None:
        return
    try:
        store.bump()
    except Exception as problem:
        log.warning("page cache generation not bumped: %s", problem)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous: Any) -> None:
    if ends_the_transaction(previous):
        session.info.pop(_DIRTY, None)


def storage_uri(config: Any) -> str | None:
    """Redis for the pages when one is configured for them or for the rate limits; else None."""
    for uri in (config.get("PAGE_CACHE_STORAGE_URI"), config.get("RATELIMIT_STORAGE_URI")):
        if uri and str(uri).startswith(("redis://", "rediss://", "unix://")):
            return str(uri)
    return None


def init_app(app: Flask) -> None:
    app.config.setdefault("PAGE_CACHE_SECONDS", 0)
    if int(app.config["PAGE_CACHE_SECONDS"]) <= 0:
        return
    uri = storage_uri(app.config)
    app.config["PAGE_CACHE_NAMESPACE"] = namespace(str(app.config["SQLALCHEMY_DATABASE_URI"]))
    if uri:
        store: Store = RedisStore(uri, app.config["PAGE_CACHE_NAMESPACE"])
    elif int(os.environ.get(WORKERS_ENV) or 1) > 1:
        log.info("page cache off: several workers and no Redis to share it")
        return
    else:
        store = MemoryStore()
    app.extensions["qhawaq_page_cache"] = store
    app.before_request(serve)
