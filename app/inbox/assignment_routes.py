"""Taking and assigning observations inside an institution: the "Who handles it" panel of the
institution's view of an observation (``/inbox/<code>``) and its three form posts. Each post
carries the assignee the page showed (``expected``): when someone changed it meanwhile, nothing
is applied and the page comes back (409) with who handles it now."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, has_request_context, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.models import User
from app.accounts.permissions import can, requires
from app.core.urls import id_or_none
from app.extensions import db
from app.inbox import assignment
from app.inbox import permissions as _rules  # noqa: F401 - registers "inbox.assign"
from app.observations import lookup
from app.observations.models import Observation
from app.observations.routes import render_detail

bp = Blueprint("inbox_assignment", __name__)

#: Who a post assigns the observation to (None: the post named no valid colleague).
Chooser = Callable[[Observation], int | None]

#: The blueprints whose pages are the institution's view of an observation: the panel is shown
#: there only, never on the public page (even to the institution's own responders).
_INSTITUTION_VIEW = frozenset({"inbox", "inbox_assignment"})


@bp.app_template_global("assignment_panel")
def assignment_panel(observation: Observation) -> assignment.Panel | None:
    """The panel for the observation page (None: not shown to this viewer, or not here)."""
    if not has_request_context() or request.blueprint not in _INSTITUTION_VIEW:
        return None
    viewer = _viewer()
    if viewer is None or not can(viewer, "inbox.assignment", observation):
        return None
    return assignment.panel(observation, can(viewer, "inbox.assign", observation))


def _viewer() -> User | None:
    return current_user._get_current_object() if current_user.is_authenticated else None


def _observation(code: str, viewer: User) -> Observation:
    """The observation as the institution sees it: 404 for another institution's (as on
    ``/inbox/<code>``), 403 for the responder who filed it."""
    observation = lookup.by_code(code)
    if observation is None or not can(viewer, "inbox.item", observation):
        abort(404)
    if not can(viewer, "inbox.assignment", observation):
        abort(403)
    return observation


@bp.route("/inbox/<code>/take", methods=["POST"])
@requires("inbox.view")
def take(code: str) -> ResponseReturnValue:
    viewer = current_user._get_current_object()
    return _apply(code, viewer, lambda _observation: viewer.id)


@bp.route("/inbox/<code>/assign", methods=["POST"])
@requires("inbox.view")
def assign(code: str) -> ResponseReturnValue:
    viewer = current_user._get_current_object()

    def chosen(observation: Observation) -> int | None:
        colleague = id_or_none(request.form.get("assignee"))
        if colleague is None or assignment.assignable_to(observation, colleague) is None:
            return None
        return colleague

    return _apply(code, viewer, chosen)


@bp.route("/inbox/<code>/release", methods=["POST"])
@requires("inbox.view")
def release(code: str) -> ResponseReturnValue:
    return _apply(code, current_user._get_current_object(), None)


def _apply(code: str, viewer: User, choose: Chooser | None) -> ResponseReturnValue:
    """Set the assignee to who ``choose(observation)`` names (``choose`` None: nobody, a
    release; a chooser that names nobody: no valid colleague was chosen, 400)."""
    observation = _observation(code, viewer)
    raw_expected = (request.form.get("expected") or "").strip()
    expected = id_or_none(raw_expected)
    if expected is None and raw_expected:
        flash(_("The form was not sent whole, so nothing was changed. Try again."), "error")
        return render_detail(observation, viewer, None, 400)
    if not can(viewer, "inbox.assign", observation):
        return _closed(observation, viewer)
    new_id: int | None = None
    if choose is not None:
        new_id = choose(observation)
        if new_id is None:
            flash(_("Choose a responder of your institution who can act on it."), "error")
            return render_detail(observation, viewer, None, 400)
    if observation.assignee_id != expected:
        return _changed_meanwhile(observation, viewer)
    if new_id == expected:
        flash(_("Nothing to change: that is already who handles it."), "info")
        return redirect(url_for("inbox.item", code=observation.code))
    if not assignment.change(observation, viewer, new_id, expected):
        # Someone changed it between our read and our write: theirs stands.
        db.session.rollback()
        now = lookup.by_code(code)
        if now is None or not can(viewer, "inbox.item", now):
            abort(404)
        if not can(viewer, "inbox.assign", now):
            return _closed(now, viewer)
        return _changed_meanwhile(now, viewer)
    db.session.commit()
    flash(_done(observation, viewer), "success")
    return redirect(url_for("inbox.item", code=observation.code))


def _done(observation: Observation, viewer: User) -> str:
    assignee = observation.assignee
    if assignee is None:
        return _("Nobody handles this observation now.")
    if assignee.id == viewer.id:
        return _("You handle this observation now.")
    return _("%(name)s handles this observation now; we told them.", name=assignee.display_name)


def _changed_meanwhile(observation: Observation, viewer: User) -> tuple[str, int]:
    """409: the page the responder acted from showed another assignee than there is now."""
    assignee = observation.assignee
    if assignee is None:
        now = _("Nobody handles it now.")
    elif assignee.id == viewer.id:
        now = _("You handle it now.")
    else:
        now = _("%(name)s handles it now.", name=assignee.display_name)
    flash(
        _(
            "Someone else changed who handles this observation while you were looking at it, "
            "so nothing was changed. %(now)s",
            now=now,
        ),
        "error",
    )
    return render_detail(observation, viewer, None, 409)


def _closed(observation: Observation, viewer: User) -> tuple[str, int]:
    flash(
        _(
            "This observation is no longer open with your institution: who handles it can no "
            "longer change."
        ),
        "error",
    )
    return render_detail(observation, viewer, None, 409)
