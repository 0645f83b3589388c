"""Administrators keep the list of moderation reasons and their per-language messages.
Reasons are never deleted (the log points at them): deactivate one to stop offering it.
The pages are ``app.core.crud.CrudView`` pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, url_for
from flask_babel import lazy_gettext as _l

from app.accounts.permissions import requires
from app.core.crud import CrudView
from app.extensions import db
from app.moderation.forms import ReasonEditForm
from app.moderation.reason_models import ModerationReason, ReasonKind
from app.moderation.reasons import reasons as all_reasons

bp = Blueprint("moderation_reasons", __name__, url_prefix="/admin/moderation-reasons")


class ReasonPages(CrudView):
    model = ModerationReason
    id_arg = "reason_id"
    form = ReasonEditForm
    decorators = (requires("moderation.reasons"),)
    list_template = "moderation/reasons.html"
    form_template = "moderation/reason_form.html"
    object_name = "reason"
    saved_message = _l("The reason was saved.")

    def list_context(self) -> dict[str, Any]:
        return {
            "kinds": [(kind, all_reasons(kind, active_only=False)) for kind in ReasonKind],
        }

    def save(self, record: ModerationReason | None, form: ReasonEditForm) -> ModerationReason:
        if record is None:
            record = ModerationReason(key=form.key.data)
            db.session.add(record)
        record.key = form.key.data
        record.kind = ReasonKind(form.kind.data)
        record.titles = form.texts("titles")
        record.messages = form.texts("messages")
        record.position = form.position.data or 0
        record.active = form.active.data
        return record

    def next_url(self, saved: ModerationReason) -> str:
        return url_for("moderation_reasons.index")


ReasonPages.register(
    bp,
    index=("", "index"),
    new=("/new", "new"),
    edit=("/<int:reason_id>", "edit"),
)
