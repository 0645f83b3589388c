"""Invitations to join a group: a signed, expiring link mailed to one address.

The link carries the group and a fingerprint of the address (never the address itself: links
end up in logs and browser histories), signed with the site's key, so it cannot be forged or
pointed at another group. Whoever opens it must be signed in with that address to accept; the
membership's unique key makes a second acceptance (or two at once) one membership."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.services import normalise_email
from app.core.urls import external_url
from app.extensions import db
from app.groups import permissions
from app.groups.models import OversightGroup
from app.groups.services import GroupRefused
from app.mail.services import queue_mail

SALT = "qhawaq.group-invitation"
#: How long an invitation link works, in seconds, unless the settings say otherwise.
DEFAULT_MAX_AGE = 7 * 24 * 60 * 60


@dataclass(frozen=True)
class Invitation:
    group: OversightGroup
    #: A fingerprint of the invited address.
    fingerprint: str

    def is_for(self, user: User) -> bool:
        return fingerprint(user.email) == self.fingerprint


def max_age() -> int:
    return int(current_app.config.get("GROUP_INVITATION_MAX_AGE", DEFAULT_MAX_AGE))


def fingerprint(email: str) -> str:
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()[:24]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(group: OversightGroup, email: str) -> str:
    return _serializer().dumps({"g": group.id, "e": fingerprint(email)})


def read_token(token: str) -> Invitation | None:
    """The invitation, or None when the link is forged, damaged, expired or its group gone."""
    if len(token) > 500:
        return None
    try:
        data: Any = _serializer().loads(token, max_age=max_age())
    except BadSignature:  # SignatureExpired is one too
        return None
    if not isinstance(data, dict):
        return None
    group_id, mark = data.get("g"), data.get("e")
    if not isinstance(group_id, int) or not isinstance(mark, str):
        return None
    group = db.session.get(OversightGroup, group_id)
    return Invitation(group, mark) if group is not None else None


def invite(inviter: User, group: OversightGroup, email: str) -> None:
    """Mail an invitation to ``email``, in the language of the account with that address if
    there is one (else the inviter's). Someone already in the group is not invited again."""
    address = normalise_email(email)
    invitee = db.session.scalar(select(User).where(User.email == address))
    if invitee is not None and permissions.membership(invitee, group) is not None:
        raise GroupRefused(_l("This person is already a member of the group."))
    language = invitee.language if invitee is not None else inviter.language
    token = make_token(group, address)
    queue_mail(
        kind="group_invitation",
        recipient=address,
        language=language,
        subject=_l("Invitation to join %(group)s", group=group.name),
        template="group_invitation",
        group=group,
        invitation_url=external_url("groups.invitation", token=token),
        group_url=external_url("groups.detail", slug=group.slug),
        days=max(1, max_age() // (24 * 60 * 60)),
        site=current_app.config["SITE_NAME"],
    )
