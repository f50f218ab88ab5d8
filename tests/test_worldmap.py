"""The offline world map: the TopoJSON decoder, the Equal Earth projection, the outlines kept in
data/geo, and the Audience page's countries map (a figure that carries its shapes and asks no host)."""

from __future__ import annotations

import hashlib
import json
import re

import pandas as pd
import plotly.graph_objects as go
import pytest

from analytics.charts.audience import countries_map_figure, countries_off_the_map, map_classes
from analytics.charts.worldmap import (
    WORLD_PATH,
    _split_at_antimeridian,
    decode_arcs,
    equal_earth,
    to_geojson,
    world_shapes,
)
from analytics.i18n import use_language
from analytics.metrics.audience import LocationMix
from analytics.metrics.geo import alpha3_codes

# Two squares sharing an edge, quantized: arc 0 is the shared edge, walked backwards by the second.
QUANTIZED = {
    "type": "Topology",
    "transform": {"scale": [0.5, 0.25], "translate": [10, -20]},
    "arcs": [
        [[2, 0], [0, 4]],  # (11, -20) -> (11, -19)
        [[2, 4], [-2, 0], [0, -4], [2, 0]],  # (11, -19) -> (10, -19) -> (10, -20) -> (11, -20)
        [[2, 0], [2, 0], [0, 4], [-2, 0]],  # (11, -20) -> (12, -20) -> (12, -19) -> (11, -19)
    ],
    "objects": {
        "shapes": {
            "type": "GeometryCollection",
            "geometries": [
                {"type": "Polygon", "id": "AAA", "properties": {"ct": [10.5, -19.5]}, "arcs": [[0, 1]]},
                {"type": "MultiPolygon", "id": "BBB", "arcs": [[[2, ~0]]]},
                {"type": "Point", "coordinates": [0, 0]},
            ],
        }
    },
}


def test_quantized_arcs_are_deltas_scaled_and_translated() -> None:
    arcs = decode_arcs(QUANTIZED)
    assert arcs[0] == [(11.0, -20.0), (11.0, -19.0)]
    assert arcs[1] == [(11.0, -19.0), (10.0, -19.0), (10.0, -20.0), (11.0, -20.0)]


def test_rings_join_arcs_and_walk_negative_indexes_backwards() -> None:
    collection = to_geojson(QUANTIZED, "shapes")
    assert collection["type"] == "FeatureCollection"
    first, second = collection["features"]  # the point draws no country
    assert first["id"] == "AAA" and first["properties"] == {"ct": [10.5, -19.5]}
    assert first["geometry"] == {
        "type": "Polygon",
        "coordinates": [[(11.0, -20.0), (11.0, -19.0), (10.0, -19.0), (10.0, -20.0), (11.0, -20.0)]],
    }
    # ~0 is arc 0 reversed: the ring closes where it started.
    assert second["geometry"] == {
        "type": "MultiPolygon",
        "coordinates": [[[(11.0, -20.0), (12.0, -20.0), (12.0, -19.0), (11.0, -19.0), (11.0, -20.0)]]],
    }
    assert second["properties"] == {}


def test_an_unquantized_topology_keeps_its_positions() -> None:
    plain = {"type": "Topology", "arcs": [[[1.5, 2.5], [3.0, 4.0], [1.5, 2.5]]],
             "objects": {"o": {"type": "GeometryCollection", "geometries": [{"type": "Polygon", "arcs": [[0]]}]}}}
    assert to_geojson(plain, "o")["features"][0]["geometry"]["coordinates"] == [[(1.5, 2.5), (3.0, 4.0), (1.5, 2.5)]]


@pytest.mark.parametrize("topology", [{"type": "FeatureCollection"}, {"type": "Topology", "objects": {}, "arcs": []}])
def test_anything_else_is_refused(topology: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="TopoJSON"):
        to_geojson(topology, "countries")


def test_equal_earth_matches_its_published_extent() -> None:
    # Šavrič et al. 2018: the map spans x = ±2.7066 and y = ±1.3174 Earth radii.
    x, y = equal_earth([0, 180, -180, 0, 0], [0, 0, 0, 90, -90])
    assert x.tolist()[:3] == pytest.approx([0.0, 2.70663, -2.70663], abs=1e-5)
    assert y.tolist() == pytest.approx([0.0, 0.0, 0.0, 1.31736, -1.31736], abs=1e-5)
    # Equal area: a band near the pole is squeezed north-south, not stretched as on Mercator.
    _, (y60, y70, y80) = equal_earth([0, 0, 0], [60, 70, 80])
    assert y80 - y70 < y70 - y60


def test_a_ring_crossing_the_antimeridian_is_cut_there() -> None:
    ring = [(178.0, -17.0), (179.9, -16.5), (-179.9, -16.4), (-179.5, -16.8), (179.9, -16.9), (178.0, -17.0)]
    pieces = _split_at_antimeridian(ring)
    assert pieces == [[(178.0, -17.0), (179.9, -16.5)], [(-179.9, -16.4), (-179.5, -16.8)],
                      [(179.9, -16.9), (178.0, -17.0)]]


