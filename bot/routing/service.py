"""The routing in use by the running bot: the registry (reloadable), the gazetteer, and each
centre's open cases, kept in memory and refreshed from the store now and then."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.cases import DisputeKind
from bot.clock import Clock
from bot.routing.assign import NoCentreAvailable, RoutingDecision, RoutingInputError, RoutingRequest, assign
from bot.routing.gazetteer import Gazetteer
from bot.routing.geo import GeoPoint
from bot.routing.holder import RegistryHolder, ReloadResult
from bot.routing.registry import Registry

OpenCasesByCentre = Callable[[], Awaitable[Mapping[str, int]]]
LOADS_REFRESH = timedelta(minutes=1)


class RoutingService:
    def __init__(self, holder: RegistryHolder, gazetteer: Gazetteer, open_cases: OpenCasesByCentre,
                 clock: Clock) -> None:
        self._holder = holder
        self.gazetteer = gazetteer
        self._open_cases = open_cases
        self._clock = clock
        self._loads: dict[str, int] = {}
        self._loads_read_at: datetime | None = None

    @property
    def registry(self) -> Registry:
        return self._holder.registry

    async def loads(self) -> dict[str, int]:
        now = self._clock.now()
        if self._loads_read_at is None or now - self._loads_read_at >= LOADS_REFRESH:
            self._loads = dict(await self._open_cases())
            self._loads_read_at = now
        return self._loads

    async def route(self, request: RoutingRequest, exclude: frozenset[str] = frozenset()) -> RoutingDecision:
        registry = self.registry
        if exclude:  # a centre that refused the case (not its jurisdiction, a conflict of interest)
            registry = Registry([centre for centre in registry.centres if centre.id not in exclude],
                                source=registry.source)
        decision = assign(request, registry, self.gazetteer, await self.loads())
        # Count the new case at once, so a burst of cases does not all go to the same centre.
        self._loads[decision.centre_id] = self._loads.get(decision.centre_id, 0) + 1
        return decision

    async def assign_case(self, kind: DisputeKind, fields: Mapping[str, Any],
                          exclude: frozenset[str] = frozenset()) -> RoutingDecision | None:
        """The centre for a case filed in chat, from its intake answers, other than those in `exclude`;
        None when no place in them is known, or no centre of the district or the city can take it (the
        case then waits for a supervisor to assign it)."""
        # The workplace answer decides jurisdiction (Art. 21); the street found in the free text may be
        # where the worker lives, so it is only the fallback.
        typed_places = [text for text in (fields.get("workplace"), fields.get("street")) if isinstance(text, str)]
        workplace_street = next((text for text in typed_places if self.gazetteer.match(text)), None)
        workers = fields.get("workers_affected")
        try:
            return await self.route(RoutingRequest(
                workplace=_shared_point(fields.get("workplace")), workplace_street=workplace_street,
                worker=self._worker_point(fields.get("residence")), kind=kind,
                workers_affected=workers if isinstance(workers, int) and workers >= 1 else 1,
            ), exclude)
        except (RoutingInputError, NoCentreAvailable):
            return None

    def _worker_point(self, residence: object) -> GeoPoint | None:
        """Where the worker is: a shared location or a typed place we know."""
        if isinstance(residence, str) and (found := self.gazetteer.match(residence)):
            return found.place.point
        return _shared_point(residence)

    def centre_name(self, centre_id: str, locale: str) -> str:
        """A centre's name in the person's language; its id if the registry no longer has it."""
        try:
            return self.registry.get(centre_id).name.pick(locale)
        except KeyError:
            return centre_id

    def reload(self, path: Path | str | None = None) -> ReloadResult:
        return self._holder.reload(path)


def _shared_point(answer: object) -> GeoPoint | None:
    """A location the worker shared (WGS-84, as Telegram and the web chat send it), or None; one off
    the globe (kept before shared points were checked) counts as none rather than failing the case."""
    if isinstance(answer, dict) and {"lat", "lon"} <= answer.keys():
        try:
            return GeoPoint(lat=answer["lat"], lon=answer["lon"])
        except ValidationError:
            return None
    return None
