"""The responder inbox page: ``/inbox`` with tabs, counts and search (query-string URLs, so a
tab, a search and a page can be shared or bookmarked)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from app.accounts.permissions import require
from app.inbox import permissions as _rules  # noqa: F401 - registers "inbox.view"
from app.inbox import services

bp = Blueprint("inbox", __name__)


@bp.route("/inbox")
def index():  # type: ignore[no-untyped-def]
    require("inbox.view")
    viewer = current_user._get_current_object()
    inbox = services.load(
        viewer,
        tab=request.args.get("tab", "all"),
        q=request.args.get("q", ""),
        page=request.args.get("page", 1, type=int) or 1,
    )
    return render_template(
        "inbox/index.html",
        inbox=inbox,
        page=inbox.page,
        tabs=services.TABS,
        definitions=services.definitions(),
        institution=viewer.institution,
    )
