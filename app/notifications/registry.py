"""The notification kinds, each described once: what it says, where the list links, who hears
it, in which language, in which mail, and what may silence it.

Features register their kinds when their ``notify`` module is imported (``register(Kind(...))``);
``app.notifications`` knows none of them and imports no feature package. ``services.notify``
and the notifications page read everything from here."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.accounts.models import User
from app.notifications.models import Category, Notification


class Titled(Protocol):
    """What a notification needs of the program it is about (a ``Program``)."""

    @property
    def id(self) -> int: ...

    @property
    def titles(self) -> dict[str, str]: ...


@dataclass(frozen=True)
class Notice:
    """One thing that happened, as :func:`app.notifications.services.notify` received it: the
    fields every row gets, and in ``objects`` what the kind's recipients and mail may need (the
    observation, the event, the reason, a link…), never stored."""

    kind: str
    data: Mapping[str, Any]
    program: Titled | None = None
    comment_id: int | None = None
    observation_id: int | None = None
    actor: User | None = None
    objects: Mapping[str, Any] = field(default_factory=dict)


#: The sentence, in the current language; ``lang`` picks admin-entered content (program titles).
TextFn = Callable[[Notification, str], str]
#: Where the notifications page links the entry (a path), or None.
LinkFn = Callable[[Notification], str | None]
#: Who hears of it when the caller names nobody.
RecipientsFn = Callable[[Notice], Iterable[User]]
#: A mail's subject, called in the recipient's language.
SubjectFn = Callable[[Notice], object]
#: A mail template's values, built in the recipient's language (``lang``), the row's text included.
ContextFn = Callable[[Notice, Notification, User, str], Mapping[str, object]]
#: The link in the mail that silences this kind for this recipient.
UnfollowFn = Callable[[Notice, User], str]
#: The row's data: what the caller gave, completed (e.g. a milestone's titles by language).
DataFn = Callable[[Notice], dict[str, Any]]
#: Which preference category the mail to this recipient belongs to (an observation's news is
#: "my observations" to its filer and "observations I follow" to a follower).
CategoryFn = Callable[[Notice, User], Category]


def recipient_language(user: User) -> str:
    """Mails and their sentences are in the language the recipient chose for the site."""
    return user.language


def no_link(note: Notification) -> str | None:
    return None


@dataclass(frozen=True)
class Mail:
    """The mail a kind sends to each recipient, through the outbox."""

    #: ``templates/mail/<template>.txt``; it also gets ``user``, ``site`` and ``unfollow_url``.
    template: str
    #: ``OutboxMessage.kind`` (logs, the outbox CLI, the tests).
    outbox_kind: str
    subject: SubjectFn
    context: ContextFn


@dataclass(frozen=True)
class Kind:
    name: str
    text: TextFn
    #: The preference that decides its mail (at once, daily digest, none): a category, or a
    #: function of the notice and the recipient.
    category: Category | CategoryFn
    link: LinkFn = no_link
    #: The page's sentence when it says more than the mail's (a moderation reason's title: the
    #: mail gives the reason in full below the sentence). None: ``text``.
    page_text: TextFn | None = None
    #: None: the caller always names the recipients.
    recipients: RecipientsFn | None = None
    language: Callable[[User], str] = recipient_language
    #: None: in-app only.
    mail: Mail | None = None
    #: The preference that may silence the kind: following. None: it cannot be silenced (it is
    #: about the recipient's own content or account, or answers them directly).
    unfollow_url: UnfollowFn | None = None
    data: DataFn | None = None

    def page_sentence(self, note: Notification, lang: str) -> str:
        return (self.page_text or self.text)(note, lang)

    def category_for(self, notice: Notice, user: User) -> Category:
        if isinstance(self.category, Category):
            return self.category
        return self.category(notice, user)


class UnknownKind(LookupError):
    """A notification kind nobody registered (a feature's notify module was not imported)."""


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add a kind. Registering the same name twice is a mistake unless it is the same object
    (a module imported again)."""
    known = _KINDS.get(kind.name)
    if known is not None and known is not kind:
        raise ValueError(f"notification kind {kind.name!r} is already registered")
    _KINDS[kind.name] = kind
    return kind


def get(name: str) -> Kind:
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownKind(name) from None


def find(name: str) -> Kind | None:
    return _KINDS.get(name)


def kinds() -> dict[str, Kind]:
    """Every registered kind by name (a copy)."""
    return dict(_KINDS)
