from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    DecimalField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.core.admin_forms import int_or_none
from app.core.honeypot import HoneypotMixin
from app.extensions import db
from app.observations.models import ActingAs, ClosedOutcome, IdentityLevel


class ObservationForm(HoneypotMixin, FlaskForm):
    """The filing form. Drafts may be saved incomplete; filing checks everything."""

    token = HiddenField()
    program_id = HiddenField()
    institution_id = SelectField(
        _l("Institution the observation is about"),
        coerce=int_or_none,
        validate_choice=False,
        description=_l("When it is about a program, its institution is chosen for you."),
    )
    category_id = SelectField(_l("Category"), coerce=int_or_none, validate_choice=False)
    title = StringField(
        _l("Title"),
        validators=[Length(max=200, message=_l("Use at most %(max)d characters."))],
        description=_l("One line that says what happened, e.g. “Works stopped since March”."),
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Length(max=10000, message=_l("Use at most %(max)d characters."))],
        description=_l("What you saw, where, since when, and what you ask the institution."),
    )
    department = SelectField(_l("Department"), validate_choice=False)
    municipality = SelectField(_l("Municipality"), validate_choice=False)
    place_description = StringField(
        _l("Place (optional)"),
        validators=[Length(max=300)],
        description=_l("A description that helps find the place: street, community, landmark."),
    )
    latitude = DecimalField(
        _l("Latitude (optional)"),
        places=None,
        validators=[Optional(), NumberRange(-23.0, -9.5, _l("That point is not in Bolivia."))],
    )
    longitude = DecimalField(
        _l("Longitude (optional)"),
        places=None,
        validators=[Optional(), NumberRange(-69.7, -57.4, _l("That point is not in Bolivia."))],
    )
    acting_as = RadioField(_l("You file this"), default=ActingAs.INDIVIDUAL.value)
    actor_type_id = SelectField(
        _l("Type of social-control actor"), coerce=int_or_none, validate_choice=False
    )
    organisation_name = StringField(_l("Organisation name"), validators=[Length(max=200)])
    #: The protective choice is the default: the public does not see the name.
    identity = RadioField(_l("Who may see that you filed it?"), default=IdentityLevel.HIDDEN.value)
    evidence = MultipleFileField(
        _l("Evidence (optional)"),
        description=_l(
            "Up to 5 files: photos (JPEG, PNG, WebP) or PDF documents, 10 MB each. Photos are "
            "cleaned of hidden data such as the GPS position before they are stored."
        ),
    )
    save_draft = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("File observation"))

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.acting_as.choices = [(a.value, a.title) for a in ActingAs]
        self.identity.choices = [(i.value, i.title) for i in IdentityLevel]

    def validate_for_filing(self) -> bool:
        """Everything a filed observation needs (drafts skip this)."""
        ok = True

        def need(field, message) -> None:  # type: ignore[no-untyped-def]
            nonlocal ok
            if not field.data:
                field.errors = [*field.errors, message]
                ok = False

        need(self.category_id, _l("Choose a category."))
        offered = {value for value, _label in self.category_id.choices or []}
        if self.category_id.data and self.category_id.data not in offered:
            # e.g. a category deactivated while the form was open
            self.category_id.errors = [*self.category_id.errors, _l("Choose a category.")]
            ok = False
        need(self.title, _l("Write a title."))
        need(self.description, _l("Describe what you observed."))
        need(self.department, _l("Choose a department."))
        if not self.program_id.data:
            need(self.institution_id, _l("Choose the institution."))
        if self.title.data and len(self.title.data.strip()) < 5:
            self.title.errors = [*self.title.errors, _l("Write at least 5 characters.")]
            ok = False
        if self.description.data and len(self.description.data.strip()) < 20:
            self.description.errors = [
                *self.description.errors,
                _l("Write at least 20 characters so the institution understands."),
            ]
            ok = False
        if self.acting_as.data == ActingAs.ORGANISATION.value:
            need(self.organisation_name, _l("Write the organisation's name."))
        if (self.latitude.data is None) != (self.longitude.data is None):
            self.longitude.errors = [
                *self.longitude.errors,
                _l("Give both latitude and longitude, or neither."),
            ]
            ok = False
        return ok


class LookupForm(FlaskForm):
    class Meta:
        csrf = False

    code = StringField(
        _l("Tracking code"),
        validators=[DataRequired(_l("Write the code, e.g. CS-2026-00042.")), Length(max=40)],
    )


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

    def validate_reason_id(self, field):  # type: ignore[no-untyped-def]
        from app.moderation.models import ModerationReason

        if not field.data or db.session.get(ModerationReason, field.data) is None:
            raise ValidationError(_l("Choose a reason."))


class AcceptForm(FlaskForm):
    institution_id = SelectField(
        _l("Forward to institution"), coerce=int_or_none, validate_choice=False
    )
    submit = SubmitField(_l("Accept and forward"))

    def validate_institution_id(self, field):  # type: ignore[no-untyped-def]
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

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.outcome.choices = [(o.value, o.title) for o in ClosedOutcome]


class ButtonForm(FlaskForm):
    submit = SubmitField()


class ListFilterForm(FlaskForm):
    class Meta:
        csrf = False

    state = SelectField(_l("State"), validate_choice=False)
    category = SelectField(_l("Category"), coerce=int_or_none, validate_choice=False)
    institution = SelectField(_l("Institution"), coerce=int_or_none, validate_choice=False)
    department = SelectField(_l("Department"), validate_choice=False)
    program = HiddenField(_l("Program"))


SATISFACTION_CHOICES = [
    ("5", _l("5 — Very satisfied")),
    ("4", _l("4 — Satisfied")),
    ("3", _l("3 — Neither satisfied nor dissatisfied")),
    ("2", _l("2 — Dissatisfied")),
    ("1", _l("1 — Very dissatisfied")),
]


class _Satisfaction:
    def _satisfaction_choices(self) -> None:
        self.satisfaction.choices = [(v, str(label)) for v, label in SATISFACTION_CHOICES]  # type: ignore[attr-defined]


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

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        from app.observations.models import AnswerOutcome

        self.outcome.choices = [(o.value, o.title) for o in AnswerOutcome]


class VerdictForm(_Satisfaction, FlaskForm):
    """The filer accepts the answer, with an optional satisfaction score."""

    satisfaction = RadioField(
        _l("How satisfied are you with the answer? (optional)"), validators=[Optional()]
    )
    submit = SubmitField(_l("Accept the answer"))

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
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

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
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

    def validate_institution_id(self, field):  # type: ignore[no-untyped-def]
        if not field.data:
            raise ValidationError(_l("Choose the institution."))


class ResponseTemplateForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("Write a title.")), Length(max=120)],
        description=_l("Only your institution's responders see it."),
    )
    language = SelectField(_l("Language of the text"))
    body = TextAreaField(
        _l("Text"),
        validators=[
            DataRequired(_l("Write the text.")),
            Length(max=10000, message=_l("Use at most %(max)d characters.")),
        ],
    )
    submit = SubmitField(_l("Save the template"))

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        from app.core.i18n import language_names

        self.language.choices = language_names()
