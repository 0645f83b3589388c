"""Who files, as kinds: individuals, organisations (a name the filer typed) and oversight groups,
each split by type of social-control actor (Law 341). Counted, never named: no person and no
group appears here, so a filing whose member hid the group counts as "group" like any other
(the kind and the actor type are shown on its public page already; the group's name is not).

One grouped query over the scope's accepted, public observations
(``scope.conditions()["accepted"]``), so the kinds add up to the "accepted" figure: summed from
the live tallies' filer rows (per month, institution, kind and actor type, with the department,
the municipality or the category; app/accountability/scope_tallies.py) for a scope with at most
one of those three and no program, else counted from the observations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.accountability.models import ScopeTally
from app.accountability.scope import Scope, conditions, scope_where
from app.accountability.tally_sums import Split, split_where
from app.core.clock import local_today
from app.extensions import db
from app.observations.models import ActingAs, ActorType, Observation

#: The kinds in the order the pages show them, with their titles (the filing form's titles speak
#: to the filer: "As an individual").
KIND_TITLES: dict[ActingAs, LazyString] = {
    ActingAs.INDIVIDUAL: _l("Individuals"),
    ActingAs.ORGANISATION: _l("Organisations"),
    ActingAs.GROUP: _l("Oversight groups"),
}


@dataclass
class ActorTypeCount:
    #: None: no actor type given.
    actor_type: ActorType | None
    count: int


@dataclass
class FilerKind:
    kind: ActingAs
    by_actor_type: list[ActorTypeCount] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(row.count for row in self.by_actor_type)

    @property
    def title(self) -> LazyString:
        return KIND_TITLES[self.kind]


def filer_kinds(scope: Scope, today: date | None = None) -> list[FilerKind]:
    """Accepted public observations of ``scope`` per filer kind and actor type (one query);
    every kind is listed, with 0 when none."""
    today = today or local_today()
    rows = summed_rows(scope) if summable(scope) else counted_rows(scope, today)
    kinds = {kind: FilerKind(kind) for kind in KIND_TITLES}
    for acting_as, actor_type, n in rows:
        kinds[ActingAs(acting_as)].by_actor_type.append(ActorTypeCount(actor_type, int(n)))
    for kind in kinds.values():
        # Typed actors in the admin's order, then those without a type.
        kind.by_actor_type.sort(key=_order)
    return list(kinds.values())


def summable(scope: Scope) -> bool:
    """Whether the tallies' filer rows answer the scope: any period, institution or kind, and
    at most one of department, municipality and category."""
    return not scope.program_id and (
        sum(1 for p in (scope.department_id, scope.municipality_id, scope.category_id) if p) <= 1
    )


def counted_rows(scope: Scope, today: date) -> Sequence[Any]:
    """(kind, actor type, count) counted from the observations."""
    return db.session.execute(
        select(Observation.acting_as, ActorType, func.count().label("n"))
        .outerjoin(ActorType, ActorType.id == Observation.actor_type_id)
        .where(*scope_where(scope), conditions(today)["accepted"])
        .group_by(Observation.acting_as, ActorType.id)
    ).all()


def summed_rows(scope: Scope) -> Sequence[Any]:
    """(kind, actor type, count) summed from the tallies' filer rows (``summable(scope)``)."""
    T = ScopeTally
    split: Split = ("filer", {"within": scope.department_id} if scope.department_id else {})
    if scope.municipality_id:
        split = ("filer_municipality", {"within": scope.municipality_id})
    elif scope.category_id:
        split = ("filer_category", {"within": scope.category_id})
    accepted = func.sum(T.accepted)
    return db.session.execute(
        select(T.label, ActorType, accepted)
        .outerjoin(ActorType, ActorType.id == T.value)
        .where(*split_where(T, split, scope))
        .group_by(T.label, ActorType.id)
        .having(accepted > 0)
    ).all()


def _order(count: ActorTypeCount) -> tuple[bool, int, int]:
    actor_type = count.actor_type
    return (
        actor_type is None,
        actor_type.position if actor_type else 0,
        actor_type.id if actor_type else 0,
    )


def as_record(kinds: list[FilerKind]) -> list[dict[str, object]]:
    """The kinds as plain data (the API's statistics): kind, actor type key, count."""
    return [
        {
            "kind": kind.kind.value,
            "actor_type": c.actor_type.key if c.actor_type else None,
            "count": c.count,
        }
        for kind in kinds
        for c in kind.by_actor_type
    ]
