"""Small registries and gazetteers built in the tests, on a test district of three streets.

With the default travel model a transit trip of d km (straight line) takes 8 + 4.33 d minutes,
so centres within about 5 km are inside the half hour.
"""

from __future__ import annotations

import math
from typing import Any

from bot.routing import Centre, GeoPoint, Registry, parse_gazetteer
from bot.routing.geo import KM_PER_DEGREE_LAT

DISTRICT = "测试区"
STREET_A = GeoPoint(lat=30.60, lon=114.00)
STREET_B = GeoPoint(lat=30.60, lon=114.10)
STREET_C = GeoPoint(lat=30.70, lon=114.00)


def offset(point: GeoPoint, north_km: float = 0.0, east_km: float = 0.0) -> GeoPoint:
    return GeoPoint(
        lat=point.lat + north_km / KM_PER_DEGREE_LAT,
        lon=point.lon + east_km / (KM_PER_DEGREE_LAT * math.cos(math.radians(point.lat))),
    )


def gazetteer():
    return parse_gazetteer({
        "datum": "wgs84",
        "districts": [{
            "name": DISTRICT, "name_en": "Test District", "aliases": ["测试"],
            "streets": [
                {"name": "甲街道", "name_en": "Jia Street", "lat": STREET_A.lat, "lon": STREET_A.lon,
                 "communities": [{"name": "甲一社区", "lat": STREET_A.lat + 0.01, "lon": STREET_A.lon}]},
                {"name": "乙街道", "name_en": "Yi Street", "lat": STREET_B.lat, "lon": STREET_B.lon},
                {"name": "丙街道", "name_en": "Bing Street", "lat": STREET_C.lat, "lon": STREET_C.lon},
            ],
        }],
    })


def centre_row(centre_id: str, at: GeoPoint | None, *, kind: str = "street", streets: tuple[str, ...] = (),
               operating: bool = True, mediators: int = 2, specialises_in: tuple[str, ...] = (),
               datum: str = "wgs84", **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": centre_id,
        "name": {"zh": f"{centre_id}调解中心", "en": f"{centre_id} Mediation Centre"},
        "kind": kind,
        "district": DISTRICT,
        "streets": list(streets),
        "hours": {"zh": "工作日", "en": "working days"},
        "operating": operating,
        "mediators": mediators,
        "specialises_in": list(specialises_in),
        **extra,
    }
    if at is not None:
        row["coordinates"] = {"lat": at.lat, "lon": at.lon, "datum": datum}
        row["address"] = {"zh": f"{centre_id}地址", "en": f"{centre_id} address"}
    return row


def registry(*rows: dict[str, Any]) -> Registry:
    return Registry([Centre.model_validate(row) for row in rows])
