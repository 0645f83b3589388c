"""The triage queue: observations awaiting a moderator's decision, oldest first, and the
similar observations suggested while triaging."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
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


#: Two observations about the same program or institution and the same place, filed this close
#: together, are suggested as possible duplicates even when their titles share no word.
DUPLICATE_WINDOW = timedelta(days=60)

#: States an original can be in: a rejected observation or one that is itself a duplicate is
#: never offered as the one to follow.
_NOT_ORIGINALS = (ObservationState.DRAFT, ObservationState.REJECTED, ObservationState.DUPLICATE)


@dataclass
class Suggestion:
    """A possible original for the observation being triaged, and why it was suggested."""

    observation: Observation
    shared_words: list[str]
    same_program: bool
    same_institution: bool
    same_place: bool
    #: Whole days between the two filings.
    days_apart: int

    @property
    def close_in_time(self) -> bool:
        return self.days_apart <= DUPLICATE_WINDOW.days

    @property
    def same_matter_and_place(self) -> bool:
        """Same program (or institution) and place, filed within the window."""
        return (
            (self.same_program or self.same_institution)
            and self.same_place
            and (self.close_in_time)
        )

    def why(self) -> list[str]:
        """What the two have in common, in the reader's language."""
        reasons = []
        if self.same_program:
            reasons.append(_("same program"))
        elif self.same_institution:
            reasons.append(_("same institution"))
        if self.same_place:
            reasons.append(_("same place"))
        reasons.append(
            ngettext("%(num)d day apart", "%(num)d days apart", self.days_apart)
            if self.days_apart < 10**6
            else _("dates unknown")
        )
        if self.shared_words:
            reasons.append(_("shared words: %(words)s", words=", ".join(self.shared_words)))
        return reasons

    @property
    def score(self) -> int:
        return (
            2 * len(self.shared_words)
            + 2 * int(self.same_program)
            + 3 * int(self.same_matter_and_place)
        )


def _same_place(one: Observation, other: Observation) -> bool:
    if one.municipality_id and other.municipality_id:
        return one.municipality_id == other.municipality_id
    return bool(one.department_id) and one.department_id == other.department_id


def similar(observation: Observation, limit: int = 5) -> list[Suggestion]:
    """Other filed observations that may be the same matter: sharing words of the title, about
    the same program, or about the same program or institution in the same place within
    :data:`DUPLICATE_WINDOW`; best first."""
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
    candidates = db.session.scalars(
        select(Observation)
        .options(joinedload(Observation.institution))
        .where(
            Observation.id != observation.id,
            Observation.code.is_not(None),
            Observation.state.not_in(_NOT_ORIGINALS),
            or_(*related, *wording),
        )
        .order_by(Observation.submitted_at.desc())
        .limit(60)
    )
    filed = observation.submitted_at or observation.created_at
    suggestions = []
    for other in candidates:
        other_filed = other.submitted_at or other.created_at
        other_words = set(_words(other.title))
        suggestion = Suggestion(
            observation=other,
            shared_words=[w for w in words if w in other_words],
            same_program=bool(observation.program_id)
            and other.program_id == observation.program_id,
            same_institution=bool(observation.institution_id)
            and other.institution_id == observation.institution_id,
            same_place=_same_place(observation, other),
            days_apart=abs((filed - other_filed).days) if filed and other_filed else 10**6,
        )
        if suggestion.score > 0:
            suggestions.append(suggestion)
    suggestions.sort(key=lambda s: (s.score, s.observation.id), reverse=True)
    return suggestions[:limit]


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
