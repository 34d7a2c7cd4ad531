"""GCJ-02 <-> WGS-84 against published reference values.

Forward vectors: the eviltransform project's test cases (googollee/eviltransform, python/test.py:
Shanghai, Shenzhen, Beijing) and the coordtransform README example (wandergis/coordtransform,
wgs84togcj02(116.404, 39.915)). Tolerance: forward to 1e-9 degrees (about 0.1 mm; the published
values are reproduced to the last bits). Inverse: the WGS-84 point of each vector is recovered
within 0.5 m (the iterative inverse is in fact far better).
"""

import pytest

from bot.routing import GeoPoint, gcj02_to_wgs84, great_circle_km, wgs84_to_gcj02
from bot.routing.geo import Datum

# (wgs_lat, wgs_lon, gcj_lat, gcj_lon)
PUBLISHED = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai, eviltransform
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen, eviltransform
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing, eviltransform
    (39.915, 116.404, 39.91640428150164, 116.41024449916938),  # Beijing, coordtransform README
]
FORWARD_TOLERANCE_DEG = 1e-9
INVERSE_TOLERANCE_M = 0.5


@pytest.mark.parametrize(("wgs_lat", "wgs_lon", "gcj_lat", "gcj_lon"), PUBLISHED)
def test_forward_matches_published_values(wgs_lat, wgs_lon, gcj_lat, gcj_lon):
    lat, lon = wgs84_to_gcj02(wgs_lat, wgs_lon)
    assert lat == pytest.approx(gcj_lat, abs=FORWARD_TOLERANCE_DEG)
    assert lon == pytest.approx(gcj_lon, abs=FORWARD_TOLERANCE_DEG)


@pytest.mark.parametrize(("wgs_lat", "wgs_lon", "gcj_lat", "gcj_lon"), PUBLISHED)
def test_inverse_recovers_the_wgs84_point(wgs_lat, wgs_lon, gcj_lat, gcj_lon):
    lat, lon = gcj02_to_wgs84(gcj_lat, gcj_lon)
    assert great_circle_km(lat, lon, wgs_lat, wgs_lon) * 1000 < INVERSE_TOLERANCE_M


def test_the_shift_in_wuhan_is_a_few_hundred_metres_and_round_trips():
    wgs = GeoPoint(lat=30.6330, lon=114.1340)
    gcj_lat, gcj_lon = wgs84_to_gcj02(wgs.lat, wgs.lon)
    assert 100 < great_circle_km(wgs.lat, wgs.lon, gcj_lat, gcj_lon) * 1000 < 800
    back = GeoPoint.from_datum(gcj_lat, gcj_lon, Datum.GCJ02)
    assert back.distance_km(wgs) * 1000 < INVERSE_TOLERANCE_M


@pytest.mark.parametrize(("lat", "lon"), [(51.5074, -0.1278), (35.6762, 139.6503), (-33.8688, 151.2093)])
def test_points_outside_china_are_not_shifted(lat, lon):
    assert wgs84_to_gcj02(lat, lon) == (lat, lon)
    assert gcj02_to_wgs84(lat, lon) == (lat, lon)


def test_great_circle_distance_of_one_degree_of_latitude():
    assert great_circle_km(30.0, 114.0, 31.0, 114.0) == pytest.approx(111.195, abs=0.001)
