"""Oversight groups: the list, the public page, creating and editing a group, the verification
mark, and the invitation link. Members and roles: ``member_routes``; the shared dashboard, its
CSV and the followed programs: ``dashboard_routes``."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.permissions import require, requires
from app.core.pagination import paginate
from app.extensions import db
from app.groups import dashboard, invitations, services
from app.groups import dashboard_routes as _dashboard_routes  # noqa: F401 - registers its pages
from app.groups import member_routes as _member_routes  # noqa: F401 - registers its pages
from app.groups import permissions as _group_rules  # noqa: F401 - registers the group.* rules
from app.groups.blueprint import bp, group_or_404, viewer
from app.groups.forms import ButtonForm, GroupForm
from app.groups.permissions import membership

__all__ = ["bp"]


@bp.route("/groups")
def index() -> ResponseReturnValue:
    page = paginate(services.listing(), per_page=20)
    person = viewer()
    return render_template(
        "groups/index.html",
        page=page,
        mine=services.groups_of(person) if person is not None else [],
    )


def _render_form(form: GroupForm, group: object = None, status: int = 200) -> ResponseReturnValue:
    return render_template("groups/form.html", form=form, group=group), status


@bp.route("/groups/new", methods=["GET", "POST"])
@requires("group.create")
def new() -> ResponseReturnValue:
    form = GroupForm()
    form.load_choices()
    if form.validate_on_submit():
        group = services.create_group(current_user, form.to_data())
        db.session.commit()
        flash(_("The group was created. You are its coordinator."), "success")
        return redirect(url_for("groups.dashboard", slug=group.slug))
    return _render_form(form, status=400 if request.method == "POST" else 200)


@bp.route("/groups/<slug>")
def detail(slug: str) -> ResponseReturnValue:
    group = group_or_404(slug)
    return render_template(
        "groups/detail.html",
        group=group,
        observations=dashboard.public_observations(group),
        programs=services.followed_programs(group),
        membership=membership(viewer(), group),
        button=ButtonForm(formdata=None),
    )


@bp.route("/groups/<slug>/edit", methods=["GET", "POST"])
def edit(slug: str) -> ResponseReturnValue:
    group = group_or_404(slug)
    require("group.edit", group)
    form = GroupForm(obj=group) if request.method == "GET" else GroupForm()
    form.load_choices()
    if form.validate_on_submit():
        services.update_group(group, form.to_data())
        db.session.commit()
        flash(_("The group's page was saved."), "success")
        return redirect(url_for("groups.detail", slug=group.slug))
    return _render_form(form, group, 400 if request.method == "POST" else 200)


def _set_verified(slug: str, verified: bool) -> ResponseReturnValue:
    group = group_or_404(slug)
    require("group.verify", group)
    if not ButtonForm().validate_on_submit():
        abort(400)
    services.set_verified(group, current_user, verified)
    db.session.commit()
    if verified:
        flash(_("The group is marked as verified."), "success")
    else:
        flash(_("The group is no longer marked as verified."), "success")
    return redirect(url_for("groups.detail", slug=group.slug))


@bp.route("/groups/<slug>/verify", methods=["POST"])
def verify(slug: str) -> ResponseReturnValue:
    return _set_verified(slug, True)


@bp.route("/groups/<slug>/unverify", methods=["POST"])
def unverify(slug: str) -> ResponseReturnValue:
    return _set_verified(slug, False)


@bp.route("/groups/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str) -> ResponseReturnValue:
    """The link in an invitation mail. GET shows the group and asks, POST joins (mail scanners
    that open links join nobody). Only the person signed in with the invited address joins."""
    found = invitations.read_token(token)
    if found is None:
        return render_template("groups/invitation_invalid.html"), 400
    person = viewer()
    form = ButtonForm()
    if request.method == "POST":
        if person is None:
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
        if not form.validate_on_submit():
            abort(400)
        if not found.is_for(person):
            return _invitation_page(found, form, 403)
        if services.add_member(found.group, person):
            flash(
                _("Welcome: you are now a member of %(group)s.", group=found.group.name), "success"
            )
        else:
            flash(_("You were already a member of this group."), "info")
        db.session.commit()
        return redirect(url_for("groups.dashboard", slug=found.group.slug))
    return _invitation_page(found, form)


def _invitation_page(
    found: invitations.Invitation, form: ButtonForm, status: int = 200
) -> ResponseReturnValue:
    person = viewer()
    return (
        render_template(
            "groups/invitation.html",
            group=found.group,
            form=form,
            person=person,
            matches=person is not None and found.is_for(person),
            member=membership(person, found.group) is not None,
        ),
        status,
    )
