"""Spatial query benchmark: centres within half an hour of a point, among 50,000 centres.

The centres are spread like China's township-level divisions (synthesised: dense gaussian
clusters in the east, sparse in the west); queries come from the same distribution, as workers
live where the townships are. Prints the per-query time of the grid index and of a full scan in
the same run, their ratio, and whether the 50 microsecond target is met; exits 1 only if the two
disagree. Runs in about 15 s.

    python bench/spatial_query.py [--centres 50000] [--queries 20000] [--scans 200] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from bot.routing.geo import great_circle_km
from bot.routing.spatial import SpatialIndex
from bot.routing.travel import HALF_HOUR_MINUTES, TravelMode, TravelModel

TARGET_MICROSECONDS = 50.0
CHINA = (18.0, 54.0, 73.0, 135.0)  # south, north, west, east
# (weight, lat, lon, spread in degrees): the Yangtze delta, the North China plain, the Pearl
# River delta, central China, the Sichuan basin, the north-east, the south-west, and the west.
CLUSTERS = [
    (0.18, 31.5, 119.5, 1.6), (0.22, 36.0, 116.0, 2.4), (0.10, 23.3, 113.5, 1.5), (0.15, 29.5, 113.0, 2.0),
    (0.12, 30.3, 104.8, 1.6), (0.09, 44.5, 125.5, 2.8), (0.08, 25.5, 104.5, 2.2), (0.06, 37.0, 92.0, 7.0),
]


def synthesise(count: int, rng: random.Random) -> list[tuple[float, float]]:
    south, north, west, east = CHINA
    weights = [weight for weight, *_ in CLUSTERS]
    points = []
    while len(points) < count:
        _, lat, lon, spread = rng.choices(CLUSTERS, weights)[0]
        point = (rng.gauss(lat, spread), rng.gauss(lon, spread))
        if south <= point[0] <= north and west <= point[1] <= east:
            points.append(point)
    return points


def scan(centres: list[tuple[str, float, float]], lat: float, lon: float, radius_km: float) -> list[tuple[str, float]]:
    hits = ((centre_id, great_circle_km(lat, lon, c_lat, c_lon)) for centre_id, c_lat, c_lon in centres)
    return [(centre_id, distance) for centre_id, distance in hits if distance <= radius_km]


def per_query_microseconds(query, points: list[tuple[float, float]]) -> float:
    started = time.perf_counter()
    for lat, lon in points:
        query(lat, lon)
    return (time.perf_counter() - started) / len(points) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--centres", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=20_000)
    parser.add_argument("--scans", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    centres = [(f"c{i}", lat, lon) for i, (lat, lon) in enumerate(synthesise(args.centres, rng))]
    radius_km = TravelModel().reach_km(TravelMode.TRANSIT, HALF_HOUR_MINUTES)
    queries = synthesise(args.queries, rng)

    started = time.perf_counter()
    index = SpatialIndex(centres)
    build_seconds = time.perf_counter() - started

    scanned = queries[: args.scans]
    for lat, lon in scanned:  # the two must agree before their times mean anything
        if sorted(index.within(lat, lon, radius_km)) != sorted(scan(centres, lat, lon, radius_km)):
            print(f"MISMATCH at ({lat}, {lon})", file=sys.stderr)
            return 1
    found = sum(len(index.within(lat, lon, radius_km)) for lat, lon in queries) / len(queries)

    index_us = per_query_microseconds(lambda lat, lon: index.within(lat, lon, radius_km), queries)
    scan_us = per_query_microseconds(lambda lat, lon: scan(centres, lat, lon, radius_km), scanned)

    print(f"centres {len(centres):,}; radius {radius_km:.2f} km (30 min by transit); "
          f"index built in {build_seconds:.2f} s; {found:.1f} centres found per query on average")
    print(f"grid index : {index_us:10.1f} us/query  ({len(queries):,} queries)")
    print(f"full scan  : {scan_us:10.1f} us/query  ({len(scanned):,} queries, same answers)")
    print(f"speed-up   : {scan_us / index_us:10.0f} x")
    met = index_us < TARGET_MICROSECONDS
    # A miss is reported, not failed: timings on a shared machine are not a correctness check.
    print(f"target < {TARGET_MICROSECONDS:.0f} us/query on one core: {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
