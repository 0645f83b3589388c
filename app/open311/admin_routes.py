"""Administrators register the applications that file through Open311, see each key's use, and
revoke keys. A new key is shown once, on the page the registration answers with (never in a
flash message, which would travel in the session cookie), and the page is not cached."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from app.accounts.permissions import requires
from app.extensions import db
from app.open311 import keys
from app.open311.models import ApiClient, Open311Filing

bp = Blueprint("open311_admin", __name__, url_prefix="/admin/api-clients")

ADMIN = "observations.admin"


class ClientForm(FlaskForm):
    name = StringField(
        _l("Application name"),
        validators=[DataRequired(_l("Write the application's name.")), Length(max=120)],
    )
    contact = StringField(
        _l("Who runs it (email or web page)"),
        validators=[Length(max=254)],
        description=_l("Only administrators see this."),
    )
    submit = SubmitField(_l("Register and issue a key"))


class RevokeForm(FlaskForm):
    submit = SubmitField(_l("Revoke key"))


def _page(form: ClientForm, new_key: str | None = None, status: int = 200) -> Response:
    clients = db.session.scalars(
        select(ApiClient).order_by(ApiClient.revoked_at.is_not(None), ApiClient.name)
    ).all()
    filed = dict(
        db.session.execute(
            select(Open311Filing.client_id, func.count(Open311Filing.id)).group_by(
                Open311Filing.client_id
            )
        ).all()
    )
    response = make_response(
        render_template(
            "open311_admin/clients.html",
            form=form,
            clients=clients,
            filed=filed,
            revoke_form=RevokeForm(),
            new_key=new_key,
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("", methods=["GET"])
@requires(ADMIN)
def index() -> ResponseReturnValue:
    return _page(ClientForm())


@bp.route("", methods=["POST"])
@requires(ADMIN)
def create() -> ResponseReturnValue:
    form = ClientForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    _client, key = keys.issue(current_user, form.name.data or "", form.contact.data or "")
    db.session.commit()
    return _page(ClientForm(formdata=None), new_key=key)


@bp.route("/<int:client_id>/revoke", methods=["POST"])
@requires(ADMIN)
def revoke(client_id: int) -> ResponseReturnValue:
    client = db.session.get(ApiClient, client_id)
    if client is None:
        abort(404)
    if RevokeForm().validate_on_submit():
        if keys.revoke(current_user, client):
            flash(_("The key of %(name)s is revoked.", name=client.name), "success")
        db.session.commit()
    return redirect(url_for("open311_admin.index"))


@bp.app_context_processor
def _filed_through() -> dict[str, object]:
    """``filed_through(observation)``: the application that filed it, for the moderators' panel
    of the observation page (one query, only where that panel is drawn)."""

    def filed_through(observation_id: int) -> str | None:
        return db.session.scalar(
            select(ApiClient.name)
            .join(Open311Filing, Open311Filing.client_id == ApiClient.id)
            .where(Open311Filing.observation_id == observation_id)
        )

    return {"filed_through": filed_through}
