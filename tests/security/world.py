"""A small, complete world for the security probes: two institutions, one person per role, a
program open for comments with a comment, an observation with the first institution, a draft,
and one of every admin-managed object, so every route has a real object to aim at.

Users get a placeholder password hash and are logged in by writing the session directly (Flask-
Login's ``_user_id``), so building the world costs no password hashing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.accounts.models import Role, User
from app.extensions import db
from app.groups import services as groups
from app.groups.models import GroupMembership
from app.groups.services import GroupData
from tests import factories

#: The viewpoints of the authorization matrix, in this order in every expectation tuple.
#: "responder" works for the institution the observation and the saved answer belong to;
#: "other_responder" for another one.
ROLES = (
    "anonymous",
    "citizen",
    "other_citizen",
    "responder",
    "other_responder",
    "moderator",
    "admin",
)


@dataclass
class World:
    users: dict[str, int]
    session_ids: dict[str, str]
    params: dict[str, object]

    def client(self, app: Flask, role: str) -> FlaskClient:
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        if role != "anonymous":
            with client.session_transaction() as session:
                session["_user_id"] = self.session_ids[role]
                session["_fresh"] = True
        return client


def _user(email: str, role: Role, institution=None) -> User:  # type: ignore[no-untyped-def]
    from app.core.db import utcnow

    return factories.user(
        email,
        role=role,
        display_name=email.split("@")[0].title(),
        language="en",
        institution=institution,
        email_verified_at=utcnow(),
    )


def _accountability_session(institution, author, day) -> int:  # type: ignore[no-untyped-def]
    """A public accountability session of the first institution (issue 7)."""
    from app.accountability.models import AccountabilitySession

    session = AccountabilitySession(
        institution_id=institution.id,
        held_on=day,
        semester=f"{day.year}-{1 if day.month <= 6 else 2}",
        place="Casa de la Cultura",
        created_by_id=author.id,
    )
    db.session.add(session)
    db.session.flush()
    return session.id


def _moderation_reason() -> int:
    """A reason from the editable list moderators pick from (issue 6)."""
    from app.moderation.reason_models import ModerationReason, ReasonKind

    reason = ModerationReason(
        key="probe-insult", kind=ReasonKind.CONTENT, titles={"es": "Insulto"}, messages={}
    )
    db.session.add(reason)
    db.session.flush()
    return reason.id


def build(app: Flask) -> World:
    from app.comments import services as comments
    from app.comments.models import Stance
    from app.observations.models import (
        ActorType,
        AdminHoliday,
        HolidayScope,
        IdentityLevel,
        ResponseTemplate,
    )
    from app.programs.models import Milestone

    with app.app_context():
        sucre = factories.institution()
        potosi = factories.institution("Gobierno Autónomo Municipal de Potosí", "GAMP")
        people = {
            "citizen": _user("citizen@example.org", Role.CITIZEN),
            "other_citizen": _user("other@example.org", Role.CITIZEN),
            "responder": _user("responder@example.org", Role.RESPONDER, sucre),
            "other_responder": _user("far@example.org", Role.RESPONDER, potosi),
            "moderator": _user("moderator@example.org", Role.MODERATOR),
            "admin": _user("admin@example.org", Role.ADMIN),
        }
        db.session.flush()
        today = date.today()
        status = factories.status()
        program = factories.program(
            status=status, open_on=today - timedelta(days=10), close_on=today + timedelta(days=10)
        )
        milestone = Milestone(program=program, on_date=today, titles={"es": "Hito"})
        db.session.add(milestone)
        comment = comments.add_comment(people["citizen"], program, "Primer comentario", Stance.FOR)
        observation = factories.observation(
            people["citizen"], state="accepted", institution=sucre, program=program
        )
        draft = factories.draft(
            people["citizen"],
            title="Borrador",
            description="Aún no enviado",
            identity=IdentityLevel.PUBLIC,
            institution=sucre,
            category=factories.category(),
        )
        actor_type = ActorType(key="organic", names={"es": "Orgánico"})
        holiday = AdminHoliday(on_date=today, name="Feriado local", scope=HolidayScope.NATIONAL)
        template = ResponseTemplate(
            institution_id=sucre.id, title="Acuse", language="es", body="Recibimos su nota."
        )
        db.session.add_all([actor_type, holiday, template])
        session_id = _accountability_session(sucre, people["responder"], today)
        reason_id = _moderation_reason()
        group_slug, membership_id = _oversight_group(
            people["citizen"], people["other_citizen"], actor_type, program
        )
        db.session.commit()
        world = World(
            users={k: u.id for k, u in people.items()},
            session_ids={k: u.get_id() for k, u in people.items()},
            params={
                "program_id": program.id,
                "comment_id": comment.id,
                "code": observation.code,
                "observation_id": draft.id,
                "institution_id": sucre.id,
                "user_id": people["responder"].id,
                "plan_id": program.plan_id,
                "status_id": status.id,
                "milestone_id": milestone.id,
                "category_id": observation.category_id,
                "actor_type_id": actor_type.id,
                "holiday_id": holiday.id,
                "template_id": template.id,
                # No evidence file in this world: the route must say 404 to everyone.
                "evidence_id": 999999,
                # No data archive either: another person's (or nobody's) does not exist for you.
                "export_id": 999999,
                "client_id": 999999,
                "slug": group_slug,
                "membership_id": membership_id,
                "session_id": session_id,
                "reason_id": reason_id,
                "territory": "BO-H",
                "target_type": "comment",
                "target_id": comment.id,
                "dataset": "observations",
                "fmt": "json",
                "token": "not-a-valid-token",
                "action": "acknowledge",
                "filename": "css/qhawaq.css",
            },
        )
        db.session.remove()
        return world


def _oversight_group(coordinator, member, actor_type, program) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """An oversight group (issue 18): the citizen coordinates it, the other citizen is a member,
    it follows the program; the responders, the moderator and the admin are not in it."""
    group = groups.create_group(
        coordinator, GroupData("Comité de prueba", actor_type, "", None, None, "")
    )
    groups.add_member(group, member)
    groups.follow_program(group, program)
    membership_id = db.session.scalar(
        select(GroupMembership.id).where(GroupMembership.user_id == member.id)
    )
    assert membership_id is not None
    return group.slug, membership_id
