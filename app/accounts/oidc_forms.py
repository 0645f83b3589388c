"""Forms of the Ciudadanía Digital sign-in: proving an existing account before linking, and the
choice to show the verification publicly."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SubmitField
from wtforms.validators import DataRequired


class LinkPasswordForm(FlaskForm):
    password = PasswordField(
        _l("The password of that account"), validators=[DataRequired(_l("Enter your password."))]
    )
    submit = SubmitField(_l("Link and log in"))


class LinkMailForm(FlaskForm):
    submit = SubmitField(_l("Mail me a link instead"))


class VerifiedBadgeForm(FlaskForm):
    show = BooleanField(
        _l("Show “verified with Ciudadanía Digital” next to my name on public pages")
    )
    submit = SubmitField(_l("Save this choice"))
