"""A department map as the template draws it: each department's shape, figure, class of the
sequential palette and link; the legend; the points; and the same numbers as table rows."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from flask import request, url_for
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from sqlalchemy import select

from app.accountability.figures import Share
from app.extensions import db
from app.maps.figures import FIGURES, MAX_POINTS, Point, Tally
from app.maps.geometry import geometry
from app.maps.tiles import tiles_url
from app.territory.models import Department

#: Classes of the sequential palette (qhawaq.css ``.map-c0`` … ``.map-c4``), lightest first.
CLASSES = 5
NO_DATA = "map-none"
#: Stands for a point's code in its link and label, made once per map.
_SLOT = "__code__"
#: Where the selector's links land on the page.
ANCHOR = "department-map"


@dataclass
class Region:
    code: str
    name: str
    d: str
    label: tuple[int, int]
    #: The figure as written on the map and in the table.
    text: str
    #: The figure with its counts, for shares ("45% (9 of 20)").
    detail: str
    css: str
    href: str | None
    current: bool = False


@dataclass
class Legend:
    css: str
    text: str


@dataclass
class MapPoint:
    x: float
    y: float
    href: str
    label: str
    #: WGS 84, for the slippy map (shown only where the operator runs a tile server).
    latitude: float
    longitude: float

    @property
    def slippy(self) -> dict[str, object]:
        return {"lat": self.latitude, "lon": self.longitude, "href": self.href, "label": self.label}


@dataclass
class Choice:
    name: str
    title: str
    href: str
    current: bool


@dataclass
class DepartmentMap:
    figure: str
    title: str
    explanation: str
    width: int
    height: int
    regions: list[Region]
    legend: list[Legend]
    choices: list[Choice]
    points: list[MapPoint] = field(default_factory=list)
    #: The figure for observations without a department ("" when there are none).
    unplaced: str = ""
    #: The sum over departments and unplaced, for counts ("" for shares).
    total: str = ""
    #: Whether this map draws points at all (the overview draws none).
    points_shown: bool = False
    max_points: int = MAX_POINTS
    #: The operator's tile URL template: the page then offers a slippy map too.
    tiles: str = ""

    @property
    def current(self) -> Region | None:
        return next((r for r in self.regions if r.current), None)


def titles() -> dict[str, str]:
    return {
        "observations": _("Observations"),
        "answered": _("Answered"),
        "on_time": _("Answered on time"),
        "overdue": _("Overdue now"),
    }


def _number(value: int) -> str:
    return str(format_decimal(value))


def _percent(value: float) -> str:
    return str(format_percent(value, "#,##0%"))


def _texts(value: int | Share) -> tuple[str, str]:
    if isinstance(value, Share):
        if value.value is None:
            return "—", _("no observation to count")
        return _percent(value.value), _(
            "%(share)s (%(count)s of %(total)s)",
            share=_percent(value.value),
            count=_number(value.count),
            total=_number(value.total),
        )
    return _number(value), _number(value)


def _range(low: str, high: str) -> str:
    return _("%(low)s to %(high)s", low=low, high=high)


def classify(values: list[int | Share]) -> tuple[list[str], list[Legend]]:
    """The palette class of each value and the legend. Counts: 0 in the lightest class, the
    rest in equal steps up to the largest; shares: fifths of 0 to 100%; a share with nothing to
    count has no data."""
    if values and isinstance(values[0], Share):
        shares = [v.value if isinstance(v, Share) else None for v in values]
        css = [
            NO_DATA if s is None else f"map-c{min(CLASSES - 1, int(s * CLASSES))}" for s in shares
        ]
        # Fifths: 0 to 19%, 20 to 39% ... 80 to 100% (a share of exactly 1 is in the last).
        bounds = [(i / CLASSES, (i + 1) / CLASSES - 0.01) for i in range(CLASSES - 1)]
        bounds.append(((CLASSES - 1) / CLASSES, 1.0))
        legend = [
            Legend(f"map-c{i}", _range(_percent(low), _percent(high)))
            for i, (low, high) in enumerate(bounds)
        ]
        if NO_DATA in css:
            legend.append(Legend(NO_DATA, _("No data")))
        return css, legend
    counts = [v if isinstance(v, int) else 0 for v in values]
    top = max(counts, default=0)
    step = max(1, math.ceil(top / (CLASSES - 1)))
    css = [f"map-c{0 if c == 0 else min(CLASSES - 1, math.ceil(c / step))}" for c in counts]
    legend = [Legend("map-c0", _number(0))]
    for i in range(1, min(CLASSES - 1, math.ceil(top / step)) + 1):
        low, high = (i - 1) * step + 1, i * step
        text = _number(low) if low == high else _range(_number(low), _number(high))
        legend.append(Legend(f"map-c{i}", text))
    return css, legend


def _choices(figure: str) -> list[Choice]:
    """Links to this page with another figure on the map, every other argument kept."""
    args: dict[str, Any] = {k: v for k, v in request.args.items() if not k.startswith("_")}
    view_args = request.view_args or {}
    endpoint = request.endpoint or ""
    return [
        Choice(
            name,
            title,
            url_for(endpoint, **{**args, **view_args, "map": name}, _anchor=ANCHOR),
            name == figure,
        )
        for name, title in titles().items()
    ]


def department_map(
    tallies: Mapping[int | None, Tally],
    figure: str,
    *,
    explanation: str,
    link_args: Mapping[str, str] | None = None,
    current: str = "",
    points: list[Point] | None = None,
) -> DepartmentMap:
    """The map of ``figure`` over ``tallies`` (per department id). Departments link to their
    territory page with ``link_args``; ``current`` (an ISO code) is outlined."""
    figure = figure if figure in FIGURES else FIGURES[0]
    shapes = geometry()
    departments = {
        d.iso_code: d for d in db.session.scalars(select(Department).order_by(Department.name))
    }
    link: dict[str, Any] = {
        k: v for k, v in (link_args or {}).items() if k not in {"department", "municipality"}
    }
    if figure != FIGURES[0]:
        link["map"] = figure
    ordered = sorted(
        shapes.shapes.values(),
        key=lambda s: (departments[s.code].name if s.code in departments else s.name).lower(),
    )
    values: list[int | Share] = []
    for shape in ordered:
        found = departments.get(shape.code)
        tally = tallies.get(found.id) if found is not None else None
        values.append((tally or Tally()).value(figure))
    css, legend = classify(values)
    regions = []
    for shape, value, klass in zip(ordered, values, css, strict=True):
        found = departments.get(shape.code)
        text, detail = _texts(value)
        regions.append(
            Region(
                code=shape.code,
                name=found.name if found is not None else shape.name,
                d=shape.d,
                label=shape.label,
                text=text,
                detail=detail,
                css=klass,
                href=url_for("accountability.territory", territory=shape.code, **link)
                if found is not None
                else None,
                current=shape.code == current,
            )
        )
    unplaced_tally = tallies.get(None)
    unplaced = ""
    if unplaced_tally is not None and unplaced_tally.accepted:
        unplaced = _texts(unplaced_tally.value(figure))[1]
    total = ""
    if figure in ("observations", "overdue"):
        total = _number(
            sum(t.overdue if figure == "overdue" else t.accepted for t in tallies.values())
        )
    drawn = []
    if points:
        # Up to 200 points: the link and the label made once with a placeholder, then filled
        # (a url_for and a gettext for each point took a few ms of every map page).
        href = url_for("observations.detail", code=_SLOT)
        label = _("Observation %(code)s", code=_SLOT)
        for point in points:
            place = shapes.project(point.latitude, point.longitude)
            if place is not None:
                drawn.append(
                    MapPoint(
                        place[0],
                        place[1],
                        href.replace(_SLOT, quote(point.code, safe="")),
                        label.replace(_SLOT, point.code),
                        point.latitude,
                        point.longitude,
                    )
                )
    return DepartmentMap(
        figure=figure,
        title=titles()[figure],
        explanation=explanation,
        width=shapes.width,
        height=shapes.height,
        regions=regions,
        legend=legend,
        choices=_choices(figure),
        points=drawn,
        unplaced=unplaced,
        total=total,
        points_shown=points is not None,
        tiles=tiles_url(),
    )
