"""Admin pages for institutions: the list (search, kind filter, responders count), the form
(names per language, kind, territory, contact, deadline override, active) and, on the edit page,
its responders with who may manage the team.

For site admins only (``institutions.admin``). Each POST is: validate the form, call one admin
service, commit once, redirect with a flash; an invalid form comes back (400) with what was
typed and nothing written. Institutions are never deleted (observations, plans and accounts
point at them): they are deactivated instead."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.permissions import requires
from app.core.urls import bounded_int
from app.extensions import db
from app.institutions import admin_services
from app.institutions.admin_forms import (
    InstitutionAdminForm,
    InstitutionForm,
    InstitutionSearchForm,
)
from app.institutions.models import Institution, InstitutionKind

bp = Blueprint("institutions_admin", __name__, url_prefix="/admin")

ADMIN = "institutions.admin"


def _get(institution_id: int) -> Institution:
    found = db.session.get(Institution, institution_id)
    if found is None:
        abort(404)
    return found


@bp.route("/institutions")
@requires(ADMIN)
def institutions():  # type: ignore[no-untyped-def]
    form = InstitutionSearchForm(request.args)
    form.load_choices()
    valid = form.validate()
    kind = InstitutionKind(form.kind.data) if valid and form.kind.data else None
    page = admin_services.institution_page(
        (form.q.data or "") if valid else "",
        kind,
        request.args.get("page", 1, type=bounded_int) or 1,
    )
    return render_template(
        "institutions_admin/institutions.html",
        form=form,
        page=page,
        counts=admin_services.responder_counts([i.id for i in page.items]),
    )


@bp.route("/institutions/new", methods=["GET", "POST"])
@requires(ADMIN)
def new_institution():  # type: ignore[no-untyped-def]
    return _institution_form(None)


@bp.route("/institutions/<int:institution_id>/edit", methods=["GET", "POST"])
@requires(ADMIN)
def edit_institution(institution_id: int):  # type: ignore[no-untyped-def]
    return _institution_form(_get(institution_id))


def _institution_form(institution: Institution | None):  # type: ignore[no-untyped-def]
    form = InstitutionForm(editing=institution)
    form.load_choices()
    if form.validate_on_submit():
        saved = admin_services.save_institution(institution, form.to_data())
        db.session.commit()
        flash(_("The institution was saved."), "success")
        return redirect(url_for("institutions_admin.edit_institution", institution_id=saved.id))
    code = 400 if form.is_submitted() else 200
    return (
        render_template(
            "institutions_admin/institution_form.html",
            form=form,
            institution=institution,
            responders=admin_services.responders(institution) if institution else [],
            admin_form=InstitutionAdminForm(formdata=None),
        ),
        code,
    )


@bp.route("/institutions/<int:institution_id>/responders/<int:user_id>/admin", methods=["POST"])
@requires(ADMIN)
def set_team_admin(institution_id: int, user_id: int):  # type: ignore[no-untyped-def]
    institution = _get(institution_id)
    user = admin_services.responder_of(institution, user_id)
    if user is None:
        abort(404)
    form = InstitutionAdminForm()
    if not form.validate_on_submit():
        abort(400)
    value = bool(form.is_institution_admin.data)
    admin_services.set_institution_admin(current_user, institution, user, value)
    db.session.commit()
    if value:
        flash(_("%(name)s can now manage the team.", name=user.display_name), "success")
    else:
        flash(_("%(name)s can no longer manage the team.", name=user.display_name), "success")
    return redirect(
        url_for("institutions_admin.edit_institution", institution_id=institution.id)
        + "#responders"
    )
