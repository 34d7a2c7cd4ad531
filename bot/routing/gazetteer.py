"""Street and community names with approximate centre points, for places workers type.

Used to find the workplace's street (jurisdiction) from a typed name or a shared location,
and to give each district its outline for the coverage map: the GeoJSON file the gazetteer names
under `outlines` (a path relative to the gazetteer), or else a box around the district's places.
Names are matched fuzzily so "吴家山", "径河街" or a one-character typo still find their street.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rapidfuzz import fuzz, process

from bot.routing.files import read_structured_file
from bot.routing.geo import BoundingBox, Datum, GeoPoint
from bot.routing.outline import DistrictOutline, OutlineError, load_outlines

# A score of 65 accepts one wrong character in a three-character name (67) but not
# "东西湖" for "东山" (60).
MATCH_CUTOFF = 65.0
# Close enough to be offered as "did you mean" for a name that matched nothing.
SUGGESTION_CUTOFF = 40.0
# Centre points sit inside their street, so the district's edge lies beyond the outermost ones.
DISTRICT_PAD_KM = 2.0
# Beyond this distance from every known place a point is not in any street we know.
STREET_SEARCH_KM = 6.0

# Administrative suffixes people leave off or shorten ("吴家山街道" -> "吴家山", "径河街").
_SUFFIXES = re.compile(r"(?:街道办事处|街道办|街道|社管办|管委会|办事处|社区|新区|镇|街|村|street|subdistrict|town)$",
                       re.IGNORECASE)


def _distinctive(name: str) -> bool:
    """Long enough to mean a place when found inside other text: two Chinese characters or four letters."""
    return len(name) >= (4 if name.isascii() else 2)


class GazetteerError(Exception):
    """The gazetteer file cannot be used; the message says where and why."""


class _Community(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class _Street(_Community):
    name_en: str = Field(min_length=1)
    communities: tuple[_Community, ...] = ()


class _District(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    streets: tuple[_Street, ...] = Field(min_length=1)


class _GazetteerFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    sample: bool = False
    note: str | None = None
    datum: Datum
    outlines: str | None = None  # a GeoJSON file of the districts' outlines, relative to this file
    districts: tuple[_District, ...] = Field(min_length=1)


class Place(BaseModel):
    """A named place and the street (and district) it belongs to; `point` is WGS-84."""

    model_config = ConfigDict(frozen=True)

    name: str
    street: str
    street_en: str
    district: str
    point: GeoPoint


class PlaceMatch(BaseModel):
    model_config = ConfigDict(frozen=True)

    place: Place
    score: float


class District(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    name_en: str
    streets: tuple[str, ...]
    extent: BoundingBox                    # the outline's, or a padded box around the district's places
    outline: DistrictOutline | None = None


def core_name(text: str) -> str:
    """A name without spaces and administrative suffixes, the form names are compared in."""
    core = re.sub(r"\s+", "", text)
    while (shorter := _SUFFIXES.sub("", core)) != core and shorter:
        core = shorter
    return core.lower()


class Gazetteer:
    def __init__(self, places: list[tuple[Place, tuple[str, ...]]],
                 districts: list[tuple[District, tuple[str, ...]]]) -> None:
        """`places` and `districts` come with the names (and aliases) they may be typed as."""
        self.places = tuple(place for place, _ in places)
        self.districts = tuple(district for district, _ in districts)
        self._street_points = {place.name: place.point for place in self.places if place.name == place.street}
        self._choices = [core_name(name) for _, names in places for name in names]
        self._choice_places = [place for place, names in places for _ in names]
        self._district_names = {
            core_name(name): district
            for district, aliases in districts
            for name in (district.name, district.name_en, *aliases)
        }

    def match(self, text: str) -> PlaceMatch | None:
        """The place a typed name most likely means, or None if nothing is close enough.

        A known name inside a longer address ("东西湖区径河街道XX工业园3号厂房") is taken first, the
        longest one; fuzzy matching, for typos, scores long addresses too low to be used alone.
        """
        query = core_name(text)
        if not query:
            return None
        contained = [(len(name), position) for position, name in enumerate(self._choices)
                     if _distinctive(name) and name in query]
        if contained:
            return PlaceMatch(place=self._choice_places[max(contained)[1]], score=100.0)
        best = process.extractOne(query, self._choices, scorer=fuzz.WRatio, processor=None,
                                  score_cutoff=MATCH_CUTOFF)
        if best is None:
            return None
        _, score, position = best
        return PlaceMatch(place=self._choice_places[position], score=score)

    def close_names(self, text: str, limit: int = 3) -> list[str]:
        """Street names that look like `text`, best first, for a name that matched none."""
        query = core_name(text)
        if not query:
            return []
        found = process.extract(query, self._choices, scorer=fuzz.WRatio, processor=None,
                                score_cutoff=SUGGESTION_CUTOFF, limit=limit * 4)
        streets = dict.fromkeys(self._choice_places[position].street for _, _, position in found)
        return list(streets)[:limit]

    def street_at(self, point: GeoPoint, max_km: float = STREET_SEARCH_KM) -> Place | None:
        """The known place nearest to `point`, which names its street (a Voronoi approximation
        of the street boundaries, which the gazetteer does not hold); None when all are far."""
        nearest = min(self.places, key=lambda place: point.distance_km(place.point), default=None)
        if nearest is None or point.distance_km(nearest.point) > max_km:
            return None
        return nearest

    def district_at(self, point: GeoPoint) -> District | None:
        """The district whose outline holds `point`; None outside them all (or without outlines)."""
        return next((district for district in self.districts
                     if district.outline is not None and district.outline.contains(point)), None)

    def street_point(self, street: str) -> GeoPoint | None:
        return self._street_points.get(street)

    def district(self, name: str | None = None) -> District:
        """A district by (fuzzy) name in Chinese or English; the first one when no name is given."""
        if name is None:
            return self.districts[0]
        best = process.extractOne(core_name(name), list(self._district_names), scorer=fuzz.WRatio,
                                  processor=None, score_cutoff=MATCH_CUTOFF)
        if best is None:
            known = ", ".join(district.name for district in self.districts)
            raise KeyError(f"unknown district {name!r}; known: {known}")
        return self._district_names[best[0]]


def load_gazetteer(path: Path | str) -> Gazetteer:
    path = Path(path)
    data = read_structured_file(path, error=GazetteerError)
    named = data.get("outlines") if isinstance(data, dict) else None
    outlines: dict[str, DistrictOutline] = {}
    if isinstance(named, str):
        try:
            outlines = load_outlines(path.parent / named)
        except OutlineError as error:
            raise GazetteerError(f"{path}: outlines: {error}") from None
    return parse_gazetteer(data, source=str(path), outlines=outlines)


def parse_gazetteer(data: Any, *, source: str = "<memory>",
                    outlines: dict[str, DistrictOutline] | None = None) -> Gazetteer:
    """`outlines` by district name (Chinese, English or an alias); a district without one is measured
    over a box around its places."""
    try:
        parsed = _GazetteerFile.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise GazetteerError(f"{source}: field {field!r}: {first['msg']}") from None
    outlines = outlines or {}

    places: list[tuple[Place, tuple[str, ...]]] = []
    districts: list[tuple[District, tuple[str, ...]]] = []
    for district in parsed.districts:
        district_points: list[GeoPoint] = []
        for street in district.streets:
            for entry in (street, *street.communities):
                point = GeoPoint.from_datum(entry.lat, entry.lon, parsed.datum)
                district_points.append(point)
                place = Place(name=entry.name, street=street.name, street_en=street.name_en,
                              district=district.name, point=point)
                # A street can also be typed by its English name ("Wujiashan Street").
                english = (street.name_en,) if entry is street else ()
                places.append((place, (entry.name, *entry.aliases, *english)))
        outline = next((outlines[name] for name in (district.name, district.name_en, *district.aliases)
                        if name in outlines), None)
        summary = District(
            name=district.name,
            name_en=district.name_en,
            streets=tuple(street.name for street in district.streets),
            extent=outline.extent if outline else BoundingBox.around(district_points, pad_km=DISTRICT_PAD_KM),
            outline=outline,
        )
        districts.append((summary, district.aliases))
    return Gazetteer(places, districts)
