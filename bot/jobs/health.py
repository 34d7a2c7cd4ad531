"""Is the job runner alive? Its last round is recorded in the store; an hour without one is an alarm
(a log line, and an alert to the supervisors)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel

from bot.jobs.store import JobStore

STALE_AFTER = timedelta(hours=1)


class RunnerHealth(BaseModel):
    runner: str
    last_run_at: datetime | None  # None: it never ran
    checked_at: datetime
    stale_after: timedelta = STALE_AFTER

    @property
    def silent_for(self) -> timedelta | None:
        return None if self.last_run_at is None else self.checked_at - self.last_run_at

    @property
    def stale(self) -> bool:
        silent = self.silent_for
        return silent is None or silent >= self.stale_after

    def describe(self) -> str:
        """For the log (not for people: an alert to supervisors is translated where it is rendered)."""
        silent = self.silent_for
        if silent is None:
            return f"job runner {self.runner!r} has never run"
        minutes = int(silent.total_seconds() // 60)
        if self.stale:
            return f"job runner {self.runner!r} has not run for {minutes} min"
        return f"job runner {self.runner!r} ran {minutes} min ago"


async def check_health(
    store: JobStore, runner: str, now: datetime, stale_after: timedelta = STALE_AFTER
) -> RunnerHealth:
    return RunnerHealth(runner=runner, last_run_at=await store.last_run(runner), checked_at=now,
                        stale_after=stale_after)
