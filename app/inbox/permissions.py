"""Inbox rules for app.accounts.permissions.can()."""

from __future__ import annotations

from typing import Any

from app.accounts.models import Role, User
from app.accounts.permissions import rule


@rule("inbox.view")
def _view(user: User | None, _obj: Any) -> bool:
    # Responders linked to an institution only: moderators and admins use the public pages,
    # and a responder without an institution has nothing assigned.
    return user is not None and user.role == Role.RESPONDER and user.institution_id is not None
