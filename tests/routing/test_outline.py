"""District outlines from GeoJSON: which points are inside, and the sample outlines' fit."""

import json

import pytest

from bot.routing import GeoPoint, load_gazetteer, load_registry
from bot.routing.geo import wgs84_to_gcj02
from bot.routing.outline import OutlineError, load_outlines, parse_outlines
from bot.settings import GAZETTEER_FILE, SAMPLE_CENTRES_FILE

SQUARE = [[114.0, 30.0], [114.2, 30.0], [114.2, 30.2], [114.0, 30.2], [114.0, 30.0]]
HOLE = [[114.05, 30.05], [114.15, 30.05], [114.15, 30.15], [114.05, 30.15], [114.05, 30.05]]
ISLAND = [[114.5, 30.5], [114.6, 30.5], [114.6, 30.6], [114.5, 30.5]]


def collection(geometry, **top):
    return {"type": "FeatureCollection", **top,
            "features": [{"type": "Feature", "properties": {"name": "测试区", "name_en": "Test District"},
                          "geometry": geometry}]}


def test_a_polygon_with_a_hole_and_a_second_part() -> None:
    outlines = parse_outlines(collection({"type": "MultiPolygon", "coordinates": [[SQUARE, HOLE], [ISLAND]]}))
    outline = outlines["测试区"]
    assert outlines["Test District"] is outline
    assert outline.contains(GeoPoint(lat=30.02, lon=114.02))
    assert not outline.contains(GeoPoint(lat=30.10, lon=114.10)), "in the hole"
    assert outline.contains(GeoPoint(lat=30.52, lon=114.58)), "in the second part"
    assert not outline.contains(GeoPoint(lat=30.3, lon=114.3))
    assert (outline.extent.south, outline.extent.east) == (30.0, 114.6)


def test_a_gcj02_file_is_converted_to_wgs84() -> None:
    inside = GeoPoint(lat=30.199, lon=114.199)  # WGS-84, near the corner the offset moves
    shifted = [[lon, lat] for lat, lon in (wgs84_to_gcj02(lat, lon) for lon, lat in SQUARE)]
    outline = parse_outlines(collection({"type": "Polygon", "coordinates": [shifted]}, datum="gcj02"))["测试区"]
    assert outline.contains(inside)
    assert outline.rings[0][0] == pytest.approx((114.0, 30.0), abs=1e-6)


@pytest.mark.parametrize(("change", "message"), [
    ({"geometry": {"type": "Point", "coordinates": [114.0, 30.0]}}, "a Polygon or MultiPolygon"),
    ({"properties": {}}, "a 'name' property"),
    ({"geometry": {"type": "Polygon", "coordinates": [[[114.0, 30.0], [114.1, 30.0], [114.0, 30.0]]]}},
     "at least four positions"),
    ({"geometry": {"type": "Polygon", "coordinates": [[[114.0, 95.0], [114.1, 30.0], [114.1, 30.1], [114.0, 95.0]]]}},
     "on the globe"),
])
def test_a_bad_outline_says_where(change, message) -> None:
    data = collection({"type": "Polygon", "coordinates": [SQUARE]})
    data["features"][0] |= change
    with pytest.raises(OutlineError, match=message):
        parse_outlines(data, source="mine.geojson")


def test_an_unreadable_file_is_an_outline_error(tmp_path) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(OutlineError, match=r"bad\.geojson: not valid GeoJSON"):
        load_outlines(path)


def test_the_sample_outlines_hold_their_districts_places_and_centres() -> None:
    gazetteer = load_gazetteer(GAZETTEER_FILE)
    registry = load_registry(SAMPLE_CENTRES_FILE)
    for district in gazetteer.districts:
        assert district.outline is not None and district.outline.sample, district.name
        for place in gazetteer.places:
            assert district.outline.contains(place.point) == (place.district == district.name), place.name
        for centre in registry.centres:
            if centre.location is not None and centre.district == district.name:
                assert district.outline.contains(centre.location), centre.id


def test_the_yangtze_is_not_part_of_wuchang() -> None:
    wuchang = load_gazetteer(GAZETTEER_FILE).district("武昌区")
    assert not wuchang.outline.contains(GeoPoint(lat=30.553, lon=114.280)), "mid-river by the Yangtze bridge"
    assert wuchang.outline.contains(GeoPoint(lat=30.545, lon=114.31)), "Wuchang's bank"


def test_the_outlines_file_is_geojson_marked_sample() -> None:
    path = GAZETTEER_FILE.parent.parent / "districts" / "wuhan_sample.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and data["sample"] is True and "SAMPLE" in data["note"]
