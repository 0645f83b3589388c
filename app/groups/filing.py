"""Filing for an oversight group, seen from the groups side: which groups a person may file for
(their memberships, read when the filing form is built and again when it is posted), and what a
viewer may see of an observation's group.

Observations import nothing from this package (groups import observations, not the other way
round): the filing form and the permission rules ask ``observations.permissions.member_groups``,
which this module answers once imported (``member_groups_source`` below). The display rule itself
is ``observations.permissions.shown_filer``: it needs only the observation's columns and this
answer, so every page, file and API asks the same ``can(...)`` questions.

``app.opendata.records`` imports this module (for the group's name column), so every app that
``create_app`` builds has the answer registered (tests/test_group_filing.py checks it in a fresh
interpreter)."""

from __future__ import annotations

from sqlalchemy import Label, Select, select

from app.accounts.models import User
from app.extensions import db
from app.groups.models import GroupMembership, OversightGroup
from app.observations import permissions
from app.observations.models import Observation
from app.observations.permissions import FilingGroup, member_groups_source
from app.observations.queries import publicly_visible


def groups_of(user: User) -> list[OversightGroup]:
    """The groups ``user`` belongs to now (coordinator or member), by name."""
    return list(
        db.session.scalars(
            select(OversightGroup)
            .join(GroupMembership, GroupMembership.group_id == OversightGroup.id)
            .where(GroupMembership.user_id == user.id)
            .order_by(OversightGroup.name, OversightGroup.id)
        )
    )


@member_groups_source
def filing_groups(user: User) -> list[FilingGroup]:
    """What observations need of ``user``'s groups (one query)."""
    return [FilingGroup(g.id, g.name, g.actor_type_id) for g in groups_of(user)]


def shown_group(viewer: User | None, observation: Observation) -> OversightGroup | None:
    """The observation's group if ``viewer`` may see it (``observation.see_group``), else None."""
    if observation.group_id is None or not permissions.can(
        viewer, "observation.see_group", observation
    ):
        return None
    return db.session.get(OversightGroup, observation.group_id)


def public_filings(group_id: int) -> Select[Observation]:
    """The observations the public may see as filed for the group (its public page): public
    ones whose member did not hide the group."""
    return (
        select(Observation)
        .where(
            Observation.group_id == group_id,
            publicly_visible(),
            permissions.group_shown_publicly(),
        )
        .order_by(Observation.accepted_at.desc(), Observation.id.desc())
    )


def group_name() -> Label[str | None]:
    """The name of each observation's group (NULL without one), as a correlated column for the
    public records: they publish it only where ``shown_filer`` lets the public see the group."""
    return (
        select(OversightGroup.name)
        .where(OversightGroup.id == Observation.group_id)
        .scalar_subquery()
        .label("group_name")
    )
