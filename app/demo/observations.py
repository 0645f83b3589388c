"""Demo categories, actor types and observations in several states (part of ``flask demo``)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.core.clock import local_midnight
from app.demo.groups import load_groups
from app.extensions import db
from app.institutions.models import Institution
from app.observations import codes, services
from app.observations.actions import TransitionData
from app.observations.lifecycle import transition
from app.observations.models import (
    ActingAs,
    ActorType,
    AnswerOutcome,
    Category,
    ClosedOutcome,
    IdentityLevel,
    Observation,
    ObservationState,
    ResponseTemplate,
)
from app.programs.models import Program

#: (key, names, working days). Information requests: 15 days (DS 28168 Art. 13).
CATEGORIES = [
    (
        "irregularity",
        {
            "es": "Irregularidad en la ejecución",
            "en": "Irregularity in execution",
            "qu": "Ruwaypi mana chiqan",
        },
        15,
    ),
    ("delay", {"es": "Retraso", "en": "Delay", "qu": "Qhipa", "ay": "Qhipt'a"}, 15),
    ("quality", {"es": "Calidad de obras o servicios", "en": "Quality of works or services"}, 15),
    ("misuse", {"es": "Mal uso de recursos públicos", "en": "Misuse of public resources"}, 20),
    (
        "information",
        {
            "es": "Solicitud de información pública",
            "en": "Request for public information",
            "qu": "Willakuy mañakuy",
            "ay": "Yatiyaw mayiña",
        },
        15,
    ),
    ("proposal", {"es": "Propuesta", "en": "Proposal", "qu": "Yuyaychay", "gn": "Ñemoñe'ẽ"}, 30),
    ("other", {"es": "Otro", "en": "Other", "qu": "Huk", "ay": "Yaqha", "gn": "Ambue"}, 15),
]
ACTOR_TYPES = [
    ("organico", {"es": "Orgánico", "en": "Organic (orgánico)"}),
    ("comunitario", {"es": "Comunitario", "en": "Community (comunitario)"}),
    ("circunstancial", {"es": "Circunstancial", "en": "Circumstantial (circunstancial)"}),
]


def load_reference() -> None:
    for position, (key, names, days) in enumerate(CATEGORIES):
        db.session.add(Category(key=key, names=names, deadline_days=days, position=position))
    for position, (key, names) in enumerate(ACTOR_TYPES):
        db.session.add(ActorType(key=key, names=names, position=position))
    db.session.flush()


def load_observations(today: date) -> int:
    """The small demo's observations, filed 40 days before ``today``. Flushes."""
    load_reference()
    groups = load_groups()
    users = {u.email: u for u in db.session.scalars(select(User))}
    categories = {c.key: c for c in db.session.scalars(select(Category))}
    water = db.session.scalar(select(Program).where(Program.code == "SUC-AG-01"))
    health_ministry = db.session.scalar(select(Institution).where(Institution.acronym == "MSyD"))
    el_alto = db.session.scalar(select(Institution).where(Institution.acronym == "GAMEA"))
    moderator = users["moderadora@demo.qhawaq.bo"]
    sucre = users["sucre@demo.qhawaq.bo"]
    start = local_midnight(today - timedelta(days=40)) + timedelta(hours=14)

    def make(
        filer: User, category: str, title: str, description: str, **fields: object
    ) -> Observation:
        observation = Observation(
            filer=filer,
            category=categories[category],
            title=title,
            description=description,
            state=ObservationState.DRAFT,
            created_at=start,
            **fields,
        )
        if observation.program is not None:
            observation.institution = observation.program.institution
            observation.department = observation.program.department
            observation.municipality = observation.program.municipality
        db.session.add(observation)
        db.session.flush()
        observation.code = codes.allocate(start.year)
        transition(observation, "submit", filer, now=start)
        services.follow(filer, observation)
        return observation

    # Filed on behalf of the demo groups (app/demo/groups.py): the members see them on the
    # group's dashboard, the public on its page; neither names the member who filed them.
    d6 = groups["d6"]
    comite = make(
        users["control.social@demo.qhawaq.bo"],
        "delay",
        "Conexiones domiciliarias paralizadas en el D-6",
        "Desde marzo no se instalan conexiones en las zonas altas del distrito 6. Pedimos el "
        "cronograma actualizado y la explicación del retraso.",
        program=water,
        acting_as=ActingAs.GROUP,
        group_id=d6.id,
        actor_type_id=d6.actor_type_id,
        identity=IdentityLevel.PUBLIC,
    )
    transition(comite, "accept", moderator, now=start + timedelta(days=1))
    transition(comite, "acknowledge", sucre, now=start + timedelta(days=2))

    health_watch = groups["salud-el-alto"]
    clinic = make(
        users["jaqi@demo.qhawaq.bo"],
        "quality",
        "Farmacia del centro de salud de Villa Adela sin insulina",
        "Desde hace tres semanas la farmacia del centro de salud de Villa Adela no entrega "
        "insulina a los pacientes con diabetes inscritos en el SUS.",
        institution=health_ministry,
        acting_as=ActingAs.GROUP,
        group_id=health_watch.id,
        actor_type_id=health_watch.actor_type_id,
        identity=IdentityLevel.HIDDEN,
    )
    transition(clinic, "accept", moderator, now=start + timedelta(days=4))
    transition(
        clinic,
        "request_clarification",
        users["salud@demo.qhawaq.bo"],
        TransitionData(note="¿En qué fechas exactas se pidió insulina y no se entregó?"),
        now=start + timedelta(days=6),
    )

    info = make(
        users["ciudadana@demo.qhawaq.bo"],
        "information",
        "Informe de supervisión del tanque de Lajastambo",
        "Solicito copia del último informe de supervisión técnica y de las órdenes de cambio del "
        "tanque de Lajastambo.",
        program=water,
        identity=IdentityLevel.HIDDEN,
    )
    transition(info, "accept", moderator, now=start + timedelta(days=1))
    transition(
        info,
        "answer",
        sucre,
        TransitionData(
            note="Adjuntamos el informe de supervisión N° 14/2026. La orden "
            "de cambio N° 2 se debe al cambio de suelo en la fundación.",
            answer_outcome=AnswerOutcome.INFORMATION_PROVIDED,
        ),
        now=start + timedelta(days=9),
    )
    transition(
        info,
        "accept_answer",
        info.filer,
        TransitionData(satisfaction=4),
        now=start + timedelta(days=11),
    )
    sucre.is_institution_admin = True
    db.session.add(
        ResponseTemplate(
            institution_id=sucre.institution_id,
            title="Información entregada",
            language="es",
            body="Le enviamos la información solicitada. Si necesita más detalles, puede "
            "pedir una aclaración respondiendo en esta misma página.",
        )
    )

    confidential = make(
        users["jaqi@demo.qhawaq.bo"],
        "misuse",
        "Uso de vehículo oficial en actividades privadas",
        "Un vehículo de la alcaldía se usa los fines de semana para transporte privado en la "
        "zona Senkata.",
        institution=el_alto,
        identity=IdentityLevel.CONFIDENTIAL,
    )
    transition(confidential, "accept", moderator, now=start + timedelta(days=3))

    medicine = make(
        users["runa@demo.qhawaq.bo"],
        "quality",
        "Centro de salud sin medicamentos básicos",
        "El centro de salud de la comunidad no tiene paracetamol ni sales de rehidratación "
        "desde hace dos meses.",
        institution=health_ministry,
        identity=IdentityLevel.PUBLIC,
    )
    transition(medicine, "accept", moderator, now=start + timedelta(days=2))
    transition(
        medicine,
        "close",
        moderator,
        TransitionData(
            note="Sin respuesta de la institución después del plazo.",
            outcome=ClosedOutcome.NO_ANSWER,
        ),
        now=start + timedelta(days=39),
    )
    make(
        users["citizen@demo.qhawaq.bo"],
        "proposal",
        "Iluminación en la parada del bus escolar",
        "Proponemos instalar dos luminarias en la parada del bus escolar de la comunidad.",
        institution=el_alto,
        identity=IdentityLevel.PUBLIC,
    )
    return 6
