"""The demo country's plans and programs (``flask demo`` without ``--small``): the PDES with its
pillars and the ministries' actions under them, departmental and municipal PTDIs, and
institutional PEIs, with sub-programs, budgets, statuses, milestones and consultation windows, all
dated relative to ``today`` so the demo always looks alive.

Programs are built as ORM objects and flushed together (no notification: nobody follows them yet);
a parent's progress is the weighted rollup of its sub-programs (``services.rolled_up_progress``)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.demo.places import CAPITALS, ZONES
from app.demo.plan_texts import PDES_ACTIONS, PDES_PILLARS, PEI_OBJECTIVES
from app.demo.texts import WORKS
from app.extensions import db
from app.institutions.models import Institution, InstitutionKind
from app.programs import services
from app.programs.models import Milestone, Plan, PlanType, Program, ProgramStatus
from app.territory.models import Department, Municipality

#: Departmental PTDIs: department ISO → (gobernación acronym, places of its works).
DEPARTMENT_PTDIS: dict[str, tuple[str, list[str]]] = {
    "BO-L": ("GADLP", ["Caranavi", "Copacabana", "Viacha", "Achacachi", "Sorata", "Coroico"]),
    "BO-H": ("GADCH", ["Monteagudo", "Tarabuco", "Camargo", "Padilla", "Villa Serrano"]),
    "BO-C": ("GADC", ["Quillacollo", "Sacaba", "Tiquipaya", "Aiquile"]),
    "BO-P": ("GADP", ["Uyuni", "Tupiza", "Llallagua", "Betanzos", "Villazón"]),
    "BO-S": ("GADSC", ["Montero", "Camiri", "San Ignacio", "Warnes", "Vallegrande"]),
    "BO-O": ("GADOR", ["Challapata", "Huanuni", "Caracollo", "Toledo"]),
    "BO-T": ("GADT", ["Bermejo", "Entre Ríos", "Padcaya", "Uriondo"]),
    "BO-B": ("GADBE", ["Riberalta", "Guayaramerín", "San Borja", "Puerto Menor de Rurrenabaque"]),
    "BO-N": ("GADPA", ["Porvenir", "Filadelfia", "Puerto Rico"]),
}
#: Municipal PTDIs (and the autonomies' plans): acronym of the government.
MUNICIPAL_PTDIS = [
    "GAMLP", "GAMEA", "GAMC", "GAMSCS", "GAMO", "GAMP", "GAMT", "GAMTR", "GAMCO",
    "GAMA", "GAMPU", "GAMU", "GAMY", "GAGCI", "GAOUCH", "GAIOCR", "GAIOCS",
]  # fmt: skip
#: Works a municipality may plan (departments add roads, bridges and irrigation).
MUNICIPAL_WORKS = ["agua", "alcantarillado", "escuela", "salud", "mercado", "residuos", "vivienda"]
DEPARTMENTAL_WORKS = ["camino", "puente", "riego", "electrificacion", "salud", "atajados"]
RURAL_WORKS = ["agua", "atajados", "riego", "escuela", "salud", "camino", "electrificacion"]

MILESTONES = [
    {"es": "Firma del contrato", "qu": "Contrato firmakuy", "en": "Contract signed"},
    {"es": "Orden de proceder", "qu": "Qallarinapaq kamachiy", "en": "Order to proceed"},
    {"es": "Avance físico del 50 %", "ay": "Chikat lurata", "en": "50 % physical progress"},
    {"es": "Recepción provisional de la obra", "en": "Provisional acceptance of the works"},
    {"es": "Entrega a la comunidad", "gn": "Oñeme'ẽ tëtape", "en": "Handed over to the community"},
]


@dataclass
class Built:
    plans: list[Plan] = field(default_factory=list)
    programs: list[Program] = field(default_factory=list)


class _Maker:
    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.built = Built()
        self.statuses = {s.key: s for s in db.session.scalars(select(ProgramStatus))}
        self.institutions = {i.acronym: i for i in db.session.scalars(select(Institution))}
        self.departments = {d.iso_code: d for d in db.session.scalars(select(Department))}
        self.towns = {
            (m.department_id, m.name): m for m in db.session.scalars(select(Municipality))
        }
        self.sequence = 0

    def town(self, iso: str, name: str) -> Municipality | None:
        return self.towns.get((self.departments[iso].id, name))

    def moment(self, day: date) -> datetime:
        return datetime.combine(day, time(14, 0), tzinfo=UTC)

    def plan(
        self,
        plan_type: PlanType,
        institution: Institution,
        titles: dict[str, str],
        description: str,
        municipality: Municipality | None = None,
    ) -> Plan:
        """A new plan, or the small demo's plan of the same type and institution."""
        existing = db.session.scalar(
            select(Plan).where(Plan.plan_type == plan_type, Plan.institution_id == institution.id)
        )
        if existing is not None:
            return existing
        plan = Plan(
            plan_type=plan_type,
            institution=institution,
            department=institution.department,
            municipality=municipality or institution.municipality,
            period_start=2021,
            period_end=2025,
            titles=titles,
            descriptions={"es": description},
            created_at=self.moment(self.today - timedelta(days=700)),
        )
        db.session.add(plan)
        self.built.plans.append(plan)
        return plan

    def window(self) -> tuple[date | None, date | None]:
        """A consultation window: open now, closing within days, closed, not yet, or none."""
        t, r = self.today, self.rng
        kind = r.choices(["open", "closing", "closed", "later", "none"], [30, 12, 38, 6, 14])[0]
        if kind == "open":
            return t - timedelta(days=r.randint(10, 90)), t + timedelta(days=r.randint(6, 75))
        if kind == "closing":
            return t - timedelta(days=r.randint(20, 60)), t + timedelta(days=r.randint(0, 5))
        if kind == "closed":
            close = t - timedelta(days=r.randint(5, 300))
            return close - timedelta(days=r.randint(30, 90)), close
        if kind == "later":
            return t + timedelta(days=r.randint(3, 30)), t + timedelta(days=r.randint(45, 90))
        return None, None

    def schedule(self) -> tuple[date, date, str, int]:
        """Start, end, status key and progress, consistent with each other and with today."""
        t, r = self.today, self.rng
        start = t - timedelta(days=r.randint(-120, 1000))
        end = start + timedelta(days=r.randint(240, 1100))
        if start > t:
            return start, end, "planned", 0
        elapsed = (t - start).days / max(1, (end - start).days)
        if end < t and r.random() < 0.7:
            return start, end, "finished", 100
        progress = max(3, min(97, round(100 * elapsed * r.uniform(0.45, 1.0))))
        status = "paused" if r.random() < 0.12 else "in_execution"
        return start, end, status, progress

    def program(
        self,
        plan: Plan,
        code: str,
        titles: dict[str, str],
        description: str,
        institution: Institution,
        municipality: Municipality | None,
        *,
        department: Department | None = None,
        budget: tuple[int, int] = (1_000_000, 10_000_000),
        parent: Program | None = None,
        weight: int = 1,
    ) -> Program:
        start, end, status, progress = self.schedule()
        opens, closes = self.window()
        self.sequence += 1
        created = self.moment(min(start, self.today - timedelta(days=1)))
        program = Program(
            plan=plan,
            code=code,
            titles=titles,
            descriptions={"es": description},
            institution=institution,
            department=department or (municipality.department if municipality else None),
            municipality=municipality,
            budget_bob=Decimal(self.rng.randrange(budget[0], budget[1], 1000)).quantize(
                Decimal("0.01")
            ),
            start_date=start,
            end_date=end,
            status=self.statuses[status],
            progress=progress,
            parent=parent,
            weight=weight,
            comments_open_on=opens,
            comments_close_on=closes,
            created_at=created + timedelta(seconds=self.sequence),
            updated_at=created + timedelta(seconds=self.sequence),
        )
        services.refresh_search_text(program)
        db.session.add(program)
        self.built.programs.append(program)
        self.milestones(program)
        return program

    def milestones(self, program: Program) -> None:
        if program.start_date is None or program.end_date is None or self.rng.random() < 0.3:
            return
        span = (program.end_date - program.start_date).days
        count = self.rng.randint(2, 4)
        for index, titles in enumerate(MILESTONES[:count]):
            on_date = program.start_date + timedelta(days=span * index // max(1, count - 1))
            done_on = None
            if on_date <= self.today and self.rng.random() < 0.75:
                done_on = min(self.today, on_date + timedelta(days=self.rng.randint(-5, 20)))
            db.session.add(
                Milestone(
                    program=program,
                    on_date=on_date,
                    done_on=done_on,
                    titles=titles,
                    descriptions={},
                    created_at=program.created_at,
                )
            )

    def works(
        self,
        plan: Plan,
        prefix: str,
        number: int,
        kind: str,
        place: str,
        institution: Institution,
        municipality: Municipality | None,
        department: Department | None,
    ) -> Program:
        """A works program from the :data:`WORKS` templates, sometimes split in sub-programs."""
        code_part, titles, description, budget = WORKS[kind]
        code = f"{prefix}-{code_part}-{number:02d}"
        n = self.rng.choice([120, 350, 800, 1500, 4200])
        program = self.program(
            plan,
            code,
            {lang: text.format(place=place) for lang, text in titles.items()},
            description.format(place=place, n=n),
            institution,
            municipality,
            department=department,
            budget=budget,
        )
        if self.rng.random() < 0.22:
            stages = [
                ({"es": "Estudio de diseño técnico de preinversión", "en": "Pre-investment design"},
                 "Estudio técnico, económico, social y ambiental."),
                ({"es": "Ejecución de la obra", "en": "Construction"},
                 "Construcción según el expediente técnico aprobado."),
                ({"es": "Supervisión técnica", "en": "Technical supervision"},
                 "Supervisión independiente de la obra."),
            ]  # fmt: skip
            for index, (stage_titles, stage_text) in enumerate(
                stages[: self.rng.randint(2, 3)], start=1
            ):
                self.program(
                    plan,
                    f"{code}.{index}",
                    {
                        lang: f"{stage}: {titles[lang].format(place=place)}"
                        for lang, stage in stage_titles.items()
                        if lang in titles
                    },
                    stage_text,
                    institution,
                    municipality,
                    department=department,
                    budget=(budget[0] // 4, budget[1] // 2),
                    parent=program,
                    weight=self.rng.choice([1, 1, 2, 3]),
                )
        return program


def load_country_programs(rng: random.Random, today: date) -> Built:
    """Create the country's plans and programs. Flushes, never commits."""
    maker = _Maker(rng, today)
    inst = maker.institutions

    pdes = maker.plan(
        PlanType.PDES,
        inst["MPD"],
        {
            "es": "Plan de Desarrollo Económico y Social 2021-2025: Reconstruyendo la Economía "
            "para Vivir Bien, hacia la Industrialización con Sustitución de Importaciones",
            "qu": "PDES 2021-2025: Allin Kawsanapaq Qullqi Kawsayta Wakmanta Sayarichiy",
            "en": "Economic and Social Development Plan 2021-2025",
        },
        "El plan nacional de mediano plazo: diez ejes que orientan los PTDI y los PEI.",
    )
    pillars = []
    for number, titles in enumerate(PDES_PILLARS, start=1):
        pillars.append(
            maker.program(
                pdes,
                f"PDES-E{number:02d}",
                {k: f"Eje {number}: {v}" if k == "es" else v for k, v in titles.items()},
                f"Eje {number} del PDES 2021-2025.",
                inst["MPD"],
                None,
                budget=(500_000_000, 5_000_000_000),
            )
        )
    seen: dict[int, int] = {}
    for pillar, titles, acronym, description in PDES_ACTIONS:
        seen[pillar] = seen.get(pillar, 0) + 1
        maker.program(
            pdes,
            f"PDES-E{pillar + 1:02d}.{seen[pillar]}",
            titles,
            description,
            inst[acronym],
            None,
            budget=(50_000_000, 900_000_000),
            parent=pillars[pillar],
            weight=rng.choice([1, 2, 3]),
        )

    for iso, (acronym, places) in DEPARTMENT_PTDIS.items():
        gobernacion = inst[acronym]
        department = maker.departments[iso]
        plan = maker.plan(
            PlanType.PTDI,
            gobernacion,
            {
                "es": f"Plan Territorial de Desarrollo Integral del Departamento de "
                f"{department.name} 2021-2025",
                "en": f"Territorial Development Plan of {department.name} 2021-2025",
            },
            f"Plan de mediano plazo del gobierno departamental de {department.name}.",
        )
        prefix = iso.split("-")[1] + "D"
        for number, place in enumerate(places, start=1):
            kind = DEPARTMENTAL_WORKS[(number + len(place)) % len(DEPARTMENTAL_WORKS)]
            maker.works(
                plan, prefix, number, kind, place, gobernacion, maker.town(iso, place), department
            )

    for acronym in MUNICIPAL_PTDIS:
        government = inst[acronym]
        town = government.municipality
        assert town is not None and government.department is not None, acronym
        plan_type = PlanType.PTDI
        name = town.name if town.name != "Nuestra Señora de La Paz" else "La Paz"
        titles = {
            "es": f"Plan Territorial de Desarrollo Integral del Municipio de {name} 2021-2025",
            "en": f"Territorial Development Plan of {name} 2021-2025",
        }
        if government.kind == InstitutionKind.INDIGENOUS_AUTONOMY:
            titles = {
                "es": f"Plan de Gestión Territorial Comunitaria de {name} 2021-2025",
                "en": f"Community Territorial Management Plan of {name} 2021-2025",
            }
        plan = maker.plan(
            plan_type, government, titles, f"Plan de mediano plazo del gobierno de {name}."
        )
        zones = ZONES.get(town.name, [name])
        rural = government.kind == InstitutionKind.INDIGENOUS_AUTONOMY or town.name not in {
            *CAPITALS.values(),
            "El Alto",
        }
        kinds = RURAL_WORKS if rural else MUNICIPAL_WORKS
        prefix = acronym
        for number in range(1, rng.randint(3, 5) + 1):
            kind = kinds[(number * 3 + len(acronym)) % len(kinds)]
            place = zones[(number - 1) % len(zones)]
            maker.works(plan, prefix, number, kind, place, government, town, government.department)

    for acronym, objectives in PEI_OBJECTIVES.items():
        institution = inst[acronym]
        plan = maker.plan(
            PlanType.PEI,
            institution,
            {
                "es": f"Plan Estratégico Institucional 2021-2025: {institution.names['es']}",
                "en": f"Institutional Strategic Plan 2021-2025: "
                f"{institution.names.get('en', institution.names['es'])}",
            },
            "Objetivos estratégicos institucionales articulados al PDES.",
        )
        for number, (titles, description) in enumerate(objectives, start=1):
            maker.program(
                plan,
                f"{acronym}-PEI-{number:02d}",
                titles,
                description,
                institution,
                None,
                department=institution.department,
                budget=(5_000_000, 200_000_000),
            )

    db.session.flush()
    _roll_up(maker.built.programs)
    db.session.flush()
    return maker.built


def _roll_up(programs: list[Program]) -> None:
    """Parents take the weighted progress of their sub-programs, and a status that agrees."""
    for program in programs:
        if program.children:
            program.progress = services.rolled_up_progress(program.children)
