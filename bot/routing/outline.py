"""District outlines from a GeoJSON file, and which points lie inside them.

The coverage map measures a district over its own boundary, not a rectangle around its streets (a
rectangle around Wuchang takes in the Yangtze). The file is a GeoJSON FeatureCollection (RFC 7946)
of Polygon or MultiPolygon features named by a `name` (or `name_en`) property matching the
gazetteer's districts. RFC 7946 coordinates are WGS-84; a file from a Chinese map service is
GCJ-02 and says so with a top-level `"datum": "gcj02"`. A `"sample": true` member marks a file of
approximate outlines. Point-in-polygon is the even-odd rule over every ring, which handles holes
and several parts without telling them apart (a GeoJSON file's parts do not overlap).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.routing.geo import BoundingBox, Datum, GeoPoint

Position = tuple[float, float]  # (longitude, latitude), GeoJSON's order
Ring = tuple[Position, ...]


class OutlineError(Exception):
    """The outlines file cannot be used; the message says where and why."""


class DistrictOutline(BaseModel):
    """One district's boundary in WGS-84, as rings of (longitude, latitude)."""

    model_config = ConfigDict(frozen=True)

    name: str
    name_en: str | None = None
    rings: tuple[Ring, ...] = Field(min_length=1)
    sample: bool = False
    source: str = "<memory>"

    def contains(self, point: GeoPoint) -> bool:
        inside = False
        for ring in self.rings:
            inside ^= _ring_contains(ring, point.lon, point.lat)
        return inside

    @property
    def extent(self) -> BoundingBox:
        lons = [lon for ring in self.rings for lon, _ in ring]
        lats = [lat for ring in self.rings for _, lat in ring]
        return BoundingBox(south=min(lats), west=min(lons), north=max(lats), east=max(lons))


def _ring_contains(ring: Ring, x: float, y: float) -> bool:
    """Even-odd ray casting: does a ray east from (x, y) cross the ring an odd number of times?"""
    inside = False
    previous_x, previous_y = ring[-1]
    for current_x, current_y in ring:
        if (current_y > y) != (previous_y > y):
            crossing_x = previous_x + (y - previous_y) * (current_x - previous_x) / (current_y - previous_y)
            if x < crossing_x:
                inside = not inside
        previous_x, previous_y = current_x, current_y
    return inside


class _Geometry(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: str
    coordinates: list[Any]


class _Feature(BaseModel):
    model_config = ConfigDict(extra="ignore")

    properties: dict[str, Any] = Field(default_factory=dict)
    geometry: _Geometry


class _Collection(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: str = Field(pattern="^FeatureCollection$")
    datum: Datum = Datum.WGS84
    sample: bool = False
    features: list[_Feature] = Field(min_length=1)


def load_outlines(path: Path | str) -> dict[str, DistrictOutline]:
    """The outlines of a GeoJSON file by district name (and English name)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise OutlineError(f"{path}: cannot read: {error.strerror or error}") from None
    except ValueError as error:
        raise OutlineError(f"{path}: not valid GeoJSON: {error}") from None
    return parse_outlines(data, source=str(path))


def parse_outlines(data: Any, *, source: str = "<memory>") -> dict[str, DistrictOutline]:
    try:
        collection = _Collection.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise OutlineError(f"{source}: field {field!r}: {first['msg']}") from None
    outlines: dict[str, DistrictOutline] = {}
    for index, feature in enumerate(collection.features):
        where = f"{source}: features[{index}]"
        name = feature.properties.get("name")
        if not isinstance(name, str) or not name:
            raise OutlineError(f"{where}: a 'name' property naming the district is needed")
        outline = DistrictOutline(
            name=name, name_en=feature.properties.get("name_en"), source=source,
            rings=_rings(feature.geometry, collection.datum, where),
            sample=bool(feature.properties.get("sample", collection.sample)),
        )
        for key in filter(None, (outline.name, outline.name_en)):
            outlines[key] = outline
    return outlines


def _rings(geometry: _Geometry, datum: Datum, where: str) -> tuple[Ring, ...]:
    if geometry.type == "Polygon":
        polygons = [geometry.coordinates]
    elif geometry.type == "MultiPolygon":
        polygons = geometry.coordinates
    else:
        raise OutlineError(f"{where}: geometry {geometry.type!r}; a district is a Polygon or MultiPolygon")
    rings = []
    try:
        for polygon in polygons:
            for ring in polygon:
                points = [GeoPoint.from_datum(float(lat), float(lon), datum) for lon, lat, *_ in ring]
                if len(points) < 4:
                    raise OutlineError(f"{where}: a ring needs at least four positions (the first repeated)")
                rings.append(tuple((point.lon, point.lat) for point in points))
    except (TypeError, ValueError) as error:
        raise OutlineError(f"{where}: positions must be [longitude, latitude] on the globe ({error})") from None
    return tuple(rings)
