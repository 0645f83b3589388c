"""Who records public accountability sessions: site admins, and the institution admins of that
institution (responders with ``is_institution_admin``)."""

from __future__ import annotations

from app.accounts.models import Role, User
from app.accounts.permissions import rule
from app.institutions.models import Institution


@rule("accountability.manage_sessions")
def _manage_sessions(user: User | None, institution: Institution | None) -> bool:
    if user is None:
        return False
    if user.role == Role.ADMIN:
        return True
    return (
        institution is not None
        and user.role == Role.RESPONDER
        and user.is_institution_admin
        and user.institution_id == institution.id
    )
