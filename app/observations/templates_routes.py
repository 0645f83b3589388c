"""Reusable answer texts an institution keeps, per language (responders of that institution).
The list and the form are ``app.core.crud.CrudView`` pages; "new" and "edit" share one
endpoint (``response_templates.edit``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.accounts.permissions import requires
from app.comments.forms import ActionForm
from app.core.crud import CrudView
from app.extensions import db
from app.observations.forms import ResponseTemplateForm
from app.observations.models import ResponseTemplate
from app.observations.permissions import can

bp = Blueprint("response_templates", __name__, url_prefix="/institution/templates")


def _own(template_id: int) -> ResponseTemplate:
    template = db.get_or_404(ResponseTemplate, template_id)
    if not can(current_user, "response_template.edit", template):
        abort(404)  # another institution's templates do not exist for this responder
    return template


class TemplatePages(CrudView):
    model = ResponseTemplate
    id_arg = "template_id"
    form = ResponseTemplateForm
    decorators = (requires("institution.templates"),)
    list_template = "response_templates/index.html"
    form_template = "response_templates/form.html"
    object_name = "template"
    saved_message = _l("The template was saved.")

    def list_context(self) -> dict[str, Any]:
        templates = db.session.scalars(
            select(ResponseTemplate)
            .where(ResponseTemplate.institution_id == current_user.institution_id)
            .order_by(ResponseTemplate.language, ResponseTemplate.title)
        ).all()
        return {"templates": templates, "delete_form": ActionForm()}

    def load(self) -> ResponseTemplate:
        return _own(self.view_args["template_id"])

    def make_form(self, record: ResponseTemplate | None) -> ResponseTemplateForm:
        form = ResponseTemplateForm(obj=record)
        if record is None and not form.is_submitted():
            form.language.data = current_user.language
        return form

    def save(self, record: ResponseTemplate | None, form: ResponseTemplateForm) -> ResponseTemplate:
        if record is None:
            record = ResponseTemplate(institution_id=current_user.institution_id)
            db.session.add(record)
        record.title = form.title.data.strip()
        record.language = form.language.data
        record.body = form.body.data.strip()
        return record

    def next_url(self, saved: ResponseTemplate) -> str:
        return url_for("response_templates.index")


TemplatePages.register(
    bp,
    index=("/", "index"),
    new=("/new", "edit"),
    edit=("/<int:template_id>/edit", "edit"),
)


@bp.route("/<int:template_id>/delete", methods=["POST"])
@requires("institution.templates")
def delete(template_id: int) -> ResponseReturnValue:
    template = _own(template_id)
    if ActionForm().validate_on_submit():
        db.session.delete(template)
        db.session.commit()
        flash(_("The template was deleted."), "success")
    return redirect(url_for("response_templates.index"))
