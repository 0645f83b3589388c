"""Administrators keep the list of moderation reasons and their per-language messages.
Reasons are never deleted (the log points at them): deactivate one to stop offering it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from app.accounts.permissions import requires
from app.extensions import db
from app.moderation.forms import ReasonEditForm
from app.moderation.models import ModerationReason, ReasonKind
from app.moderation.services import reasons as all_reasons

bp = Blueprint("moderation_reasons", __name__, url_prefix="/admin/moderation-reasons")


@bp.route("")
@requires("moderation.reasons")
def index():  # type: ignore[no-untyped-def]
    return render_template(
        "moderation/reasons.html",
        rejection=all_reasons(ReasonKind.REJECTION, active_only=False),
        content=all_reasons(ReasonKind.CONTENT, active_only=False),
        review=all_reasons(ReasonKind.REVIEW, active_only=False),
    )


@bp.route("/new", methods=["GET", "POST"])
@requires("moderation.reasons")
def new():  # type: ignore[no-untyped-def]
    return _form(None)


@bp.route("/<int:reason_id>", methods=["GET", "POST"])
@requires("moderation.reasons")
def edit(reason_id: int):  # type: ignore[no-untyped-def]
    reason = db.session.get(ModerationReason, reason_id)
    if reason is None:
        abort(404)
    return _form(reason)


def _form(reason: ModerationReason | None):  # type: ignore[no-untyped-def]
    form = ReasonEditForm(editing=reason)
    if form.validate_on_submit():
        if reason is None:
            reason = ModerationReason(key=form.key.data)
            db.session.add(reason)
        reason.key = form.key.data
        reason.kind = ReasonKind(form.kind.data)
        reason.titles = form.texts("titles")
        reason.messages = form.texts("messages")
        reason.position = form.position.data or 0
        reason.active = form.active.data
        db.session.commit()
        flash(_("The reason was saved."), "success")
        return redirect(url_for("moderation_reasons.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("moderation/reason_form.html", form=form, reason=reason), status
