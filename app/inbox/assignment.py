"""Who handles an observation inside its institution: taking it, assigning it to a colleague,
releasing it; a transfer to another institution ends the assignment.

The assignee is the institution's business: it is shown on the institution's view of the
observation (``/inbox/<code>``) and in its inbox, never on the public page, the timeline, the
API or the open data. A change is a compare-and-set on the assignee the page showed
(``expected``), written as one SQL UPDATE: two responders who take the same observation at once
cannot both win, and the loser is told who has it. The UPDATE leaves ``version`` (a colleague's
open answer form stays valid) and ``updated_at`` (published in the open data and Open311) as they
are. Every change adds an :class:`Assignment` row, the history the institution sees."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Table, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts.models import Role, User
from app.extensions import db
from app.inbox.models import Assignment
from app.inbox.notify import notify_institution
from app.observations import states
from app.observations.effects import Transitioned, after_transition
from app.observations.models import Observation
from app.observations.models import ObservationState as S

#: While the observation is with the institution and not closed, who handles it can change
#: (after an answer too: a dispute or the filer's reply may need the same person again).
ASSIGNABLE_STATES = frozenset({*states.OPEN_WITH_INSTITUTION, S.DISPUTED})

#: The table itself: an UPDATE through the mapped class would bump ``version``.
_TABLE = cast(Table, Observation.__table__)


def colleagues(institution_id: int | None, *, excluding: int | None = None) -> list[User]:
    """The responders an observation of ``institution_id`` can be assigned to: not suspended,
    not leaving (deletion asked), by name. ``excluding``: a user left out (the filer, who never
    handles their own observation)."""
    if institution_id is None:
        return []
    query = (
        select(User)
        .where(
            User.role == Role.RESPONDER,
            User.institution_id == institution_id,
            User.blocked_at.is_(None),
            User.deletion_requested_at.is_(None),
        )
        .order_by(User.display_name, User.id)
    )
    if excluding is not None:
        query = query.where(User.id != excluding)
    return list(db.session.scalars(query))


def assignable_to(observation: Observation, user_id: int) -> User | None:
    """The colleague ``user_id`` if ``observation`` may be assigned to them, else None."""
    team = colleagues(observation.institution_id, excluding=observation.filer_id)
    return next((u for u in team if u.id == user_id), None)


def change(
    observation: Observation, actor: User, new_id: int | None, expected_id: int | None
) -> bool:
    """Set who handles ``observation`` to ``new_id`` (None: nobody) if it is still
    ``expected_id``, still with the actor's institution and still open; False when any of that
    changed meanwhile (nothing is written then). On success: an :class:`Assignment` row, and the
    new assignee is told when someone else assigned them. Flushes, never commits. The caller
    checks the actor's right and that ``new_id`` is a colleague (:func:`assignable_to`)."""
    institution_id = actor.institution_id
    result = cast(
        CursorResult[Any],
        db.session.execute(
            update(_TABLE)
            .where(
                _TABLE.c.id == observation.id,
                _TABLE.c.institution_id == institution_id,
                _TABLE.c.state.in_(sorted(ASSIGNABLE_STATES)),
                _TABLE.c.assignee_id.is_not_distinct_from(expected_id),
            )
            # Not a change the public sees: updated_at stays (and version, a plain UPDATE).
            .values(assignee_id=new_id, updated_at=_TABLE.c.updated_at)
        ),
    )
    if result.rowcount != 1:
        return False
    assignee = db.session.get(User, new_id) if new_id is not None else None
    set_committed_value(observation, "assignee_id", new_id)
    set_committed_value(observation, "assignee", assignee)
    assert institution_id is not None  # the UPDATE matched the observation's institution
    db.session.add(
        Assignment(
            observation_id=observation.id,
            institution_id=institution_id,
            assignee_id=new_id,
            assigned_by_id=actor.id,
        )
    )
    if assignee is not None and assignee.id != actor.id:
        notify_institution(observation, "assigned", actor, to=[assignee])
    db.session.flush()
    return True


def history(observation: Observation) -> list[Assignment]:
    """The assignment changes made while the observation was with its present institution,
    oldest first (another institution's, before a transfer, are theirs)."""
    return list(
        db.session.scalars(
            select(Assignment)
            .where(
                Assignment.observation_id == observation.id,
                Assignment.institution_id == observation.institution_id,
            )
            .options(joinedload(Assignment.assignee), joinedload(Assignment.assigned_by))
            .order_by(Assignment.created_at, Assignment.id)
        )
    )


@dataclass(frozen=True)
class Panel:
    """What the "Who handles it" panel of the institution's view shows."""

    observation: Observation
    assignee: User | None
    #: The assignee is no longer an active responder of the institution (left, suspended).
    assignee_gone: bool
    #: Who it can be assigned to (empty when it cannot change now).
    colleagues: list[User]
    history: list[Assignment]
    #: The viewer may take, assign or release it now.
    changeable: bool

    @property
    def expected(self) -> str:
        """The hidden ``expected`` field of the panel's forms: the assignee shown."""
        return "" if self.assignee is None else str(self.assignee.id)


def panel(observation: Observation, changeable: bool) -> Panel:
    """The panel of ``observation``; ``changeable``: the viewer may change the assignment."""
    team = colleagues(observation.institution_id, excluding=observation.filer_id)
    assignee = observation.assignee
    return Panel(
        observation=observation,
        assignee=assignee,
        assignee_gone=assignee is not None and all(u.id != assignee.id for u in team),
        colleagues=team if changeable else [],
        history=history(observation),
        changeable=changeable,
    )


@after_transition("inbox.assignment_transfer")
def _transferred(done: Transitioned) -> None:
    """A confirmed transfer: the new institution starts with nobody assigned. An SQL UPDATE, not
    the loaded value: a responder may have taken it after this request read the observation.
    The release is logged for the institution that had it (by nobody: the transfer did it)."""
    if done.event.action != "confirm_transfer":
        return
    observation = done.observation
    result = cast(
        CursorResult[Any],
        db.session.execute(
            update(_TABLE)
            .where(_TABLE.c.id == observation.id, _TABLE.c.assignee_id.is_not(None))
            .values(assignee_id=None, updated_at=_TABLE.c.updated_at)
        ),
    )
    set_committed_value(observation, "assignee_id", None)
    set_committed_value(observation, "assignee", None)
    if result.rowcount != 1:
        return
    previous = db.session.scalar(
        select(Assignment.institution_id)
        .where(Assignment.observation_id == observation.id)
        .order_by(Assignment.id.desc())
        .limit(1)
    )
    if previous is not None:
        db.session.add(
            Assignment(
                observation_id=observation.id,
                institution_id=previous,
                assignee_id=None,
                assigned_by_id=None,
            )
        )
        db.session.flush()
