"""Time as a dependency: code that needs "now" takes a Clock so tests can set the time."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stays where it is put; tests move it with `advance` or `set`."""

    def __init__(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._instant = instant.astimezone(UTC)

    def now(self) -> datetime:
        return self._instant

    def set(self, instant: datetime) -> None:
        self._instant = instant.astimezone(UTC)


def local_today(clock: Clock, zone: tzinfo | str) -> date:
    """Today's date in the service's time zone (all dates and periods are local dates)."""
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    return clock.now().astimezone(tz).date()
