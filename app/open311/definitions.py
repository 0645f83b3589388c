"""GeoReport's service definitions (``GET services/<code>``): the attributes an application
sends with a filing beyond GeoReport's own fields (app/open311/filing.py reads them)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.observations.actions import institution_choices
from app.observations.models import Category, IdentityLevel
from app.territory.models import Department


def _attribute(
    code: str, order: int, description: str, *, required: bool = False, values: Any = None
) -> dict[str, Any]:
    return {
        "variable": True,
        "code": code,
        "datatype": "singlevaluelist" if values is not None else "string",
        "required": required,
        "datatype_description": "",
        "order": order,
        "description": description,
        "values": values or [],
    }


def service_definition(code: str) -> dict[str, Any] | None:
    category = db.session.scalar(select(Category).where(Category.key == code, Category.active))
    if category is None:
        return None
    departments = db.session.scalars(select(Department).order_by(Department.name))
    return {
        "service_code": category.key,
        "attributes": [
            _attribute(
                "title",
                1,
                _("One line that says what happened; the description's first line if omitted."),
            ),
            _attribute(
                "identity",
                2,
                _("Who may see who filed it; hidden from the public unless said otherwise."),
                values=[{"key": level.value, "name": str(level.title)} for level in IdentityLevel],
            ),
            _attribute(
                "department",
                3,
                _("The department it happened in (required unless a program is given)."),
                values=[{"key": d.iso_code, "name": d.name} for d in departments],
            ),
            _attribute("municipality", 4, _("The municipality's code (optional).")),
            _attribute(
                "institution",
                5,
                _("The institution that must answer (required unless a program is given)."),
                values=[{"key": str(i), "name": name} for i, name in institution_choices()],
            ),
            _attribute(
                "program",
                6,
                _("The number of the program it is about (optional; sets the institution)."),
            ),
        ],
    }
