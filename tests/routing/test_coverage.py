"""Area coverage: a district with a far corner not reached in half an hour, and its map."""

import math

import pytest

from bot.routing import TravelMode, load_gazetteer, load_registry, measure_coverage, parse_gazetteer
from bot.routing.coverage import AreaBasis, map_coverage
from bot.routing.outline import parse_outlines
from bot.settings import GAZETTEER_FILE, SAMPLE_CENTRES_FILE

from .builders import DISTRICT, STREET_A, STREET_B, STREET_C, centre_row, gazetteer, registry

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_a_district_partly_out_of_reach_is_partly_covered_and_drawn():
    # One centre at street A; streets B (about 9.6 km east) and C (11 km north) are out of reach.
    centres = registry(centre_row("jia", STREET_A), centre_row("closed", STREET_B, operating=False))
    report = measure_coverage(centres, gazetteer(), "测试区", step_m=1000)

    assert 0 < report.share < 1
    assert report.cells_covered + len(report.uncovered) == report.cells_total
    assert report.share == pytest.approx(report.cells_covered / report.cells_total)
    assert any(cell.distance_km(STREET_C) < 1 for cell in report.uncovered)
    assert all(cell.distance_km(STREET_A) > 5 for cell in report.uncovered)
    assert report.png.startswith(PNG_SIGNATURE)
    assert "png" not in report.model_dump()


def test_walking_covers_less_than_transit():
    centres = registry(centre_row("jia", STREET_A), centre_row("yi", STREET_B), centre_row("bing", STREET_C))
    by_transit = measure_coverage(centres, gazetteer(), step_m=1000)
    on_foot = measure_coverage(centres, gazetteer(), step_m=1000, mode=TravelMode.WALK)
    assert on_foot.share < by_transit.share


# --- issue 11: the map in the viewer's language, over the district's own outline --------------------

SAMPLE_REGISTRY = load_registry(SAMPLE_CENTRES_FILE)
SAMPLE_GAZETTEER = load_gazetteer(GAZETTEER_FILE)


def _overlapping(boxes) -> list:
    return [(a, b) for index, a in enumerate(boxes) for b in boxes[index + 1:] if a.overlap(b) > 0]


@pytest.mark.parametrize("district", ["东西湖区", "武昌区"])
@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_labels_and_ticks_do_not_collide(district, locale):
    drawn = map_coverage(SAMPLE_REGISTRY, SAMPLE_GAZETTEER, district, locale=locale, step_m=1000)
    assert drawn.labels
    assert _overlapping([label.box for label in drawn.labels]) == []
    assert _overlapping(list(drawn.axis_labels)) == []


def test_a_chinese_map_is_chinese_with_short_names():
    drawn = map_coverage(SAMPLE_REGISTRY, SAMPLE_GAZETTEER, "东西湖", locale="zh_CN", step_m=1000)
    assert drawn.language == "zh_CN"
    assert drawn.title.startswith("东西湖区：") and "公交30分钟内" in drawn.title and "近似边界" in drawn.title
    assert "吴家山" in [label.text for label in drawn.labels]
    assert all(len(label.text) <= 10 and not label.text.startswith("dxh-") for label in drawn.labels)
    assert drawn.legend == ("可接案的调解中心", "距调解中心30分钟内", "暂不接案的调解中心", "未覆盖", "区界（近似）")


def test_an_english_map_is_english():
    drawn = map_coverage(SAMPLE_REGISTRY, SAMPLE_GAZETTEER, "Wuchang", locale="en", step_m=1000)
    assert drawn.title.startswith("Wuchang District: ") and "by transit" in drawn.title
    assert {label.text for label in drawn.labels} == {"Zhongnanlu", "Xujiapeng", "Jiyuqiao"}
    assert "centre not taking cases" not in drawn.legend, "no such centre is drawn in Wuchang"
    assert "not covered" in drawn.legend and "district boundary (approximate)" in drawn.legend


def test_the_centre_not_taking_cases_has_a_legend_entry():
    drawn = map_coverage(SAMPLE_REGISTRY, SAMPLE_GAZETTEER, "东西湖", locale="en", step_m=1000)
    assert "centre not taking cases" in drawn.legend
    assert "Linkong Park (planned)" in [label.text for label in drawn.labels]


def test_coverage_counts_only_cells_inside_the_outline():
    wuchang = SAMPLE_GAZETTEER.district("武昌区")
    report = map_coverage(SAMPLE_REGISTRY, SAMPLE_GAZETTEER, "武昌区", step_m=500).report
    assert report.area_basis is AreaBasis.OUTLINE and report.outline_sample
    assert all(wuchang.outline.contains(cell) for cell in report.uncovered)
    box = wuchang.extent
    box_cells = round((box.north - box.south) / (0.5 / 111.195)) * round(
        (box.east - box.west) / (0.5 / 111.195 / math.cos(math.radians(box.mid_lat))))
    assert report.cells_total < 0.7 * box_cells, "the river and the neighbours beside Wuchang are left out"


def test_without_an_outline_the_box_is_measured_and_said_to_be():
    report = measure_coverage(registry(centre_row("jia", STREET_A)), gazetteer(), DISTRICT, step_m=1000)
    assert report.area_basis is AreaBasis.EXTENT and not report.outline_sample


def test_an_outline_changes_what_is_counted():
    # The test district's outline: a narrow band around street A only; C (far north) is outside it.
    band = [[113.98, 30.58], [114.02, 30.58], [114.02, 30.62], [113.98, 30.62], [113.98, 30.58]]
    outlines = parse_outlines({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": DISTRICT}, "geometry": {"type": "Polygon", "coordinates": [band]}}]})
    data = {"datum": "wgs84", "districts": [{"name": DISTRICT, "name_en": "Test District", "streets": [
        {"name": "甲街道", "name_en": "Jia Street", "lat": STREET_A.lat, "lon": STREET_A.lon},
        {"name": "丙街道", "name_en": "Bing Street", "lat": STREET_C.lat, "lon": STREET_C.lon}]}]}
    outlined = parse_gazetteer(data, outlines=outlines)
    report = measure_coverage(registry(centre_row("jia", STREET_A)), outlined, DISTRICT, step_m=500)
    assert report.share == 1.0 and report.area_basis is AreaBasis.OUTLINE
    assert report.cells_total < measure_coverage(registry(centre_row("jia", STREET_A)), parse_gazetteer(data),
                                                 DISTRICT, step_m=500).cells_total