def test_the_kept_outlines_are_the_documented_file() -> None:
    readme = (WORLD_PATH.parent / "README.md").read_text(encoding="utf-8")
    documented = re.search(r"SHA-256: `([0-9a-f]{64})`", readme)
    assert documented is not None
    assert hashlib.sha256(WORLD_PATH.read_bytes()).hexdigest() == documented.group(1)
    assert "Natural Earth" in readme and "MIT" in readme
    topology = json.loads(WORLD_PATH.read_text(encoding="utf-8"))
    assert len(topology["objects"]["countries"]["geometries"]) == 177


def test_world_shapes_cover_the_countries_projected() -> None:
    shapes = {shape.iso3: shape for shape in world_shapes()}
    assert "ATA" not in shapes  # Antarctica left off
    assert {"FRA", "USA", "BRA", "JPN", "AUS", "FJI", "RUS"} <= set(shapes)
    france = shapes["FRA"]
    # Paris is near 2.3 E, 48.9 N: France's label point is just east of the meridian, north of the equator.
    assert 0 < france.label_x < 0.2 and 0.7 < france.label_y < 0.9
    for shape in shapes.values():
        # No segment runs across the map: the pieces crossing the 180th meridian were cut.
        runs = zip(shape.x, shape.x[1:], strict=False)
        assert all(abs(b - a) < 2.7 for a, b in runs if a is not None and b is not None), shape.iso3
        assert all(abs(v) <= 2.71 for v in shape.x if v is not None)


def test_alpha3_codes_key_gazetteer_countries_to_the_map() -> None:
    codes = alpha3_codes()
    assert codes["FR"] == "FRA" and codes["US"] == "USA" and codes["GB"] == "GBR"


def test_map_classes_are_round_numbers_at_most_five() -> None:
    assert map_classes(1, 1) == [1]
    assert map_classes(1, 7) == [1, 2, 5]
    assert map_classes(2, 300) == [2, 10, 20, 50, 200]
    assert map_classes(1, 2500) == [1, 5, 50, 500, 2000]
    # The classes start near the smallest count: ten countries of 110 to 550 followers get three shades, not two.
    assert map_classes(110, 550) == [100, 200, 500]
    assert map_classes(0, 0) == [1]


def _mix() -> LocationMix:
    table = pd.DataFrame({
        "country": ["US", "FR", "SG", "DE", "unknown"],
        "country_name": ["United States", "France", "Singapore", "Germany", "unknown"],
        "followers": [300, 120, 5, 2, 573],
        "share": [0.3, 0.12, 0.005, 0.002, 0.573],
    })
    return LocationMix(None, table, 1000, 427)


def test_the_countries_map_shades_each_country_by_its_class() -> None:
    with use_language("en"):
        figure = countries_map_figure(_mix())
    traces = list(figure.data)
    assert all(isinstance(trace, go.Scatter) for trace in traces)  # plain axes: no geo subplot to fetch for
    assert "geo" not in figure.to_plotly_json()["layout"]
    classes = {trace.name: trace for trace in traces if trace.name}
    assert list(classes) == ["2 to 9", "50 to 199", "200 or more"]  # classes without a country are not drawn
    # Germany (2) is in the lightest class, the United States (300) in the darkest.
    germany = next(shape for shape in world_shapes() if shape.iso3 == "DEU")
    assert classes["2 to 9"].x == tuple(germany.x)
    assert classes["200 or more"].fillcolor == "#08519c"
    hover = traces[-1]
    assert list(hover.text) == ["United States: 300 followers (30%)", "France: 120 followers (12%)",
                                "Germany: 2 followers (0.2%)"]
    # Each hover point sits on its country's label point.
    assert hover.x[1] == next(shape.label_x for shape in world_shapes() if shape.iso3 == "FRA")
    # The figure holds its shapes: nothing in it points to another host.
    assert "http" not in figure.to_json()


def test_countries_too_small_for_the_map_are_named() -> None:
    with use_language("en"):
        assert countries_off_the_map(_mix()) == ["Singapore (5)"]


def test_country_names_follow_the_language() -> None:
    with use_language("fr"):
        figure = countries_map_figure(_mix())
        # The sentence is translated once the catalog holds it; the country's name and number already are.
        assert figure.data[-1].text[0].startswith(("États-Unis : 300", "États-Unis: 300")), figure.data[-1].text
        assert "(30\xa0%)" in figure.data[-1].text[0]
        assert countries_off_the_map(_mix()) == ["Singapour (5)"]


def test_no_located_follower_draws_the_message() -> None:
    empty = LocationMix(None, pd.DataFrame({"country": ["unknown"], "country_name": ["unknown"], "followers": [4],
                                            "share": [1.0]}), 4, 0)
    with use_language("en"):
        figure = countries_map_figure(empty)
    assert not figure.data and "No location matched a country." in figure.layout.annotations[0].text
