"""Demo plans, programs, milestones and threaded comments (part of ``flask demo``)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.accounts.models import User
from app.comments import services as comments
from app.comments.models import FlagReason, Stance
from app.extensions import db
from app.institutions.models import Institution
from app.programs import services
from app.programs.models import Plan, PlanType, Program, ProgramStatus
from app.territory.models import Department, Municipality

STATUSES = [
    (
        "planned",
        {
            "es": "Programado",
            "qu": "Wakichisqa",
            "ay": "Wakicht'ata",
            "gn": "Oñemoĩma",
            "en": "Planned",
        },
        0,
    ),
    (
        "in_execution",
        {
            "es": "En ejecución",
            "qu": "Ruwakuchkan",
            "ay": "Lurasiski",
            "gn": "Ojejapo",
            "en": "In execution",
        },
        30,
    ),
    ("paused", {"es": "Paralizado", "en": "Paused"}, None),
    (
        "finished",
        {"es": "Concluido", "qu": "Tukusqa", "ay": "Tukuyata", "gn": "Opa", "en": "Finished"},
        100,
    ),
]


def _institution(acronym: str) -> Institution:
    institution = db.session.scalar(select(Institution).where(Institution.acronym == acronym))
    assert institution is not None, acronym
    return institution


def _place(iso: str, municipality: str | None = None) -> tuple[Department, Municipality | None]:
    department = db.session.scalar(select(Department).where(Department.iso_code == iso))
    assert department is not None
    found = None
    if municipality:
        found = db.session.scalar(
            select(Municipality).where(
                Municipality.name == municipality, Municipality.department_id == department.id
            )
        )
    return department, found


def _program(
    plan: Plan,
    code: str,
    titles: dict[str, str],
    descriptions: dict[str, str],
    **fields: object,
) -> Program:
    program = Program(plan=plan, code=code, titles=titles, descriptions=descriptions, **fields)
    services.refresh_search_text(program)
    db.session.add(program)
    db.session.flush()
    return program


def load_programs(today: date) -> dict[str, int]:
    """The small demo's plans and programs, dated relative to ``today``. Flushes."""
    statuses = {}
    for position, (key, names, progress) in enumerate(STATUSES):
        status = ProgramStatus(key=key, names=names, default_progress=progress, position=position)
        db.session.add(status)
        statuses[key] = status
    db.session.flush()

    gams, gadc, salud = _institution("GAMS"), _institution("GADC"), _institution("MSyD")
    chuquisaca, sucre = _place("BO-H", "Sucre")
    cochabamba, _ = _place("BO-C")

    ptdi_sucre = Plan(
        plan_type=PlanType.PTDI,
        institution=gams,
        department=chuquisaca,
        municipality=sucre,
        period_start=2021,
        period_end=2025,
        titles={
            "es": "Plan Territorial de Desarrollo Integral del Municipio de Sucre 2021-2025",
            "qu": "Sucre llaqtap PTDI 2021-2025 yuyaychakuynin",
        },
        descriptions={"es": "Plan de mediano plazo del Gobierno Autónomo Municipal de Sucre."},
    )
    ptdi_cbba = Plan(
        plan_type=PlanType.PTDI,
        institution=gadc,
        department=cochabamba,
        period_start=2021,
        period_end=2025,
        titles={"es": "PTDI del Departamento de Cochabamba 2021-2025"},
        descriptions={"es": "Plan territorial del Gobierno Autónomo Departamental de Cochabamba."},
    )
    pei_salud = Plan(
        plan_type=PlanType.PEI,
        institution=salud,
        period_start=2021,
        period_end=2025,
        titles={
            "es": "Plan Estratégico Institucional del Ministerio de Salud y Deportes",
            "en": "Institutional Strategic Plan of the Ministry of Health and Sports",
        },
        descriptions={"es": "Objetivos institucionales de salud pública."},
    )
    db.session.add_all([ptdi_sucre, ptdi_cbba, pei_salud])
    db.session.flush()

    water = _program(
        ptdi_sucre,
        "SUC-AG-01",
        {
            "es": "Agua potable para los distritos 6 y 7",
            "qu": "6, 7 distritokunapaq ukyana yaku",
            "ay": "6, 7 distritonakatakix umañ uma",
            "en": "Drinking water for districts 6 and 7",
        },
        {
            "es": "Ampliación de la red de agua potable y conexiones domiciliarias para 4.200 "
            "familias de los distritos 6 y 7.",
            "qu": "Yaku pusana llikata hatunyachiy, 4.200 ayllukunapaq.",
        },
        institution=gams,
        department=chuquisaca,
        municipality=sucre,
        budget_bob=Decimal("18500000.00"),
        start_date=date(2023, 3, 1),
        end_date=date(2026, 12, 31),
        status=statuses["in_execution"],
        comments_open_on=today - timedelta(days=30),
        comments_close_on=today + timedelta(days=60),
    )
    tank = _program(
        ptdi_sucre,
        "SUC-AG-01.1",
        {"es": "Tanque de almacenamiento de Lajastambo", "qu": "Lajastambo yaku huñuna"},
        {"es": "Tanque de 2.000 m³ y aducción."},
        institution=gams,
        department=chuquisaca,
        municipality=sucre,
        parent=water,
        weight=2,
        budget_bob=Decimal("7200000.00"),
        status=statuses["in_execution"],
    )
    pipes = _program(
        ptdi_sucre,
        "SUC-AG-01.2",
        {"es": "Red de distribución y conexiones domiciliarias"},
        {"es": "38 km de tuberías y 4.200 conexiones."},
        institution=gams,
        department=chuquisaca,
        municipality=sucre,
        parent=water,
        weight=1,
        budget_bob=Decimal("11300000.00"),
        status=statuses["planned"],
    )
    schools = _program(
        ptdi_sucre,
        "SUC-ED-03",
        {
            "es": "Mejoramiento de unidades educativas rurales",
            "qu": "Campo yachay wasikunata allinchay",
        },
        {"es": "Refacción de 12 unidades educativas en comunidades rurales del municipio."},
        institution=gams,
        department=chuquisaca,
        municipality=sucre,
        budget_bob=Decimal("5400000.00"),
        start_date=date(2024, 1, 15),
        end_date=date(2025, 12, 15),
        status=statuses["finished"],
        comments_open_on=date(2024, 1, 1),
        comments_close_on=date(2024, 6, 30),
    )
    irrigation = _program(
        ptdi_cbba,
        "CBBA-RI-07",
        {
            "es": "Riego tecnificado en el valle alto",
            "qu": "Hatun wayq'upi qarpay",
            "en": "Technified irrigation in the high valley",
        },
        {"es": "Sistemas de riego por aspersión para 1.500 hectáreas en Punata, Arani y Tarata."},
        institution=gadc,
        department=cochabamba,
        budget_bob=Decimal("32000000.00"),
        start_date=date(2022, 6, 1),
        end_date=date(2027, 6, 1),
        status=statuses["in_execution"],
    )
    health = _program(
        pei_salud,
        "MSD-SAFCI-02",
        {
            "es": "Salud familiar comunitaria intercultural en municipios rurales",
            "ay": "Markanakan ayllu qullañ utanaka",
            "gn": "Tëta ñemboresaiha",
            "en": "Intercultural community family health in rural municipalities",
        },
        {"es": "Brigadas médicas y centros de salud de primer nivel con enfoque intercultural."},
        institution=salud,
        budget_bob=Decimal("120000000.00"),
        start_date=date(2021, 1, 1),
        end_date=date(2025, 12, 31),
        status=statuses["in_execution"],
    )
    for program in (tank, pipes, schools, irrigation, health):
        services.apply_status(program, program.status, None)
    services.set_progress(tank, 65)
    services.set_progress(pipes, 10)

    for program, on_date, titles in [
        (water, date(2023, 3, 1), {"es": "Orden de proceder", "qu": "Qallarinapaq kamachiy"}),
        (water, date(2024, 8, 20), {"es": "Tanque de Lajastambo concluido en obra gruesa"}),
        (water, today - timedelta(days=10), {"es": "Inicio del tendido de tuberías en el D-6"}),
        (schools, date(2025, 11, 30), {"es": "Entrega de las 12 unidades educativas"}),
        (irrigation, date(2023, 5, 10), {"es": "Firma de convenios con asociaciones de regantes"}),
    ]:
        services.add_milestone(program, on_date, titles, {})

    users = {u.email: u for u in db.session.scalars(select(User))}
    maria = users["ciudadana@demo.qhawaq.bo"]
    juan = users["runa@demo.qhawaq.bo"]
    sabina = users["jaqi@demo.qhawaq.bo"]
    comite = users["control.social@demo.qhawaq.bo"]
    first = comments.add_comment(
        comite,
        water,
        "Como comité de control social del D-6 pedimos el cronograma de conexiones por zona. "
        "Varias familias siguen sin agua los fines de semana.",
        Stance.FOR,
    )
    reply = comments.add_comment(
        maria,
        water,
        "En la zona de Villa Armonía tampoco llega el agua después de las 18:00.",
        parent=first,
    )
    comments.add_comment(
        comite,
        water,
        "Gracias, lo incluiremos en la observación que vamos a presentar.",
        parent=reply,
    )
    comments.add_comment(
        juan,
        water,
        "Allinmi kay ruwayqa, ichaqa tubokuna sumaq kananmi. Ñawpaq watapi p'akikurqa.",
        Stance.NEUTRAL,
    )
    against = comments.add_comment(
        sabina,
        water,
        "El presupuesto del tanque subió dos veces. ¿Dónde está el informe de "
        "la supervisión? https://www.sucre.bo/transparencia",
        Stance.AGAINST,
    )
    comments.vote(maria, first)
    comments.vote(juan, first)
    comments.vote(maria, against)
    # Something for the moderators' report queue (two reports: still visible, below the
    # threshold of three that hides it automatically).
    rude = comments.add_comment(
        users["citizen@demo.qhawaq.bo"],
        water,
        "All of them are thieves, call the mayor at 70000000 and tell him so.",
        Stance.AGAINST,
    )
    comments.flag(maria, rude, FlagReason.OFFENSIVE, "Insulta y publica un teléfono.")
    comments.flag(sabina, rude, FlagReason.PERSONAL_DATA)
    services.follow(comite, water)
    services.follow(maria, water)
    return {"plans": 3, "programs": 6, "comments": 6}
