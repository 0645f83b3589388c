"""What a transition sets off outside the observation's own row and its event.

``lifecycle.transition`` changes the observation and records the event; then it hands a
:class:`Transitioned` to every effect in :data:`EFFECTS`, in that order. Each effect belongs to the
package that owns its data and registers itself with :func:`after_transition` when its module is
imported at start-up, so the observation workflow imports nothing downstream: this module imports
nothing from ``app`` at run time. A transition with an effect missing fails loudly (a mail or a
log entry silently lost is worse), and a test checks that the app registers every one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.observations.models import Observation, ObservationEvent


@dataclass(frozen=True)
class Transitioned:
    """One transition that happened (flushed, not committed)."""

    observation: Observation
    event: ObservationEvent
    actor: User | None
    #: True when this transition gave the observation its first answer.
    first_answer: bool = False


Effect = Callable[[Transitioned], None]

#: Every effect, in the order they run, with the module that provides it.
EFFECTS: tuple[str, ...] = (
    # app.accountability.figures: working days to the first answer, stored once.
    "accountability.first_answer",
    # app.moderation.services: every act taken as a moderator goes in the moderation log.
    "moderation.log",
    # app.moderation.alerts: moderators hear that the triage queue grew.
    "moderation.queue_alert",
    # app.observations.services: the filer of a duplicate follows the original.
    "observations.follow_original",
    # app.observations.services → notify: the filer and the followers hear of it.
    "observations.notify",
    # app.inbox.notify: the institution's responders hear of new work.
    "inbox.work_alert",
    # app.inbox.assignment: a transfer to another institution ends the assignment.
    "inbox.assignment_transfer",
    # app.groups.notify: the members of the group it was filed for hear of it.
    "groups.notify",
)

_registered: dict[str, Effect] = {}


def after_transition(name: str) -> Callable[[Effect], Effect]:
    """Register the decorated function as the effect ``name`` (one of :data:`EFFECTS`)."""
    if name not in EFFECTS:
        raise ValueError(f"unknown effect {name!r}: add it to EFFECTS")

    def register(effect: Effect) -> Effect:
        _registered[name] = effect
        return effect

    return register


def registered() -> dict[str, Effect]:
    return dict(_registered)


def run(done: Transitioned) -> None:
    for name in EFFECTS:
        effect = _registered.get(name)
        if effect is None:
            raise LookupError(f"no module registered the effect {name!r}")
        effect(done)
