from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SearchField, SelectField
from wtforms.validators import Length, Optional

from app.core.admin_forms import int_or_none


class ProgramFilterForm(FlaskForm):
    """Filters travel in the query string so every result page has a shareable URL."""

    class Meta:
        csrf = False

    q = SearchField(_l("Words to search"), validators=[Optional(), Length(max=200)])
    department = SelectField(_l("Department"), validators=[Optional()], validate_choice=False)
    municipality = SelectField(_l("Municipality"), validators=[Optional()], validate_choice=False)
    institution = SelectField(
        _l("Institution"), coerce=int_or_none, validators=[Optional()], validate_choice=False
    )
    plan = SelectField(
        _l("Plan"), coerce=int_or_none, validators=[Optional()], validate_choice=False
    )
    status = SelectField(_l("Status"), validators=[Optional()], validate_choice=False)
    open = BooleanField(_l("Only programs open for comments"))
