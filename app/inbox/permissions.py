"""Inbox rules for app.accounts.permissions.can()."""

from __future__ import annotations

from typing import Any

from app.accounts.models import Role, User
from app.accounts.permissions import rule
from app.inbox.assignment import ASSIGNABLE_STATES
from app.observations import states
from app.observations.models import Observation


@rule("inbox.view")
def _view(user: User | None, _obj: Any) -> bool:
    # Responders linked to an institution only: moderators and admins use the public pages,
    # and a responder without an institution has nothing assigned.
    return user is not None and user.role == Role.RESPONDER and user.institution_id is not None


@rule("inbox.item")
def _item(user: User | None, observation: Observation) -> bool:
    """An observation is in a responder's inbox once it is public and with their institution;
    another institution's does not exist there, whatever its public page says."""
    return (
        user is not None
        and _view(user, None)
        and observation.institution_id == user.institution_id
        and observation.state in states.PUBLIC_STATES
    )


@rule("inbox.assignment")
def _assignment(user: User | None, observation: Observation) -> bool:
    """Who handles it inside the institution, and the history of that: its responders only,
    except one who filed it (they never handle their own observation)."""
    return user is not None and _item(user, observation) and user.id != observation.filer_id


@rule("inbox.assign")
def _assign(user: User | None, observation: Observation) -> bool:
    """Take it, assign it to a colleague or release it: while it is open with the institution."""
    return _assignment(user, observation) and observation.state in ASSIGNABLE_STATES
