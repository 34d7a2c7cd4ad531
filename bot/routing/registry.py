"""The centres registry: a JSON or YAML file of mediation centres, validated row by row.

The schema is documented in docs/routing.md. A bad row stops loading with one message naming
the file, the row and the field, so an operator can fix it without reading a traceback.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, computed_field, model_validator

from bot.cases import DisputeKind
from bot.routing.files import read_structured_file
from bot.routing.geo import Datum, GeoPoint
from bot.routing.spatial import SpatialIndex


class RegistryError(Exception):
    """The registry file cannot be used; the message says where and why."""


class CentreKind(StrEnum):
    STREET = "street"  # street (or management office) labour-dispute mediation centre
    UNION = "union"  # trade-union mediation station
    ARBITRATION = "arbitration"  # the arbitration institute's mediation office
    ONLINE = "online"  # online ("cloud") mediation
    MOBILE = "mobile"  # mobile mediation room that travels to the worker


IN_PERSON_KINDS = frozenset({CentreKind.STREET, CentreKind.UNION, CentreKind.ARBITRATION})
_STREET_CENTRE_ZH = re.compile(r"(?:新区)?(?:街道|镇|社管办)?(?:劳动(?:人事)?争议)?调解(?:中心|室)$")
_STREET_CENTRE_EN = re.compile(r"(?: New Area)? (?:Street|Town)?\s?(?:Labour (?:and Personnel )?Dispute )?"
                               r"Mediation (?:Centre|Office|Room)$")


class LocalisedText(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def pick(self, locale: str) -> str:
        return self.zh if locale.startswith("zh") else self.en


class Coordinates(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    datum: Datum

    def to_wgs84(self) -> GeoPoint:
        return GeoPoint.from_datum(self.lat, self.lon, self.datum)


class Centre(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
    name: LocalisedText
    kind: CentreKind
    district: str = Field(min_length=1)
    streets: tuple[str, ...] = ()
    communities: tuple[str, ...] = ()
    address: LocalisedText | None = None
    coordinates: Coordinates | None = None
    hours: LocalisedText
    # The number workers call, as the centre publishes it ("027-8389 1234", "12345"); shown where the
    # address is. Optional: the sample registry has none, and none is invented.
    phone: str | None = Field(default=None, pattern=r"^[0-9+][0-9 ()-]{2,30}$")
    operating: bool
    mediators: int = Field(ge=0)
    specialises_in: tuple[DisputeKind, ...] = ()
    # An online centre or mobile room serving the whole city: the fallback of districts without their own.
    citywide: bool = False
    # The name on the coverage map; by default the street (for a street centre) or the full name.
    short_name: LocalisedText | None = None

    @model_validator(mode="after")
    def _in_person_needs_a_place(self) -> Centre:
        if self.kind in IN_PERSON_KINDS:
            if self.coordinates is None:
                raise ValueError(f"coordinates: required for a {self.kind} centre")
            if self.address is None:
                raise ValueError(f"address: required for a {self.kind} centre")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @cached_property
    def location(self) -> GeoPoint | None:
        """Where the centre is, in WGS-84 (a mobile room's base; none for online centres)."""
        return self.coordinates.to_wgs84() if self.coordinates else None

    @property
    def accepts_cases(self) -> bool:
        # A centre nobody staffs cannot take a case even if it is open.
        return self.operating and self.mediators > 0

    @property
    def in_person(self) -> bool:
        return self.kind in IN_PERSON_KINDS

    @property
    def label(self) -> LocalisedText:
        """A short name for a map: "吴家山" for 吴家山街道劳动争议调解中心, "Wujiashan" in English."""
        if self.short_name is not None:
            return self.short_name
        if self.kind is CentreKind.STREET:
            return LocalisedText(zh=_STREET_CENTRE_ZH.sub("", self.name.zh) or self.name.zh,
                                 en=_STREET_CENTRE_EN.sub("", self.name.en) or self.name.en)
        return self.name

    def specialises(self, kind: DisputeKind | None) -> bool:
        return kind is not None and kind in self.specialises_in

    def load(self, open_cases: int) -> float:
        """Open cases per mediator (only meaningful when `accepts_cases`)."""
        return open_cases / self.mediators if self.mediators else float("inf")


class _RegistryHeader(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sample: bool = False
    note: str | None = None
    centres: list[Any]


class Registry:
    """An immutable snapshot of the centres, with the lookups routing needs."""

    def __init__(self, centres: list[Centre], *, source: str = "<memory>", sample: bool = False,
                 note: str | None = None) -> None:
        self.source = source
        self.sample = sample
        self.note = note
        self.centres: tuple[Centre, ...] = tuple(centres)
        self._by_id = {centre.id: centre for centre in self.centres}
        if len(self._by_id) != len(self.centres):
            raise ValueError("centre ids must be unique")
        by_street: defaultdict[str, list[Centre]] = defaultdict(list)
        for centre in self.centres:
            for street in centre.streets:
                by_street[street].append(centre)
        self._by_street = {street: tuple(found) for street, found in by_street.items()}
        self.index = SpatialIndex(
            (centre.id, centre.location.lat, centre.location.lon)
            for centre in self.centres
            if centre.in_person and centre.location is not None
        )

    def __len__(self) -> int:
        return len(self.centres)

    def get(self, centre_id: str) -> Centre:
        return self._by_id[centre_id]

    def serving_street(self, street: str) -> tuple[Centre, ...]:
        return self._by_street.get(street, ())

    def of_kind(self, kind: CentreKind) -> list[Centre]:
        return [centre for centre in self.centres if centre.kind is kind]


def load_registry(path: Path | str) -> Registry:
    path = Path(path)
    raw = read_structured_file(path, error=RegistryError)
    if not isinstance(raw, Mapping):
        raise RegistryError(f"{path}: expected a mapping with a 'centres' list at the top level")
    try:
        header = _RegistryHeader.model_validate(raw)
    except ValidationError as error:
        raise RegistryError(f"{path}: {_describe_first_error(error)}") from None
    return registry_from_rows(header.centres, source=str(path), sample=header.sample, note=header.note)


def registry_from_rows(rows: list[Any], *, source: str, sample: bool = False, note: str | None = None) -> Registry:
    centres: list[Centre] = []
    seen_rows: dict[str, int] = {}
    for index, row in enumerate(rows):
        where = _describe_row(source, index, row)
        try:
            centre = Centre.model_validate(row)
        except ValidationError as error:
            raise RegistryError(f"{where}: {_describe_first_error(error)}") from None
        if centre.id in seen_rows:
            raise RegistryError(f"{where}: field 'id': duplicate of row {seen_rows[centre.id] + 1}")
        seen_rows[centre.id] = index
        centres.append(centre)
    return Registry(centres, source=source, sample=sample, note=note)


def _describe_row(source: str, index: int, row: Any) -> str:
    row_id = row.get("id") if isinstance(row, Mapping) else None
    id_part = f", id {row_id!r}" if isinstance(row_id, str) and row_id else ""
    return f"{source}: row {index + 1} (centres[{index}]{id_part})"


def _describe_first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if not field:  # a whole-model check names its field in the message ("coordinates: required ...")
        field, _, message = message.partition(": ")
    return f"field {field!r}: {message}"
