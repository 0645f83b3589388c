"""``/search``: one box over everything public — programs, plans, observations, institutions —
with how many of each were found and the best few of each, the matching words highlighted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload
from wtforms import SearchField
from wtforms.validators import Length, Optional

from app.extensions import db
from app.observations import queries
from app.observations.models import Observation
from app.programs.models import Program
from app.search import engine, spelling
from app.search.text import MAX_QUERY, SearchQuery, excerpt, highlight

bp = Blueprint("search", __name__)

#: How many of each kind the page lists (the rest is behind "see all").
SHOWN = 5


@bp.app_template_filter("highlight")
def highlight_filter(text: str | None, query: SearchQuery | None) -> Markup:
    return highlight(text, query or SearchQuery.parse(""))


@bp.app_template_filter("excerpt")
def excerpt_filter(text: str | None, query: SearchQuery | None) -> Markup:
    return excerpt(text, query or SearchQuery.parse(""))


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(
        _l("Search"),
        validators=[Optional(), Length(max=MAX_QUERY)],
        description=_l("Programs, plans, observations and institutions."),
    )


@dataclass
class Found:
    """What one search found, per kind: how many, and the first few."""

    programs: list[Program] = field(default_factory=list)
    program_total: int = 0
    observations: list[Observation] = field(default_factory=list)
    observation_total: int = 0
    plans: list[Any] = field(default_factory=list)
    institutions: list[Any] = field(default_factory=list)

    @property
    def total(self) -> int:
        return (
            self.program_total + self.observation_total + len(self.plans) + len(self.institutions)
        )


def _first_and_total(query: Select[Any], entity: Any, *options: Any) -> tuple[list[Any], int]:
    """The first ``SHOWN`` of ``query`` (a select of ``entity`` narrowed to what a search
    found) and how many it has: their ids and the total in one narrow pass over the found rows,
    then those few whole with ``options``. (A count of its own joined every found row a second
    time; the total beside whole rows made SQLite carry them all through the window.)"""
    rows = db.session.execute(
        query.with_only_columns(entity.id, func.count().over()).limit(SHOWN)
    ).all()
    ids = [row[0] for row in rows]
    if not ids:
        return [], 0
    whole = {
        item.id: item
        for item in db.session.scalars(select(entity).options(*options).where(entity.id.in_(ids)))
    }
    return [whole[i] for i in ids], rows[0][1]


def find(q: str) -> Found:
    query = SearchQuery.parse(q)
    if not query:
        return Found()
    program_rows, programs = engine.narrow_programs(select(Program), query)
    programs_shown, program_total = _first_and_total(
        program_rows.order_by(programs.c.score.desc(), Program.id.desc()),
        Program,
        joinedload(Program.institution),
    )
    shown, observation_total = _first_and_total(
        queries.public_list(queries.ListFilters(q=q)),
        Observation,
        joinedload(Observation.institution),
    )
    return Found(
        programs=programs_shown,
        program_total=program_total,
        observations=shown,
        observation_total=observation_total,
        plans=engine.plans_matching(query),
        institutions=engine.institutions_matching(query),
    )


@bp.route("/search")
def index() -> ResponseReturnValue:
    form = SearchForm(request.args)
    valid = form.validate()
    q = (form.q.data or "").strip() if valid else ""
    found, searched = spelling.with_spelling(q, find, lambda f: f.total > 0)
    return render_template(
        "search/index.html",
        form=form,
        found=found,
        searched=searched,
        cap=engine.CANDIDATES,
        capped=engine.capped(searched),
        shown=SHOWN,
    )
