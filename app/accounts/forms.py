from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from app.core.honeypot import HoneypotMixin
from app.core.i18n import language_names


def _password_strength(form: FlaskForm, field: PasswordField) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(field.data or "") < minimum:
        raise ValidationError(_l("Use at least %(count)d characters.", count=minimum))
    if len(field.data) > 200:
        raise ValidationError(_l("Use at most 200 characters."))


class LanguageField(SelectField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices = language_names()

    def pre_validate(self, form: FlaskForm) -> None:
        # Choices are rebuilt per request so their labels come out in the reader's language.
        self.choices = language_names()
        super().pre_validate(form)


EMAIL_REQUIRED = _l("Enter your email address.")
EMAIL_INVALID = _l("Enter a valid email address, like name@example.com.")


class RegisterForm(HoneypotMixin, FlaskForm):
    display_name = StringField(
        _l("Name to show"),
        validators=[DataRequired(_l("Enter a name.")), Length(max=80)],
        description=_l("Shown with what you publish unless you choose to hide it."),
    )
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(EMAIL_REQUIRED), Email(EMAIL_INVALID), Length(max=254)],
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter a password.")), _password_strength],
        description=_l("At least 10 characters. A short sentence is easy to remember."),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(_l("Repeat the password.")),
            EqualTo("password", _l("The two passwords do not match.")),
        ],
    )
    language = LanguageField(_l("Language for pages and messages"))
    submit = SubmitField(_l("Create account"))


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(EMAIL_REQUIRED), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Keep me logged in on this device"))
    submit = SubmitField(_l("Log in"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(EMAIL_REQUIRED), Email(EMAIL_INVALID), Length(max=254)],
    )
    submit = SubmitField(_l("Send me a link"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Enter a password.")), _password_strength],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(_l("Repeat the password.")),
            EqualTo("password", _l("The two passwords do not match.")),
        ],
    )
    submit = SubmitField(_l("Save the new password"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your password."))]
    )
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Enter a password.")), _password_strength],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(_l("Repeat the password.")),
            EqualTo("password", _l("The two passwords do not match.")),
        ],
    )
    submit = SubmitField(_l("Change password"))


class ProfileForm(FlaskForm):
    display_name = StringField(
        _l("Name to show"), validators=[DataRequired(_l("Enter a name.")), Length(max=80)]
    )
    language = LanguageField(_l("Language for pages and messages"))
    submit = SubmitField(_l("Save"))


class ResendForm(FlaskForm):
    submit = SubmitField(_l("Send the confirmation link again"))


class LogoutForm(FlaskForm):
    submit = SubmitField(_l("Log out"))


class SaveLanguageForm(FlaskForm):
    language = HiddenField()
    next = HiddenField()
    submit = SubmitField(_l("Save it"))


class SignOutEverywhereForm(FlaskForm):
    submit = SubmitField(_l("Sign out everywhere"))
