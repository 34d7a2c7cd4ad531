"""The job runner: leases due jobs (so two processes never run one job at once), runs each with the
handler for its kind, and marks it done; a job that raises is retried with backoff and failed after
the maximum; a job whose runner died is taken over once its lease runs out.

A job runs at least once. Given a `unit_of_work` (the database's transaction), the handler's writes
and the job's "done" commit together, and a runner that finds its lease taken over rolls its writes
back: then a job's effects happen exactly once. Handlers never call the network (they write outbox
rows instead), since they run inside that transaction.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, nullcontext, suppress
from datetime import timedelta
from typing import Any

from bot.background import Backoff, log_failure, new_owner
from bot.clock import Clock
from bot.jobs.model import JOB_RETRY, Job
from bot.jobs.store import JobStore

log = logging.getLogger(__name__)

JobHandler = Callable[[Job], Awaitable[None]]
UnitOfWork = Callable[[], AbstractAsyncContextManager[Any]]
RUNNER = "jobs"  # the name its health is recorded under, shared by every process's runner


class LeaseLost(Exception):
    """Another runner holds the job now: this run's writes must not commit."""


class JobRunner:
    def __init__(
        self, store: JobStore, handlers: Mapping[str, JobHandler], clock: Clock, *, owner: str | None = None,
        lease: timedelta = timedelta(minutes=5), retry: Backoff = JOB_RETRY, batch: int = 20,
        poll_interval: float = 5.0, unit_of_work: UnitOfWork | None = None, name: str = RUNNER,
    ) -> None:
        self._store = store
        self._handlers = handlers
        self._clock = clock
        self.owner = owner or new_owner("jobs")
        self._lease = lease
        self._retry = retry
        self._batch = batch
        self._poll_interval = poll_interval
        self._unit_of_work = unit_of_work or nullcontext
        self.name = name

    async def run_due(self) -> int:
        """One round: run the jobs that are due (a batch), record the round; how many were claimed."""
        jobs = await self._store.claim_due(self._clock.now(), self.owner, self._lease, self._batch)
        for job in jobs:
            await self._run(job)
        await self._store.record_run(self.name, self._clock.now())
        return len(jobs)

    async def run(self, stop: asyncio.Event) -> None:
        """The loop, until `stop` is set."""
        log.info("job runner %s running", self.owner)
        while not stop.is_set():
            try:
                claimed = await self.run_due()
            except Exception as error:
                log_failure(log, "jobs: a round (trying again)", error)
                claimed = 0
            if claimed < self._batch:  # nothing more due right now
                with suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._poll_interval)

    async def _run(self, job: Job) -> None:
        if job.attempts > self._retry.max_attempts:  # claimed that often and never finished: it kills its runner
            await self._store.fail(job.id, self.owner, "abandoned by its runners", self._clock.now())
            return
        handler = self._handlers.get(job.kind)
        if handler is None:  # a job of a newer version, during a rolling deploy
            await self._failed(job, f"no handler for {job.kind!r}")
            return
        try:
            async with self._unit_of_work():
                await handler(job)
                if not await self._store.mark_done(job.id, self.owner, self._clock.now()):
                    raise LeaseLost
        except LeaseLost:
            log.warning("jobs: job %s was taken over by another runner; this run is rolled back", job.id)
        except Exception as error:
            log_failure(log, f"jobs: job {job.id} ({job.kind})", error)
            await self._failed(job, type(error).__name__)

    async def _failed(self, job: Job, reason: str) -> None:
        if self._retry.gives_up(job.attempts):
            log.warning("jobs: job %s (%s) failed for good after %s attempts", job.id, job.kind, job.attempts)
            await self._store.fail(job.id, self.owner, reason, self._clock.now())
        else:
            await self._store.retry_later(job.id, self.owner, self._clock.now() + self._retry.delay(job.attempts),
                                          reason)
