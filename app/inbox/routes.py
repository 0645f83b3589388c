"""The responder inbox page: ``/inbox`` with tabs, counts and search (query-string URLs, so a
tab, a search and a page can be shared or bookmarked)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.accounts.permissions import can, requires
from app.core.urls import bounded_int
from app.inbox import permissions as _rules  # noqa: F401 - registers "inbox.view"
from app.inbox import services
from app.observations import lookup
from app.observations.routes import render_detail

bp = Blueprint("inbox", __name__)


@bp.route("/inbox")
@requires("inbox.view")
def index() -> ResponseReturnValue:
    viewer = current_user._get_current_object()
    inbox = services.load(
        viewer,
        tab=request.args.get("tab", "all"),
        q=request.args.get("q", ""),
        page=request.args.get("page", 1, type=bounded_int) or 1,
    )
    return render_template(
        "inbox/index.html",
        inbox=inbox,
        page=inbox.page,
        tabs=services.TABS,
        definitions=services.definitions(),
        institution=viewer.institution,
    )


@bp.route("/inbox/<code>")
@requires("inbox.view")
def item(code: str) -> ResponseReturnValue:
    """An observation as the institution works on it (the same page, with its action forms).
    Another institution's observation does not exist here: 404, whatever its public page says."""
    observation = lookup.by_code(code)
    viewer = current_user._get_current_object()
    if observation is None or not can(viewer, "inbox.item", observation):
        abort(404)
    return render_detail(observation, viewer)
