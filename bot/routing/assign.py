"""Choosing the centre for a case, with the reasons for the choice.

Jurisdiction first (Labour Dispute Mediation and Arbitration Law Art. 21: where the contract
is performed): the centre serving the workplace's street takes the case when the worker can
reach it within half an hour. Otherwise the nearby centres compete on specialism, then load,
then trip length, then id; with none within half an hour the case goes online and a mobile
mediation room is offered: the district's own, or the city's where the district has none (never
another district's). Collective disputes (Art. 7: ten or more workers) stay with their
street centre and the district arbitration institute's mediation office is told.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from bot.routing.gazetteer import Gazetteer, Place
from bot.routing.geo import GeoPoint
from bot.routing.registry import Centre, CentreKind, DisputeKind, LocalisedText, Registry
from bot.routing.travel import HALF_HOUR_MINUTES, TravelEstimator, TravelMode, TravelModel, within_half_hour

COLLECTIVE_WORKERS = 10
DEFAULT_TRAVEL_MODEL = TravelModel()


class RoutingInputError(ValueError):
    """The request has neither a point nor a street we know, so there is nothing to route from."""


class NoCentreAvailable(LookupError):
    """No centre in the registry can take the case, not even online."""


class ReasonCode(StrEnum):
    STREET_FROM_NAME = "street_from_name"
    STREET_FROM_POINT = "street_from_point"
    STREET_UNKNOWN = "street_unknown"
    NO_STREET_CENTRE = "no_street_centre"
    JURISDICTION = "jurisdiction"
    JURISDICTION_CLOSED = "jurisdiction_closed"
    JURISDICTION_TOO_FAR = "jurisdiction_too_far"
    COLLECTIVE_KEPT = "collective_kept"
    ONLY_CANDIDATE = "only_candidate"
    SPECIALISED = "specialised"
    LOWEST_LOAD = "lowest_load"
    SHORTEST_TRIP = "shortest_trip"
    SMALLER_ID = "smaller_id"
    NONE_WITHIN_HALF_HOUR = "none_within_half_hour"
    DISTRICT_HAS_NO_ONLINE = "district_has_no_online"   # so the city's online centre takes the case
    DISTRICT_UNKNOWN = "district_unknown"               # neither the workplace's nor the worker's is known
    ONLINE_FALLBACK = "online_fallback"                 # the district's online centre
    CITY_ONLINE_FALLBACK = "city_online_fallback"       # the city's, for a district without one
    MOBILE_FALLBACK = "mobile_fallback"
    CITY_MOBILE_FALLBACK = "city_mobile_fallback"
    MOBILE_ROOM_OFFER = "mobile_room_offer"
    ARBITRATION_NOTIFIED = "arbitration_notified"


ReasonParam = str | int | float


class Reason(BaseModel):
    """One step of the explanation. Params ending in `_zh`/`_en` are the same value in each language."""

    model_config = ConfigDict(frozen=True)

    code: ReasonCode
    params: dict[str, ReasonParam] = Field(default_factory=dict)


class RoutingRequest(BaseModel):
    """Points are WGS-84 (convert GCJ-02 input with `GeoPoint.from_datum`)."""

    model_config = ConfigDict(frozen=True)

    workplace: GeoPoint | None = None
    workplace_street: str | None = Field(default=None, description="as typed; matched fuzzily")
    worker: GeoPoint | None = Field(default=None, description="where the worker lives or is now")
    kind: DisputeKind | None = None
    workers_affected: int = Field(default=1, ge=1)
    mode: TravelMode = TravelMode.TRANSIT


class FallbackScope(StrEnum):
    DISTRICT = "district"  # the online centre or mobile room of the workplace's district
    CITY = "city"          # the city's, when the district has none or is not known


class RoutingDecision(BaseModel):
    model_config = ConfigDict(frozen=True)

    centre_id: str
    centre_name: LocalisedText
    centre_kind: CentreKind
    minutes: float | None = Field(description="estimated trip, None when nobody travels (online, mobile room)")
    mode: TravelMode
    within_half_hour: bool
    fallback: CentreKind | None = Field(description="online or mobile when no centre is within half an hour")
    fallback_scope: FallbackScope | None = Field(
        default=None, description="whose online centre or mobile room: the district's or the city's")
    mobile_offer: str | None = Field(default=None, description="id of the mobile room offered with online mediation")
    observers: list[str] = Field(default_factory=list, description="centres told of the case and allowed to view it")
    open_cases: int = Field(description="the chosen centre's queue when the decision was made")
    workplace_street: str | None = None
    reasons: list[Reason]


@dataclass(frozen=True)
class _Option:
    centre: Centre
    minutes: float | None
    open_cases: int

    @property
    def within_half_hour(self) -> bool:
        return self.minutes is not None and within_half_hour(self.minutes)

    def rank_key(self, kind: DisputeKind | None) -> tuple[bool, float, float, str]:
        # Minutes are compared to a tenth (six seconds): finer differences are noise in the model.
        trip = round(self.minutes, 1) if self.minutes is not None else 0.0
        return (not self.centre.specialises(kind), self.centre.load(self.open_cases), trip, self.centre.id)


# What decided between the chosen option and the runner-up, by the position in `rank_key`.
_DECIDING_CRITERION = (ReasonCode.SPECIALISED, ReasonCode.LOWEST_LOAD, ReasonCode.SHORTEST_TRIP,
                       ReasonCode.SMALLER_ID)


def assign(request: RoutingRequest, registry: Registry, gazetteer: Gazetteer, loads: Mapping[str, int],
           estimator: TravelEstimator = DEFAULT_TRAVEL_MODEL) -> RoutingDecision:
    """Choose the centre for a case. `loads` maps centre id to its open cases (missing means none)."""
    return _Router(request, registry, gazetteer, loads, estimator).route()


class _Router:
    """One routing decision; collects the reasons as it goes."""

    def __init__(self, request: RoutingRequest, registry: Registry, gazetteer: Gazetteer,
                 loads: Mapping[str, int], estimator: TravelEstimator) -> None:
        self.request = request
        self.registry = registry
        self.gazetteer = gazetteer
        self.loads = loads
        self.estimator = estimator
        self.reasons: list[Reason] = []

    def route(self) -> RoutingDecision:
        request = self.request
        street = self._workplace_street()
        origin = request.worker or request.workplace or (
            self.gazetteer.street_point(street.street) if street else None)
        if origin is None:
            raise RoutingInputError("a workplace or worker location, or a known workplace street, is needed")
        collective = request.workers_affected >= COLLECTIVE_WORKERS

        jurisdiction = [self._option(centre, origin) for centre in self._jurisdiction(street)]
        if collective and jurisdiction:
            chosen = self._choose(jurisdiction, street)
            self.reasons.append(Reason(code=ReasonCode.COLLECTIVE_KEPT, params={"workers": request.workers_affected}))
            return self._decision(chosen, street, collective)
        reachable = [option for option in jurisdiction if option.within_half_hour]
        if reachable:
            return self._decision(self._choose(reachable, street), street, collective)
        if jurisdiction:
            nearest = min(jurisdiction, key=lambda option: option.minutes or 0.0)
            self.reasons.append(_centre_reason(ReasonCode.JURISDICTION_TOO_FAR, nearest.centre,
                                               minutes=_shown_minutes(nearest.minutes), mode=request.mode.value))

        nearby = [option for option in self._nearby(origin) if option.within_half_hour]
        if nearby:
            return self._decision(self._choose(nearby, None), street, collective)
        return self._fallback(street, origin, collective)

    def _option(self, centre: Centre, origin: GeoPoint | None) -> _Option:
        minutes = None
        if origin is not None and centre.in_person and centre.location is not None:
            minutes = self.estimator.minutes(origin, centre.location, self.request.mode)
        return _Option(centre, minutes, self.loads.get(centre.id, 0))

    def _workplace_street(self) -> Place | None:
        request = self.request
        if request.workplace_street:
            match = self.gazetteer.match(request.workplace_street)
            if match is not None:
                self.reasons.append(_street_reason(ReasonCode.STREET_FROM_NAME, match.place,
                                                   typed=request.workplace_street))
                return match.place
        if request.workplace is not None:
            place = self.gazetteer.street_at(request.workplace)
            if place is not None:
                self.reasons.append(_street_reason(ReasonCode.STREET_FROM_POINT, place))
                return place
        self.reasons.append(Reason(code=ReasonCode.STREET_UNKNOWN))
        return None

    def _jurisdiction(self, street: Place | None) -> list[Centre]:
        """The in-person centres serving the workplace's street that can take a case."""
        if street is None:
            return []
        serving = [centre for centre in self.registry.serving_street(street.street) if centre.in_person]
        if not serving:
            self.reasons.append(_street_reason(ReasonCode.NO_STREET_CENTRE, street))
        self.reasons.extend(_centre_reason(ReasonCode.JURISDICTION_CLOSED, centre)
                            for centre in serving if not centre.accepts_cases)
        return [centre for centre in serving if centre.accepts_cases]

    def _nearby(self, origin: GeoPoint) -> list[_Option]:
        radius_km = self.estimator.reach_km(self.request.mode, HALF_HOUR_MINUTES)
        found = (self.registry.get(centre_id) for centre_id, _ in self.registry.index.within(
            origin.lat, origin.lon, radius_km))
        return [self._option(centre, origin) for centre in found if centre.accepts_cases]

    def _choose(self, options: list[_Option], street: Place | None) -> _Option:
        """The best option by specialism, load, trip and id; the reasons say what decided it."""
        kind = self.request.kind
        ranked = sorted(options, key=lambda option: option.rank_key(kind))
        chosen = ranked[0]
        if street is not None:
            self.reasons.append(_centre_reason(ReasonCode.JURISDICTION, chosen.centre,
                                               street_zh=street.street, street_en=street.street_en))
        if len(ranked) > 1:
            self.reasons.append(_deciding_reason(chosen, ranked[1], kind))
        elif street is None:
            self.reasons.append(_centre_reason(ReasonCode.ONLY_CANDIDATE, chosen.centre))
        return chosen

    def _fallback(self, street: Place | None, origin: GeoPoint, collective: bool) -> RoutingDecision:
        self.reasons.append(Reason(code=ReasonCode.NONE_WITHIN_HALF_HOUR, params={"mode": self.request.mode.value}))
        district = self._district(street, origin)
        online = self._best_remote(CentreKind.ONLINE, district)
        mobile = self._best_remote(CentreKind.MOBILE, district)
        chosen = online or mobile
        if chosen is None:
            raise NoCentreAvailable(f"no operating centre within half an hour, and no online centre or mobile "
                                    f"room of {district or 'the district'} or of the city")
        scope = FallbackScope.CITY if chosen.centre.citywide else FallbackScope.DISTRICT
        named = self._district_names(district)
        if scope is FallbackScope.CITY:
            self.reasons.append(Reason(code=ReasonCode.DISTRICT_HAS_NO_ONLINE, params=named)
                                if district else Reason(code=ReasonCode.DISTRICT_UNKNOWN))
        city = scope is FallbackScope.CITY
        if online is not None:
            self.reasons.append(_centre_reason(
                ReasonCode.CITY_ONLINE_FALLBACK if city else ReasonCode.ONLINE_FALLBACK, online.centre, **named))
            if mobile is not None:
                self.reasons.append(_centre_reason(ReasonCode.MOBILE_ROOM_OFFER, mobile.centre))
            return self._decision(online, street, collective, mobile_offer=mobile.centre.id if mobile else None,
                                  fallback_scope=scope)
        self.reasons.append(_centre_reason(ReasonCode.CITY_MOBILE_FALLBACK if city else ReasonCode.MOBILE_FALLBACK,
                                           chosen.centre))
        return self._decision(chosen, street, collective, fallback_scope=scope)

    def _district(self, street: Place | None, origin: GeoPoint) -> str | None:
        """The workplace's district (jurisdiction); where it is unknown, the district the worker is in."""
        if street is not None:
            return street.district
        if (outlined := self.gazetteer.district_at(origin)) is not None:
            return outlined.name
        nearest = self.gazetteer.street_at(origin)
        return nearest.district if nearest else None

    def _district_names(self, district: str | None) -> dict[str, ReasonParam]:
        if district is None:
            return {}
        english = next((known.name_en for known in self.gazetteer.districts if known.name == district), district)
        return {"district_zh": district, "district_en": english}

    def _best_remote(self, kind: CentreKind, district: str | None) -> _Option | None:
        """The best centre of `kind` that needs no trip: the district's own, else the city's; never
        another district's (its mediators serve their own district)."""
        options = [self._option(centre, None) for centre in self.registry.of_kind(kind) if centre.accepts_cases]
        own = [option for option in options if district is not None and not option.centre.citywide
               and option.centre.district == district]
        city = [option for option in options if option.centre.citywide]
        return min(own or city, key=lambda option: option.rank_key(self.request.kind), default=None)

    def _observers(self, street: Place | None, chosen: Centre) -> list[str]:
        """The district arbitration institute's mediation offices, told of a collective dispute."""
        district = street.district if street else chosen.district
        offices = sorted(
            (centre for centre in self.registry.of_kind(CentreKind.ARBITRATION)
             if centre.operating and centre.district == district and centre.id != chosen.id),
            key=lambda centre: centre.id,
        )
        self.reasons.extend(_centre_reason(ReasonCode.ARBITRATION_NOTIFIED, office) for office in offices)
        return [office.id for office in offices]

    def _decision(self, chosen: _Option, street: Place | None, collective: bool,
                  mobile_offer: str | None = None, fallback_scope: FallbackScope | None = None) -> RoutingDecision:
        centre = chosen.centre
        observers = self._observers(street, centre) if collective else []
        return RoutingDecision(
            centre_id=centre.id,
            centre_name=centre.name,
            centre_kind=centre.kind,
            minutes=None if chosen.minutes is None else round(chosen.minutes, 1),
            mode=self.request.mode,
            within_half_hour=chosen.within_half_hour,
            fallback=None if centre.in_person else centre.kind,
            fallback_scope=fallback_scope,
            mobile_offer=mobile_offer,
            observers=observers,
            open_cases=chosen.open_cases,
            workplace_street=street.street if street else None,
            reasons=self.reasons,
        )


