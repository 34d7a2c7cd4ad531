"""Area coverage: a district with a far corner not reached in half an hour."""

import pytest

from bot.routing import TravelMode, measure_coverage

from .builders import STREET_A, STREET_B, STREET_C, centre_row, gazetteer, registry

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
