"""Who may do what with observations: the one permission question, :func:`can`.

Every rule is registered with ``app.accounts.permissions`` (so templates ask the same ``can``)
and built on :func:`roles_for`, the roles a person holds towards one observation. What a person
may do to an observation's state (accept, answer, dispute…) is asked of
``lifecycle.available_actions``, which uses the same roles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from app.accounts import permissions as site_permissions
from app.accounts.models import Role, User
from app.accounts.permissions import rule
from app.observations import states
from app.observations.models import Evidence, IdentityLevel, Observation, ResponseTemplate
from app.observations.models import ObservationState as S

#: The questions :func:`can` answers about observations, with what ``obj`` is for each.
QUESTIONS = {
    "observation.file": None,
    "observations.admin": None,
    "observations.moderate": None,
    "observation.view": Observation,
    "observation.see_filer": Observation,
    "observation.see_group": Observation,
    "observation.moderate": Observation,
    "observation.follow": Observation,
    "observation.edit_draft": Observation,
    "evidence.view": Evidence,
    "institution.templates": None,
    "response_template.edit": ResponseTemplate,
}


def can(user: User | None, action: str, obj: Any = None) -> bool:
    """May ``user`` (None: anonymous) do ``action`` (one of :data:`QUESTIONS`) on ``obj``?"""
    return site_permissions.can(user, action, obj)


# --- who is who ------------------------------------------------------------------------------


def is_moderator(user: User | None) -> bool:
    return user is not None and user.role in (Role.MODERATOR, Role.ADMIN) and not user.is_blocked


def roles_for(user: User | None, observation: Observation) -> set[str]:
    """The roles ``user`` holds towards this observation."""
    if user is None or not getattr(user, "is_authenticated", True) or user.is_blocked:
        return set()
    roles: set[str] = set()
    if user.id == observation.filer_id:
        roles.add(states.FILER)
    if is_moderator(user):
        roles.add(states.MODERATOR)
    if (
        user.role == Role.RESPONDER
        and user.institution_id is not None
        and user.institution_id == observation.institution_id
        and observation.state in states.PUBLIC_STATES
        # A responder who filed about their own institution does not answer themself.
        and user.id != observation.filer_id
    ):
        roles.add(states.INSTITUTION)
    return roles


def can_view(user: User | None, observation: Observation) -> bool:
    """Drafts: the filer. Not yet accepted or refused: the filer and moderators. Accepted ones
    (and what followed): everyone, unless moderation hid it."""
    if observation.state == S.DRAFT:
        return user is not None and user.id == observation.filer_id
    if observation.state in states.PUBLIC_STATES and observation.hidden_at is None:
        return True
    # Hidden by moderation: still visible to those who work on it.
    return bool(roles_for(user, observation) & {states.FILER, states.MODERATOR, states.INSTITUTION})


# --- who filed it: the person, the group -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FilingGroup:
    """An oversight group a person belongs to, as observations need it: its id, its name (for
    the filing form) and its actor type (which becomes the observation's)."""

    id: int
    name: str
    actor_type_id: int | None


MemberGroups = Callable[[User], list[FilingGroup]]

#: Which oversight groups a person belongs to. Observations import nothing from app.groups
#: (groups import observations): ``app.groups.filing`` registers the answer when it is imported,
#: and ``app.opendata.records`` imports it, so every app built by ``create_app`` has it (tested).
_member_groups: list[MemberGroups] = []


def member_groups_source(source: MemberGroups) -> MemberGroups:
    """Register the function that lists a person's groups (``app.groups.filing``)."""
    _member_groups[:] = [source]
    return source


def member_groups(user: User) -> list[FilingGroup]:
    """The oversight groups ``user`` belongs to now (the ones they may file for)."""
    if not _member_groups:
        raise LookupError("nobody told observations which groups a person belongs to")
    return _member_groups[0](user)


def _in_group(user: User | None, observation: Observation) -> bool:
    if observation.group_id is None or user is None:
        return False
    if not getattr(user, "is_authenticated", True) or user.is_blocked:
        return False
    return any(g.id == observation.group_id for g in member_groups(user))


@dataclass(frozen=True, slots=True)
class ShownFiler:
    """What one viewer may see of who filed an observation (:func:`shown_filer`)."""

    #: The person who filed it (their name; the organisation they typed, when they did).
    person: bool
    #: The oversight group it was filed for (its name and its page).
    group: bool


def shown_filer(user: User | None, observation: Observation) -> ShownFiler:
    """Who filed it, as ``user`` (None: the public) may see it. The one rule behind the
    observation page, the inbox, the data files, the API and Open311 (asked as
    ``can(user, "observation.see_filer" / "observation.see_group", observation)``; mails and
    notifications name neither).

    The person (name, free-text organisation):

    - the filer and moderators (who never moderate what they filed) always;
    - *public*: everyone, except that a filing for an oversight group shows the member's name to
      the public only if they chose so (``show_member_name``); the institution that must answer
      sees it anyway, as it does at the *hidden* level (a public filing never tells the
      institution less than a hidden one);
    - *hidden* (from the public): the responders of the assigned institution, nobody else;
    - *confidential*: nobody else, not the institution.

    The group (``group_id``), whatever the level:

    - shown to everyone who may see the observation, unless the member chose to hide it too
      (``hide_group``);
    - a hidden group is seen exactly where the person is (the filer, moderators, and at the
      *hidden* level the institution: that level hides the filing from the public only), and by
      the group's own members (it is their group's work; they still see no member's name beyond
      the rule above).

    The filing form refuses ``hide_group`` at the *public* level (that level shows the group);
    ``show_member_name`` means nothing below it and is ignored there. Fellow members of the
    group are the public as far as the person is concerned."""
    person = filer_visible(user, observation)
    return ShownFiler(person=person, group=_group_shown(user, observation, person))


def filer_visible(user: User | None, observation: Observation) -> bool:
    """May ``user`` see the person who filed it (name, organisation)? See :func:`shown_filer`."""
    roles = roles_for(user, observation)
    if states.FILER in roles or states.MODERATOR in roles:
        return True
    if observation.identity == IdentityLevel.CONFIDENTIAL:
        return False
    if states.INSTITUTION in roles:
        return True
    return observation.identity == IdentityLevel.PUBLIC and (
        observation.group_id is None or observation.show_member_name
    )


def group_visible(user: User | None, observation: Observation) -> bool:
    """May ``user`` see the oversight group it was filed for? See :func:`shown_filer`."""
    return shown_filer(user, observation).group


def _group_shown(user: User | None, observation: Observation, person: bool) -> bool:
    if observation.group_id is None:
        return False
    # Asked last: who belongs to the group is a query, needed only for a group hidden from them.
    return not observation.hide_group or person or _in_group(user, observation)


def group_shown_publicly() -> ColumnElement[bool]:
    """:func:`group_visible` for the public (``user`` None), as SQL: the public lists and
    counts that name a group (its page, the data) apply it."""
    return and_(
        Observation.group_id.is_not(None),
        or_(
            Observation.hide_group.is_(False),
            and_(
                Observation.identity == IdentityLevel.PUBLIC,
                Observation.show_member_name.is_(True),
            ),
        ),
    )


def moderates(user: User | None, observation: Observation) -> bool:
    """A moderator towards this observation; never towards one they filed themselves."""
    roles = roles_for(user, observation)
    return states.MODERATOR in roles and states.FILER not in roles


def can_see_evidence(item: Evidence, viewer: User | None) -> bool:
    """Pending uploads: their uploader. A draft's files: its filer. Attached files: the filer,
    moderators and the institution; the public too once the observation is public, unless the
    filer is confidential (a photo can reveal who took it) or moderators hid the file."""
    if item.observation is None:
        return viewer is not None and item.uploader_id == viewer.id
    observation = item.observation
    roles = roles_for(viewer, observation)
    if observation.state == S.DRAFT:
        # An unsent draft is the filer's alone, like its page: no moderator, no institution.
        return states.FILER in roles
    if roles & {states.FILER, states.MODERATOR}:
        return True
    if item.hidden_at is not None:
        return False
    if states.INSTITUTION in roles:
        return True
    if item.event_id is not None:
        # Documents attached to an institution's answer are published with the answer.
        return can_view(None, observation)
    return can_view(None, observation) and observation.identity != IdentityLevel.CONFIDENTIAL


# --- the registered rules --------------------------------------------------------------------


@rule("observation.file")
def _file(user: User | None, _obj: Any) -> bool:
    return user is not None and user.is_verified


@rule("observations.admin")
def _admin(user: User | None, _obj: Any) -> bool:
    return user is not None and user.role == Role.ADMIN


@rule("observations.moderate")
def _moderate(user: User | None, _obj: Any) -> bool:
    return user is not None and user.role in (Role.MODERATOR, Role.ADMIN)


@rule("observation.view")
def _view(user: User | None, observation: Observation) -> bool:
    return can_view(user, observation)


@rule("observation.see_filer")
def _see_filer(user: User | None, observation: Observation) -> bool:
    return filer_visible(user, observation)


@rule("observation.see_group")
def _see_group(user: User | None, observation: Observation) -> bool:
    return group_visible(user, observation)


@rule("observation.moderate")
def _moderate_this(user: User | None, observation: Observation) -> bool:
    return moderates(user, observation)


@rule("observation.follow")
def _follow(user: User | None, observation: Observation) -> bool:
    return user is not None and can_view(user, observation)


@rule("observation.edit_draft")
def _edit_draft(user: User | None, observation: Observation) -> bool:
    """An unsent draft is its filer's alone."""
    return user is not None and observation.state == S.DRAFT and observation.filer_id == user.id


@rule("evidence.view")
def _evidence(user: User | None, item: Evidence) -> bool:
    return can_see_evidence(item, user)


@rule("institution.templates")
def _keeps_templates(user: User | None, _obj: Any) -> bool:
    """Responders linked to an institution keep its reusable answer texts."""
    return user is not None and user.role == Role.RESPONDER and user.institution_id is not None


@rule("response_template.edit")
def _edit_template(user: User | None, template: ResponseTemplate) -> bool:
    """One template: its institution's responders only."""
    return (
        user is not None
        and _keeps_templates(user, None)
        and template.institution_id == user.institution_id
    )
