"""Admin forms for observation categories, actor types and holidays.

Built like the programs admin forms (app/core/admin_forms.py): names are one input per
language, choices come from the database through ``load_choices()``, and validators keep what
they looked up so ``to_data()`` needs no second lookup."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.validators import ValidationError as FieldError

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
from app.core.i18n import current_language
from app.core.workdays import holiday_names_language
from app.extensions import db
from app.institutions.models import Institution
from app.observations import admin_services
from app.observations.models import ActorType, Category, HolidayScope
from app.programs import admin_services as programs_admin
from app.programs.admin_fields import validated
from app.territory.models import Department

#: Working days an admin may give a category: 1 to about six months.
MIN_DAYS, MAX_DAYS = 1, 130


def _key_field() -> StringField:
    return StringField(
        _l("Key"),
        validators=[
            DataRequired(_l("Enter a key.")),
            Length(max=40, message=_l("Use at most %(max)d characters.")),
        ],
        filters=[strip_text],
        description=_l(
            "Lower-case letters, digits, - and _. It stays the same when the names change."
        ),
    )


def _position_field() -> WholeNumberField:
    return WholeNumberField(
        _l("Position in lists"),
        default=0,
        validators=[
            InputRequired(_l("Enter a position, like 0.")),
            NumberRange(0, 10000, message=_l("Enter a number from 0 to 10000.")),
        ],
    )


# --- categories -----------------------------------------------------------------------------


@translatable(Translated("names", "name", _l("Name"), required=True, max_length=120), after="key")
class CategoryForm(AdminForm):
    key = _key_field()
    deadline_days = WholeNumberField(
        _l("Response deadline (working days)"),
        default=15,
        validators=[
            InputRequired(_l("Enter the number of working days.")),
            NumberRange(
                MIN_DAYS,
                MAX_DAYS,
                message=_l("Enter a number from %(min)d to %(max)d."),
            ),
        ],
        description=_l(
            "Counted from the day after the observation is accepted. Information requests: 15 "
            "working days (DS 28168, Art. 13). An institution's own deadline takes precedence. "
            "A change applies to observations accepted from now on."
        ),
    )
    position = _position_field()
    active = BooleanField(_l("Offered on the filing form"), default=True)
    submit = SubmitField(_l("Save the category"))

    def validate_key(self, field: StringField) -> None:
        check_key(field, Category, self.editing, _l("Another category already has this key."))

    def to_data(self) -> admin_services.CategoryData:
        return admin_services.CategoryData(
            key=self.key.data,
            names=self.texts("names"),
            deadline_days=validated(self.deadline_days.data),
            position=validated(self.position.data),
            active=bool(self.active.data),
        )


# --- actor types ----------------------------------------------------------------------------


@translatable(Translated("names", "name", _l("Name"), required=True, max_length=120), after="key")
class ActorTypeForm(AdminForm):
    key = _key_field()
    position = _position_field()
    submit = SubmitField(_l("Save the actor type"))

    def validate_key(self, field: StringField) -> None:
        check_key(field, ActorType, self.editing, _l("Another actor type already has this key."))

    def to_data(self) -> admin_services.ActorTypeData:
        return admin_services.ActorTypeData(
            key=self.key.data, names=self.texts("names"), position=validated(self.position.data)
        )


# --- holidays -------------------------------------------------------------------------------


class HolidayForm(AdminForm):
    on_date = DayField(_l("Date"), validators=[InputRequired(_l("Enter the date of the holiday."))])
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Enter the name of the holiday.")),
            Length(max=120, message=_l("Use at most %(max)d characters.")),
        ],
        filters=[strip_text],
        description=_l("As it should appear where a due date is explained, e.g. “Día de La Paz”."),
    )
    scope = SelectField(
        _l("Where it applies"),
        invalid_choice_message=_l("Choose where the holiday applies from the list."),
    )
    department_id = SelectField(
        _l("Department"),
        coerce=int_or_none,
        validate_choice=False,
        description=_l("Only for a holiday of one department."),
    )
    institution_id = SelectField(
        _l("Institution"),
        coerce=int_or_none,
        validate_choice=False,
        description=_l("Only for a holiday of one institution."),
    )
    submit = SubmitField(_l("Save the holiday"))

    department: Department | None = None
    institution: Institution | None = None

    def load_choices(self) -> None:
        self.scope.choices = HolidayScope.choices()
        self.department_id.choices = [("", _l("None"))] + [
            (d.id, d.name) for d in programs_admin.departments()
        ]
        self.institution_id.choices = [("", _l("None"))] + [
            (i.id, str(i.name)) for i in programs_admin.institutions()
        ]

    def _needed_for(
        self, scope: HolidayScope, field: SelectField, model: type, missing: Any, other: Any
    ) -> Any:
        """The row chosen in ``field``: required when the scope is ``scope``, refused otherwise."""
        if self.scope.data != scope.value:
            if field.data is not None:
                raise FieldError(other)
            return None
        found = db.session.get(model, field.data) if field.data is not None else None
        if found is None:
            raise FieldError(missing)
        return found

    def validate_department_id(self, field: SelectField) -> None:
        self.department = self._needed_for(
            HolidayScope.DEPARTMENT,
            field,
            Department,
            _l("Choose the department the holiday applies to."),
            _l("Leave the department empty: it is only for a holiday of one department."),
        )

    def validate_institution_id(self, field: SelectField) -> None:
        self.institution = self._needed_for(
            HolidayScope.INSTITUTION,
            field,
            Institution,
            _l("Choose the institution the holiday applies to."),
            _l("Leave the institution empty: it is only for a holiday of one institution."),
        )

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        # Only once every field is valid: a duplicate needs the date and the place.
        national = admin_services.package_holiday_on(
            self.on_date.data, holiday_names_language(current_language())
        )
        if national is not None:
            self.on_date.errors = [
                *self.on_date.errors,
                _l(
                    "This date is already a national holiday (%(name)s): deadlines skip it "
                    "without an entry here.",
                    name=national,
                ),
            ]
            return False
        if admin_services.same_holiday_exists(self.to_data(), self.editing):
            self.on_date.errors = [
                *self.on_date.errors,
                _l("There is already a holiday on this date for the same place."),
            ]
            return False
        return True

    def to_data(self) -> admin_services.HolidayData:
        return admin_services.HolidayData(
            on_date=self.on_date.data,
            name=self.name.data,
            scope=HolidayScope(self.scope.data),
            department=self.department,
            institution=self.institution,
        )


class HolidayYearForm(FlaskForm):
    """The year filter of the holiday list (a GET form, no CSRF)."""

    class Meta:
        csrf = False

    year = SelectField(_l("Year"), coerce=int_or_none, validate_choice=False)

    def validate_year(self, field: SelectField) -> None:
        if field.data is None or not 1900 <= field.data <= 2100:
            raise FieldError(_l("Choose a year from the list."))
