"""The triage queue: observations awaiting a moderator's decision, oldest first, and the
similar observations suggested while triaging."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.core.text import like_escape, search_key
from app.extensions import db
from app.moderation.models import LogAction, TargetType
from app.moderation.services import log
from app.observations.models import Category, Observation, ObservationState
from app.territory.models import Department, Municipality

#: Words too common to suggest a duplicate (Spanish, the language most observations use).
_STOP = frozenset(
    [
        "para",
        "por",
        "con",
        "sin",
        "los",
        "las",
        "del",
        "una",
        "uno",
        "que",
        "sus",
        "como",
        "esta",
        "este",
        "donde",
        "desde",
        "hasta",
        "mas",
        "muy",
        "programa",
        "obra",
        "obras",
        "proyecto",
    ]
)


def queue(state: ObservationState = ObservationState.SUBMITTED) -> Select:
    """Everything the queue page shows in one query: the observation with its filer, program,
    institution, category and place (moderators see who filed, whatever the identity level)."""
    return (
        select(Observation)
        .options(
            joinedload(Observation.filer),
            joinedload(Observation.program),
            joinedload(Observation.institution),
            joinedload(Observation.category),
            joinedload(Observation.department),
            joinedload(Observation.municipality),
        )
        .where(Observation.state == state)
        .order_by(Observation.submitted_at, Observation.id)
    )


def _words(text: str) -> list[str]:
    words = [w for w in search_key(text).split() if len(w) >= 4 and w not in _STOP]
    return list(dict.fromkeys(words))[:8]


def similar(observation: Observation, limit: int = 5) -> list[Observation]:
    """Other filed observations about the same program or institution, or sharing words of
    the title, most shared words first."""
    words = _words(f"{observation.title}")
    related = []
    if observation.program_id:
        related.append(Observation.program_id == observation.program_id)
    if observation.institution_id:
        related.append(Observation.institution_id == observation.institution_id)
    title = func.lower(Observation.title)
    wording = [title.like(f"%{like_escape(w)}%", escape="\\") for w in words]
    if not related and not wording:
        return []
    candidates = list(
        db.session.scalars(
            select(Observation)
            .options(joinedload(Observation.institution))
            .where(
                Observation.id != observation.id,
                Observation.code.is_not(None),
                Observation.state != ObservationState.DRAFT,
                or_(*related, *wording),
            )
            .order_by(Observation.submitted_at.desc())
            .limit(60)
        )
    )

    def score(other: Observation) -> tuple[int, int]:
        shared = len(set(words) & set(_words(other.title)))
        same = int(other.program_id == observation.program_id and bool(observation.program_id))
        return (shared * 2 + same, other.id)

    ranked = sorted(candidates, key=score, reverse=True)
    return [o for o in ranked if score(o)[0] > 0][:limit]


def edit_details(
    observation: Observation,
    moderator: User,
    *,
    category: Category | None,
    department: Department | None,
    municipality: Municipality | None,
    note: str = "",
) -> bool:
    """Correct the category and the territory; logged with what changed. False if nothing did."""
    changes = []
    for attr, new in (
        ("category", category),
        ("department", department),
        ("municipality", municipality),
    ):
        old = getattr(observation, attr)
        if (old.id if old else None) != (new.id if new else None):
            changes.append(f"{attr}: {old.id if old else '-'} → {new.id if new else '-'}")
            setattr(observation, attr, new)
    if not changes:
        return False
    log(
        LogAction.EDIT_DETAILS,
        TargetType.OBSERVATION,
        observation.id,
        moderator,
        note="; ".join([*changes, note] if note else changes),
    )
    db.session.flush()
    return True
