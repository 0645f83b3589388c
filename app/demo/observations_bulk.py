"""The demo country's observations (``flask demo`` without ``--small``): about 600 over the last
18 months, in every state, filed by citizens, organisations and the two demo groups at the three
identity levels, many with coordinates; written with Core ``insert`` in a few statements.

What the services would have kept along the way is written here from the simulation
(``app.demo.history``): events, pauses, answer figures, the moderation log and the filers'
follows. What is derived from many rows is recounted afterwards by the app's own functions
(``app.demo.recount``). A few observations then go through the moderation services themselves:
some redacted (personal data removed, originals kept) and some hidden."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from app.accountability.models import ObservationFigures
from app.accounts.models import Role, User
from app.core.clock import local_midnight
from app.core.workdays import WorkCalendar, holiday_names_language
from app.demo import texts, voices
from app.demo.bulk import table_of
from app.demo.history import Cast, Profile, Simulator, Story
from app.demo.places import CAPITALS, TOWNS, ZONES
from app.extensions import db
from app.groups.models import GroupMembership, OversightGroup
from app.institutions.models import Institution
from app.moderation import redaction
from app.moderation.models import LogAction, ModerationLogEntry, TargetType
from app.moderation.reason_models import ModerationReason
from app.moderation.services import log as moderation_log
from app.observations import states
from app.observations.codes import format_code
from app.observations.models import (
    ActingAs,
    ActorType,
    Category,
    IdentityLevel,
    Observation,
    ObservationEvent,
    ObservationFollow,
    ObservationPause,
    TrackingCodeCounter,
)
from app.programs.models import Program
from app.territory.models import Department, Municipality

DAYS_BACK = 540
#: Institutions that answer well or badly; the others draw a profile at random.
PROFILES = {
    "GAMS": Profile(0.85, 0.85, 0.03),
    "GAMLP": Profile(0.8, 0.8, 0.05),
    "GAGCI": Profile(0.7, 0.75, 0.05),
    "GAMEA": Profile(0.5, 0.55, 0.15),
    "MSyD": Profile(0.6, 0.5, 0.12),
    "EPSAS": Profile(0.4, 0.4, 0.25),
    "GADLP": Profile(0.5, 0.45, 0.18),
}
#: Where each indigenous language of the demo is widely spoken (department ISO codes).
REGIONS = {
    "qu": ("BO-C", "BO-P", "BO-H", "BO-O"),
    "ay": ("BO-L", "BO-O"),
    "gn": ("BO-S", "BO-T", "BO-H"),
}
WORKS_BY_CODE = {code: key for key, (code, *_rest) in texts.WORKS.items()}
PHONE_NAMES = ["Ramiro Gutiérrez", "Lourdes Flores", "Efraín Mamani", "Zulema Rojas"]


@dataclass
class _Place:
    department: Department
    municipality: Municipality | None
    zone: str


class _Country:
    """What the generator picks from, loaded once."""

    def __init__(self) -> None:
        self.institutions = list(db.session.scalars(select(Institution).order_by(Institution.id)))
        self.programs = list(db.session.scalars(select(Program).order_by(Program.id)))
        self.departments = {d.id: d for d in db.session.scalars(select(Department))}
        self.capitals = {
            d.id: db.session.scalar(
                select(Municipality).where(
                    Municipality.department_id == d.id, Municipality.name == CAPITALS[d.iso_code]
                )
            )
            for d in self.departments.values()
        }
        users = list(db.session.scalars(select(User).order_by(User.id)))
        self.citizens = [u for u in users if u.role == Role.CITIZEN]
        self.moderators = [u for u in users if u.role == Role.MODERATOR]
        self.responders: dict[int, int] = {}
        for user in users:
            if user.role == Role.RESPONDER and user.institution_id is not None:
                self.responders.setdefault(user.institution_id, user.id)
        self.categories = {c.key: c for c in db.session.scalars(select(Category))}
        self.actor_types = list(db.session.scalars(select(ActorType).order_by(ActorType.id)))
        self.groups = list(db.session.scalars(select(OversightGroup).order_by(OversightGroup.id)))
        self.members = {
            g.id: list(
                db.session.scalars(
                    select(GroupMembership.user_id)
                    .where(GroupMembership.group_id == g.id)
                    .order_by(GroupMembership.id)
                )
            )
            for g in self.groups
        }
        self.reasons = {
            r.key: r
            for r in db.session.scalars(select(ModerationReason).order_by(ModerationReason.id))
        }


def _works_phrase(program: Program | None, rng: random.Random) -> str:
    if program is not None:
        for part in program.code.replace(".", "-").split("-"):
            if part in WORKS_BY_CODE:
                return texts.WORKS_PHRASE[WORKS_BY_CODE[part]]
        return f"«{program.titles['es']}»"
    return texts.WORKS_PHRASE[rng.choice(sorted(texts.WORKS_PHRASE))]


def _place(
    country: _Country, program: Program | None, institution: Institution, rng: random.Random
) -> _Place:
    department_id = (program.department_id if program else None) or institution.department_id
    municipality_id = (program.municipality_id if program else None) or institution.municipality_id
    if department_id is None:
        department_id = rng.choice(sorted(country.departments))
    department = country.departments[department_id]
    municipality = db.session.get(Municipality, municipality_id) if municipality_id else None
    if municipality is None and rng.random() < 0.6:
        municipality = country.capitals[department_id]
    town = municipality.name if municipality else CAPITALS[department.iso_code]
    zones = ZONES.get(town, [])
    zone = rng.choice(zones) if zones and rng.random() < 0.8 else town
    if zone == "Nuestra Señora de La Paz":
        zone = "La Paz"
    return _Place(department, municipality, zone)


def load_country_observations(rng: random.Random, today: date, count: int) -> int:
    """Simulate and write ``count`` observations. Flushes, never commits."""
    country = _Country()
    calendar = WorkCalendar((), language=holiday_names_language("es"))
    simulator = Simulator(rng, today, calendar)
    profiles = {
        i.id: PROFILES.get(
            i.acronym,
            Profile(rng.uniform(0.4, 0.85), rng.uniform(0.45, 0.9), rng.uniform(0.03, 0.15)),
        )
        for i in country.institutions
    }
    filed_days = sorted(
        today - timedelta(days=1 + int((DAYS_BACK - 1) * rng.random() ** 1.3)) for _ in range(count)
    )
    frequent = [u for u in country.citizens if u.email.endswith("@demo.qhawaq.bo")][:6]
    filers = country.citizens + frequent * 3
    stories: list[Story] = []
    accepted_by_program: dict[int, list[int]] = {}
    redact: list[tuple[int, list[str]]] = []
    for index, filed in enumerate(filed_days):
        program = rng.choice(country.programs) if rng.random() < 0.75 else None
        institution = (
            program.institution if program is not None else rng.choice(country.institutions)
        )
        place = _place(country, program, institution, rng)
        row = _observation_row(country, rng, program, institution, place, filers)
        if rng.random() < 0.025:
            name, phone = rng.choice(PHONE_NAMES), f"7{rng.randrange(1000000, 9999999)}"
            row["description"] += f" Pueden llamar al encargado, {name}, al {phone}."
            redact.append((index, [name, phone]))
        story = Story(row)
        category = country.categories[row.pop("category_key")]
        cast = Cast(
            filer_id=row["filer_id"],
            moderator_id=rng.choice(country.moderators).id,
            responder_id=country.responders.get(institution.id, 0),
            institution_id=institution.id,
            category=category.key,
            reject_reason_ids=[
                country.reasons[k].id
                for k in ("not_public_matter", "insufficient_information")
                if k in country.reasons
            ],
        )
        key = program.id if program else -institution.id
        simulator.run(
            story,
            cast,
            filed,
            profiles[institution.id],
            institution.deadline_days or category.deadline_days,
            accepted_by_program.get(key, []),
        )
        if story.row.get("accepted_at") is not None:
            accepted_by_program.setdefault(key, []).append(index)
        stories.append(story)
    ids = _write(stories)
    _moderate(country, rng, stories, ids, redact, today)
    return len(stories)


def _observation_row(
    country: _Country,
    rng: random.Random,
    program: Program | None,
    institution: Institution,
    place: _Place,
    filers: list[User],
) -> dict[str, Any]:
    # People write in their language where it is spoken (and in Spanish everywhere).
    speakers = [u for u in filers if place.department.iso_code in REGIONS.get(u.language, ())]
    filer = rng.choice(speakers if speakers and rng.random() < 0.4 else filers)
    row: dict[str, Any] = {
        "filer_id": filer.id,
        "identity": rng.choices(list(IdentityLevel), [55, 30, 15])[0],
        "acting_as": ActingAs.INDIVIDUAL,
        "actor_type_id": None,
        "organisation_name": "",
        "group_id": None,
        "program_id": program.id if program else None,
        "institution_id": institution.id,
        "department_id": place.department.id,
        "municipality_id": place.municipality.id if place.municipality else None,
        "place_description": "",
        "latitude": None,
        "longitude": None,
    }
    for group in country.groups:
        home = group.municipality_id
        if home is not None and home == row["municipality_id"] and rng.random() < 0.35:
            row["filer_id"] = rng.choice(country.members[group.id])
            row.update(acting_as=ActingAs.GROUP, group_id=group.id)
            row.update(actor_type_id=group.actor_type_id, identity=IdentityLevel.PUBLIC)
    if row["acting_as"] == ActingAs.INDIVIDUAL and rng.random() < 0.08:
        row["acting_as"] = ActingAs.ORGANISATION
        row["organisation_name"] = rng.choice(voices.ORGANISATIONS)
        row["actor_type_id"] = rng.choice(country.actor_types).id
    language = next(u.language for u in country.citizens if u.id == row["filer_id"])
    values = {
        "works": _works_phrase(program, rng),
        "place": place.zone,
        "months": str(rng.randint(2, 8)),
    }
    values["works_cap"] = values["works"][:1].upper() + values["works"][1:]
    native = place.department.iso_code in REGIONS.get(language, ())
    if native and language in voices.OBSERVATIONS_NATIVE and rng.random() < 0.6:
        title, description = rng.choice(voices.OBSERVATIONS_NATIVE[language])
        row["category_key"] = rng.choice(["delay", "quality", "other"])
    else:
        row["category_key"] = rng.choices(
            ["delay", "quality", "information", "misuse", "proposal", "irregularity", "other"],
            [26, 22, 22, 7, 8, 10, 5],
        )[0]
        titles, descriptions = voices.OBSERVATIONS[row["category_key"]]
        title, description = rng.choice(titles), rng.choice(descriptions)
    row["title"] = title.format(**values)[:200]
    row["description"] = description.format(**values)
    row["category_id"] = country.categories[row["category_key"]].id
    town: str | None = place.municipality.name if place.municipality else None
    if rng.random() < 0.75:
        row["place_description"] = (
            place.zone if town in (None, place.zone) else f"{place.zone}, {town}"
        )
    spot = TOWNS.get(town or CAPITALS[place.department.iso_code])
    if spot is not None and rng.random() < 0.65:
        lat, lon, jitter = spot
        row["latitude"] = round(lat + rng.uniform(-jitter, jitter), 5)
        row["longitude"] = round(lon + rng.uniform(-jitter, jitter), 5)
    return row


def _write(stories: list[Story]) -> list[int]:
    """Insert the observations in filing order with their tracking codes, then everything that
    hangs from them. Returns the new ids, in the order of ``stories``."""
    conn = db.session.connection()
    counters = {c.year: c.last_number for c in db.session.scalars(select(TrackingCodeCounter))}
    rows = []
    for story in stories:
        row = story.row
        year = row["submitted_at"].year
        counters[year] = counters.get(year, 0) + 1
        rows.append({**_defaults(), **row, "code": format_code(year, counters[year])})
    result = conn.execute(
        insert(table_of(Observation)).returning(
            table_of(Observation).c.id, sort_by_parameter_order=True
        ),
        rows,
    )
    ids = [row_id for (row_id,) in result]
    for year, last in sorted(counters.items()):
        if db.session.get(TrackingCodeCounter, year) is None:
            db.session.add(TrackingCodeCounter(year=year, last_number=last))
        else:
            db.session.execute(
                update(TrackingCodeCounter)
                .where(TrackingCodeCounter.year == year)
                .values(last_number=last)
            )
    duplicates = [
        {"b_id": ids[i], "b_original": ids[s.duplicate_of]}
        for i, s in enumerate(stories)
        if s.duplicate_of is not None
    ]
    if duplicates:
        table = table_of(Observation)
        conn.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(duplicate_of_id=bindparam("b_original")),
            duplicates,
        )
    events = sorted(
        ({**e, "observation_id": ids[i]} for i, s in enumerate(stories) for e in s.events),
        key=lambda e: (e["created_at"], e["observation_id"]),
    )
    conn.execute(insert(table_of(ObservationEvent)), events)
    pauses = [
        {"observation_id": ids[i], "started_on": start, "ended_on": end}
        for i, s in enumerate(stories)
        for start, end in s.pauses
    ]
    if pauses:
        conn.execute(insert(table_of(ObservationPause)), pauses)
    figures = [{"observation_id": ids[i], **s.figures} for i, s in enumerate(stories) if s.figures]
    if figures:
        conn.execute(insert(table_of(ObservationFigures)), figures)
    log = sorted(
        ({**e, "target_id": ids[i]} for i, s in enumerate(stories) for e in s.log),
        key=lambda e: (e["created_at"], e["target_id"]),
    )
    conn.execute(insert(table_of(ModerationLogEntry)), log)
    follows = {(ids[i], s.row["filer_id"]) for i, s in enumerate(stories)}
    follows |= {
        (ids[s.duplicate_of], s.row["filer_id"]) for s in stories if s.duplicate_of is not None
    }
    conn.execute(
        insert(table_of(ObservationFollow)),
        [
            {"observation_id": o, "user_id": u, "created_at": stories[0].row["submitted_at"]}
            for o, u in sorted(follows)
        ],
    )
    return ids


def _defaults() -> dict[str, Any]:
    """Columns every row carries, so executemany sees one shape."""
    return {
        "show_member_name": False,
        "hide_group": False,
        "accepted_at": None,
        "clock_start": None,
        "deadline_days": None,
        "due_date": None,
        "first_answer_at": None,
        "closed_at": None,
        "closed_outcome": None,
        "duplicate_of_id": None,
        "rejection_reason": "",
        "dispute_count": 0,
        "answer_outcome": None,
        "satisfaction": None,
        "info_requested_at": None,
        "hidden_at": None,
        "hidden_by_id": None,
        "version": 1,
    }


def _moderate(
    country: _Country,
    rng: random.Random,
    stories: list[Story],
    ids: list[int],
    redact: list[tuple[int, list[str]]],
    today: date,
) -> None:
    """Some observations lose personal data (the redaction service keeps the originals), and a
    few public ones are hidden by a moderator."""
    personal = country.reasons.get("personal_data")
    for index, spans in redact:
        observation = db.session.get(Observation, ids[index])
        assert observation is not None and observation.submitted_at is not None
        moderator = country.moderators[index % len(country.moderators)]
        when = min(
            observation.submitted_at + timedelta(days=1),
            _noon(today - timedelta(days=1)),
        )
        note = "Teléfono y nombre de un tercero."
        redaction.redact(observation, spans, moderator, personal, note, now=when)
    harassment = country.reasons.get("harassment")
    public = [
        i
        for i, s in enumerate(stories)
        if s.row["state"] in states.PUBLIC_STATES and s.row["accepted_at"] is not None
    ]
    for index in sorted(rng.sample(public, min(len(public), max(2, len(stories) // 60)))):
        observation = db.session.get(Observation, ids[index])
        assert observation is not None and observation.accepted_at is not None
        moderator = country.moderators[index % len(country.moderators)]
        when = min(
            observation.accepted_at + timedelta(days=rng.randint(1, 6)),
            _noon(today - timedelta(days=1)),
        )
        observation.hidden_at, observation.hidden_by_id = when, moderator.id
        note = "Ataques personales a un funcionario."
        moderation_log(
            LogAction.HIDE,
            TargetType.OBSERVATION,
            observation.id,
            moderator,
            reason=harassment,
            note=note,
            now=when,
        )
    db.session.flush()


def _noon(day: date) -> datetime:
    return local_midnight(day) + timedelta(hours=12)
