"""Filters of the accountability pages (query string, no CSRF: they only read) and the session
form institution admins fill in."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.core.admin_forms import int_or_none
from app.core.clock import local_today

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str | None) -> date | None:
    """'2026-03' → 1 March 2026; anything else → None."""
    match = _MONTH.match((value or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def _month(form: FlaskForm, field: StringField) -> None:
    if field.data and parse_month(field.data) is None:
        raise ValidationError(_l("Write a month as year-month, for example 2026-03."))


class FigureFilterForm(FlaskForm):
    """Filters travel in the query string so every figure has a shareable URL."""

    class Meta:
        csrf = False

    start = StringField(
        _l("From (month)"),
        validators=[Optional(), _month],
        description=_l("Year and month, e.g. 2026-01"),
        render_kw={"type": "month"},
    )
    end = StringField(
        _l("To (month)"),
        validators=[Optional(), _month],
        description=_l("Year and month, e.g. 2026-12"),
        render_kw={"type": "month"},
    )
    department = SelectField(_l("Department"), validators=[Optional()], validate_choice=False)
    kind = SelectField(_l("Kind of institution"), validators=[Optional()], validate_choice=False)
    category = SelectField(
        _l("Category"), coerce=int_or_none, validators=[Optional()], validate_choice=False
    )


def _not_in_the_future(form: FlaskForm, field: DateField) -> None:
    """A session is recorded once it was held: a future date would be listed as held."""
    if field.data and field.data > local_today():
        raise ValidationError(
            _l("A session can be recorded once it has been held: choose a past date or today.")
        )


class SessionForm(FlaskForm):
    held_on = DateField(_l("Date held"), validators=[DataRequired(), _not_in_the_future])
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=200)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=10000)])
    report = FileField(
        _l("Report (PDF)"),
        description=_l("The report presented at the session. It is published without metadata."),
    )
    observations = StringField(
        _l("Observations raised there"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Tracking codes separated by spaces or commas, e.g. CS-2026-00042"),
    )
