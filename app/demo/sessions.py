"""Public accountability sessions of the demo country (Law 341 Art. 37: at least one per semester),
recorded through the sessions service: most institutions hold theirs, some skipped a semester, a
few never held one, so the "no session this semester" lists have something to show."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from app.accountability.sessions import save_session
from app.accounts.models import Role, User
from app.core.clock import local_midnight
from app.demo import voices
from app.extensions import db
from app.institutions.models import Institution
from app.observations.models import Observation
from app.observations.queries import publicly_visible

#: How many semesters back sessions are recorded (the current one included).
SEMESTERS = 5


def _semester_days(today: date, back: int) -> tuple[date, date]:
    """First and last day of the semester ``back`` semesters before today's."""
    index = today.year * 2 + (0 if today.month <= 6 else 1) - back
    year, half = divmod(index, 2)
    return (
        (date(year, 1, 1), date(year, 6, 30))
        if half == 0
        else (
            date(year, 7, 1),
            date(year, 12, 31),
        )
    )


def load_sessions(rng: random.Random, today: date) -> int:
    """Record the sessions; returns how many. Flushes, never commits."""
    institutions = list(
        db.session.scalars(select(Institution).where(Institution.active).order_by(Institution.id))
    )
    admin = db.session.scalar(select(User).where(User.role == Role.ADMIN).order_by(User.id))
    assert admin is not None
    recorded = 0
    for institution in institutions:
        diligence = rng.choice([0.0, 0.5, 0.8, 0.8, 1.0, 1.0])
        responder = db.session.scalar(
            select(User)
            .where(User.institution_id == institution.id, User.role == Role.RESPONDER)
            .order_by(User.id)
        )
        for back in range(SEMESTERS - 1, -1, -1):
            first, last = _semester_days(today, back)
            last = min(last, today - timedelta(days=1))
            if first > last or rng.random() >= diligence:
                continue
            held_on = first + timedelta(days=rng.randint(0, (last - first).days))
            raised = list(
                db.session.scalars(
                    select(Observation)
                    .where(
                        Observation.institution_id == institution.id,
                        Observation.submitted_at < local_midnight(held_on),
                        publicly_visible(),
                    )
                    .order_by(Observation.id)
                    .limit(rng.choice([0, 1, 2, 3]))
                )
            )
            name = institution.names["es"]
            save_session(
                None,
                institution=institution,
                held_on=held_on,
                place=f"{rng.choice(voices.SESSION_PLACES)} ({name})"[:200],
                notes=rng.choice(voices.SESSION_NOTES),
                observations=raised,
                report=None,
                actor=responder or admin,
            )
            recorded += 1
    return recorded
