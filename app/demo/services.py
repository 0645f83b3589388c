"""A realistic demo: territory, institutions of several kinds, users of every role, and (through
``observations``) two oversight groups with observations filed on their behalf.

Two sizes. ``--small`` is the hand-written showcase (a few programs, comments and observations,
each through the services), which the tests use. The full demo adds the demo country on top:
about 200 programs in a PDES, PTDIs and PEIs (``country``), about 600 observations over 18 months
(``observations_bulk``, simulated by ``history``), comment threads in the five languages
(``conversation``) and accountability sessions (``sessions``), written in bulk and then recounted
(``recount``). Everything is drawn from ``random.Random(seed)`` and dated relative to today, so
the same seed on the same day gives the same data.

Every demo account's password is ``DEMO_PASSWORD`` (documented in the README). Never run this
against a production database: ``flask demo`` refuses when the database already has users unless
``--force`` is given.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.accounts.models import Role, User
from app.core.clock import local_today
from app.demo.conversation import load_country_comments
from app.demo.country import load_country_programs
from app.demo.groups import GROUPS
from app.demo.observations import load_observations
from app.demo.observations_bulk import load_country_observations
from app.demo.people import country_people, create_accounts
from app.demo.places import COUNTRY_INSTITUTIONS
from app.demo.programs import load_programs
from app.demo.recount import recount_everything
from app.demo.sessions import load_sessions
from app.extensions import db
from app.institutions.models import Institution, InstitutionKind
from app.territory.models import Department, Municipality
from app.territory.services import default_territory_file, load_territory_csv

DEMO_PASSWORD = "qhawaq-demo-2026"  # noqa: S105 - documented demo credential
#: The seed when ``--seed`` is not given.
DEFAULT_SEED = 19
#: Observations the full demo simulates on top of the small demo's.
COUNTRY_OBSERVATIONS = 600

#: (names per language, acronym, kind, department ISO, municipality name or None, contact email)
INSTITUTIONS: list[tuple[dict[str, str], str, InstitutionKind, str | None, str | None, str]] = [
    (
        {
            "es": "Ministerio de Salud y Deportes",
            "qu": "Qhali kay, Pukllaykunap Ministerion",
            "ay": "Qullañ Ministerio",
            "en": "Ministry of Health and Sports",
        },
        "MSyD",
        InstitutionKind.MINISTRY,
        None,
        None,
        "contacto@salud.demo.bo",
    ),
    (
        {
            "es": "Ministerio de Educación",
            "qu": "Yachachiy Ministerio",
            "gn": "Mbo'ehao Ministerio",
            "en": "Ministry of Education",
        },
        "MINEDU",
        InstitutionKind.MINISTRY,
        None,
        None,
        "contacto@educacion.demo.bo",
    ),
    (
        {
            "es": "Gobierno Autónomo Departamental de Cochabamba",
            "qu": "Quchapampa Suyup Kamachiy Wasin",
            "en": "Autonomous Departmental Government of Cochabamba",
        },
        "GADC",
        InstitutionKind.DEPARTMENTAL_GOVERNMENT,
        "BO-C",
        None,
        "atencion@gadc.demo.bo",
    ),
    (
        {
            "es": "Gobierno Autónomo Municipal de El Alto",
            "ay": "El Alto Markan Apnaqawipa",
            "en": "Autonomous Municipal Government of El Alto",
        },
        "GAMEA",
        InstitutionKind.MUNICIPAL_GOVERNMENT,
        "BO-L",
        "El Alto",
        "atencion@gamea.demo.bo",
    ),
    (
        {
            "es": "Gobierno Autónomo Municipal de Sucre",
            "qu": "Sucre Llaqtap Kamachiy Wasin",
            "en": "Autonomous Municipal Government of Sucre",
        },
        "GAMS",
        InstitutionKind.MUNICIPAL_GOVERNMENT,
        "BO-H",
        "Sucre",
        "atencion@gams.demo.bo",
    ),
    (
        {
            "es": "Gobierno Autónomo Guaraní Charagua Iyambae",
            "gn": "Charagua Iyambae Guaraní Tëta Mburuvicha",
            "en": "Charagua Iyambae Guaraní Autonomous Government",
        },
        "GAGCI",
        InstitutionKind.INDIGENOUS_AUTONOMY,
        "BO-S",
        "Charagua Iyambae",
        "contacto@charagua.demo.bo",
    ),
    (
        {
            "es": "Empresa Pública Social de Agua y Saneamiento",
            "en": "Public Water and Sanitation Company",
        },
        "EPSAS",
        InstitutionKind.PUBLIC_COMPANY,
        "BO-L",
        None,
        "reclamos@epsas.demo.bo",
    ),
    (
        {
            "es": "Servicio Departamental de Caminos de Santa Cruz",
            "en": "Santa Cruz Departmental Roads Service",
        },
        "SEDCAM",
        InstitutionKind.DECENTRALISED_ENTITY,
        "BO-S",
        None,
        "info@sedcam.demo.bo",
    ),
]

#: (email, display name, role, language, acronym of institution or None)
USERS: list[tuple[str, str, Role, str, str | None]] = [
    ("admin@demo.qhawaq.bo", "Administración Qhawaq", Role.ADMIN, "es", None),
    ("moderadora@demo.qhawaq.bo", "Rosa Mamani (moderadora)", Role.MODERATOR, "es", None),
    ("moderador.qu@demo.qhawaq.bo", "Wilber Quispe", Role.MODERATOR, "qu", None),
    ("salud@demo.qhawaq.bo", "Unidad de Transparencia, Salud", Role.RESPONDER, "es", "MSyD"),
    ("elalto@demo.qhawaq.bo", "Atención ciudadana El Alto", Role.RESPONDER, "ay", "GAMEA"),
    ("sucre@demo.qhawaq.bo", "Transparencia Sucre", Role.RESPONDER, "qu", "GAMS"),
    ("charagua@demo.qhawaq.bo", "Mburuvicha Charagua", Role.RESPONDER, "gn", "GAGCI"),
    ("ciudadana@demo.qhawaq.bo", "María Condori", Role.CITIZEN, "es", None),
    ("runa@demo.qhawaq.bo", "Juan Choque", Role.CITIZEN, "qu", None),
    ("jaqi@demo.qhawaq.bo", "Sabina Apaza", Role.CITIZEN, "ay", None),
    ("tenda@demo.qhawaq.bo", "Arasy Yarisa", Role.CITIZEN, "gn", None),
    ("citizen@demo.qhawaq.bo", "Alex Rivera", Role.CITIZEN, "en", None),
    # Coordinates the demo oversight groups' committee in Sucre (app/demo/groups.py).
    ("control.social@demo.qhawaq.bo", "Elena Huanca", Role.CITIZEN, "es", None),
]


def database_is_empty() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is None


@dataclass
class DemoCounts:
    institutions: int = 0
    users: int = 0
    plans: int = 0
    programs: int = 0
    observations: int = 0
    comments: int = 0
    sessions: int = 0
    groups: int = 0


def load_demo(
    *, seed: int = DEFAULT_SEED, small: bool = False, today: date | None = None
) -> DemoCounts:
    """Load territory (if missing), institutions, users and everything else. Flushes, never
    commits. ``today`` (default: La Paz today) anchors every date."""
    today = today or local_today()
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    if db.session.scalar(select(Department.id).limit(1)) is None:
        result = load_territory_csv(default_territory_file())
        if result.errors:
            raise RuntimeError("; ".join(result.errors))
    departments = {d.iso_code: d for d in db.session.scalars(select(Department))}
    specs = [spec[:6] for spec in INSTITUTIONS]
    if not small:
        specs += [spec[:6] for spec in COUNTRY_INSTITUTIONS]
    institutions: dict[str, Institution] = {}
    for names, acronym, kind, dept, municipality_name, email in specs:
        municipality: Municipality | None = None
        if municipality_name and dept:
            municipality = db.session.scalar(
                select(Municipality).where(
                    Municipality.name == municipality_name,
                    Municipality.department_id == departments[dept].id,
                )
            )
        institution = Institution(
            names=names,
            acronym=acronym,
            kind=kind,
            department=departments.get(dept) if dept else None,
            municipality=municipality,
            contact_email=email,
        )
        db.session.add(institution)
        institutions[acronym] = institution
    db.session.flush()
    people = [(e, n, r, lang, institutions[m] if m else None) for e, n, r, lang, m in USERS]
    if not small:
        people += country_people(rng, institutions)
    create_accounts(people, DEMO_PASSWORD)
    counts = DemoCounts(institutions=len(institutions), users=len(people), groups=len(GROUPS))
    made = load_programs(today)
    counts.plans, counts.programs = made["plans"], made["programs"]
    counts.observations = load_observations(today)
    counts.comments = made["comments"]
    if not small:
        _load_country(rng, today, counts)
    return counts


def _load_country(rng: random.Random, today: date, counts: DemoCounts) -> None:
    built = load_country_programs(rng, today)
    counts.plans += len(built.plans)
    counts.programs += len(built.programs)
    counts.observations += load_country_observations(rng, today, COUNTRY_OBSERVATIONS)
    citizens = list(
        db.session.scalars(select(User).where(User.role == Role.CITIZEN).order_by(User.id))
    )
    counts.comments += load_country_comments(rng, today, built.programs, citizens)
    counts.sessions = load_sessions(rng, today)
    recount_everything()
