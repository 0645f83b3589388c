"""The forms of the group pages: the group itself, an invitation, a program to follow, and the
buttons (a CSRF token and nothing else)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional
from wtforms.validators import ValidationError as FieldError

from app.accounts.forms import EMAIL_INVALID
from app.core.admin_forms import int_or_none, strip_text
from app.extensions import db
from app.groups.services import GroupData
from app.observations.models import ActorType
from app.programs.admin_fields import TerritoryMixin

TOO_LONG = _l("Use at most %(max)d characters.")


class GroupForm(TerritoryMixin, FlaskForm):
    name = StringField(
        _l("Name of the group"),
        validators=[
            DataRequired(_l("Enter the group's name.")),
            Length(max=160, message=TOO_LONG),
        ],
        filters=[strip_text],
        description=_l("As the group is known, for example “Comité de Vigilancia del D-6”."),
    )
    actor_type_id = SelectField(
        _l("Type of social-control actor"),
        coerce=int_or_none,
        validate_choice=False,
        description=_l(
            "Law 341: organic (orgánico), community (comunitario) or circumstantial "
            "(circunstancial)."
        ),
    )
    description = TextAreaField(
        _l("What the group does"),
        validators=[Optional(), Length(max=2000, message=TOO_LONG)],
        filters=[strip_text],
    )
    department_id = SelectField(_l("Department"), coerce=int_or_none, validate_choice=False)
    municipality_id = SelectField(_l("Municipality"), coerce=int_or_none, validate_choice=False)
    contact = StringField(
        _l("Public contact"),
        validators=[Optional(), Length(max=200, message=TOO_LONG)],
        filters=[strip_text],
        description=_l(
            "Shown on the group's public page: an address, a phone or a mail the group wants "
            "to publish. Optional."
        ),
    )
    submit = SubmitField(_l("Save the group"))

    def load_choices(self) -> None:
        self.actor_type_id.choices = [("", _l("Choose…"))] + [
            (a.id, str(a.name))
            for a in db.session.scalars(select(ActorType).order_by(ActorType.position))
        ]
        self.load_territory_choices()

    def validate_actor_type_id(self, field: SelectField) -> None:
        self.actor_type = None
        if field.data is None:
            raise FieldError(_l("Choose the type of actor from the list."))
        self.actor_type = db.session.get(ActorType, field.data)
        if self.actor_type is None:
            raise FieldError(_l("Choose the type of actor from the list."))

    def to_data(self) -> GroupData:
        return GroupData(
            name=self.name.data or "",
            actor_type=self.actor_type,
            description=self.description.data or "",
            department=self.department,
            municipality=self.municipality,
            contact=self.contact.data or "",
        )


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Email address of the person to invite"),
        validators=[
            DataRequired(_l("Enter the email address to send the invitation to.")),
            Email(EMAIL_INVALID),
            Length(max=254, message=TOO_LONG),
        ],
        filters=[strip_text],
        description=_l(
            "They get a link that works for a week. To join, they sign in (or create an "
            "account) with this address."
        ),
    )
    submit = SubmitField(_l("Send the invitation"))


class FollowProgramForm(FlaskForm):
    program = StringField(
        _l("Program code or words of its title"),
        validators=[
            DataRequired(_l("Enter a program's code or words of its title.")),
            Length(max=100, message=TOO_LONG),
        ],
        filters=[strip_text],
        description=_l("The code is on the program's page, for example SUC-AG-01."),
    )
    submit = SubmitField(_l("Follow this program"))


class ButtonForm(FlaskForm):
    """A button: the CSRF token and nothing else."""
