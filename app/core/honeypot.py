"""A honeypot on public forms: an input people never see (moved off-screen, hidden from assistive
technology, out of the tab order) that simple bots fill in. A filled honeypot refuses the form
with a message, keeping what was typed (the honeypot itself comes back empty), so a person caught
by mistake (an autofilling browser) sends it again and loses nothing."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import ValidationError

#: The input's name: something a form-filling bot finds worth filling.
FIELD = "website"


def _must_be_empty(_form: Any, field: StringField) -> None:
    if field.data:
        raise ValidationError(
            _l("This form looked automated. Check what you wrote and send it again.")
        )


def honeypot_field() -> StringField:
    return StringField(_l("Website"), validators=[_must_be_empty])


class HoneypotMixin:
    """Add to a FlaskForm: ``class CommentForm(HoneypotMixin, FlaskForm)``; templates render it
    with the ``honeypot(form)`` macro of macros/forms.html."""

    website = honeypot_field()
