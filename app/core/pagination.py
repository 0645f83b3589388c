"""Page-number pagination with shareable URLs (the page is a query parameter).

``paginate(select)`` is Flask-SQLAlchemy's ``db.paginate`` (one count, one window of rows) for a
select of model rows. Lists that cannot go through it (rows grouped in SQL, lists matched in
Python) take a ``Page.window`` and fetch its rows themselves, or ``Page.of_list`` a list already
in memory: the page arithmetic is here only. Templates show any ``Page`` with the ``pagination``
macro of templates/macros/forms.html."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Self

from flask import request, url_for
from sqlalchemy import Select

from app.core.urls import bounded_int
from app.extensions import db

#: No list is read past this page (a deep OFFSET costs the database a scan).
MAX_PAGE = 10_000


@dataclass
class Page:
    items: list[Any]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def offset(self) -> int:
        """How many items come before this page's first."""
        return (self.number - 1) * self.per_page

    def url(self, number: int) -> str:
        # The query string, then the path's arguments (a query argument cannot move the page).
        values: dict[str, Any] = {**request.args.to_dict(flat=False), **(request.view_args or {})}
        values["page"] = [str(number)]
        return url_for(request.endpoint or "main.index", **values)

    @classmethod
    def window(cls, number: int, total: int, per_page: int) -> Self:
        """Page ``number`` (kept within 1 and the last page) of ``total`` items, still without
        its items: the caller reads ``per_page`` rows from ``offset``, then sets ``items``."""
        last = max(1, -(-total // per_page))
        return cls(items=[], number=max(1, min(number, last)), per_page=per_page, total=total)

    @classmethod
    def of_list(cls, items: Sequence[Any], number: int, per_page: int) -> Self:
        """Page ``number`` (kept within 1 and the last page) of a list already in memory."""
        page = cls.window(number, len(items), per_page)
        page.items = list(items[page.offset : page.offset + per_page])
        return page


def requested_page() -> int:
    """The ``page`` query argument, 1 to ``MAX_PAGE`` (anything else is page 1)."""
    number = request.args.get("page", 1, type=bounded_int) or 1
    return max(1, min(number, MAX_PAGE))


def paginate(query: Select[Any], per_page: int = 20) -> Page:
    """The requested page of ``query`` (a select of model rows) through ``db.paginate``. A page
    past the end is empty, never an error."""
    found = db.paginate(
        query, page=requested_page(), per_page=per_page, max_per_page=per_page, error_out=False
    )
    return Page(
        items=list(found.items), number=found.page, per_page=per_page, total=found.total or 0
    )