def _deciding_reason(chosen: _Option, runner_up: _Option, kind: DisputeKind | None) -> Reason:
    """What put the chosen option ahead of the runner-up: the first criterion where they differ."""
    mine, theirs = chosen.rank_key(kind), runner_up.rank_key(kind)
    position = next(index for index, (a, b) in enumerate(zip(mine, theirs, strict=True)) if a != b)
    code = _DECIDING_CRITERION[position]
    params: dict[str, ReasonParam] = {"other_zh": runner_up.centre.name.zh, "other_en": runner_up.centre.name.en}
    if code is ReasonCode.SPECIALISED:
        params["kind"] = str(kind)
    elif code is ReasonCode.LOWEST_LOAD:
        params |= {"open_cases": chosen.open_cases, "mediators": chosen.centre.mediators,
                   "other_open_cases": runner_up.open_cases, "other_mediators": runner_up.centre.mediators}
    elif code is ReasonCode.SHORTEST_TRIP:
        params |= {"minutes": _shown_minutes(chosen.minutes), "other_minutes": _shown_minutes(runner_up.minutes)}
    else:
        params |= {"centre_id": chosen.centre.id, "other_id": runner_up.centre.id}
    return _centre_reason(code, chosen.centre, **params)


def _centre_reason(code: ReasonCode, centre: Centre, **params: ReasonParam) -> Reason:
    return Reason(code=code, params={"centre_zh": centre.name.zh, "centre_en": centre.name.en, **params})


def _street_reason(code: ReasonCode, place: Place, **params: ReasonParam) -> Reason:
    return Reason(code=code, params={"street_zh": place.street, "street_en": place.street_en, **params})


def _shown_minutes(minutes: float | None) -> float:
    return round(minutes or 0.0, 1)
