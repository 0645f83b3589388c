"""Rendición pública de cuentas: sessions institutions record, and who has not held one this
semester (Law 341 Art. 37: at least twice a year, once per semester)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.accountability.models import AccountabilitySession, SessionObservation
from app.accounts.models import User
from app.core.clock import local_today
from app.core.uploads import CleanFile, clean_upload
from app.extensions import db
from app.institutions.models import Institution
from app.observations.evidence import store
from app.observations.lookup import normalise_code
from app.observations.models import Observation
from app.observations.queries import publicly_visible

REPORT_MAX_BYTES = 20 * 1024 * 1024


def semester_of(day: date) -> str:
    """'2026-1' for January to June, '2026-2' for July to December."""
    return f"{day.year}-{1 if day.month <= 6 else 2}"


def previous_semester(semester: str) -> str:
    year, half = (int(part) for part in semester.split("-"))
    return f"{year}-1" if half == 2 else f"{year - 1}-2"


@dataclass
class Coverage:
    current: str
    previous: str
    current_held: bool
    previous_held: bool


def coverage(sessions: list[AccountabilitySession], today: date | None = None) -> Coverage:
    current = semester_of(today or local_today())
    previous = previous_semester(current)
    held = {s.semester for s in sessions}
    return Coverage(current, previous, current in held, previous in held)


@dataclass
class SessionView:
    session: AccountabilitySession
    #: Public observations raised at it (codes of hidden or unaccepted ones are not shown).
    observations: list[Observation]


def sessions_of(institution: Institution) -> list[SessionView]:
    """Newest first, with the public observations raised at each (two queries)."""
    sessions = list(
        db.session.scalars(
            select(AccountabilitySession)
            .where(AccountabilitySession.institution_id == institution.id)
            .order_by(AccountabilitySession.held_on.desc(), AccountabilitySession.id.desc())
        )
    )
    linked: dict[int, list[Observation]] = {s.id: [] for s in sessions}
    if sessions:
        rows = db.session.execute(
            select(SessionObservation.session_id, Observation)
            .join(Observation, Observation.id == SessionObservation.observation_id)
            .where(SessionObservation.session_id.in_(linked), publicly_visible())
            .order_by(Observation.code)
        )
        for session_id, observation in rows:
            linked[session_id].append(observation)
    return [SessionView(s, linked[s.id]) for s in sessions]


def without_session(semesters: list[str]) -> dict[str, list[Institution]]:
    """For each semester, the active institutions with no session recorded in it (two queries
    whatever the number of semesters)."""
    institutions = sorted(
        db.session.scalars(select(Institution).where(Institution.active)),
        key=lambda i: str(i.name).lower(),
    )
    held = {
        (semester, institution_id)
        for semester, institution_id in db.session.execute(
            select(AccountabilitySession.semester, AccountabilitySession.institution_id).where(
                AccountabilitySession.semester.in_(semesters)
            )
        )
    }
    return {s: [i for i in institutions if (s, i.id) not in held] for s in semesters}


_CODE_SPLIT = re.compile(r"[\s,;]+")


def parse_codes(raw: str) -> tuple[list[Observation], list[str]]:
    """Tracking codes → (public observations found, codes not found). Codes of observations the
    public cannot see count as not found, so the form reveals nothing about them."""
    codes = [normalise_code(c) for c in _CODE_SPLIT.split(raw or "") if c.strip()]
    codes = list(dict.fromkeys(codes))
    if not codes:
        return [], []
    found = {
        o.code: o
        for o in db.session.scalars(
            select(Observation).where(Observation.code.in_(codes), publicly_visible())
        )
    }
    return [found[c] for c in codes if c in found], [c for c in codes if c not in found]


def clean_report(data: bytes, filename: str) -> CleanFile:
    """A PDF cleaned like evidence (rewritten without metadata); raises ``UploadRejected``
    (images are refused with a PDF-only message by the caller)."""
    return clean_upload(data, filename, max_bytes=REPORT_MAX_BYTES)


def save_session(
    session: AccountabilitySession | None,
    *,
    institution: Institution,
    held_on: date,
    place: str,
    notes: str,
    observations: list[Observation],
    report: CleanFile | None,
    actor: User,
) -> AccountabilitySession:
    """Create or update a session; a new report replaces the old one. Flushes."""
    if session is None:
        session = AccountabilitySession(institution_id=institution.id, created_by_id=actor.id)
        db.session.add(session)
    session.held_on = held_on
    session.semester = semester_of(held_on)
    session.place = place.strip()
    session.notes = notes.strip()
    if report is not None:
        session.report_key = store(report)
        session.report_size = len(report.data)
    db.session.flush()
    wanted = {o.id for o in observations}
    existing = list(
        db.session.scalars(
            select(SessionObservation).where(SessionObservation.session_id == session.id)
        )
    )
    for link in existing:
        if link.observation_id not in wanted:
            db.session.delete(link)
    have = {link.observation_id for link in existing}
    for observation_id in wanted - have:
        db.session.add(SessionObservation(session_id=session.id, observation_id=observation_id))
    db.session.flush()
    return session


def delete_session(session: AccountabilitySession) -> None:
    for link in db.session.scalars(
        select(SessionObservation).where(SessionObservation.session_id == session.id)
    ):
        db.session.delete(link)
    db.session.delete(session)
    db.session.flush()


def linked_codes(session: AccountabilitySession) -> str:
    return " ".join(
        code
        for code in db.session.scalars(
            select(Observation.code)
            .join(SessionObservation, SessionObservation.observation_id == Observation.id)
            .where(SessionObservation.session_id == session.id)
            .order_by(Observation.code)
        )
        if code
    )
