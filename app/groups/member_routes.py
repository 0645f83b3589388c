"""A group's members: the list (members only), invitations, removing a member, making one
coordinator, stepping down and leaving. Every button is a POST that redirects to the list; a
refusal (the last coordinator) comes back as a message there."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.permissions import require
from app.extensions import db, limiter
from app.groups import invitations, services
from app.groups.blueprint import bp, group_or_404
from app.groups.forms import ButtonForm, InviteForm
from app.groups.models import GroupMembership, OversightGroup
from app.groups.services import GroupRefused

T = TypeVar("T")

MEMBERS = "group.dashboard"
MANAGE = "group.manage_members"


def _invite_limit() -> str:
    return current_app.config["SENSITIVE_FORM_LIMIT"]


def _render(
    group: OversightGroup, invite_form: InviteForm, status: int = 200
) -> ResponseReturnValue:
    return (
        render_template(
            "groups/members.html",
            group=group,
            members=services.members(group),
            invite_form=invite_form,
            button=ButtonForm(formdata=None),
        ),
        status,
    )


def _back(group: OversightGroup) -> ResponseReturnValue:
    return redirect(url_for("groups.members", slug=group.slug))


def _button_pressed() -> None:
    if not ButtonForm().validate_on_submit():
        abort(400)


def _attempt(change: Callable[[], T]) -> tuple[bool, T | None]:
    """Run a membership change and commit it; a refusal (the last coordinator…) is rolled back
    and said in a message. Returns whether it was done, and what the change returned."""
    try:
        result = change()
    except GroupRefused as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
        return False, None
    db.session.commit()
    return True, result


def _membership(group: OversightGroup, membership_id: int) -> GroupMembership:
    found = services.membership_of(group, membership_id)
    if found is None:
        abort(404)
    return found


@bp.route("/groups/<slug>/members")
def members(slug: str) -> ResponseReturnValue:
    group = group_or_404(slug)
    require(MEMBERS, group)
    return _render(group, InviteForm(formdata=None))


@bp.route("/groups/<slug>/invite", methods=["POST"])
@limiter.limit(_invite_limit)
def invite(slug: str) -> ResponseReturnValue:
    group = group_or_404(slug)
    require(MANAGE, group)
    form = InviteForm()
    if not form.validate_on_submit():
        return _render(group, form, 400)
    try:
        invitations.invite(current_user, group, form.email.data or "")
    except GroupRefused as refused:
        form.email.errors = [*form.email.errors, str(refused.message)]
        return _render(group, form, 400)
    db.session.commit()
    flash(_("The invitation was sent to %(email)s.", email=form.email.data), "success")
    return _back(group)


@bp.route("/groups/<slug>/members/<int:membership_id>/remove", methods=["POST"])
def remove(slug: str, membership_id: int) -> ResponseReturnValue:
    group = group_or_404(slug)
    require(MANAGE, group)
    _membership(group, membership_id)
    _button_pressed()
    _done, removed = _attempt(lambda: services.remove_member(current_user, group, membership_id))
    if removed is not None:
        flash(
            _("%(name)s is no longer a member of the group.", name=removed.display_name), "success"
        )
    return _back(group)


@bp.route("/groups/<slug>/members/<int:membership_id>/coordinator", methods=["POST"])
def make_coordinator(slug: str, membership_id: int) -> ResponseReturnValue:
    group = group_or_404(slug)
    require(MANAGE, group)
    _membership(group, membership_id)
    _button_pressed()
    _done, promoted = _attempt(
        lambda: services.make_coordinator(current_user, group, membership_id)
    )
    if promoted is not None:
        flash(
            _("%(name)s is now a coordinator of the group.", name=promoted.display_name), "success"
        )
    return _back(group)


@bp.route("/groups/<slug>/step-down", methods=["POST"])
def step_down(slug: str) -> ResponseReturnValue:
    group = group_or_404(slug)
    require(MANAGE, group)
    _button_pressed()
    done, _result = _attempt(lambda: services.step_down(current_user, group))
    if done:
        flash(_("You are no longer a coordinator; you stay a member."), "success")
    return _back(group)


@bp.route("/groups/<slug>/leave", methods=["POST"])
def leave(slug: str) -> ResponseReturnValue:
    group = group_or_404(slug)
    require(MEMBERS, group)
    _button_pressed()
    done, _result = _attempt(lambda: services.leave(current_user, group))
    if not done:
        return _back(group)
    flash(_("You left the group %(group)s.", group=group.name), "success")
    return redirect(url_for("groups.detail", slug=group.slug))
