from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app.comments.forms import ActionForm
from app.core.pagination import paginate
from app.extensions import db
from app.notifications import services
from app.notifications.models import Notification
from app.programs.models import Program

bp = Blueprint("notifications", __name__)


@bp.route("/notifications")
@login_required
def index():  # type: ignore[no-untyped-def]
    page = paginate(
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()),
        per_page=30,
    )
    program_ids = {n.program_id for n in page.items if n.program_id}
    programs = (
        {p.id: p for p in db.session.scalars(select(Program).where(Program.id.in_(program_ids)))}
        if program_ids
        else {}
    )
    items = [
        (n, programs.get(n.program_id), services.render_text(n, programs.get(n.program_id)))
        for n in page.items
    ]
    return render_template("notifications/index.html", page=page, items=items, form=ActionForm())


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_read():  # type: ignore[no-untyped-def]
    if ActionForm().validate_on_submit():
        services.mark_all_read(current_user.id)
        db.session.commit()
    return redirect(url_for("notifications.index"))
