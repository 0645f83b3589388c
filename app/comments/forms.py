from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.comments.models import FlagReason, Stance
from app.comments.services import MAX_LENGTH, MIN_LENGTH
from app.core.honeypot import HoneypotMixin

BODY_VALIDATORS = [
    DataRequired(_l("Write your comment.")),
    Length(
        min=MIN_LENGTH,
        max=MAX_LENGTH,
        message=_l(
            "A comment has between %(min)d and %(max)d characters.", min=MIN_LENGTH, max=MAX_LENGTH
        ),
    ),
]


class CommentForm(HoneypotMixin, FlaskForm):
    body = TextAreaField(
        _l("Your comment"),
        validators=BODY_VALIDATORS,
        description=_l("Plain text. Links are allowed. Be respectful: comments are public."),
    )
    stance = RadioField(
        _l("Your position on this program"),
        default=Stance.NEUTRAL.value,
        validators=[DataRequired(_l("Choose a position."))],
    )
    submit = SubmitField(_l("Publish comment"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Titles are evaluated per request so they come out in the reader's language.
        self.stance.choices = Stance.choices()


class ReplyForm(HoneypotMixin, FlaskForm):
    body = TextAreaField(_l("Your reply"), validators=BODY_VALIDATORS)
    submit = SubmitField(_l("Publish reply"))


class EditForm(FlaskForm):
    body = TextAreaField(_l("Your comment"), validators=BODY_VALIDATORS)
    submit = SubmitField(_l("Save changes"))


class FlagForm(HoneypotMixin, FlaskForm):
    reason = RadioField(
        _l("Why should moderators look at this comment?"),
        validators=[DataRequired(_l("Choose a reason."))],
    )
    details = TextAreaField(
        _l("Details (optional)"),
        validators=[Optional(), Length(max=500, message=_l("Use at most 500 characters."))],
    )
    submit = SubmitField(_l("Send report"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reason.choices = FlagReason.choices()


class ActionForm(FlaskForm):
    """A button-only form (vote, delete, follow): just the CSRF token."""

    submit = SubmitField()
