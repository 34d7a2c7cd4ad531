"""The port the job runner (and the use cases that schedule jobs) need; storage/jobs.py implements it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from bot.jobs.model import Job, NewJob


class JobStore(Protocol):
    async def schedule(self, job: NewJob, *, now: datetime) -> int:
        """Write the job (inside the caller's transaction when there is one); its id."""
        ...

    async def claim_due(self, now: datetime, owner: str, lease: timedelta, limit: int) -> list[Job]:
        """Lease up to `limit` pending jobs that are due and free (or whose lease ran out: their
        runner died), counting an attempt on each, earliest first."""
        ...

    async def mark_done(self, job_id: int, owner: str, now: datetime) -> bool:
        """False when the lease is no longer this owner's (another runner took the job over)."""
        ...

    async def retry_later(self, job_id: int, owner: str, at: datetime, error: str) -> None: ...

    async def fail(self, job_id: int, owner: str, error: str, now: datetime) -> None: ...

    async def get(self, job_id: int) -> Job | None: ...

    async def record_run(self, runner: str, at: datetime) -> None: ...

    async def last_run(self, runner: str) -> datetime | None: ...
