"""Helpers for the demo's bulk writes (Core ``insert`` with executemany)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table


def table_of(model: Any) -> Table:
    """The model's table, typed as one (``__table__`` is declared as a ``FromClause``)."""
    return cast(Table, model.__table__)
