"""Institution rules for app.accounts.permissions.can().

Site admins manage institutions and every institution's team; an institution admin (a responder
with ``is_institution_admin``) manages the responders of their own institution only."""

from __future__ import annotations

from typing import Any

from app.accounts.models import Role, User
from app.accounts.permissions import rule
from app.institutions.models import Institution


@rule("institutions.admin")
def _admin(user: User | None, _obj: Any) -> bool:
    return user is not None and user.role == Role.ADMIN


def _institution_admin(user: User | None) -> bool:
    return (
        user is not None
        and user.role == Role.RESPONDER
        and user.is_institution_admin
        and user.institution_id is not None
    )


@rule("institution.manage_team")
def _manage_team(user: User | None, institution: Institution | None) -> bool:
    """Without an institution: "has a team of their own" (the menu link). With one: may add and
    remove its responders."""
    if institution is None:
        return _institution_admin(user)
    if _admin(user, None):
        return True
    return user is not None and _institution_admin(user) and user.institution_id == institution.id
