"""Fields and form pieces shared by the plan and program admin forms (and the institution form's
territory): amounts in bolivianos, external identifiers, the department/municipality pair and
the responsible institution. Forms: admin_forms.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional
from wtforms.validators import ValidationError as FieldError

from app.extensions import db
from app.institutions.models import Institution
from app.programs import admin_services
from app.programs.models import Plan, Program
from app.territory.models import Department, Municipality

T = TypeVar("T")

# --- fields whose messages are ours (so they are translated like the rest) -------------------

AMOUNT_MESSAGE = _l("Enter an amount of 0 or more, like 1500000.50, without thousands separators.")


class AmountField(StringField):
    """An amount in bolivianos, ≥ 0, at most two decimals; ``data`` is a Decimal or None."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = (valuelist[0] if valuelist else "") or ""
        self.data = None
        if text.strip():
            self.data = admin_services.parse_amount(text)
            if self.data is None:
                raise ValueError(AMOUNT_MESSAGE)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def process_data(self, value: Any) -> None:
        self.data = value if isinstance(value, Decimal) or value is None else Decimal(value)


def validated(value: T | None) -> T:
    """A value the form's validators made sure of (an ``InputRequired`` field, a lookup that
    raises when it finds nothing): ``to_data()`` is called only after ``validate()`` passed."""
    if value is None:
        raise ValueError("to_data() before the form was validated")
    return value


PERCENT = NumberRange(0, 100, message=_l("Enter a number from 0 to 100."))
EXTERNAL_ID = [
    Optional(),
    Length(max=64, message=_l("Use at most %(max)d characters.")),
]
EXTERNAL_ID_HINT = _l("The identifier in the source system; a CSV import updates by it.")


# --- territory shared by plans and programs -------------------------------------------------


class TerritoryMixin:
    """Department and municipality: the municipality must be in the department (when only the
    municipality is chosen, its department is filled in)."""

    department_id: SelectField
    municipality_id: SelectField

    def load_territory_choices(self) -> None:
        self.department_id.choices = [("", _l("None (national)"))] + [
            (d.id, d.name) for d in admin_services.departments()
        ]
        groups: dict[Any, list[tuple[Any, str]]] = {None: [("", _l("None"))]}
        for department, municipalities in admin_services.municipalities_by_department():
            if municipalities:
                groups[department.name] = [(m.id, f"{m.name} ({m.code})") for m in municipalities]
        self.municipality_id.choices = groups

    def validate_department_id(self, field: SelectField) -> None:
        self.department = None
        if field.data is not None:
            self.department = db.session.get(Department, field.data)
            if self.department is None:
                raise FieldError(_l("Choose a department from the list."))

    def validate_municipality_id(self, field: SelectField) -> None:
        self.municipality = None
        if field.data is None:
            return
        municipality = db.session.get(Municipality, field.data)
        if municipality is None:
            raise FieldError(_l("Choose a municipality from the list."))
        if self.department_id.errors:
            return
        if self.department is None:
            self.department = municipality.department
            self.department_id.data = municipality.department_id
        elif municipality.department_id != self.department.id:
            raise FieldError(_l("This municipality is not in the chosen department."))
        self.municipality = municipality


def institution_choices() -> list[tuple[Any, Any]]:
    return [("", _l("Choose an institution"))] + [
        (i.id, str(i.name)) for i in admin_services.institutions()
    ]


def institution_of(field: SelectField) -> Institution:
    institution = db.session.get(Institution, field.data) if field.data is not None else None
    if institution is None:
        raise FieldError(_l("Choose an institution from the list."))
    return institution


def unique_external_id(
    model: type[Plan] | type[Program], field: StringField, editing: Plan | Program | None
) -> None:
    if not field.data:
        return
    query = select(model.id).where(model.external_id == field.data)
    if editing is not None:
        query = query.where(model.id != editing.id)
    if db.session.scalar(query) is not None:
        raise FieldError(_l("Another record already has this external identifier."))
