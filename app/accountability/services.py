"""Accountability figures for the pages, the API and the exports, computed in SQL from the same
rows the pages show.

One *scope* (app/accountability/scope.py: period, territory, institution or kind, category,
program) gives every figure. The overview, institution, territory, category and program scopes
are summed from the live tallies (tally_sums.py); other combinations of filters are counted from
the observations (counting.py). Both fill
the same ``Figures`` (results.py), whose conditions are defined once in ``scope.conditions``."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask import current_app
from sqlalchemy import func, select

from app.accountability.counting import PUBLIC_STATE_VALUES, figures_from_observations
from app.accountability.models import ObservationTally, ScopeTally
from app.accountability.results import Figures, InstitutionRow, combine

# Re-exported for app/api/routes.py and app/opendata/exports.py, which import them from here.
from app.accountability.scope import EXPLANATIONS as EXPLANATIONS
from app.accountability.scope import MAX_MONTHS as MAX_MONTHS
from app.accountability.scope import Scope as Scope
from app.accountability.scope import default_period as default_period
from app.accountability.scope import scope_where
from app.accountability.tallies import month_key
from app.accountability.tally_sums import (
    Split,
    figures_from_tallies,
    institution_is,
    split_of,
    split_where,
    tallies_cover,
    totals_from_tallies,
)
from app.core.clock import local_today
from app.extensions import db
from app.institutions.models import Institution
from app.observations.models import Observation
from app.observations.queries import publicly_visible


def figures_by_institution(scope: Scope, today: date | None = None) -> dict[int | None, Figures]:
    """Figures per institution (key None: no institution yet) and month: summed from the live
    tallies (three small queries) when they answer the scope (``tally_sums.tallies_cover``),
    else counted from the observations."""
    today = today or local_today()
    if tallies_cover(scope):
        return figures_from_tallies(scope, today)
    return figures_from_observations(scope, today)


def figures_for(scope: Scope, today: date | None = None) -> Figures:
    """Every figure for one scope (two queries)."""
    return combine(list(figures_by_institution(scope, today).values()), scope)


def totals_for(scope: Scope, today: date | None = None) -> Figures:
    """The scope's counts in all, without months, institutions or days to answer (the home
    page): two small queries when the tallies answer the scope without a split."""
    today = today or local_today()
    if tallies_cover(scope) and split_of(scope) is None:
        return Figures(counts=totals_from_tallies(scope, today))
    return figures_for(scope, today)


def by_state_and_category(scope: Scope) -> tuple[dict[str, int], dict[int | None, int]]:
    """The scope's public observations per state and per category (an institution's page):
    summed from the tallies for a scope of period and institution or kind (two queries), else
    counted (one query)."""
    return _by_state_and_category(scope, summed=tallies_cover(scope) and split_of(scope) is None)


def _by_state_and_category(
    scope: Scope, *, summed: bool
) -> tuple[dict[str, int], dict[int | None, int]]:
    by_state: dict[str, int] = defaultdict(int)
    by_category: dict[int | None, int] = defaultdict(int)
    if summed:
        T = ObservationTally
        for state, n in db.session.execute(
            select(T.state, func.sum(T.observations))
            .where(
                T.state.in_(PUBLIC_STATE_VALUES),
                T.hidden.is_(False),
                T.month >= month_key(scope.start),
                T.month <= month_key(scope.end),
                *institution_is(scope, T.institution_id),
            )
            .group_by(T.state)
        ):
            by_state[str(state)] += int(n)
        split: Split = ("category", {})
        for category_id, n in db.session.execute(
            select(ScopeTally.value, func.sum(ScopeTally.accepted))
            .where(*split_where(ScopeTally, split, scope))
            .group_by(ScopeTally.value)
        ):
            by_category[category_id] += int(n)
    else:
        for state, category_id, n in db.session.execute(
            select(Observation.state, Observation.category_id, func.count())
            .where(*scope_where(scope), publicly_visible())
            .group_by(Observation.state, Observation.category_id)
        ):
            by_state[str(getattr(state, "value", state))] += int(n)
            by_category[category_id] += int(n)
    return (
        {k: n for k, n in by_state.items() if n},
        {k: n for k, n in by_category.items() if n},
    )


def min_ranked() -> int:
    return int(current_app.config.get("ACCOUNTABILITY_MIN_RANKED", 10))


def institution_table(
    by_institution: dict[int | None, Figures], minimum: int | None = None
) -> list[InstitutionRow]:
    """Institutions with at least one accepted observation; those whose deadlines were put to the
    test at least ``minimum`` times are ranked by their on-time share (ties: by the lower end of
    its interval, then by name), the others listed after them without a rank (one query)."""
    minimum = min_ranked() if minimum is None else minimum
    ids = [key for key, figures in by_institution.items() if key and figures.counts.accepted]
    institutions = {
        i.id: i for i in db.session.scalars(select(Institution).where(Institution.id.in_(ids)))
    }
    rows = [InstitutionRow(institutions[i], by_institution[i]) for i in ids if i in institutions]
    ranked = [r for r in rows if r.figures.counts.due >= minimum]
    unranked = [r for r in rows if r.figures.counts.due < minimum]
    ranked.sort(
        key=lambda r: (
            -(r.figures.on_time_share.value or 0),
            -(r.figures.on_time_share.low or 0),
            str(r.institution.name).lower(),
        )
    )
    for position, row in enumerate(ranked, start=1):
        row.rank = position
    unranked.sort(key=lambda r: str(r.institution.name).lower())
    return ranked + unranked
