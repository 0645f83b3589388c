"""Download my data (``/account/data``): the page that explains the archive and lists the
person's exports, the button that asks for one, and the download. Thin: the work is in
app/accounts/export.py."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SubmitField

from app.accounts import export
from app.accounts.export_archive import CONTENTS
from app.accounts.models import ExportStatus
from app.core.clock import local_today
from app.core.db import utcnow
from app.core.storage import send_stored
from app.extensions import db

bp = Blueprint("account_data", __name__)


class PrepareExportForm(FlaskForm):
    submit = SubmitField(_l("Prepare my data"))


@bp.route("/account/data", methods=["GET", "POST"])
@login_required
def data() -> ResponseReturnValue:
    form = PrepareExportForm()
    if form.validate_on_submit():
        asked = export.request_export(current_user)
        db.session.commit()
        flash(_message(asked), "success")
        return redirect(url_for(".data"))
    now = utcnow()
    exports = export.exports_of(current_user)
    response = render_template(
        "accounts/data.html",
        form=form,
        exports=exports,
        offered=lambda e: export.is_offered(e, now),
        pending=any(e.status == ExportStatus.PENDING for e in exports),
        contents=CONTENTS,
        keep_days=export.setting("EXPORT_KEEP_DAYS"),
    )
    # A POST that did not validate (an expired form): the page again, with the message.
    return response, 400 if request.method == "POST" else 200


def _message(asked: export.Requested) -> str:
    if asked.export.status == ExportStatus.READY:
        if asked.created:
            return _("Your data is ready: download it below.")
        return _("Your data was prepared a moment ago: download it below.")
    if asked.created:
        return _("Your data is being prepared. We will send you an email when it is ready.")
    return _("Your data is already being prepared. We will send you an email when it is ready.")


@bp.route("/account/data/<int:export_id>/download")
@login_required
def download(export_id: int) -> ResponseReturnValue:
    """Only its owner, only while it is offered. Never cached: it is the person's whole data."""
    found = export.find_own(current_user, export_id)
    if found is None or found.status != ExportStatus.READY or found.storage_key is None:
        abort(404)
    if not export.is_offered(found) or found.ready_at is None:
        return render_template(
            "accounts/data_gone.html", keep_days=export.setting("EXPORT_KEEP_DAYS")
        ), 410
    name = f"qhawaq-data-{local_today(found.ready_at).isoformat()}.zip"
    response = send_stored(
        found.storage_key,
        mimetype="application/zip",
        as_attachment=True,
        download_name=name,
        max_age=0,
        etag=f"data-export-{found.id}-{found.size}",
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
