from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.accounts.models import Role


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"))
    institution_id = SelectField(
        _l("Institution (for responders)"), coerce=lambda v: int(v) if v else None
    )
    is_institution_admin = BooleanField(
        _l("Institution admin"),
        description=_l(
            "Only for responders: may add and remove the responders of their institution."
        ),
    )
    submit = SubmitField(_l("Save role"))

    def set_choices(self, institutions: list[tuple[int, str]]) -> None:
        self.role.choices = Role.choices()
        self.institution_id.choices = [("", "—"), *institutions]

    def validate_institution_id(self, field: SelectField) -> None:
        if self.role.data == Role.RESPONDER.value and not field.data:
            raise ValidationError(_l("A responder must be linked to an institution."))


class BlockForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (kept in the record)"),
        validators=[DataRequired(_l("Say why the account is blocked.")), Length(max=1000)],
    )
    submit = SubmitField(_l("Block account"))


class UnblockForm(FlaskForm):
    submit = SubmitField(_l("Unblock account"))


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search by name or email"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), validators=[Optional()])
