"""The jobs table and the runners' health, leased by conditional updates (pending, and the lease
free or expired) so two processes never run one job at once."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

import aiosqlite

from bot.jobs import Job, NewJob
from storage.db import Database
from storage.timestamps import utc_text

_COLUMNS = (
    "id, kind, unique_key, case_id, due_at, next_attempt_at, payload, status, attempts, last_error, lease_owner,"
    " lease_until, created_at, done_at"
)
_RELEASE = "lease_owner = NULL, lease_until = NULL"
_HELD_BY = "id = ? AND status = 'pending' AND lease_owner = ?"


def _job(row: aiosqlite.Row) -> Job:
    values = dict(row)
    values["payload"] = json.loads(values["payload"])
    return Job.model_validate(values)


class JobRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def schedule(self, job: NewJob, *, now: datetime) -> int:
        due = utc_text(job.due_at)
        async with self._db.transaction() as conn:
            # Scheduled again while pending: moved, and a run in progress loses its lease (its "done"
            # would be for the old time). Already finished: left alone, and its id returned.
            async with conn.execute(
                "INSERT INTO jobs (kind, unique_key, case_id, due_at, next_attempt_at, payload, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, unique_key) DO UPDATE SET"
                f" due_at = excluded.due_at, next_attempt_at = excluded.next_attempt_at, payload = excluded.payload,"
                f" case_id = excluded.case_id, attempts = 0, {_RELEASE} WHERE jobs.status = 'pending' RETURNING id",
                (job.kind, job.unique_key, job.case_id, due, due, json.dumps(job.payload, ensure_ascii=False),
                 utc_text(now)),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                async with conn.execute(
                    "SELECT id FROM jobs WHERE kind = ? AND unique_key = ?", (job.kind, job.unique_key)
                ) as cursor:
                    row = await cursor.fetchone()
        return int(row[0])

    async def claim_due(self, now: datetime, owner: str, lease: timedelta, limit: int) -> list[Job]:
        stamp = utc_text(now)
        free = "status = 'pending' AND (lease_until IS NULL OR lease_until <= ?)"
        async with self._db.transaction() as conn, conn.execute(
            f"UPDATE jobs SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE id IN ("
            f" SELECT id FROM jobs WHERE status = 'pending' AND next_attempt_at <= ?"
            f" AND (lease_until IS NULL OR lease_until <= ?) ORDER BY next_attempt_at, id LIMIT ?)"
            f" AND {free} RETURNING {_COLUMNS}",
            (owner, utc_text(now + lease), stamp, stamp, limit, stamp),
        ) as cursor:
            rows = await cursor.fetchall()
        return sorted((_job(row) for row in rows), key=lambda job: (job.next_attempt_at, job.id))

    async def mark_done(self, job_id: int, owner: str, now: datetime) -> bool:
        return await self._execute(
            f"UPDATE jobs SET status = 'done', done_at = ?, {_RELEASE} WHERE {_HELD_BY}", (utc_text(now), job_id, owner)
        )

    async def retry_later(self, job_id: int, owner: str, at: datetime, error: str) -> None:
        await self._execute(
            f"UPDATE jobs SET next_attempt_at = ?, last_error = ?, {_RELEASE} WHERE {_HELD_BY}",
            (utc_text(at), error, job_id, owner),
        )

    async def fail(self, job_id: int, owner: str, error: str, now: datetime) -> None:
        await self._execute(
            f"UPDATE jobs SET status = 'failed', last_error = ?, done_at = ?, {_RELEASE} WHERE {_HELD_BY}",
            (error, utc_text(now), job_id, owner),
        )

    async def get(self, job_id: int) -> Job | None:
        async with self._db.read() as conn, conn.execute(
            f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return _job(row) if row else None

    async def record_run(self, runner: str, at: datetime) -> None:
        await self._execute(
            "INSERT INTO runner_health (runner, last_run_at) VALUES (?, ?)"
            " ON CONFLICT (runner) DO UPDATE SET last_run_at = excluded.last_run_at",
            (runner, utc_text(at)),
        )

    async def last_run(self, runner: str) -> datetime | None:
        async with self._db.read() as conn, conn.execute(
            "SELECT last_run_at FROM runner_health WHERE runner = ?", (runner,)
        ) as cursor:
            row = await cursor.fetchone()
        return datetime.fromisoformat(row[0]) if row else None

    async def _execute(self, sql: str, params: Sequence[object]) -> bool:
        """True when a row changed."""
        async with self._db.transaction() as conn, conn.execute(sql, params) as cursor:
            return cursor.rowcount == 1
