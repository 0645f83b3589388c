"""The filing form's program picker: which programs a filer may choose, and the search by code,
external id or title words. The form validates with it, so it imports no form."""

from __future__ import annotations

from sqlalchemy import Select, case, func, or_, select

from app.core.text import like_escape, search_key, search_terms
from app.core.urls import id_or_none
from app.extensions import db
from app.institutions.models import Institution
from app.programs.models import Program

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
    Every word must appear in the code, the external id, or a title or description in any
    language (accents and case ignored, as in the programs list); an exact code comes first."""
    terms = search_terms(query)
    if not terms:
        return [], False
    statement = _choosable()
    for term in terms:
        pattern = f"%{like_escape(term)}%"
        statement = statement.where(
            or_(
                Program.search_text.like(pattern, escape="\\"),
                func.lower(func.coalesce(Program.external_id, "")).like(pattern, escape="\\"),
            )
        )
    key = search_key(query)
    exact = or_(func.lower(Program.code) == key, func.lower(Program.external_id) == key)
    found = db.session.scalars(
        statement.order_by(case((exact, 0), else_=1), Program.code, Program.id).limit(limit + 1)
    ).all()
    return list(found[:limit]), len(found) > limit
