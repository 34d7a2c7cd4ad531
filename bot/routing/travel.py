"""Travel time from a worker to a centre, and the half-hour rule.

`TravelEstimator` is the seam for a real routing engine (see docs/routing.md); `TravelModel`
is the default: great-circle distance times a detour factor at door-to-door speeds.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from bot.routing.geo import GeoPoint

HALF_HOUR_MINUTES = 30.0


class TravelMode(StrEnum):
    WALK = "walk"
    EBIKE = "ebike"
    TRANSIT = "transit"


class TravelEstimator(Protocol):
    def minutes(self, origin: GeoPoint, destination: GeoPoint, mode: TravelMode) -> float:
        """Estimated door-to-door travel time."""
        ...

    def reach_km(self, mode: TravelMode, minutes: float) -> float:
        """An upper bound on the great-circle distance coverable in `minutes`: the spatial index
        only asks `minutes` about centres within this radius, so it must never be too small."""
        ...


class TravelModel(BaseModel):
    """Door-to-door speeds (stops, lights and walking to the stop included), not vehicle speeds.

    Defaults: walking 4.5 km/h; e-bike 15 km/h (urban average, under the 25 km/h legal cap);
    bus/metro 18 km/h plus 8 minutes walking to the stop and waiting; real routes are about
    1.3 times the straight line in Wuhan's grid of roads, lakes and rivers.
    """

    model_config = ConfigDict(frozen=True)

    walk_kmh: float = Field(default=4.5, gt=0)
    ebike_kmh: float = Field(default=15.0, gt=0)
    transit_kmh: float = Field(default=18.0, gt=0)
    transit_wait_minutes: float = Field(default=8.0, ge=0)
    detour_factor: float = Field(default=1.3, ge=1)

    def minutes(self, origin: GeoPoint, destination: GeoPoint, mode: TravelMode) -> float:
        route_km = origin.distance_km(destination) * self.detour_factor
        walking = route_km / self.walk_kmh * 60
        if mode is TravelMode.WALK:
            return walking
        if mode is TravelMode.EBIKE:
            return route_km / self.ebike_kmh * 60
        # Nobody waits eight minutes for a bus to go two hundred metres: short trips are walked.
        return min(walking, self.transit_wait_minutes + route_km / self.transit_kmh * 60)

    def reach_km(self, mode: TravelMode, minutes: float) -> float:
        walking = self.walk_kmh * minutes / 60 / self.detour_factor
        if mode is TravelMode.WALK:
            return walking
        if mode is TravelMode.EBIKE:
            return self.ebike_kmh * minutes / 60 / self.detour_factor
        riding = self.transit_kmh * max(0.0, minutes - self.transit_wait_minutes) / 60 / self.detour_factor
        return max(walking, riding)


def within_half_hour(minutes: float) -> bool:
    return minutes <= HALF_HOUR_MINUTES
