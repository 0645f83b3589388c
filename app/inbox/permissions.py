"""Inbox rules for app.accounts.permissions.can()."""

from __future__ import annotations

from typing import Any

from app.accounts.models import Role, User
from app.accounts.permissions import rule
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
