from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy import text

from app.extensions import db
from app.observations.models import IdentityLevel

bp = Blueprint("main", __name__)


@bp.route("/")
def index() -> str:
    return render_template("main/index.html")


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
