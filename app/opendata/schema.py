"""The field schema of a public dataset: each column declared once, with its JSON type, its
description and how its value is read from a row. The records (``records.py``), the CSV header
and the JSON ``fields`` (``exports.py``), the data dictionary (``dictionary.py``) and the API's
OpenAPI schemas (``app/api/openapi.py``) are all derived from these declarations, so a column
cannot be added to one of them and forgotten in another."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, Literal, TypeVar

from flask_babel import LazyString

Source = TypeVar("Source")

LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
JsonType = Literal["string", "integer", "number", "boolean", "object", "array"]


def iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def es_name(names: dict[str, str] | None) -> str:
    """The Spanish name of a per-language name, else the first one given, else ""."""
    names = names or {}
    return names.get("es") or next((v for v in names.values() if v), "")


@dataclass(frozen=True)
class Column(Generic[Source]):
    """One column: ``value`` reads it from a row; ``nullable`` adds JSON null to its type."""

    name: str
    type: JsonType
    value: Callable[[Source], Any]
    #: What the column means, shown on the data dictionary page and in the OpenAPI document;
    #: every open-data column has one (a test checks), Open311's are GeoReport's own.
    description: LazyString | None = None
    nullable: bool = False
    #: The values a text column takes, for the OpenAPI schema.
    enum: Callable[[], Collection[str]] | None = None
    #: A JSON schema of its own (nested objects and arrays); ``type`` still says which.
    schema: dict[str, Any] | None = None
    #: A decimal number written as text (an amount); ``number`` columns are decimal anyway. The
    #: spreadsheet CSV (``?excel=1``) writes both with a decimal comma.
    decimal: bool = False

    @property
    def is_decimal(self) -> bool:
        return self.decimal or self.type == "number"

    def json_schema(self, describe: bool = True) -> dict[str, Any]:
        found: dict[str, Any] = dict(self.schema) if self.schema else {"type": self.type}
        if self.nullable:
            found["type"] = [self.type, "null"]
        if self.enum is not None:
            found["enum"] = sorted(self.enum())
        if describe and self.description is not None:
            found["description"] = str(self.description)
        return found


@dataclass(frozen=True)
class Schema(Generic[Source]):
    """A dataset's columns, in output order, and what is derived from them."""

    name: str
    #: The title of a downloadable dataset (the API's own bodies have none).
    title: LazyString | None
    columns: tuple[Column[Source], ...]
    fields: tuple[str, ...] = field(init=False)
    _readers: tuple[tuple[str, Callable[[Source], Any]], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", tuple(c.name for c in self.columns))
        object.__setattr__(self, "_readers", tuple((c.name, c.value) for c in self.columns))
        if len(set(self.fields)) != len(self.fields):
            raise ValueError(f"{self.name}: a column is declared twice")

    def record(self, row: Source) -> dict[str, Any]:
        """The public record of ``row``: every column, in order."""
        return {name: value(row) for name, value in self._readers}

    def dictionary(self) -> dict[str, LazyString | None]:
        return {c.name: c.description for c in self.columns}

    def json_schema(self, describe: bool = True) -> dict[str, Any]:
        """A JSON Schema (2020-12, as OpenAPI 3.1 uses) of one record: every column present."""
        return {
            "type": "object",
            "properties": {c.name: c.json_schema(describe) for c in self.columns},
            "required": list(self.fields),
        }
