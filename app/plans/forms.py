from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import Optional

from app.core.admin_forms import int_or_none


class PlanFilterForm(FlaskForm):
    """Filters of the plan list: in the query string, so every result page has a shareable URL.
    Choices are filled by the view; an unknown value is no filter, never an error."""

    class Meta:
        csrf = False

    type = SelectField(_l("Type of plan"), validators=[Optional()], validate_choice=False)
    institution = SelectField(
        _l("Institution"), coerce=int_or_none, validators=[Optional()], validate_choice=False
    )
    department = SelectField(_l("Department"), validators=[Optional()], validate_choice=False)
