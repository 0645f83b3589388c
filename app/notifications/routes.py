from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.core.i18n import current_language
from app.core.pagination import paginate
from app.extensions import db
from app.notifications import services
from app.notifications.forms import MarkReadForm
from app.notifications.models import Notification

bp = Blueprint("notifications", __name__)


@bp.route("/notifications")
@login_required
def index() -> str:
    page = paginate(
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .options(selectinload(Notification.program))
        .order_by(Notification.created_at.desc(), Notification.id.desc()),
        per_page=30,
    )
    lang = current_language()
    entries = [services.entry(note, lang) for note in page.items]
    return render_template(
        "notifications/index.html", page=page, entries=entries, form=MarkReadForm()
    )


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_read() -> Response:
    if MarkReadForm().validate_on_submit():
        services.mark_all_read(current_user.id)
        db.session.commit()
    return redirect(url_for("notifications.index"))
