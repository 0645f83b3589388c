"""The editable reasons moderators give, with their message to the person affected. Kept apart
from the other moderation records because an account refers to the reason it was blocked for:
this module imports nothing from ``accounts``, so the two model modules do not import each other."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import StrEnumType, enum_check
from app.core.enums import TitledEnum
from app.core.i18n import current_language, force_language
from app.core.i18n_content import LocalizedText, localized
from app.extensions import Model


class ReasonKind(TitledEnum):
    """Which actions a reason explains; each action offers and accepts only its own kind."""

    #: Why an observation is not forwarded.
    REJECTION = "rejection"
    #: Why content is hidden or redacted, or an account blocked.
    CONTENT = "content"
    #: Why content comes back or reports are dismissed (the author is told the reports were
    #: unfounded, never a reason meant for hiding).
    REVIEW = "review"

    __titles__ = {
        "rejection": _l("Rejecting an observation"),
        "content": _l("Hiding or redacting content, blocking an account"),
        "review": _l("Restoring content, dismissing reports"),
    }


#: The reasons the platform ships with; their texts come from the translation catalogues until
#: an administrator writes their own.
BUILTIN_REASONS: dict[str, tuple[object, object]] = {
    "not_public_matter": (
        _l("Not about a public program or institution"),
        _l(
            "Social control observations are about public programs, services and institutions. "
            "Yours is about a private matter, so we cannot forward it."
        ),
    ),
    "insufficient_information": (
        _l("Not enough information"),
        _l(
            "We could not understand what the observation is about or where it happens. "
            "You can file it again with more details."
        ),
    ),
    "offensive_content": (
        _l("Offensive or threatening language"),
        _l(
            "The text insults or threatens people. Say what is wrong without attacking anyone "
            "and it will be published."
        ),
    ),
    "out_of_scope": (
        _l("Handled through another channel"),
        _l(
            "This is a complaint for the courts, the police or the ombudsman, not a social "
            "control observation. Please take it to them."
        ),
    ),
    "spam": (
        _l("Spam or advertising"),
        _l("Advertising and repeated messages are not allowed."),
    ),
    "personal_data": (
        _l("Personal data"),
        _l(
            "The text revealed someone's personal data (such as an identity number, a phone "
            "number or an address). We removed it to protect them."
        ),
    ),
    "harassment": (
        _l("Harassment or discrimination"),
        _l("Insults, threats and discrimination are not allowed on Qhawaq."),
    ),
    "off_topic": (
        _l("Off topic"),
        _l("Comments must be about the program being discussed."),
    ),
    "flags_unfounded": (
        _l("The reports were unfounded"),
        _l("Moderators reviewed the reports and found nothing against the rules."),
    ),
}


class ModerationReason(Model):
    """An editable reason with its message to the author, per language."""

    __tablename__ = "moderation_reasons"
    __table_args__ = (enum_check("kind", ReasonKind, "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[ReasonKind] = mapped_column(StrEnumType(ReasonKind, 12))
    #: Per-language short titles; empty languages fall back to the built-in text (if any).
    titles: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: Per-language message sent to the person affected.
    messages: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def _text(self, values: dict[str, str], index: int, lang: str | None) -> LocalizedText:
        lang = lang or current_language()
        if values.get(lang) or self.key not in BUILTIN_REASONS:
            return localized(values, lang)
        with force_language(lang):
            text = str(BUILTIN_REASONS[self.key][index])
        return LocalizedText(text, lang, False)

    def title_in(self, lang: str | None = None) -> LocalizedText:
        return self._text(self.titles, 0, lang)

    def message_in(self, lang: str | None = None) -> LocalizedText:
        return self._text(self.messages, 1, lang)

    @property
    def title(self) -> LocalizedText:
        return self.title_in()

    @property
    def message(self) -> LocalizedText:
        return self.message_in()
