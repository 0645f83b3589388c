"""Geometry for the server-rendered SVG charts (templates/accountability/_charts.html draws them):
no JavaScript, no third-party code, a few hundred bytes each. The data table beside every chart
carries the same numbers for screen readers and for copying."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 320
BAR_HEIGHT = 16
BAR_GAP = 6
LABEL_WIDTH = 110
LINE_HEIGHT = 120
PADDING = 24


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    display: str
    y: int
    width: float


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_height: int


def bar_chart(rows: list[tuple[str, float, str]]) -> BarChart:
    """Horizontal bars, one per ``(label, value, displayed value)``, scaled to the largest."""
    top = max((value for _l, value, _d in rows), default=0) or 1
    room = WIDTH - LABEL_WIDTH - 40
    bars = [
        Bar(label, value, display, i * (BAR_HEIGHT + BAR_GAP), round(room * value / top, 1))
        for i, (label, value, display) in enumerate(rows)
    ]
    height = max(1, len(rows) * (BAR_HEIGHT + BAR_GAP))
    return BarChart(bars, WIDTH, height, LABEL_WIDTH, BAR_HEIGHT)


@dataclass(frozen=True)
class Series:
    name: str
    points: str
    css: str
    values: list[int]


@dataclass(frozen=True)
class LineChart:
    labels: list[str]
    series: list[Series]
    width: int
    height: int
    top: int
    #: (x, label) of the first, middle and last month, for the axis.
    ticks: list[tuple[float, str]]
    baseline: int


def line_chart(labels: list[str], series: list[tuple[str, list[int], str]]) -> LineChart:
    """One polyline per ``(name, values, css class)`` over the month ``labels``."""
    top = max((v for _n, values, _c in series for v in values), default=0) or 1
    inner = WIDTH - 2 * PADDING
    step = inner / max(1, len(labels) - 1)
    baseline = LINE_HEIGHT - PADDING

    def xy(i: int, value: int) -> str:
        x = PADDING + i * step
        y = baseline - (LINE_HEIGHT - 2 * PADDING) * value / top
        return f"{x:.1f},{y:.1f}"

    drawn = [
        Series(name, " ".join(xy(i, v) for i, v in enumerate(values)), css, values)
        for name, values, css in series
    ]
    marks = sorted({0, (len(labels) - 1) // 2, len(labels) - 1}) if labels else []
    ticks = [(PADDING + i * step, labels[i]) for i in marks]
    return LineChart(labels, drawn, WIDTH, LINE_HEIGHT, top, ticks, baseline)
