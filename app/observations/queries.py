"""Read-side queries for observation pages, with the privacy rules applied, and the public
observation list's filters: one parser (``ListFilters.from_args``) and one place they become SQL
(``filter_observations``), shared by the /observations page, the API, Open311 and the downloads."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import ColumnElement, Index, Select, literal_column, select, text
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.core.clock import local_today
from app.core.urls import MAX_ID
from app.extensions import db
from app.observations import permissions, states
from app.observations.models import Category, Evidence, Observation, ObservationEvent
from app.observations.models import ObservationState as S
from app.search import engine
from app.search.text import MAX_QUERY, SearchQuery
from app.territory.models import Department, Municipality

#: A select of observations (with or without other columns).
Q = TypeVar("Q", bound="Select[*tuple[Any, ...]]")


def publicly_visible() -> ColumnElement[bool]:
    """The condition every public page, export and API applies: accepted by moderation at some
    point and not hidden by it."""
    return Observation.state.in_(states.PUBLIC_STATES) & Observation.hidden_at.is_(None)


#: :func:`publicly_visible` written with constants, so both engines match the public list's query
#: (which carries this text too) to the partial index below; a test checks it names exactly
#: ``states.PUBLIC_STATES``.
PUBLIC_ROWS = (
    "state IN ('accepted', 'acknowledged', 'answered', 'clarification_requested', 'closed', "
    "'disputed', 'resolved') AND hidden_at IS NULL"
)
#: The public list, newest accepted first, read from the public rows alone: without it the list
#: sorts every public observation for its first page (seconds at 1,000,000; migration 0021).
#: PostgreSQL walks it; SQLite, without statistics, still prefers ix_observations_state_due and
#: sorts (docs/performance.md).
Index(
    "ix_observations_public_accepted",
    Observation.accepted_at,
    Observation.id,
    sqlite_where=text(PUBLIC_ROWS),
    postgresql_where=text(PUBLIC_ROWS),
)


def timeline(observation: Observation) -> list[ObservationEvent]:
    return list(
        db.session.scalars(
            select(ObservationEvent)
            .options(joinedload(ObservationEvent.institution), joinedload(ObservationEvent.reason))
            .where(ObservationEvent.observation_id == observation.id)
            .order_by(ObservationEvent.created_at, ObservationEvent.id)
        )
    )


def visible_evidence(observation: Observation, viewer: User | None) -> list[Evidence]:
    return [e for e in observation.evidence if permissions.can_see_evidence(e, viewer)]


def filed_by(user: User) -> Select[Observation]:
    return (
        select(Observation)
        .options(joinedload(Observation.institution))
        .where(Observation.filer_id == user.id)
        .order_by(Observation.updated_at.desc(), Observation.id.desc())
    )


# --- the public list's filters --------------------------------------------------------------------


class FilterError(ValueError):
    """A query-string value a strict reader refuses; ``message`` names the parameter (the API
    answers it as a JSON 400)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Param:
    """One query-string parameter of a public list, declared once: how it is read (strictly by
    the API and the downloads, leniently by the pages, where a value that is not an id is simply
    no filter) and its JSON Schema (the OpenAPI document's parameters are built from it)."""

    name: str
    kind: Literal["id", "text", "choice"]
    description: str
    max_length: int = 40
    low: int = 1
    high: int = MAX_ID
    #: The values a ``choice`` accepts.
    choices: Callable[[], Collection[str]] | None = None
    #: A regular expression the text must match (documented only: the caller checks it).
    pattern: str | None = None

    def read(self, args: Mapping[str, str], strict: bool = True) -> Any:
        raw = args.get(self.name)
        if self.kind == "id":
            return self._read_id(raw, strict)
        value = raw or ""
        if len(value) > self.max_length or any(ord(ch) < 32 for ch in value):
            if strict:
                raise FilterError(f"{self.name}: invalid value")
            return ""
        value = value.strip()
        if strict and self.choices is not None and value and value not in self.choices():
            raise FilterError(f"{self.name}: unknown value")
        return value

    def _read_id(self, raw: str | None, strict: bool) -> int | None:
        if raw is None or raw == "":
            return None
        if not raw.isascii() or not raw.isdigit() or len(raw) > 10:
            valid = False
        else:
            valid = self.low <= int(raw) <= self.high
        if valid:
            return int(raw)
        if strict:
            raise FilterError(
                f"{self.name}: expected a whole number from {self.low} to {self.high}"
            )
        return None

    def json_schema(self) -> dict[str, Any]:
        if self.kind == "id":
            return {"type": "integer", "minimum": self.low, "maximum": self.high}
        if self.choices is not None:
            return {"type": "string", "enum": sorted(self.choices())}
        if self.pattern is not None:
            return {"type": "string", "pattern": self.pattern}
        return {"type": "string", "maxLength": self.max_length}


def read_params(
    args: Mapping[str, str], params: Iterable[Param], strict: bool = True
) -> dict[str, Any]:
    """Every parameter's value, read in the order declared (a strict reader reports the first
    bad one)."""
    return {param.name: param.read(args, strict) for param in params}


