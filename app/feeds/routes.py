"""Atom feeds of the public pages: an /observations search, one observation's timeline, a
program's and a plan's news, an institution's answers, a department's observations and answers.

A feed is a public document: it is built as the anonymous visitor sees the page, whoever asks
(nothing here reads the signed-in person), so a cached or forwarded feed never carries anyone's
own view. What does not exist, or is not public, is 404 for everyone (a hidden observation's feed
too, even to its filer). Bad filters are 400. The language follows the page's choice chain
(``?lang=``; the pages link their feed with their own language)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.core.i18n import current_language
from app.core.i18n_content import localized
from app.core.text import show_redactions
from app.core.urls import external_url
from app.extensions import db
from app.feeds import atom, observation_news, program_news
from app.institutions.models import Institution
from app.observations.lookup import by_code
from app.observations.models import Observation, ObservationEvent
from app.observations.permissions import can
from app.observations.queries import LIST_PARAMS, FilterError, ListFilters
from app.plans import services as plans
from app.programs.models import Program
from app.territory.models import Department

bp = Blueprint("feeds", __name__, url_prefix="/feeds")


def _search_args(filters: ListFilters) -> dict[str, str]:
    """The search's own parameters, in a fixed order: the feed's id and its page's address."""
    values = {param.name: getattr(filters, param.name) for param in LIST_PARAMS}
    return {name: str(value) for name, value in values.items() if value}


@bp.app_template_global("observation_feed_url")
def observation_feed_url(observation: Observation) -> str | None:
    """The observation page's feed, in the page's language: only when the public may see the
    observation (a feed is a public document)."""
    if observation.code is None or not can(None, "observation.view", observation):
        return None
    return url_for("feeds.observation", code=observation.code, lang=current_language())


@bp.app_template_global("observations_feed_url")
def observations_feed_url(args: Mapping[str, str]) -> str:
    """The feed of the /observations search ``args`` (the page's query string), in the page's
    language. The page reads its filters leniently; a value the feed would refuse is left out
    rather than linked to a 400."""
    kept: dict[str, Any] = {}
    for param in LIST_PARAMS:
        try:
            value = param.read(args)
        except FilterError:
            continue
        if value:
            kept[param.name] = str(value)
    return url_for("feeds.observations", lang=current_language(), **kept)


@bp.route("/observations.atom")
def observations() -> Response:
    """The newest public observations of any /observations search (the same query string)."""
    try:
        filters = ListFilters.from_args(request.args)
    except FilterError:
        abort(400)
    args = _search_args(filters)
    if filters.q:
        title = _('Observations matching "%(words)s"', words=filters.q)
    elif args:
        title = _("Social-control observations: a filtered list")
    else:
        title = _("Social-control observations")
    return atom.response(
        atom.build(
            feed_id=atom.tag_id("observations", *(f"{k}={v}" for k, v in args.items())),
            title=title,
            page_url=external_url("observations.index", **args),
            subtitle=_("New public observations and their progress, newest first."),
            entries=atom.newest(observation_news.observations(filters)),
        )
    )


@bp.route("/observations/<code>.atom")
def observation(code: str) -> Response:
    """One observation's public timeline."""
    found = by_code(code)
    # Asked as the public: a feed is never anyone's own view.
    if found is None or not can(None, "observation.view", found):
        abort(404)
    return atom.response(
        atom.build(
            feed_id=atom.tag_id("observation", found.code),
            title=_("Timeline of observation %(code)s", code=found.code),
            page_url=observation_news.observation_url(found.code),
            subtitle=show_redactions(found.title),
            entries=observation_news.timeline(found),
        )
    )


@bp.route("/programs/<int:program_id>.atom")
def program(program_id: int) -> Response:
    found = db.get_or_404(Program, program_id)
    return atom.response(
        atom.build(
            feed_id=atom.tag_id("program", found.id),
            title=_('News of the program "%(program)s"', program=found.title),
            page_url=program_news.program_url(found.id),
            subtitle=_("Milestones, progress and new comments."),
            entries=program_news.news(Program.id == found.id),
        )
    )


@bp.route("/plans/<int:plan_id>.atom")
def plan(plan_id: int) -> Response:
    found = plans.get_plan(plan_id)
    if found is None:
        abort(404)
    return atom.response(
        atom.build(
            feed_id=atom.tag_id("plan", found.id),
            title=_('News of the plan "%(plan)s"', plan=found.title),
            page_url=external_url("plans.detail", plan_id=found.id),
            subtitle=_("Milestones, progress and new comments of its programs."),
            entries=program_news.news(Program.plan_id == found.id),
        )
    )


@bp.route("/institutions/<int:institution_id>.atom")
def institution(institution_id: int) -> Response:
    """The answers the institution gave (on public observations)."""
    found = db.get_or_404(Institution, institution_id)
    return atom.response(
        atom.build(
            feed_id=atom.tag_id("institution", found.id),
            title=_("Answers given by %(institution)s", institution=localized(found.names)),
            page_url=external_url("accountability.institution", institution_id=found.id),
            subtitle=_("Its answers to public observations, newest first."),
            entries=observation_news.answers(None, ObservationEvent.institution_id == found.id),
        )
    )


@bp.route("/territories/<territory>.atom")
def territory(territory: str) -> Response:
    """A department's (ISO 3166-2 code) new public observations and the answers given on them."""
    found = db.session.scalar(
        select(Department).where(Department.iso_code == territory.strip().upper()[:10])
    )
    if found is None:
        abort(404)
    filters = ListFilters(department=found.iso_code)
    entries = [
        *observation_news.observations(filters, by_activity=False),
        *observation_news.answers(filters),
    ]
    return atom.response(
        atom.build(
            feed_id=atom.tag_id("department", found.iso_code),
            title=_("Observations and answers in %(department)s", department=found.name),
            page_url=external_url("accountability.territory", territory=found.iso_code),
            subtitle=_("New public observations and the answers given on them, newest first."),
            entries=atom.newest(entries),
        )
    )
