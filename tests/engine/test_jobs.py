"""The jobs table and its runner on the real database file: what ran, how often, and what each job
row says at the end. Time is a FixedClock; nothing waits longer than a few milliseconds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.background import Backoff
from bot.clock import FixedClock
from bot.jobs import Job, JobRunner, JobStatus, NewJob, check_health
from storage.db import Database
from storage.jobs import JobRepository
from tests.conftest import NOW

LEASE = timedelta(minutes=5)
RETRY = Backoff(first=timedelta(seconds=30), factor=2, longest=timedelta(minutes=10), max_attempts=3)


@pytest.fixture
def jobs(db: Database) -> JobRepository:
    return JobRepository(db)


@pytest.fixture
async def effects(db: Database) -> Database:
    """A table the handlers write to, standing for a use case's writes."""
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE effects (job_id INTEGER NOT NULL, runner TEXT NOT NULL)")
    return db


async def effects_of(db: Database) -> list[tuple[int, str]]:
    async with db.read() as conn, conn.execute("SELECT job_id, runner FROM effects ORDER BY job_id") as cursor:
        return [(row[0], row[1]) for row in await cursor.fetchall()]


def writer(db: Database, runner: str, calls: list[int] | None = None):
    """A handler that records its run in the job's transaction (and, if asked, every call, committed or not)."""
    async def handle(job: Job) -> None:
        if calls is not None:
            calls.append(job.id)
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO effects (job_id, runner) VALUES (?, ?)", (job.id, runner))
        await asyncio.sleep(0)  # let the other runner in, where it can be
    return handle


def runner_for(db: Database, clock: FixedClock, handlers, owner: str, **options) -> JobRunner:
    return JobRunner(JobRepository(db), handlers, clock, owner=owner, lease=LEASE, retry=RETRY,
                     unit_of_work=db.transaction, **options)


def reminder(case_id: int, minutes: int = 0, key: str | None = "first-contact") -> NewJob:
    return NewJob(kind="remind", due_at=NOW + timedelta(minutes=minutes), case_id=case_id,
                  unique_key=f"case:{case_id}:{key}" if key else None, payload={"case": case_id})


# --- scheduling ------------------------------------------------------------------------------------

async def test_the_same_reminder_scheduled_twice_is_one_job_at_the_later_time(jobs: JobRepository) -> None:
    first = await jobs.schedule(reminder(7, minutes=10), now=NOW)
    again = await jobs.schedule(reminder(7, minutes=30), now=NOW)
    other = await jobs.schedule(reminder(8, minutes=10), now=NOW)
    unkeyed = [await jobs.schedule(reminder(9, key=None), now=NOW) for _ in range(2)]

    assert first == again and other != first and unkeyed[0] != unkeyed[1]
    job = await jobs.get(first)
    assert (job.due_at, job.next_attempt_at, job.status) == (NOW + timedelta(minutes=30),) * 2 + (JobStatus.PENDING,)


async def test_a_finished_job_scheduled_again_stays_finished(db: Database, jobs: JobRepository, clock: FixedClock,
                                                              effects: Database) -> None:
    job_id = await jobs.schedule(reminder(7), now=NOW)
    await runner_for(db, clock, {"remind": writer(db, "a")}, "a").run_due()

    assert await jobs.schedule(reminder(7, minutes=60), now=NOW) == job_id
    job = await jobs.get(job_id)
    assert (job.status, job.due_at, job.done_at) == (JobStatus.DONE, NOW, NOW)


async def test_scheduling_joins_the_use_cases_transaction(db: Database, jobs: JobRepository) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await jobs.schedule(reminder(7), now=NOW)
            raise RuntimeError("the use case failed")
    async with db.read() as conn, conn.execute("SELECT count(*) FROM jobs") as cursor:
        assert (await cursor.fetchone())[0] == 0


async def test_due_jobs_are_found_through_the_index(db: Database) -> None:
    async with db.read() as conn, conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM jobs WHERE status = 'pending' AND next_attempt_at <= ?"
        " ORDER BY next_attempt_at, id LIMIT 20", (NOW.isoformat(),)
    ) as cursor:
        plan = " ".join(row[3] for row in await cursor.fetchall())
    assert "USING INDEX jobs_due" in plan and "SCAN jobs" not in plan


# --- running -----------------------------------------------------------------------------------------

@pytest.fixture
async def second_db(db_path: Path, db: Database) -> AsyncIterator[Database]:
    other = await Database.open(db_path)  # another process's connection to the same file
    yield other
    await other.close()


async def test_two_runners_on_one_file_run_each_due_job_once(
    db: Database, second_db: Database, jobs: JobRepository, clock: FixedClock, effects: Database
) -> None:
    due = [await jobs.schedule(reminder(case_id), now=NOW) for case_id in range(40)]
    later = await jobs.schedule(reminder(99, minutes=1), now=NOW)
    calls: list[int] = []
    first = runner_for(db, clock, {"remind": writer(db, "first", calls)}, "first", batch=3)
    second = runner_for(second_db, clock, {"remind": writer(second_db, "second", calls)}, "second", batch=3)

    while sum(await asyncio.gather(first.run_due(), second.run_due())):  # rounds in which both claim at once
        pass

    assert sorted(calls) == due  # each ran once, and not the one due later
    ran = await effects_of(db)
    assert sorted(job_id for job_id, _ in ran) == due
    assert {runner for _, runner in ran} == {"first", "second"}  # both took part
    assert {(await jobs.get(job_id)).status for job_id in due} == {JobStatus.DONE}
    assert (await jobs.get(later)).status is JobStatus.PENDING


