"""Points, datums and distances on the sphere.

Telegram sends WGS-84; Chinese map services (Amap, Tencent, Google in China) give GCJ-02, a
deliberately distorted datum that is 100-700 m off. Everything inside the routing package works
in WGS-84: convert at the edge with `GeoPoint.from_datum`.
"""

from __future__ import annotations

import math
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
KM_PER_DEGREE_LAT = EARTH_RADIUS_KM * math.pi / 180

# GCJ-02 constants (Krasovsky 1940 ellipsoid), as in every public implementation.
_GCJ_SEMI_MAJOR_M = 6378245.0
_GCJ_ECCENTRICITY_SQ = 0.00669342162296594323
# The inverse converges in 2-4 steps; 1e-10 degrees is about 0.01 mm.
_INVERSE_TOLERANCE_DEG = 1e-10
_INVERSE_MAX_STEPS = 30


class Datum(StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"


class GeoPoint(BaseModel):
    """A WGS-84 point."""

    model_config = ConfigDict(frozen=True)

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)

    @classmethod
    def from_datum(cls, lat: float, lon: float, datum: Datum) -> GeoPoint:
        if datum is Datum.GCJ02:
            lat, lon = gcj02_to_wgs84(lat, lon)
        return cls(lat=lat, lon=lon)

    def distance_km(self, other: GeoPoint) -> float:
        return great_circle_km(self.lat, self.lon, other.lat, other.lon)


class BoundingBox(BaseModel):
    model_config = ConfigDict(frozen=True)

    south: float
    west: float
    north: float
    east: float

    @classmethod
    def around(cls, points: list[GeoPoint], pad_km: float = 0.0) -> BoundingBox:
        if not points:
            raise ValueError("a bounding box needs at least one point")
        mid_lat = sum(p.lat for p in points) / len(points)
        pad_lat = pad_km / KM_PER_DEGREE_LAT
        pad_lon = pad_km / (KM_PER_DEGREE_LAT * math.cos(math.radians(mid_lat)))
        return cls(
            south=min(p.lat for p in points) - pad_lat,
            west=min(p.lon for p in points) - pad_lon,
            north=max(p.lat for p in points) + pad_lat,
            east=max(p.lon for p in points) + pad_lon,
        )

    @property
    def mid_lat(self) -> float:
        return (self.south + self.north) / 2

    def contains(self, point: GeoPoint) -> bool:
        return self.south <= point.lat <= self.north and self.west <= point.lon <= self.east


def haversine_term(lat1_rad: float, lon1_rad: float, cos_lat1: float,
                   lat2_rad: float, lon2_rad: float, cos_lat2: float) -> float:
    """The haversine of the central angle; takes precomputed radians and cosines so the index
    can reuse them and get bit-identical distances to `great_circle_km`."""
    half_dlat = math.sin((lat2_rad - lat1_rad) / 2)
    half_dlon = math.sin((lon2_rad - lon1_rad) / 2)
    return half_dlat * half_dlat + cos_lat1 * cos_lat2 * half_dlon * half_dlon


def haversine_to_km(term: float) -> float:
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, term)))


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    lat1_rad, lat2_rad = math.radians(lat1), math.radians(lat2)
    return haversine_to_km(haversine_term(
        lat1_rad, math.radians(lon1), math.cos(lat1_rad),
        lat2_rad, math.radians(lon2), math.cos(lat2_rad),
    ))


def out_of_china(lat: float, lon: float) -> bool:
    """The rough rectangle inside which GCJ-02 is applied; outside it both datums coincide."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _gcj_offset(lat: float, lon: float) -> tuple[float, float]:
    x, y = lon - 105.0, lat - 35.0
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x)) + common
    d_lat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x)) + common
    d_lon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0

    rad_lat = math.radians(lat)
    magic = 1 - _GCJ_ECCENTRICITY_SQ * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = d_lat * 180.0 / ((_GCJ_SEMI_MAJOR_M * (1 - _GCJ_ECCENTRICITY_SQ)) / (magic * sqrt_magic) * math.pi)
    d_lon = d_lon * 180.0 / (_GCJ_SEMI_MAJOR_M / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lat, d_lon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    if out_of_china(lat, lon):
        return lat, lon
    d_lat, d_lon = _gcj_offset(lat, lon)
    return lat + d_lat, lon + d_lon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """Inverse by fixed-point iteration: the offset changes slowly, so each step
    corrects the guess by the error of its forward image (centimetre-exact, unlike the common
    one-step `2*gcj - wgs2gcj(gcj)` which is off by 1-2 m)."""
    if out_of_china(lat, lon):
        return lat, lon
    wgs_lat, wgs_lon = lat, lon
    for _ in range(_INVERSE_MAX_STEPS):
        fwd_lat, fwd_lon = wgs84_to_gcj02(wgs_lat, wgs_lon)
        err_lat, err_lon = fwd_lat - lat, fwd_lon - lon
        wgs_lat, wgs_lon = wgs_lat - err_lat, wgs_lon - err_lon
        if abs(err_lat) < _INVERSE_TOLERANCE_DEG and abs(err_lon) < _INVERSE_TOLERANCE_DEG:
            break
    return wgs_lat, wgs_lon
