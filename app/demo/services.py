"""A realistic demo: territory, institutions of several kinds, users of every role, and (through
``observations``) two oversight groups with observations filed on their behalf.

Every demo account's password is ``DEMO_PASSWORD`` (documented in the README). Never run this
against a production database: ``flask demo`` refuses when the database already has users unless
``--force`` is given.
"""

from __future__ import annotations

from sqlalchemy import select

from app.accounts import services as accounts
from app.accounts.models import Role, User
from app.demo.groups import GROUPS
from app.demo.observations import load_observations
from app.demo.programs import load_programs
from app.extensions import db
from app.institutions.models import Institution, InstitutionKind
from app.territory.models import Department, Municipality
from app.territory.services import default_territory_file, load_territory_csv

DEMO_PASSWORD = "qhawaq-demo-2026"  # noqa: S105 - documented demo credential

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


def load_demo() -> dict[str, int]:
    """Load territory (if missing), institutions and users. Flushes, never commits."""
    if db.session.scalar(select(Department.id).limit(1)) is None:
        result = load_territory_csv(default_territory_file())
        if result.errors:
            raise RuntimeError("; ".join(result.errors))
    departments = {d.iso_code: d for d in db.session.scalars(select(Department))}
    institutions: dict[str, Institution] = {}
    for names, acronym, kind, dept, municipality_name, email in INSTITUTIONS:
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
    for email, name, role, language, member_of in USERS:
        accounts.create_user(
            email=email,
            password=DEMO_PASSWORD,
            display_name=name,
            role=role,
            language=language,
            institution=institutions[member_of] if member_of else None,
        )
    counts = load_programs()
    counts["observations"] = load_observations()
    counts["groups"] = len(GROUPS)
    return {"institutions": len(institutions), "users": len(USERS), **counts}
