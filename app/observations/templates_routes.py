"""Reusable answer texts an institution keeps, per language (responders of that institution)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.accounts.models import Role, User
from app.accounts.permissions import requires, rule
from app.comments.forms import ActionForm
from app.extensions import db
from app.observations.forms import ResponseTemplateForm
from app.observations.models import ResponseTemplate

bp = Blueprint("response_templates", __name__, url_prefix="/institution/templates")


@rule("institution.templates")
def _may_keep_templates(user: User | None, _obj: object) -> bool:
    return user is not None and user.role == Role.RESPONDER and user.institution_id is not None


def _own(template_id: int) -> ResponseTemplate:
    template = db.session.get(ResponseTemplate, template_id)
    if template is None or template.institution_id != current_user.institution_id:
        abort(404)  # another institution's templates do not exist for this responder
    return template


@bp.route("/")
@requires("institution.templates")
def index():  # type: ignore[no-untyped-def]
    templates = db.session.scalars(
        select(ResponseTemplate)
        .where(ResponseTemplate.institution_id == current_user.institution_id)
        .order_by(ResponseTemplate.language, ResponseTemplate.title)
    ).all()
    return render_template(
        "response_templates/index.html", templates=templates, delete_form=ActionForm()
    )


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:template_id>/edit", methods=["GET", "POST"])
@requires("institution.templates")
def edit(template_id: int | None = None):  # type: ignore[no-untyped-def]
    template = _own(template_id) if template_id else None
    form = ResponseTemplateForm(obj=template)
    if template is None and not form.is_submitted():
        form.language.data = current_user.language
    if form.validate_on_submit():
        if template is None:
            template = ResponseTemplate(institution_id=current_user.institution_id)
            db.session.add(template)
        template.title = form.title.data.strip()
        template.language = form.language.data
        template.body = form.body.data.strip()
        db.session.commit()
        flash(_("The template was saved."), "success")
        return redirect(url_for("response_templates.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("response_templates/form.html", form=form, template=template), status


@bp.route("/<int:template_id>/delete", methods=["POST"])
@requires("institution.templates")
def delete(template_id: int):  # type: ignore[no-untyped-def]
    template = _own(template_id)
    if ActionForm().validate_on_submit():
        db.session.delete(template)
        db.session.commit()
        flash(_("The template was deleted."), "success")
    return redirect(url_for("response_templates.index"))
