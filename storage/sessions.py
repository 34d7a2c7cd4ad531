"""Mediation sessions in SQL; implements `bot.sessions.SessionStore`, and the unit of work the session use
cases run in. Every write joins the caller's unit of work; changes are conditional on the revision the
caller read, so of two racing changes one wins."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, fields
from datetime import datetime

import aiosqlite

from bot.sessions import SessionPlan, SessionStatus, StoredSession
from storage.cases import SQLiteTransaction, SQLiteUnitOfWork
from storage.db import Database
from storage.timestamps import utc_text

_COLUMNS = ("id, case_id, mediator_id, starts_at, place, centre_id, link, status, revision, proposed_at, created_at,"
            " updated_at")


def _session(row: aiosqlite.Row) -> StoredSession:
    return StoredSession.model_validate(dict(row))


class SessionRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, case_id: int, starts_at: datetime, plan: SessionPlan, *, mediator_id: int,
                  centre_id: str | None, now: datetime) -> StoredSession:
        async with self._db.transaction() as conn, conn.execute(
            "INSERT INTO case_sessions (case_id, mediator_id, starts_at, place, centre_id, link, status, created_at,"
            f" updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
            (case_id, mediator_id, utc_text(starts_at), plan.place, centre_id, plan.link, SessionStatus.PROPOSED,
             utc_text(now), utc_text(now)),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:  # INSERT ... RETURNING returns the row it wrote
            raise RuntimeError(f"session of case {case_id} not returned by its insert")
        return _session(row)

    async def get(self, session_id: int) -> StoredSession | None:
        async with self._db.read() as conn, conn.execute(
            f"SELECT {_COLUMNS} FROM case_sessions WHERE id = ?", (session_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return _session(row) if row else None

    async def of_case(self, case_id: int) -> list[StoredSession]:
        async with self._db.read() as conn, conn.execute(
            f"SELECT {_COLUMNS} FROM case_sessions WHERE case_id = ? ORDER BY starts_at, id", (case_id,)
        ) as cursor:
            return [_session(row) for row in await cursor.fetchall()]

    async def move(self, session_id: int, revision: int, starts_at: datetime, *, now: datetime) -> StoredSession | None:
        async with self._db.transaction() as conn, conn.execute(
            "UPDATE case_sessions SET starts_at = ?, status = ?, revision = revision + 1, proposed_at = NULL,"
            f" updated_at = ? WHERE id = ? AND revision = ? RETURNING {_COLUMNS}",
            (utc_text(starts_at), SessionStatus.PROPOSED, utc_text(now), session_id, revision),
        ) as cursor:
            row = await cursor.fetchone()
        return _session(row) if row else None

    async def set_status(self, session_id: int, revision: int, status: SessionStatus, *, now: datetime,
                         proposed_at: datetime | None = None) -> bool:
        async with self._db.transaction() as conn, conn.execute(
            "UPDATE case_sessions SET status = ?, proposed_at = ?, updated_at = ? WHERE id = ? AND revision = ?"
            " AND status <> ?",
            (status, utc_text(proposed_at) if proposed_at else None, utc_text(now), session_id, revision, status),
        ) as cursor:
            return cursor.rowcount == 1


@dataclass(frozen=True)
class SQLiteSessionTransaction(SQLiteTransaction):
    """The unit of work's stores, and the sessions store."""

    sessions: SessionRepository


class SQLiteSessionUnitOfWork:
    """The sessions store joined to a unit of work: an update's (see `SQLiteUnitOfWork`), or for a job
    one of its own."""

    def __init__(self, db: Database, uow: SQLiteUnitOfWork | None = None) -> None:
        self._uow = uow or SQLiteUnitOfWork(db)
        self._sessions = SessionRepository(db)

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[SQLiteSessionTransaction]:
        async with self._uow() as tx:
            stores = {store.name: getattr(tx, store.name) for store in fields(tx)}
            yield SQLiteSessionTransaction(**stores, sessions=self._sessions)
