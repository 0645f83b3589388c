"""Finding an observation by the tracking code a person typed."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.observations.models import Observation


def normalise_code(raw: str) -> str:
    """'cs 2026 42' or 'CS-2026-00042' → 'CS-2026-00042'."""
    digits = "".join(ch if ch.isdigit() else " " for ch in raw).split()
    if len(digits) != 2 or len(digits[0]) != 4:
        return raw.strip().upper()
    return f"CS-{digits[0]}-{int(digits[1]):05d}"


def by_code(code: str | None) -> Observation | None:
    if not code:
        return None
    return db.session.scalar(select(Observation).where(Observation.code == normalise_code(code)))