def state_filters() -> frozenset[str]:
    """What the public list's ``state`` accepts: a public state, or the groups open, closed and
    overdue."""
    return frozenset({s.value for s in states.PUBLIC_STATES} | {"open", "closed", "overdue"})


#: The public observation list's parameters: the /observations page, the API's list and the
#: observation downloads read these (Open311 speaks GeoReport's own words, translated into the
#: same ``ListFilters``).
LIST_PARAMS = (
    Param("state", "choice", "A state, or open, closed or overdue.", choices=state_filters),
    Param("institution", "id", "Institution id."),
    Param("category", "id", "Category id."),
    Param("program", "id", "Program id."),
    Param("department", "text", "ISO 3166-2 code, e.g. BO-L."),
    Param("municipality", "text", "INE code."),
    Param(
        "q",
        "text",
        "Search words: code, title, description, place, institution, program and answers "
        "(accents and case ignored, word forms found, best matches first).",
        max_length=MAX_QUERY,
    ),
)


@dataclass
class ListFilters:
    """What a public list of observations is narrowed to. The first fields are the site's own
    parameters (``LIST_PARAMS``); the others carry Open311's vocabulary (``None``: no filter; an
    empty list matches nothing)."""

    state: str = ""
    category: int | None = None
    institution: int | None = None
    department: str = ""
    program: int | None = None
    municipality: str = ""
    #: Search words (app/search): only matching observations, best first.
    q: str = ""
    codes: Sequence[str] | None = None
    category_keys: Sequence[str] | None = None
    institutions: Sequence[int] | None = None
    submitted_from: datetime | None = None
    submitted_to: datetime | None = None
    #: Changed after this moment (Open311's ``updated_after``, for clients that sync).
    updated_after: datetime | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str], *, strict: bool = True) -> ListFilters:
        """The filters of a query string; strict readers raise ``FilterError``."""
        return cls(**read_params(args, LIST_PARAMS, strict))


def filter_observations(query: Q, filters: ListFilters) -> Q:
    """``query`` (which selects from observations) narrowed to ``filters``: the one place the
    public lists' filters become SQL."""
    f = filters
    if f.state == "overdue":
        query = query.where(
            Observation.state.in_(states.CLOCK_STATES), Observation.due_date < local_today()
        )
    elif f.state == "open":
        query = query.where(Observation.state.in_(states.OPEN_STATES))
    elif f.state == "closed":
        query = query.where(Observation.state.in_(states.CLOSED_STATES))
    elif f.state in {s.value for s in S}:
        query = query.where(Observation.state == S(f.state))
    for value, column in (
        (f.category, Observation.category_id),
        (f.institution, Observation.institution_id),
        (f.program, Observation.program_id),
    ):
        if value:
            query = query.where(column == value)
    if f.department:
        query = query.where(
            Observation.department_id.in_(
                select(Department.id).where(Department.iso_code == f.department)
            )
        )
    if f.municipality:
        query = query.where(
            Observation.municipality_id.in_(
                select(Municipality.id).where(Municipality.code == f.municipality)
            )
        )
    if f.q:
        query, _found = engine.narrow(query, SearchQuery.parse(f.q))
    if f.codes is not None:
        query = query.where(Observation.code.in_(f.codes))
    if f.category_keys is not None:
        query = query.where(
            Observation.category_id.in_(
                select(Category.id).where(Category.key.in_(f.category_keys))
            )
        )
    if f.institutions is not None:
        query = query.where(Observation.institution_id.in_(f.institutions))
    if f.submitted_from is not None:
        query = query.where(Observation.submitted_at >= f.submitted_from.astimezone(UTC))
    if f.submitted_to is not None:
        query = query.where(Observation.submitted_at <= f.submitted_to.astimezone(UTC))
    if f.updated_after is not None:
        query = query.where(Observation.updated_at > f.updated_after.astimezone(UTC))
    return query


def public_list(filters: ListFilters) -> Select[Observation]:
    """The /observations page's list: public observations, newest accepted first; with search
    words, the best matches first."""
    query = (
        select(Observation)
        .options(joinedload(Observation.institution), joinedload(Observation.category))
        .where(publicly_visible(), text(PUBLIC_ROWS))
    )
    if filters.q:
        query, found = engine.narrow(query, SearchQuery.parse(filters.q))
        return filter_observations(query, replace(filters, q="")).order_by(
            found.c.score.desc(), Observation.id.desc()
        )
    accepted: Any = Observation.accepted_at
    if (filters.program or filters.institution or filters.municipality) and _sqlite():
        # A few hundred rows of a million: SQLite, which keeps no histogram, would walk the
        # ordered index above until it found 20 of them (seconds when there are none). ``+``
        # leaves the value as it is but keeps the order from any index: the filter's index is
        # read and its rows sorted. PostgreSQL's statistics choose well either way.
        accepted = literal_column("+observations.accepted_at")
    return filter_observations(query, filters).order_by(accepted.desc(), Observation.id.desc())


def _sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"
