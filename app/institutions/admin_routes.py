"""Admin pages for institutions: the list (search, kind filter, responders count), the form
(names per language, kind, territory, contact, deadline override, active) and, on the edit page,
its responders with who may manage the team.

For site admins only (``institutions.admin``). Each POST is: validate the form, call one admin
service, commit once, redirect with a flash; an invalid form comes back (400) with what was
typed and nothing written (the list and the form are ``app.core.crud.CrudView`` pages).
Institutions are never deleted (observations, plans and accounts point at them): they are
deactivated instead."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.accounts.permissions import requires
from app.core.crud import CrudView
from app.core.pagination import requested_page
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


class InstitutionPages(CrudView):
    """The edit page also lists the institution's responders, with who may manage the team."""

    model = Institution
    id_arg = "institution_id"
    form = InstitutionForm
    decorators = (requires(ADMIN),)
    list_template = "institutions_admin/institutions.html"
    form_template = "institutions_admin/institution_form.html"
    object_name = "institution"
    saved_message = _l("The institution was saved.")

    def list_context(self) -> dict[str, Any]:
        form = InstitutionSearchForm(request.args)
        form.load_choices()
        valid = form.validate()
        kind = InstitutionKind(form.kind.data) if valid and form.kind.data else None
        page = admin_services.institution_page(
            (form.q.data or "") if valid else "",
            kind,
            requested_page(),
        )
        return {
            "form": form,
            "page": page,
            "counts": admin_services.responder_counts([i.id for i in page.items]),
        }

    def save(self, record: Institution | None, form: InstitutionForm) -> Institution:
        return admin_services.save_institution(record, form.to_data())

    def next_url(self, saved: Institution) -> str:
        return url_for("institutions_admin.edit_institution", institution_id=saved.id)

    def form_context(self, record: Institution | None) -> dict[str, Any]:
        return {
            "responders": admin_services.responders(record) if record else [],
            "admin_form": InstitutionAdminForm(formdata=None),
        }


InstitutionPages.register(
    bp,
    index=("/institutions", "institutions"),
    new=("/institutions/new", "new_institution"),
    edit=("/institutions/<int:institution_id>/edit", "edit_institution"),
)


@bp.route("/institutions/<int:institution_id>/responders/<int:user_id>/admin", methods=["POST"])
@requires(ADMIN)
def set_team_admin(institution_id: int, user_id: int) -> ResponseReturnValue:
    institution = db.get_or_404(Institution, institution_id)
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
