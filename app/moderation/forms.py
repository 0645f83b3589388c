"""Moderation forms. Reason lists come from the database per request (in the reader's
language), set in ``__init__`` as WTForms wants."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.core.admin_forms import (
    AdminForm,
    DayField,
    Translated,
    WholeNumberField,
    check_key,
    int_or_none,
    strip_text,
    translatable,
)
from app.core.honeypot import HoneypotMixin
from app.moderation.models import FlagReason
from app.moderation.reason_models import BUILTIN_REASONS, ModerationReason, ReasonKind
from app.moderation.reasons import reason_of_kind, reasons

NOTE = TextAreaField(
    _l("Note for the moderation log (moderators only)"),
    validators=[Optional(), Length(max=2000, message=_l("Use at most %(max)d characters."))],
    filters=[strip_text],
)


def _reason_field(required: bool = True) -> SelectField:
    validators: list[Any] = [InputRequired(_l("Choose a reason."))] if required else [Optional()]
    return SelectField(_l("Reason"), coerce=int_or_none, validators=validators)


def reason_choices(kind: str | None, blank: bool = True) -> list[tuple[object, str]]:
    choices: list[tuple[object, str]] = [("", str(_l("Choose…")))] if blank else []
    return choices + [(r.id, str(r.title)) for r in reasons(kind)]


class _ReasonForm(FlaskForm):
    #: The kind of reason this form's action takes; only those are offered and accepted.
    reason_kind: str | None = ReasonKind.CONTENT

    def __init__(
        self, *args: Any, choices: list[tuple[object, str]] | None = None, **kwargs: Any
    ) -> None:
        """``choices``: the reason list when the page has several of these forms (one query)."""
        super().__init__(*args, **kwargs)
        self.reason_id.choices = reason_choices(self.reason_kind) if choices is None else choices

    def validate_reason_id(self, field: SelectField) -> None:
        if field.data is None:
            if field.flags.required:  # sent, but not a number any reason can have
                raise ValidationError(_l("Choose a reason."))
            return
        if reason_of_kind(field.data, self.reason_kind) is None:
            raise ValidationError(_l("Choose one of the reasons offered for this action."))

    @property
    def reason(self) -> ModerationReason | None:
        return reason_of_kind(self.reason_id.data, self.reason_kind)


class HideForm(_ReasonForm):
    reason_id = _reason_field()
    note = NOTE


class RestoreForm(_ReasonForm):
    """Restoring hidden content or dismissing its reports: the review reasons."""

    reason_kind = ReasonKind.REVIEW
    reason_id = _reason_field(required=False)
    note = NOTE


class BulkFlagsForm(_ReasonForm):
    """One reason list grouped by what it is for; the chosen action must match the group."""

    reason_kind = None
    action = RadioField(
        _l("What to do with the selected items"),
        choices=[],
        validators=[DataRequired(_l("Choose what to do."))],
    )
    reason_id = _reason_field(required=False)
    note = NOTE

    #: The kind of reason each bulk action takes.
    KINDS = {"hide": ReasonKind.CONTENT, "restore": ReasonKind.REVIEW, "dismiss": ReasonKind.REVIEW}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.action.choices = [
            ("hide", _l("Hide them (the authors are told why)")),
            ("restore", _l("Restore them (they were hidden)")),
            ("dismiss", _l("Dismiss the reports (nothing against the rules)")),
        ]
        self.reason_id.choices = {
            "": [("", str(_l("Choose…")))],
            str(_l("For hiding")): reason_choices(ReasonKind.CONTENT, blank=False),
            str(_l("For restoring or dismissing reports")): reason_choices(
                ReasonKind.REVIEW, blank=False
            ),
        }

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if not ok:
            return False
        kind = self.KINDS.get(self.action.data or "")
        if self.action.data == "hide" and self.reason_id.data is None:
            self.reason_id.errors = [_l("Choose a reason.")]
            return False
        if self.reason_id.data is not None and reason_of_kind(self.reason_id.data, kind) is None:
            self.reason_id.errors = [_l("Choose one of the reasons offered for this action.")]
            return False
        return True

    @property
    def reason(self) -> ModerationReason | None:
        return reason_of_kind(self.reason_id.data, self.KINDS.get(self.action.data or ""))


class RedactForm(_ReasonForm):
    spans = TextAreaField(
        _l("Text to remove"),
        validators=[DataRequired(_l("Write the text to remove."))],
        description=_l(
            "One piece per line, exactly as it appears (capital letters do not matter). Every "
            "occurrence is replaced by “[removed: personal data]” in all the texts of this item."
        ),
    )
    clear_location = BooleanField(_l("Also remove the map coordinates"))
    reason_id = _reason_field()
    note = NOTE


class DetailsForm(FlaskForm):
    category_id = SelectField(_l("Category"), coerce=int_or_none, validators=[Optional()])
    department = SelectField(_l("Department"), validators=[Optional()])
    municipality = SelectField(_l("Municipality"), validators=[Optional()])
    note = NOTE


class BlockForm(_ReasonForm):
    reason_id = _reason_field()
    until = DayField(
        _l("Blocked until (optional)"),
        validators=[Optional()],
        description=_l(
            "The block ends at the start of this day (La Paz time). Leave it empty to block "
            "until a moderator lifts it."
        ),
    )
    hide_content = BooleanField(
        _l("Also hide their visible comments and their observations awaiting moderation")
    )
    note = NOTE


class UnblockForm(FlaskForm):
    note = NOTE


class ReportForm(HoneypotMixin, FlaskForm):
    """A citizen's report of an observation."""

    reason = RadioField(
        _l("Why should moderators look at this observation?"),
        validators=[DataRequired(_l("Choose a reason."))],
    )
    details = TextAreaField(
        _l("Details (optional)"),
        validators=[Optional(), Length(max=500, message=_l("Use at most 500 characters."))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reason.choices = [c for c in FlagReason.choices() if c[0] != FlagReason.OFF_TOPIC]


@translatable(
    Translated("titles", "title", _l("Title"), max_length=120),
    Translated(
        "messages", "message", _l("Message to the person affected"), textarea=True, max_length=2000
    ),
    after="kind",
)
class ReasonEditForm(AdminForm):
    key = StringField(
        _l("Key"),
        validators=[DataRequired(_l("Enter a key.")), Length(max=40)],
        filters=[strip_text],
    )
    kind = SelectField(_l("Used for"), validators=[DataRequired()])
    position = WholeNumberField(_l("Position in lists"), default=0, validators=[Optional()])
    active = BooleanField(_l("Offered to moderators"), default=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = ReasonKind.choices()

    def validate_key(self, field: Any) -> None:
        check_key(field, ModerationReason, self.editing, _l("Another reason has this key."))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.key.data not in BUILTIN_REASONS and not self.texts("titles").get("es"):
            self.title_es.errors = [_l("Write it at least in Spanish.")]
            return False
        return ok
