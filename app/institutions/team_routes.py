"""An institution's team page: its responders, adding one by the email of an existing account,
removing one.

An institution admin manages their own institution at /institution/team; site admins manage any
institution at /institution/<id>/team (``institution.manage_team`` with the institution). Each
POST names the institution, so the rule is asked about the institution being changed: another
institution's admin gets 403, never a change."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.models import User
from app.accounts.permissions import can, require
from app.core.admin_forms import ConfirmForm
from app.extensions import db
from app.institutions import admin_services
from app.institutions.admin_forms import TeamAddForm
from app.institutions.models import Institution

bp = Blueprint("institution_team", __name__, url_prefix="/institution")

MANAGE = "institution.manage_team"


def _institution(institution_id: int) -> Institution:
    institution = db.session.get(Institution, institution_id)
    if institution is None:
        # Only those who may manage some team learn whether an id exists.
        user = current_user if current_user.is_authenticated else None
        if not (can(user, "institutions.admin") or can(user, MANAGE)):
            require(MANAGE)
        abort(404)
    require(MANAGE, institution)
    return institution


def _team_url(institution: Institution) -> str:
    """The page the actor reached the team from: their own team's address, or the id one."""
    if current_user.institution_id == institution.id:
        return url_for("institution_team.team")
    return url_for("institution_team.institution_team", institution_id=institution.id)


def _render(institution: Institution, add_form: TeamAddForm, code: int = 200) -> tuple[str, int]:
    return (
        render_template(
            "institutions_admin/team.html",
            institution=institution,
            responders=admin_services.responders(institution),
            add_form=add_form,
            remove_form=ConfirmForm(formdata=None),
        ),
        code,
    )


@bp.route("/team")
def team() -> ResponseReturnValue:
    if current_user.is_authenticated and can(current_user, "institutions.admin"):
        # Site admins have no team of their own: they pick an institution.
        return redirect(url_for("institutions_admin.institutions"))
    require(MANAGE)
    return _render(current_user.institution, TeamAddForm(formdata=None))


@bp.route("/<int:institution_id>/team")
def institution_team(institution_id: int) -> ResponseReturnValue:
    return _render(_institution(institution_id), TeamAddForm(formdata=None))


@bp.route("/<int:institution_id>/team/add", methods=["POST"])
def add(institution_id: int) -> ResponseReturnValue:
    institution = _institution(institution_id)
    form = TeamAddForm()
    if not form.validate_on_submit():
        return _render(institution, form, 400)
    try:
        user = admin_services.add_responder(current_user, institution, form.email.data)
    except admin_services.TeamChangeRefused as refused:
        form.email.errors = [*form.email.errors, refused.message]
        return _render(institution, form, 400)
    db.session.commit()
    flash(_("%(name)s was added to the team.", name=user.display_name), "success")
    return redirect(_team_url(institution))


@bp.route("/<int:institution_id>/team/<int:user_id>/remove", methods=["POST"])
def remove(institution_id: int, user_id: int) -> ResponseReturnValue:
    institution = _institution(institution_id)
    user: User | None = admin_services.responder_of(institution, user_id)
    if user is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        admin_services.remove_responder(current_user, institution, user)
    except admin_services.TeamChangeRefused as refused:
        flash(str(refused.message), "error")
        return redirect(_team_url(institution))
    db.session.commit()
    flash(_("%(name)s was removed from the team.", name=user.display_name), "success")
    return redirect(_team_url(institution))
