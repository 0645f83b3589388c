"""Demo oversight groups (part of ``flask demo``): a verified neighbourhood committee in Sucre
coordinated by the ``control.social@`` account, and a health watch network in El Alto not yet
verified, each with coordinators and members among the demo citizens and programs they follow.
Their names and descriptions are content, in Spanish like the rest of the demo data."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.groups import services
from app.groups.models import GroupMembership, GroupRole, OversightGroup
from app.groups.services import GroupData
from app.observations.models import ActorType
from app.programs.models import Program
from app.territory.models import Department, Municipality

#: key → (name, actor type key, description, department ISO, municipality, contact, verified,
#: coordinator emails, member emails, followed program codes). The first coordinator creates it.
GROUPS: dict[str, tuple[str, str, str, str, str, str, bool, list[str], list[str], list[str]]] = {
    "d6": (
        "Comité de Control Social del Distrito 6",
        "comunitario",
        "Vecinos y juntas vecinales del distrito 6 de Sucre que vigilan las obras de agua "
        "potable y saneamiento del PTDI. Nos reunimos el primer sábado de cada mes en la sede "
        "de la junta vecinal de Lajastambo.",
        "BO-H",
        "Sucre",
        "Sede vecinal de Lajastambo, calle 3 · 4-6451234",
        True,
        ["control.social@demo.qhawaq.bo"],
        ["ciudadana@demo.qhawaq.bo", "runa@demo.qhawaq.bo"],
        ["SUC-AG-01"],
    ),
    "salud-el-alto": (
        "Red de Vigilancia en Salud de El Alto",
        "circunstancial",
        "Usuarias y usuarios de los centros de salud de El Alto que siguen el abastecimiento "
        "de medicamentos y la atención en los centros de primer nivel.",
        "BO-L",
        "El Alto",
        "vigilancia.salud@demo.qhawaq.bo",
        False,
        ["jaqi@demo.qhawaq.bo", "control.social@demo.qhawaq.bo"],
        ["citizen@demo.qhawaq.bo"],
        [],
    ),
}


def load_groups() -> dict[str, OversightGroup]:
    """Create the demo groups with their members and followed programs. Flushes, never commits.
    Needs the users, the programs and the actor types."""
    users = {u.email: u for u in db.session.scalars(select(User))}
    moderator = users["moderadora@demo.qhawaq.bo"]
    groups: dict[str, OversightGroup] = {}
    for key, spec in GROUPS.items():
        name, actor, description, dept, town, contact, verified, leads, members, codes = spec
        department = db.session.scalar(select(Department).where(Department.iso_code == dept))
        data = GroupData(
            name=name,
            actor_type=db.session.scalar(select(ActorType).where(ActorType.key == actor)),
            description=description,
            department=department,
            municipality=db.session.scalar(
                select(Municipality).where(
                    Municipality.name == town, Municipality.department == department
                )
            ),
            contact=contact,
        )
        group = services.create_group(users[leads[0]], data)
        for email in leads[1:]:
            db.session.add(
                GroupMembership(
                    group_id=group.id, user_id=users[email].id, role=GroupRole.COORDINATOR
                )
            )
        for email in members:
            services.add_member(group, users[email])
        for code in codes:
            program = db.session.scalar(select(Program).where(Program.code == code))
            if program is not None:
                services.follow_program(group, program)
        if verified:
            services.set_verified(group, moderator, True)
        groups[key] = group
    db.session.flush()
    return groups
