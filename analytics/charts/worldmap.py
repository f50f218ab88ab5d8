"""The world's country outlines, read from a file in the repository and drawn on a plain plot.

Why not Plotly's geo subplot: the plotly.js bundled with Streamlit fetches its world outline
from cdn.plot.ly whenever a trace has a `locationmode`, and a choropleth given its own GeoJSON
still gets one ("geojson-id"), so even `go.Choropleth(geojson=...)` asks another host. Here the
outlines (data/geo/world_110m.json, Natural Earth via plotly.js, see the README beside it) are
decoded from TopoJSON in Python, projected with the Equal Earth projection, and drawn as filled
shapes on ordinary axes: the figure holds every coordinate, so nothing is fetched when it is drawn,
in the app or in the self-contained HTML report.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

WORLD_PATH = Path(__file__).resolve().parents[2] / "data" / "geo" / "world_110m.json"
COUNTRIES_OBJECT = "countries"
# Antarctica: nobody's profile says it, and it would take a fifth of the map's height.
LEFT_OFF = frozenset({"ATA"})

# Equal Earth (Šavrič, Patterson, Jenny 2018): areas true, shapes close to the familiar ones.
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2


def decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Every arc as absolute (longitude, latitude) points: a quantized topology stores each arc as
    a first position and deltas, in integer steps of its `transform` (scale, translate)."""
    transform = topology.get("transform")
    arcs: list[list[tuple[float, float]]] = []
    for arc in topology["arcs"]:
        points = np.asarray(arc, dtype="float64")[:, :2]
        if transform is not None:
            points = np.cumsum(points, axis=0) * np.asarray(transform["scale"]) + np.asarray(transform["translate"])
        arcs.append([(x, y) for x, y in points.tolist()])
    return arcs


def _ring(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    """A closed ring from arc indexes; a negative index ~i is arc i walked backwards. Consecutive
    arcs share their meeting point, kept once."""
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def to_geojson(topology: dict[str, Any], name: str) -> dict[str, Any]:
    """The object `name` of a TopoJSON topology as a GeoJSON FeatureCollection (Polygon and
    MultiPolygon geometries, each feature with the geometry's `id` and `properties`)."""
    if topology.get("type") != "Topology" or name not in topology.get("objects", {}):
        raise ValueError(f"not a TopoJSON topology with an object named {name!r}")
    arcs = decode_arcs(topology)
    features = []
    for geometry in topology["objects"][name]["geometries"]:
        kind = geometry["type"]
        if kind == "Polygon":
            coordinates: Any = [_ring(ring, arcs) for ring in geometry["arcs"]]
        elif kind == "MultiPolygon":
            coordinates = [[_ring(ring, arcs) for ring in polygon] for polygon in geometry["arcs"]]
        else:  # points and lines draw no country
            continue
        features.append({
            "type": "Feature", "id": geometry.get("id"), "properties": geometry.get("properties") or {},
            "geometry": {"type": kind, "coordinates": coordinates},
        })
    return {"type": "FeatureCollection", "features": features}


def equal_earth(longitude: Any, latitude: Any) -> tuple[np.ndarray, np.ndarray]:
    """Equal Earth x, y (in units of the Earth's radius) of degrees of longitude and latitude."""
    lam = np.radians(np.asarray(longitude, dtype="float64"))
    theta = np.arcsin(_M * np.sin(np.radians(np.asarray(latitude, dtype="float64"))))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = 2 * math.sqrt(3) * lam * np.cos(theta) / (3 * (9 * _A4 * t6 * t2 + 7 * _A3 * t6 + 3 * _A2 * t2 + _A1))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


@dataclass(frozen=True)
class CountryShape:
    """One country projected: its outline rings as x and y with None between rings (Plotly draws
    each run between gaps as its own filled shape) and where its label point falls."""

    iso3: str | None
    x: list[float | None]
    y: list[float | None]
    label_x: float
    label_y: float


def _split_at_antimeridian(ring: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """A ring cut where it jumps across the 180th meridian (Fiji, Chukotka): drawn whole, the jump
    would be a line across the whole map. Each piece is then filled on its own."""
    pieces: list[list[tuple[float, float]]] = [[ring[0]]] if ring else []
    for before, point in zip(ring, ring[1:], strict=False):
        if abs(point[0] - before[0]) > 180:
            pieces.append([])
        pieces[-1].append(point)
    return [piece for piece in pieces if len(piece) >= 2]


def _shape(feature: dict[str, Any]) -> CountryShape:
    geometry = feature["geometry"]
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    xs: list[float | None] = []
    ys: list[float | None] = []
    for polygon in polygons:
        for ring in polygon:  # holes (lakes) are drawn over by the land around them: fine at this scale
            for piece in _split_at_antimeridian(ring):
                x, y = equal_earth([p[0] for p in piece], [p[1] for p in piece])
                if xs:
                    xs.append(None)
                    ys.append(None)
                xs.extend(round(v, 5) for v in x.tolist())
                ys.extend(round(v, 5) for v in y.tolist())
    centre = feature["properties"].get("ct")
    if centre is not None:
        cx, cy = equal_earth([centre[0]], [centre[1]])
        label_x, label_y = float(cx[0]), float(cy[0])
    else:
        known_x = [v for v in xs if v is not None]
        known_y = [v for v in ys if v is not None]
        label_x, label_y = sum(known_x) / len(known_x), sum(known_y) / len(known_y)
    return CountryShape(feature.get("id"), xs, ys, label_x, label_y)


@functools.lru_cache(maxsize=1)
def world_shapes() -> tuple[CountryShape, ...]:
    """Every country of the world map (Antarctica left off), projected; read once per process."""
    topology = json.loads(WORLD_PATH.read_text(encoding="utf-8"))
    features = to_geojson(topology, COUNTRIES_OBJECT)["features"]
    return tuple(_shape(f) for f in features if f.get("id") not in LEFT_OFF)
