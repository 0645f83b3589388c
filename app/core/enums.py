"""Enumerations whose members carry a title in the reader's language (Indico's ``RichEnum``).

A subclass lists its members as usual and gives ``__titles__``: value → lazily translated
string (``_l``). ``member.title`` is translated when it is read, so it follows the request's
language; ``Enum.choices()`` gives (value, title) pairs for a select field. Members are stored
by value (``app.core.db.StrEnumType``), so a title can change without a migration.

``__titles__`` is a dunder name on purpose: any other name in an enum's body would become a
member."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, ClassVar


class TitledEnum(enum.StrEnum):
    """A ``StrEnum`` whose every member has a translated ``title``."""

    __titles__: ClassVar[Mapping[str, Any]] = {}

    @property
    def title(self) -> str:  # type: ignore[override]  # str.title() is not used on members
        return str(self.__titles__[self])

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, title) of every member, in declaration order."""
        return [(str(member), member.title) for member in cls]
