"""Feed entries about observations: the public ones a search finds, the answers institutions
gave, and one observation's public timeline. Rows come from the public read layer
(``opendata.records``: ``publicly_visible()`` observations, the ``PUBLIC_ACTIONS`` allow-list of
events, the documents the public may open), so a feed never carries what the open data does not.
Who filed an observation is never part of an entry, whatever its identity level: a feed is a
public document with nobody's name in it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import joinedload

from app.core.i18n_content import localized
from app.core.text import show_redactions
from app.core.urls import external_url
from app.extensions import db
from app.feeds.atom import MAX_ENTRIES, Entry
from app.observations import lifecycle, queries, states
from app.observations.models import Observation, ObservationEvent, ObservationState
from app.observations.queries import ListFilters
from app.opendata import records


def observation_url(code: str | None) -> str:
    return external_url("observations.detail", code=code)


def _last_public_event() -> ColumnElement[datetime]:
    """When the observation's public timeline last moved (its newest public event)."""
    return (
        select(func.max(ObservationEvent.created_at))
        .where(
            ObservationEvent.observation_id == Observation.id,
            ObservationEvent.action.in_(records.PUBLIC_ACTIONS),
        )
        .correlate(Observation)
        .scalar_subquery()
    )


def _facts(o: Observation) -> str:
    lines = [_("State: %(state)s", state=o.state.title)]
    if o.institution is not None:
        lines.append(_("Institution: %(institution)s", institution=localized(o.institution.names)))
    if o.category is not None:
        lines.append(_("Category: %(category)s", category=localized(o.category.names)))
    if o.department is not None:
        place = o.department.name
        if o.municipality is not None:
            place = _(
                "%(municipality)s, %(department)s",
                municipality=o.municipality.name,
                department=o.department.name,
            )
        lines.append(_("Territory: %(place)s", place=place))
    if o.due_date is not None:
        lines.append(_("Answer due by %(date)s", date=format_date(o.due_date, "long")))
    return "\n".join(lines)


def observations(filters: ListFilters, *, by_activity: bool = True) -> list[Entry]:
    """The newest public observations ``filters`` select (newest accepted first), one entry
    each. ``by_activity``: an entry is dated by its newest public event (an answer brings it up
    in a reader); otherwise by its acceptance (the entry announces a new observation). One
    query, whatever the number of observations."""
    query = (
        records.public_observations(filters)
        .add_columns(_last_public_event())
        .order_by(Observation.accepted_at.desc(), Observation.id.desc())
        .limit(MAX_ENTRIES)
    )
    entries = []
    for o, last in db.session.execute(query):
        published = o.accepted_at or o.submitted_at or o.created_at
        entries.append(
            Entry(
                id=observation_url(o.code),
                title=_("%(code)s: %(title)s", code=o.code, title=show_redactions(o.title)),
                link=observation_url(o.code),
                updated=max(published, last) if by_activity and last else published,
                published=published,
                summary=_facts(o),
                content=show_redactions(o.description),
            )
        )
    return entries


def _documents_text(urls: Sequence[str]) -> str:
    if not urls:
        return ""
    return "\n".join([_("Documents:"), *urls])


def _body(note: str, documents: Sequence[str]) -> str:
    return "\n\n".join(part for part in (show_redactions(note), _documents_text(documents)) if part)


def answers(filters: ListFilters | None = None, *where: ColumnElement[bool]) -> list[Entry]:
    """The newest answers institutions gave on public observations (narrowed to ``filters``
    and ``where``), newest first, with the documents the public may open. Two queries."""
    query = (
        records.answers_query(filters)
        .add_columns(Observation.title)
        .options(joinedload(ObservationEvent.institution))
        .where(*where)
        .order_by(None)
        .order_by(ObservationEvent.created_at.desc(), ObservationEvent.id.desc())
        .limit(MAX_ENTRIES)
    )
    rows = db.session.execute(query).all()
    documents = records.answer_documents([event.id for event, _code, _title in rows])
    entries = []
    for event, code, title in rows:
        institution = localized(event.institution.names) if event.institution else ""
        entries.append(
            Entry(
                id=f"{observation_url(code)}#event-{event.id}",
                title=_("Answer to %(code)s: %(title)s", code=code, title=show_redactions(title)),
                link=f"{observation_url(code)}#event-{event.id}",
                updated=event.created_at,
                published=event.created_at,
                summary=_("%(institution)s answered.", institution=institution)
                if institution
                else "",
                content=_body(event.note, documents.get(event.id, [])),
                author=str(institution),
            )
        )
    return entries


def _actor(event: ObservationEvent) -> str:
    if event.actor_role == states.INSTITUTION and event.institution is not None:
        return str(localized(event.institution.names))
    title = states.ROLE_TITLES.get(event.actor_role)
    return str(title) if title is not None else ""


def timeline(observation: Observation) -> list[Entry]:
    """The observation's public timeline, newest first: the events the page lists (the same
    ``queries.timeline``), kept to the public lifecycle actions the open data publishes, with
    who acted as a role or an institution (never a person)."""
    events = [e for e in queries.timeline(observation) if e.action in records.PUBLIC_ACTIONS]
    events = sorted(events, key=lambda e: (e.created_at, e.id), reverse=True)[:MAX_ENTRIES]
    documents = records.answer_documents([e.id for e in events if e.action == "answer"])
    url = observation_url(observation.code)
    entries = []
    for event in events:
        action = lifecycle.ACTIONS[event.action].title
        actor = _actor(event)
        entries.append(
            Entry(
                id=f"{url}#event-{event.id}",
                title=_("%(actor)s: %(action)s", actor=actor, action=action)
                if actor
                else str(action),
                link=f"{url}#event-{event.id}",
                updated=event.created_at,
                published=event.created_at,
                summary=_("State: %(state)s", state=state_title(event.to_state)),
                content=_body(event.note, documents.get(event.id, [])),
            )
        )
    return entries


def state_title(value: str) -> str:
    try:
        return str(ObservationState(value).title)
    except ValueError:
        return value
