"""Pieces every admin form shares: per-language inputs, the base form, fields with our messages.

Translatable content (titles, descriptions, names) is one input per UI language, declared once
with ``translatable(Translated(...))``: the decorator adds ``title_es``, ``title_qu``… to the
form class, and the same ``Translated`` object fills those inputs from the model's JSON dict and
reads them back. Templates render a group with the ``translated`` macro of
templates/macros/admin.html (one fieldset, the languages side by side)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Mapped
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.fields.core import Field
from wtforms.validators import DataRequired, Length, Optional
from wtforms.validators import ValidationError as FieldError

from app.core.i18n import LANGUAGE_TITLES
from app.core.urls import bounded_int
from app.extensions import db

#: The languages admin content is written in, Spanish first (it is the fallback).
CONTENT_LANGUAGES = tuple(LANGUAGE_TITLES)

#: A key (statuses, categories, actor types): what URLs, filters, CSV files and the demo use.
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

F = TypeVar("F", bound=type[FlaskForm])


def strip_text(value: Any) -> Any:
    """Field filter: surrounding spaces are no text."""
    return value.strip() if isinstance(value, str) else value


def int_or_none(value: Any) -> int | None:
    """SelectField coerce for "an id or nothing chosen" (a number no column can hold is
    nothing chosen)."""
    if value in (None, "", "None"):
        return None
    try:
        return bounded_int(value)
    except (TypeError, ValueError):
        return None


# --- the per-language helper ----------------------------------------------------------------


@dataclass(frozen=True)
class LanguageInput:
    lang: str
    #: The language's name in the reader's language (the input's visible label).
    language: Any
    field: Field


class Translated:
    """A per-language group of inputs for one JSON attribute of a model.

    ``Translated("titles", "title", _l("Title"), required=True)`` declares ``title_es`` …
    ``title_en``; Spanish is required when ``required`` is true, the others are optional."""

    def __init__(
        self,
        attr: str,
        prefix: str,
        label: Any,
        *,
        required: bool = False,
        textarea: bool = False,
        max_length: int = 300,
        description: Any = None,
    ) -> None:
        self.attr = attr
        self.prefix = prefix
        self.label = label
        self.required = required
        self.textarea = textarea
        self.max_length = max_length
        self.description = description

    def name(self, lang: str) -> str:
        return f"{self.prefix}_{lang}"

    def install(self, form_class: type[FlaskForm], order: list[float]) -> None:
        """Add the inputs to ``form_class``; ``order`` holds the sort keys to give them (WTForms
        orders fields by creation, and the error summary should follow the page)."""
        kind = TextAreaField if self.textarea else StringField
        for lang in CONTENT_LANGUAGES:
            validators: list[Any] = [
                Length(max=self.max_length, message=_l("Use at most %(max)d characters."))
            ]
            if self.required and lang == "es":
                validators.insert(0, DataRequired(_l("Write it at least in Spanish.")))
            else:
                validators.insert(0, Optional())
            # The full label ("Title (Quechua)") names the input in the error summary; the page
            # shows the group's legend and the language name next to each input.
            label = _l("%(field)s (%(language)s)", field=self.label, language=LANGUAGE_TITLES[lang])
            unbound = kind(label, validators=validators, filters=[strip_text])
            if order:
                unbound.creation_counter = order.pop(0)
            setattr(form_class, self.name(lang), unbound)

    def inputs(self, form: FlaskForm) -> list[LanguageInput]:
        return [
            LanguageInput(lang, LANGUAGE_TITLES[lang], form[self.name(lang)])
            for lang in CONTENT_LANGUAGES
        ]

    def initial(self, values: dict[str, str] | None) -> dict[str, str]:
        """Form keyword arguments that fill the inputs from the stored JSON dict."""
        values = values or {}
        return {self.name(lang): values.get(lang, "") for lang in CONTENT_LANGUAGES}

    def read(self, form: FlaskForm) -> dict[str, str]:
        """The JSON dict to store: only the languages that have text."""
        found = {lang: (form[self.name(lang)].data or "").strip() for lang in CONTENT_LANGUAGES}
        return {lang: text for lang, text in found.items() if text}

    def errors(self, form: FlaskForm) -> bool:
        return any(form[self.name(lang)].errors for lang in CONTENT_LANGUAGES)


def translatable(*groups: Translated, after: str | None = None) -> Callable[[F], F]:
    """Class decorator: add each group's per-language inputs to an ``AdminForm``, placed right
    after the field named ``after`` (else at the end)."""

    def decorate(form_class: F) -> F:
        form_class.translated = (*getattr(form_class, "translated", ()), *groups)
        order: list[float] = []
        if after is not None:
            base = getattr(form_class, after).creation_counter
            count = len(groups) * len(CONTENT_LANGUAGES)
            order = [base + (n + 1) / (count + 1) for n in range(count)]
        for group in groups:
            group.install(form_class, order)
        return form_class

    return decorate


class AdminForm(FlaskForm):
    """Base of the admin forms: knows its translated groups and the object being edited."""

    translated: ClassVar[tuple[Translated, ...]] = ()

    def __init__(self, *args: Any, editing: Any = None, **kwargs: Any) -> None:
        initial: dict[str, str] = {}
        for group in self.translated:
            initial |= group.initial(getattr(editing, group.attr, None))
        super().__init__(*args, obj=editing, **(initial | kwargs))
        #: The object being edited, or None for a new one.
        self.editing = editing

    def load_choices(self) -> None:
        """Fill the select fields' choices from the database, before validating or rendering;
        forms without such fields have nothing to load."""

    def group(self, attr: str) -> Translated:
        return next(g for g in self.translated if g.attr == attr)

    def texts(self, attr: str) -> dict[str, str]:
        return self.group(attr).read(self)


class ConfirmForm(FlaskForm):
    """A POST with its CSRF token and nothing else (delete buttons)."""


# --- fields whose messages are ours (so they are translated like the rest) -------------------


class WholeNumberField(IntegerField):
    data: int | None

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata([v.strip() if isinstance(v, str) else v for v in valuelist])
            if self.data is not None:
                bounded_int(self.data)
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a whole number, like 25.")) from None


class DayField(DateField):
    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a date as year-month-day, like 2025-03-31.")) from None


# --- keys -----------------------------------------------------------------------------------


class KeyedModel(Protocol):
    """A model with an id and a unique ``key`` column (as declared on the class)."""

    id: ClassVar[Mapped[int]]
    key: ClassVar[Mapped[str]]


def check_key(field: StringField, model: type[KeyedModel], editing: Any, taken: Any) -> None:
    """Validate a ``key`` input: the ``KEY`` pattern, and no other ``model`` row has it
    (``taken`` is the message for that case)."""
    if not KEY.match(field.data or ""):
        raise FieldError(_l("Use lower-case letters, digits, - and _ only."))
    query = select(model.id).where(model.key == field.data)
    if editing is not None:
        query = query.where(model.id != editing.id)
    if db.session.scalar(query) is not None:
        raise FieldError(taken)
