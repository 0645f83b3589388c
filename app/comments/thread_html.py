"""The program page's comment threads: built once as every viewer sees them and shared
(app/core/fragments.py), then each viewer's links and buttons put where the shared copy has a
marker (``<!--m:ID-->`` the moderation link, ``<!--a:ID-->`` support, reply, edit, delete,
report; templates/comments/_thread.html).

The shared copy keeps, beside its HTML, what the comment rules need of each comment (author,
depth, deleted, hidden, written at), so filling it in asks the database only for the viewer's
supports and reports on the page (``services.viewer_marks``) and answers exactly what
``ThreadRights.actions`` (and so ``can()``) answers. The markers cannot come from a comment's
text: it is escaped, so ``<!--`` in it is ``&lt;!--``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from flask import render_template, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.accounts.models import User
from app.comments import services
from app.comments.rights import ThreadRights
from app.programs.models import Program

MARK = re.compile(r"<!--([am]):(\d+)-->")
#: A comment id no comment has, put in an address once and replaced by each comment's id.
_SLOT = "987654321987"


class Shared(TypedDict):
    html: str
    #: The page's threads (their top-level comments' ids).
    roots: list[int]
    #: [id, author_id, depth, deleted, hidden, created_at ISO] of every comment on the page.
    comments: list[list[Any]]


@dataclass(frozen=True, slots=True)
class CommentFacts:
    """What the comment rules read of a comment (``ThreadRights``)."""

    id: int
    author_id: int | None
    depth: int
    is_deleted: bool
    is_hidden: bool
    created_at: datetime


def shared_page(program: Program, order: str, number: int, moderates: bool) -> Shared:
    """One page of threads as every viewer (of this kind: moderators see hidden texts) sees
    it, with the markers (three queries: the top-level count, the page's threads, then their
    comments)."""
    thread = services.load_thread_page(program, order, number, moderates)
    html = render_template("comments/_thread_shared.html", thread=thread, program=program)
    comments = [
        [
            node.comment.id,
            node.comment.author_id,
            node.comment.depth,
            node.comment.is_deleted,
            node.comment.is_hidden,
            node.comment.created_at.isoformat(),
        ]
        for node, _closes in thread.rows
    ]
    roots = [node.comment.id for node in thread.nodes]
    return {"html": str(html), "roots": roots, "comments": comments}


def fill(shared: Shared, viewer: User | None, rights: ThreadRights, csrf_field: str) -> Markup:
    """The shared page with this viewer's links and buttons in place of its markers."""
    if viewer is None or rights.user_id is None:
        return Markup(MARK.sub("", shared["html"]))  # noqa: S704 - rendered by our template
    facts = {
        row[0]: CommentFacts(
            row[0], row[1], row[2], bool(row[3]), bool(row[4]), datetime.fromisoformat(row[5])
        )
        for row in shared["comments"]
    }
    voted, flagged = services.viewer_marks(viewer, shared["roots"])
    slot = int(_SLOT)
    urls = {
        name: str(escape(url_for(f"comments.{name}", comment_id=slot)))
        for name in ("vote", "unvote", "reply", "edit", "delete", "flag")
    }
    moderation = str(escape(url_for("moderation.item", target_type="comment", target_id=slot)))
    labels = {
        "moderate": escape(_("Moderate")),
        "support": escape(_("Support")),
        "unsupport": escape(_("Remove support")),
        "reply": escape(_("Reply")),
        "edit": escape(_("Edit")),
        "delete": escape(_("Delete")),
        "reported": escape(_("Reported")),
        "report": escape(_("Report")),
    }

    def form(action: str, label: str) -> str:
        return (
            f'<form class="inline" method="post" action="{action}">{csrf_field}'
            f'<button type="submit" class="link-button">{label}</button></form>'
        )

    def put(match: re.Match[str]) -> str:
        kind, number = match.group(1), int(match.group(2))
        c = facts.get(number)
        if c is None:
            return ""
        cid = str(number)
        if kind == "m":
            if not rights.moderate(c):
                return ""
            href = moderation.replace(_SLOT, cid)
            return f'<p class="comment-actions"><a href="{href}">{labels["moderate"]}</a></p>'
        may = rights.actions(c)
        parts: list[str] = []
        if may.vote:
            undo = number in voted
            action = urls["unvote" if undo else "vote"].replace(_SLOT, cid)
            parts.append(form(action, labels["unsupport" if undo else "support"]))
        if may.reply:
            parts.append(f'<a href="{urls["reply"].replace(_SLOT, cid)}">{labels["reply"]}</a>')
        if may.edit:
            parts.append(f'<a href="{urls["edit"].replace(_SLOT, cid)}">{labels["edit"]}</a>')
        if may.delete:
            parts.append(form(urls["delete"].replace(_SLOT, cid), labels["delete"]))
        if number in flagged:
            parts.append(f"<span>{labels['reported']}</span>")
        elif may.flag:
            parts.append(f'<a href="{urls["flag"].replace(_SLOT, cid)}">{labels["report"]}</a>')
        return "\n      ".join(parts)

    return Markup(MARK.sub(put, shared["html"]))  # noqa: S704 - template + escaped parts
