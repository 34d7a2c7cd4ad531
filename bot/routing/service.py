"""The routing in use by the running bot: the registry (reloadable), the gazetteer, and each
centre's open cases, kept in memory and refreshed from the store now and then."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path

from bot.clock import Clock
from bot.routing.assign import RoutingDecision, RoutingRequest, assign
from bot.routing.gazetteer import Gazetteer
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

    async def route(self, request: RoutingRequest) -> RoutingDecision:
        decision = assign(request, self.registry, self.gazetteer, await self.loads())
        # Count the new case at once, so a burst of cases does not all go to the same centre.
        self._loads[decision.centre_id] = self._loads.get(decision.centre_id, 0) + 1
        return decision

    def reload(self, path: Path | str | None = None) -> ReloadResult:
        return self._holder.reload(path)
