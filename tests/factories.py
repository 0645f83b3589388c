"""Small object factories for tests: users, territory, plans, programs and observations."""

from __future__ import annotations

from datetime import date

from app.accounts.models import Role, User
from app.extensions import db
from app.institutions.models import Institution, InstitutionKind
from app.observations import codes
from app.observations.lifecycle import transition
from app.observations.models import (
    Category,
    IdentityLevel,
    Observation,
    ObservationState,
)
from app.programs import services
from app.programs.models import Plan, PlanType, Program, ProgramStatus
from app.territory.models import Department, Municipality


def department(iso: str = "BO-H", name: str = "Chuquisaca") -> Department:
    found = db.session.query(Department).filter_by(iso_code=iso).one_or_none()
    if found:
        return found
    found = Department(iso_code=iso, name=name)
    db.session.add(found)
    db.session.flush()
    return found


def municipality(code: str, name: str, dept: Department) -> Municipality:
    found = db.session.query(Municipality).filter_by(code=code).one_or_none()
    if found:
        return found
    found = Municipality(code=code, name=name, department=dept)
    db.session.add(found)
    db.session.flush()
    return found


def institution(
    name: str = "Gobierno Autónomo Municipal de Sucre", acronym: str = "GAMS"
) -> Institution:
    found = db.session.query(Institution).filter_by(acronym=acronym).one_or_none()
    if found:
        return found
    found = Institution(
        names={"es": name}, acronym=acronym, kind=InstitutionKind.MUNICIPAL_GOVERNMENT
    )
    db.session.add(found)
    db.session.flush()
    return found


def plan(inst: Institution | None = None, plan_type: PlanType = PlanType.PTDI) -> Plan:
    created = Plan(
        plan_type=plan_type,
        institution=inst or institution(),
        period_start=2021,
        period_end=2025,
        titles={"es": "PTDI de prueba"},
        descriptions={},
    )
    db.session.add(created)
    db.session.flush()
    return created


def status(key: str = "in_execution", default_progress: int | None = 30) -> ProgramStatus:
    found = db.session.query(ProgramStatus).filter_by(key=key).one_or_none()
    if found:
        return found
    found = ProgramStatus(
        key=key, names={"es": key.replace("_", " ")}, default_progress=default_progress
    )
    db.session.add(found)
    db.session.flush()
    return found


def program(
    titles: dict[str, str] | None = None,
    descriptions: dict[str, str] | None = None,
    code: str = "P-1",
    open_on: date | None = None,
    close_on: date | None = None,
    **fields: object,
) -> Program:
    if "plan" not in fields:
        fields["plan"] = plan()
    fields.setdefault("institution", fields["plan"].institution)
    created = Program(
        code=code,
        titles=titles or {"es": "Agua potable para el distrito 6"},
        descriptions=descriptions or {"es": "Red de agua y conexiones."},
        comments_open_on=open_on,
        comments_close_on=close_on,
        **fields,
    )
    services.refresh_search_text(created)
    db.session.add(created)
    db.session.flush()
    return created


def category(key: str = "information", days: int = 15):
    found = db.session.query(Category).filter_by(key=key).one_or_none()
    if found:
        return found
    found = Category(key=key, names={"es": key, "en": key}, deadline_days=days)
    db.session.add(found)
    db.session.flush()
    return found


def user(
    email: str,
    *,
    role: Role = Role.CITIZEN,
    display_name: str | None = None,
    language: str = "en",
    institution: Institution | None = None,
    **fields: object,
) -> User:
    """A user added and flushed, not committed, who never logs in: the password hash "x" matches
    no password (tests that log in use the ``make_user`` fixture). The display name defaults to
    the part of the email before "@". A user with that email already there is returned as is."""
    found = db.session.query(User).filter_by(email=email).one_or_none()
    if found:
        return found
    if institution is not None:
        # Only when given: an explicit ``institution=None`` would clear ``institution_id=``.
        fields["institution"] = institution
    found = User(
        email=email,
        password_hash="x",
        display_name=email.split("@")[0] if display_name is None else display_name,
        role=role,
        language=language,
        **fields,
    )
    db.session.add(found)
    db.session.flush()
    return found


def draft(filer: User, **fields: object) -> Observation:
    """A draft as the filing form saves it, without a code yet, added and flushed; ``fields``
    are the observation's columns (institution, category, department are left empty unless
    given)."""
    fields.setdefault("title", "Obras paralizadas en el distrito 6")
    fields.setdefault("description", "Desde marzo no hay trabajadores en la obra.")
    created = Observation(filer=filer, state=ObservationState.DRAFT, **fields)
    db.session.add(created)
    db.session.flush()
    return created


def observation(filer, *, state: str = "submitted", identity: str = "public", **fields):
    """A filed observation moved to ``state`` through the real transitions (moderator and
    responder are created on the way when needed)."""
    fields.setdefault("institution", institution())
    fields.setdefault("category", category())
    fields.setdefault("department", department())
    created = draft(filer, identity=IdentityLevel(identity), **fields)
    created.code = codes.allocate(2026)
    transition(created, "submit", filer)
    if state == "submitted":
        return created
    moderator = user(
        "factory-mod@example.org",
        role=Role.MODERATOR,
        display_name="Factory Moderator",
        language="es",
    )
    transition(created, "accept", moderator)
    if state == "accepted":
        return created
    raise ValueError(state)