async def test_a_job_whose_runner_died_is_taken_over_after_the_lease(
    db: Database, jobs: JobRepository, clock: FixedClock, effects: Database
) -> None:
    job_id = await jobs.schedule(reminder(7), now=NOW)
    await jobs.claim_due(NOW, "dead-runner", LEASE, 10)  # claimed, then its process died
    survivor = runner_for(db, clock, {"remind": writer(db, "survivor")}, "survivor")

    clock.set(NOW + LEASE - timedelta(seconds=1))
    assert await survivor.run_due() == 0
    clock.set(NOW + LEASE)
    assert await survivor.run_due() == 1

    assert await effects_of(db) == [(job_id, "survivor")]
    job = await jobs.get(job_id)
    assert (job.status, job.attempts, job.lease_owner) == (JobStatus.DONE, 2, None)


async def test_a_run_that_lost_its_lease_commits_nothing(
    db: Database, jobs: JobRepository, clock: FixedClock, effects: Database
) -> None:
    job_id = await jobs.schedule(reminder(7), now=NOW)

    async def slow(job: Job) -> None:
        await writer(db, "slow")(job)
        async with db.transaction() as conn:  # meanwhile the lease passed to another runner
            await conn.execute("UPDATE jobs SET lease_owner = 'other' WHERE id = ?", (job.id,))

    await runner_for(db, clock, {"remind": slow}, "slow").run_due()

    assert await effects_of(db) == []
    assert (await jobs.get(job_id)).status is JobStatus.PENDING


async def test_a_failing_job_is_retried_with_backoff_then_failed(
    db: Database, jobs: JobRepository, clock: FixedClock, effects: Database
) -> None:
    job_id = await jobs.schedule(reminder(7), now=NOW)

    async def failing(job: Job) -> None:
        await writer(db, "failing")(job)
        raise RuntimeError("the case service refused, with personal details in the message")

    runner = runner_for(db, clock, {"remind": failing}, "runner")
    seen = []
    for at in (NOW, NOW + timedelta(seconds=29), NOW + timedelta(seconds=30), NOW + timedelta(seconds=89),
               NOW + timedelta(seconds=90), NOW + timedelta(hours=1)):
        clock.set(at)
        ran = await runner.run_due()
        job = await jobs.get(job_id)
        seen.append((ran, job.status, job.attempts, job.next_attempt_at - NOW))

    assert seen == [
        (1, JobStatus.PENDING, 1, timedelta(seconds=30)),
        (0, JobStatus.PENDING, 1, timedelta(seconds=30)),
        (1, JobStatus.PENDING, 2, timedelta(seconds=90)),
        (0, JobStatus.PENDING, 2, timedelta(seconds=90)),
        (1, JobStatus.FAILED, 3, timedelta(seconds=90)),
        (0, JobStatus.FAILED, 3, timedelta(seconds=90)),
    ]
    job = await jobs.get(job_id)
    assert (job.last_error, job.done_at) == ("RuntimeError", NOW + timedelta(seconds=90))
    assert await effects_of(db) == []  # every failed run's writes rolled back


async def test_a_job_of_an_unknown_kind_waits_for_a_runner_that_knows_it(
    db: Database, jobs: JobRepository, clock: FixedClock
) -> None:
    job_id = await jobs.schedule(NewJob(kind="newer", due_at=NOW), now=NOW)

    await runner_for(db, clock, {}, "old").run_due()

    job = await jobs.get(job_id)
    assert (job.status, job.last_error, job.next_attempt_at) == (
        JobStatus.PENDING, "no handler for 'newer'", NOW + timedelta(seconds=30))


async def test_a_job_that_keeps_killing_its_runners_is_abandoned(
    db: Database, jobs: JobRepository, clock: FixedClock, effects: Database
) -> None:
    job_id = await jobs.schedule(reminder(7), now=NOW)
    for death in range(RETRY.max_attempts):
        clock.set(NOW + LEASE * death)
        await jobs.claim_due(clock.now(), f"dead-{death}", LEASE, 10)
    clock.set(NOW + LEASE * RETRY.max_attempts)

    await runner_for(db, clock, {"remind": writer(db, "next")}, "next").run_due()

    job = await jobs.get(job_id)
    assert (job.status, job.last_error) == (JobStatus.FAILED, "abandoned by its runners")
    assert await effects_of(db) == []


async def test_the_loop_runs_due_jobs_until_stopped(
    db: Database, jobs: JobRepository, clock: FixedClock, effects: Database
) -> None:
    runner = runner_for(db, clock, {"remind": writer(db, "loop")}, "loop", poll_interval=0.002)
    stop = asyncio.Event()
    loop = asyncio.create_task(runner.run(stop))
    job_id = await jobs.schedule(reminder(7), now=NOW)

    for _poll in range(500):
        if (await jobs.get(job_id)).status is JobStatus.DONE:
            break
        await asyncio.sleep(0.002)
    stop.set()
    await asyncio.wait_for(loop, timeout=5)

    assert await effects_of(db) == [(job_id, "loop")]


# --- health --------------------------------------------------------------------------------------------

async def test_health_says_when_the_runner_has_not_run_for_an_hour(
    db: Database, second_db: Database, jobs: JobRepository, clock: FixedClock
) -> None:
    never = await check_health(jobs, "jobs", NOW)
    assert (never.stale, never.describe()) == (True, "job runner 'jobs' has never run")

    await runner_for(second_db, clock, {}, "elsewhere").run_due()  # any process's runner counts

    recent = await check_health(jobs, "jobs", NOW + timedelta(minutes=59))
    assert (recent.stale, recent.describe()) == (False, "job runner 'jobs' ran 59 min ago")
    silent = await check_health(jobs, "jobs", NOW + timedelta(hours=1))
    assert (silent.stale, silent.silent_for, silent.describe()) == (
        True, timedelta(hours=1), "job runner 'jobs' has not run for 60 min")
