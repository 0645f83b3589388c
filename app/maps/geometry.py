"""The department shapes (app/maps/data/bolivia.json, built by ``app.maps.build_geometry`` from
Natural Earth) and the projection that places a latitude/longitude on them. Read once per
process."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "bolivia.json"


@dataclass(frozen=True)
class Shape:
    code: str
    #: Spanish name from the source, for the tests and the build; pages use the database's.
    name: str
    #: SVG path data, in the map's own units (``Geometry.width`` by ``Geometry.height``).
    d: str
    #: Where the department's figure is written.
    label: tuple[int, int]


@dataclass(frozen=True)
class Geometry:
    width: int
    height: int
    west: float
    north: float
    kx: float
    ky: float
    pad: float
    shapes: dict[str, Shape]

    def project(self, latitude: float, longitude: float) -> tuple[float, float] | None:
        """The point in map units, or None when it falls outside the map (the filing form only
        takes points in Bolivia, but old or imported rows might not)."""
        x = (longitude - self.west) * self.kx + self.pad
        y = (self.north - latitude) * self.ky + self.pad
        if not (0 <= x <= self.width and 0 <= y <= self.height):
            return None
        return round(x, 1), round(y, 1)


@cache
def geometry() -> Geometry:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    proj = data["projection"]
    return Geometry(
        width=int(proj["width"]),
        height=int(proj["height"]),
        west=float(proj["west"]),
        north=float(proj["north"]),
        kx=float(proj["kx"]),
        ky=float(proj["ky"]),
        pad=float(proj["pad"]),
        shapes={
            code: Shape(code, item["name"], item["d"], (item["label"][0], item["label"][1]))
            for code, item in data["departments"].items()
        },
    )
