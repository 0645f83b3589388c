"""The mail preferences form: one choice (at once, daily digest, no mail) per category the
person can hear of, and the unsubscribe confirmation button."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField
from wtforms.validators import InputRequired

from app.notifications.models import Category, Delivery


def _choices() -> list[tuple[str, str]]:
    return [(str(mode), str(mode.title)) for mode in Delivery]


class PreferencesForm(FlaskForm):
    """Built per person: ``for_categories`` adds one radio group per category shown."""

    submit = SubmitField(_l("Save my choices"))

    @classmethod
    def for_categories(cls, categories: list[Category], **kwargs: object) -> PreferencesForm:
        fields = {
            str(category): RadioField(
                category.title,
                validators=[InputRequired(message=_l("Choose how you get this mail."))],
            )
            for category in categories
        }
        form_class = type("ChosenPreferencesForm", (cls,), fields)
        form: PreferencesForm = form_class(**kwargs)
        for category in categories:
            form[str(category)].choices = _choices()
        return form


class UnsubscribeForm(FlaskForm):
    """The confirmation button of an unsubscribe link. The link's signed token is what
    authorises it, so this form carries no CSRF token (a mail client's one-click POST has
    none either); forging the token needs the site's secret key."""

    class Meta:
        csrf = False

    submit = SubmitField(_l("Stop these mails"))
