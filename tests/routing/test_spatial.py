"""The grid index answers exactly as a full scan does (never timed here: see bench/spatial_query.py)."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.routing.geo import great_circle_km
from bot.routing.spatial import SpatialIndex


def brute_force(points, lat, lon, radius_km):
    hits = ((point_id, great_circle_km(lat, lon, p_lat, p_lon)) for point_id, p_lat, p_lon in points)
    return sorted((point_id, distance) for point_id, distance in hits if distance <= radius_km)


latitudes = st.floats(min_value=-90, max_value=90, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    points=st.lists(st.tuples(latitudes, longitudes), max_size=60),
    query=st.tuples(latitudes, longitudes),
    radius_km=st.floats(min_value=0, max_value=3000, allow_nan=False),
    cell_deg=st.sampled_from([0.05, 0.5, 7.0]),
)
def test_the_index_equals_a_full_scan_anywhere_on_earth(points, query, radius_km, cell_deg):
    # Anywhere, so that circles across the poles and the 180th meridian are included.
    named = [(f"c{i}", lat, lon) for i, (lat, lon) in enumerate(points)]
    index = SpatialIndex(named, cell_deg=cell_deg)
    assert sorted(index.within(*query, radius_km)) == brute_force(named, *query, radius_km)


@settings(max_examples=100, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    radius_km=st.floats(min_value=0.1, max_value=30, allow_nan=False),
)
def test_the_index_equals_a_full_scan_in_a_dense_city(seed, radius_km):
    rng = random.Random(seed)
    named = [(f"c{i}", rng.gauss(30.6, 0.08), rng.gauss(114.2, 0.1)) for i in range(300)]
    index = SpatialIndex(named)
    for _ in range(20):
        lat, lon = rng.gauss(30.6, 0.1), rng.gauss(114.2, 0.12)
        assert sorted(index.within(lat, lon, radius_km)) == brute_force(named, lat, lon, radius_km)


def test_points_on_both_sides_of_the_180th_meridian_are_found():
    index = SpatialIndex([("east", 0.0, 179.99), ("west", 0.0, -179.99)])
    assert sorted(point_id for point_id, _ in index.within(0.0, 180.0, 5.0)) == ["east", "west"]
