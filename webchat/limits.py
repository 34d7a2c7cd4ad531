"""How much one client may take of the web chat: paces, connection caps, and a log of refusals.

All of it is in this process's memory and bounded by what happened within its window; several
replicas would move the counters to a shared store (Redis) behind the same methods.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import Callable, Hashable

from aiohttp import web

from webchat.network import ClientNetwork

log = logging.getLogger(__name__)

PRESSURE_LOG_INTERVAL = 60.0  # seconds
# What a refused connection is told before it is closed (it may not have sent its request yet).
SERVICE_UNAVAILABLE = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 10\r\n"
                       b"Connection: close\r\n\r\n")


class SlidingWindow:
    """At most `limit` events per key in any `window` seconds."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._events: dict[Hashable, deque[float]] = {}

    def allows(self, key: Hashable, now: float) -> bool:
        """Count an event for `key` unless it would exceed the limit."""
        events = self._events.setdefault(key, deque())
        while events and now - events[0] >= self.window:
            events.popleft()
        if len(events) >= self.limit:
            return False
        events.append(now)
        return True

    def prune(self, now: float) -> None:
        """Forget keys with nothing left in the window, so the table stays as small as recent traffic."""
        for key in [key for key, events in self._events.items() if not events or now - events[-1] >= self.window]:
            del self._events[key]

    def __len__(self) -> int:
        return len(self._events)


class PressureLog:
    """Refusals counted by reason and logged at most once per interval, so that an attack cannot flood
    the log. Client addresses are never logged."""

    def __init__(self, clock: Callable[[], float], interval: float = PRESSURE_LOG_INTERVAL) -> None:
        self._clock = clock
        self._interval = interval
        self._counts: Counter[str] = Counter()
        self._logged_at: float | None = None

    def refused(self, reason: str) -> None:
        self._counts[reason] += 1
        now = self._clock()
        if self._logged_at is None or now - self._logged_at >= self._interval:
            summary = ", ".join(f"{count} {reason}" for reason, count in sorted(self._counts.items()))
            log.warning("web chat under pressure, refused since the last report: %s", summary)
            self._counts.clear()
            self._logged_at = now


class ConnectionGuard:
    """Caps open connections in all and per client address, before aiohttp reads a byte of them.

    A direct client's address is its peer address; connections from a trusted proxy carry many clients,
    so they count only in all, and each request through them counts (while it lasts, a WebSocket for
    its whole life) for the client address the proxy forwarded.
    """

    def __init__(self, network: ClientNetwork, pressure: PressureLog, *, total: int, per_address: int) -> None:
        self.network = network
        self.total = total
        self.per_address = per_address
        self._pressure = pressure
        self._connections: dict[object, str | None] = {}  # aiohttp's handler -> the address it counts for
        self._per_address: Counter[str] = Counter()

    @property
    def open(self) -> int:
        return len(self._connections)

    def install(self, server: web.Server) -> None:
        """Watch the connections of aiohttp's low-level server (its connection hooks are the only place
        that sees a connection before its first request)."""
        made, lost = server.connection_made, server.connection_lost

        def connection_made(handler: web.RequestHandler, transport: asyncio.Transport) -> None:
            made(handler, transport)
            self._opened(handler, transport)

        def connection_lost(handler: web.RequestHandler, exc: BaseException | None = None) -> None:
            self._closed(handler)
            lost(handler, exc)

        server.connection_made = connection_made  # type: ignore[method-assign]
        server.connection_lost = connection_lost  # type: ignore[method-assign]

    def _opened(self, handler: object, transport: asyncio.Transport) -> None:
        peername = transport.get_extra_info("peername")
        peer = peername[0] if isinstance(peername, tuple) else None
        address = None if peer is None or self.network.is_trusted(peer) else peer
        if len(self._connections) >= self.total:
            self._refuse(transport, "connections over the total limit")
        elif address is not None and self._per_address[address] >= self.per_address:
            self._refuse(transport, "connections over the per-address limit")
        else:
            self._connections[handler] = address
            if address is not None:
                self._per_address[address] += 1

    def _closed(self, handler: object) -> None:
        if handler in self._connections:
            self._release(self._connections.pop(handler))

    def _refuse(self, transport: asyncio.Transport, reason: str) -> None:
        transport.write(SERVICE_UNAVAILABLE)
        transport.close()
        self._pressure.refused(reason)

    def enter_forwarded(self, address: str) -> bool:
        """A request through a trusted proxy for `address`; False (and not counted) over the cap."""
        if self._per_address[address] >= self.per_address:
            self._pressure.refused("requests over the per-address limit")
            return False
        self._per_address[address] += 1
        return True

    def leave_forwarded(self, address: str) -> None:
        self._release(address)

    def _release(self, address: str | None) -> None:
        if address is None:
            return
        self._per_address[address] -= 1
        if self._per_address[address] <= 0:
            del self._per_address[address]
