"""The department map of a page, in one call from its view: an accountability scope (overview,
territory pages) or a list page's own query (/observations). Three queries: the departments,
the figures per department, and the points when the page shows them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import request
from flask_babel import gettext as _
from sqlalchemy import Select

from app.accountability.scope import EXPLANATIONS, Scope
from app.maps import figures
from app.maps.choropleth import DepartmentMap, department_map

#: The figure each map choice shows, by its name among the accountability explanations.
EXPLAINED_BY = {
    "observations": "accepted",
    "answered": "answered_share",
    "on_time": "on_time_share",
    "overdue": "overdue",
}


def chosen_figure() -> str:
    return figures.chosen(request.args.get("map"))


def for_scope(
    scope: Scope,
    link_args: Mapping[str, str],
    *,
    current: str = "",
    points: bool = False,
) -> DepartmentMap:
    """An accountability page's map: every department in ``scope`` (its place aside), the
    department ``current`` outlined, and the scope's own points when ``points``."""
    figure = chosen_figure()
    return department_map(
        figures.in_scope(scope),
        figure,
        explanation=str(EXPLANATIONS[EXPLAINED_BY[figure]]),
        link_args=link_args,
        current=current,
        points=figures.points_in_scope(scope) if points else None,
    )


def for_list(
    listed: Select[Any],
    *,
    current: str = "",
    counted: dict[int | None, figures.Tally] | None = None,
) -> DepartmentMap:
    """The /observations map: the observations the page lists (its filters and search), per
    department (``counted``: already known, as for the unfiltered list), and the newest of them
    with coordinates as points."""
    figure = chosen_figure()
    explanation = (
        _("Observations that match the filters, by the department they are about.")
        if figure == "observations"
        else str(EXPLANATIONS[EXPLAINED_BY[figure]])
    )
    return department_map(
        figures.in_list(listed, figure=figure) if counted is None else counted,
        figure,
        explanation=explanation,
        current=current,
        points=figures.points_in_list(listed),
    )
