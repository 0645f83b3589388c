from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import case, or_, select, text
from sqlalchemy.orm import joinedload

from app.accountability.scope import EXPLANATIONS, Scope
from app.accountability.services import totals_for
from app.core.clock import local_today
from app.extensions import db
from app.observations.models import IdentityLevel, Observation
from app.observations.queries import publicly_visible
from app.programs.models import Program
from app.territory.models import Department

bp = Blueprint("main", __name__)

#: How many answered observations and closing consultations the home page lists.
HOME_LIST = 5


def latest_answered(limit: int = HOME_LIST) -> list[Observation]:
    """Public observations most recently answered for the first time (one query). Publicness
    is checked row by row (a CASE, not a WHERE the planner would serve from the state index):
    walking the first-answer index from the newest end stops after a few rows."""
    return list(
        db.session.scalars(
            select(Observation)
            .options(joinedload(Observation.institution))
            .where(
                Observation.first_answer_at.is_not(None),
                case((publicly_visible(), 1), else_=0) == 1,
            )
            .order_by(Observation.first_answer_at.desc(), Observation.id.desc())
            .limit(limit)
        )
    )


def closing_soon(today: date, limit: int = HOME_LIST) -> list[Program]:
    """Programs open for comments today that have a closing date, the soonest to close first
    (one query; programs open without an end are not "closing")."""
    return list(
        db.session.scalars(
            select(Program)
            .options(joinedload(Program.institution))
            .where(
                Program.comments_close_on >= today,
                or_(Program.comments_open_on.is_(None), Program.comments_open_on <= today),
            )
            .order_by(Program.comments_close_on, Program.id)
            .limit(limit)
        )
    )


@bp.route("/")
def index() -> str:
    """This year's figures for the whole country (from the accountability tallies: a few small
    queries whatever the history), the latest answers, the consultations closing soon and a way
    to each department's page."""
    today = local_today()
    year = Scope(start=date(today.year, 1, 1), end=today.replace(day=1))
    return render_template(
        "main/index.html",
        today=today,
        year=year,
        figures=totals_for(year, today),
        explanations=EXPLANATIONS,
        answered=latest_answered(),
        closing=closing_soon(today),
        departments=db.session.scalars(select(Department).order_by(Department.name)).all(),
    )


@bp.route("/territories")
def choose_department() -> ResponseReturnValue:
    """The home page's department picker (a GET form): to that department's page. Nothing
    chosen goes back to the picker; a code that is no department is not found."""
    code = request.args.get("department", "").strip().upper()
    if not code:
        return redirect(url_for("main.index", _anchor="departments"))
    if len(code) > 8 or not db.session.scalar(
        select(Department.id).where(Department.iso_code == code)
    ):
        abort(404)
    return redirect(url_for("accountability.territory", territory=code))


@bp.route("/about")
def about() -> str:
    return render_template("main/about.html")


@bp.route("/privacy")
def privacy() -> str:
    """What is collected, who sees what, how long it is kept, and how to download or delete it."""
    config = current_app.config
    return render_template(
        "main/privacy.html",
        operator=config.get("OPERATOR_NAME") or config["SITE_NAME"],
        contact=config.get("PRIVACY_CONTACT") or "",
        levels=list(IdentityLevel),
    )


@bp.route("/healthz")
def healthz() -> dict[str, str]:
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
