"""The forms of the lifecycle actions on the observation page (each action in ``lifecycle`` names
its form)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.core.admin_forms import int_or_none
from app.extensions import db
from app.moderation.reason_models import ModerationReason
from app.observations.models import AnswerOutcome, ClosedOutcome


class NoteForm(FlaskForm):
    """A transition that carries public text (reason, question, clarification, answer)."""

    note = TextAreaField(
        _l("Text"),
        validators=[
            DataRequired(_l("Write the text.")),
            Length(max=10000, message=_l("Use at most %(max)d characters.")),
        ],
    )
    submit = SubmitField(_l("Send"))


class RejectForm(FlaskForm):
    """A reason from the editable list (its message goes to the filer in their language), and
    an optional public note."""

    reason_id = SelectField(_l("Reason"), coerce=int_or_none, validate_choice=False)
    note = TextAreaField(
        _l("Additional explanation (optional, public)"),
        validators=[Optional(), Length(max=10000, message=_l("Use at most %(max)d characters."))],
    )
    submit = SubmitField(_l("Reject"))

    def validate_reason_id(self, field: SelectField) -> None:
        if not field.data or db.session.get(ModerationReason, field.data) is None:
            raise ValidationError(_l("Choose a reason."))


class AcceptForm(FlaskForm):
    institution_id = SelectField(
        _l("Forward to institution"), coerce=int_or_none, validate_choice=False
    )
    submit = SubmitField(_l("Accept and forward"))

    def validate_institution_id(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError(_l("Choose the institution."))


class DuplicateForm(FlaskForm):
    original = StringField(
        _l("Tracking code of the original observation"),
        validators=[DataRequired(_l("Write the code, e.g. CS-2026-00042."))],
    )
    submit = SubmitField(_l("Mark as duplicate"))


class CloseForm(FlaskForm):
    outcome = SelectField(_l("Outcome"))
    note = TextAreaField(
        _l("Reason"), validators=[DataRequired(_l("Write the text.")), Length(max=10000)]
    )
    submit = SubmitField(_l("Close"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outcome.choices = [(o.value, o.title) for o in ClosedOutcome]


class ButtonForm(FlaskForm):
    submit = SubmitField()


SATISFACTION_CHOICES = [
    ("5", _l("5 — Very satisfied")),
    ("4", _l("4 — Satisfied")),
    ("3", _l("3 — Neither satisfied nor dissatisfied")),
    ("2", _l("2 — Dissatisfied")),
    ("1", _l("1 — Very dissatisfied")),
]


class _Satisfaction:
    satisfaction: RadioField

    def _satisfaction_choices(self) -> None:
        self.satisfaction.choices = [(v, str(label)) for v, label in SATISFACTION_CHOICES]


class AnswerForm(FlaskForm):
    """The institution's answer: public text, what it amounts to, and documents."""

    note = TextAreaField(
        _l("Answer"),
        validators=[
            DataRequired(_l("Write the text.")),
            Length(max=10000, message=_l("Use at most %(max)d characters.")),
        ],
        description=_l("Published on the observation's page under the institution's name."),
    )
    outcome = RadioField(
        _l("What does the answer amount to?"),
        validators=[DataRequired(_l("Choose what the answer amounts to."))],
    )
    attachments = MultipleFileField(
        _l("Documents (optional)"),
        description=_l("Up to 5 files: PDF documents or photos (JPEG, PNG, WebP), 10 MB each."),
    )
    submit = SubmitField(_l("Send the answer"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outcome.choices = [(o.value, o.title) for o in AnswerOutcome]


class VerdictForm(_Satisfaction, FlaskForm):
    """The filer accepts the answer, with an optional satisfaction score."""

    satisfaction = RadioField(
        _l("How satisfied are you with the answer? (optional)"), validators=[Optional()]
    )
    submit = SubmitField(_l("Accept the answer"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._satisfaction_choices()


class DisputeForm(_Satisfaction, FlaskForm):
    note = TextAreaField(
        _l("Why is the answer not enough?"),
        validators=[
            DataRequired(_l("Write the text.")),
            Length(max=10000, message=_l("Use at most %(max)d characters.")),
        ],
    )
    satisfaction = RadioField(
        _l("How satisfied are you with the answer? (optional)"), validators=[Optional()]
    )
    submit = SubmitField(_l("Dispute the answer"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._satisfaction_choices()


class TransferForm(FlaskForm):
    institution_id = SelectField(
        _l("Institution that should answer"), coerce=int_or_none, validate_choice=False
    )
    note = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(_l("Write the text.")),
            Length(max=10000, message=_l("Use at most %(max)d characters.")),
        ],
        description=_l("A moderator confirms or declines the transfer."),
    )
    submit = SubmitField(_l("Propose the transfer"))

    def validate_institution_id(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError(_l("Choose the institution."))
