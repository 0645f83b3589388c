"""The filing form's program picker: which programs a filer may choose, and the search by code,
external id or title words. The form validates with it, so it imports no form."""

from __future__ import annotations

from sqlalchemy import Select, case, func, or_, select

from app.core.text import like_escape, search_key
from app.core.urls import id_or_none
from app.extensions import db
from app.institutions.models import Institution
from app.programs.models import Program
from app.search import engine
from app.search.text import SearchQuery

#: How many programs one search offers at most.
PICKER_LIMIT = 20


def _choosable() -> Select[Program]:
    """Programs have no publication state of their own: every imported program is public. One
    can receive observations while its institution is active (the institution list of the form
    offers only active ones, for the same reason)."""
    return (
        select(Program)
        .join(Institution, Program.institution_id == Institution.id)
        .where(Institution.active)
    )


def choosable_program(value: object) -> Program | None:
    """The program a filer may choose for ``value`` (an id as typed or posted), else None: a
    forged, unknown or out-of-range id is None, never an error."""
    program_id = id_or_none(value)
    if program_id is None:
        return None
    return db.session.scalar(_choosable().where(Program.id == program_id))


def search_programs(query: str, limit: int = PICKER_LIMIT) -> tuple[list[Program], bool]:
    """The choosable programs matching ``query`` and whether there were more than ``limit``.
    The programs search (app/search: every word in the code, a title or a description in any
    language, accents and case ignored, word forms found), plus codes and external ids that
    contain what was typed (filers copy fragments of codes); an exact code comes first, then
    the best matches."""
    searched = SearchQuery.parse(query)
    key = search_key(query)
    if not searched and not key:
        return [], False
    found = engine.program_matches(searched).subquery()
    code = func.lower(Program.code)
    external = func.lower(func.coalesce(Program.external_id, ""))
    exact = or_(code == key, external == key)
    pattern = f"%{like_escape(key)}%"
    statement = (
        _choosable()
        .outerjoin(found, found.c.id == Program.id)
        .where(
            or_(
                found.c.id.is_not(None),
                code.like(pattern, escape="\\"),
                external.like(pattern, escape="\\"),
            )
        )
        .order_by(case((exact, 0), else_=1), found.c.score.desc(), Program.code, Program.id)
    )
    rows = db.session.scalars(statement.limit(limit + 1)).all()
    return list(rows[:limit]), len(rows) > limit
