"""Forms for the institutions admin and for institution teams.

Built like the other admin forms (app/core/admin_forms.py): names are one input per language,
choices are loaded per request through ``load_choices()`` (so their titles come out in the
reader's language), and validators keep what they looked up for ``to_data()``. Department and
municipality share the programs admin's rule: the municipality must be in the department."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from app.accounts.forms import EMAIL_INVALID
from app.core.admin_forms import (
    AdminForm,
    Translated,
    WholeNumberField,
    int_or_none,
    strip_text,
    translatable,
)
from app.institutions import admin_services
from app.institutions.models import InstitutionKind
from app.observations.admin_forms import MAX_DAYS, MIN_DAYS
from app.programs.admin_fields import TerritoryMixin


@translatable(Translated("names", "name", _l("Name"), required=True, max_length=200), after="kind")
class InstitutionForm(TerritoryMixin, AdminForm):
    kind = SelectField(
        _l("Kind of institution"),
        validators=[DataRequired(_l("Choose the kind of institution."))],
        invalid_choice_message=_l("Choose the kind of institution from the list."),
    )
    acronym = StringField(
        _l("Acronym"),
        validators=[Optional(), Length(max=20, message=_l("Use at most %(max)d characters."))],
        filters=[strip_text],
        description=_l("For example GAMLP. Optional."),
    )
    department_id = SelectField(_l("Department"), coerce=int_or_none, validate_choice=False)
    municipality_id = SelectField(_l("Municipality"), coerce=int_or_none, validate_choice=False)
    contact_email = EmailField(
        _l("Contact email"),
        validators=[
            Optional(),
            Email(EMAIL_INVALID),
            Length(max=254, message=_l("Use at most %(max)d characters.")),
        ],
        filters=[strip_text],
        description=_l("The institution's public address for citizens. Optional."),
    )
    deadline_days = WholeNumberField(
        _l("Own response deadline (working days)"),
        validators=[
            Optional(),
            NumberRange(MIN_DAYS, MAX_DAYS, message=_l("Enter a number from %(min)d to %(max)d.")),
        ],
        description=_l(
            "Optional. When set, it overrides the category's deadline for the observations "
            "accepted from now on; observations already accepted keep theirs. Leave it empty to "
            "use each category's deadline."
        ),
    )
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save the institution"))

    def load_choices(self) -> None:
        self.kind.choices = [("", _l("Choose…")), *InstitutionKind.choices()]
        self.load_territory_choices()

    def to_data(self) -> admin_services.InstitutionData:
        return admin_services.InstitutionData(
            names=self.texts("names"),
            acronym=self.acronym.data or "",
            kind=InstitutionKind(self.kind.data),
            department=self.department,
            municipality=self.municipality,
            contact_email=(self.contact_email.data or "").lower(),
            deadline_days=self.deadline_days.data,
            active=bool(self.active.data),
        )


class InstitutionSearchForm(FlaskForm):
    """The search and kind filter of the institution list (a GET form, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Words to search"), validators=[Optional(), Length(max=200)])
    kind = SelectField(
        _l("Kind of institution"),
        validators=[Optional()],
        invalid_choice_message=_l("Choose the kind of institution from the list."),
    )

    def load_choices(self) -> None:
        self.kind.choices = [("", _l("All kinds")), *InstitutionKind.choices()]


class InstitutionAdminForm(FlaskForm):
    """Give or take a responder's right to manage the team: one button per responder."""

    is_institution_admin = BooleanField(_l("Institution admin"))


class TeamAddForm(FlaskForm):
    email = EmailField(
        _l("Email of the person's account"),
        validators=[
            DataRequired(_l("Enter the email address of the person's account.")),
            Email(EMAIL_INVALID),
            Length(max=254, message=_l("Use at most %(max)d characters.")),
        ],
        filters=[strip_text],
        description=_l(
            "The person must already have a confirmed account on this site. They become a "
            "responder of this institution and get an email."
        ),
    )
    submit = SubmitField(_l("Add to the team"))
