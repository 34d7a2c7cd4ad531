"""The limits past or near, in SQL: the stored clocks, the desk's acknowledgement jobs and the agreed
payments; implements `bot.overdue.OverdueStore`, and the unit of work the supervisors' use cases run in.
Reads join the caller's unit of work; the events and notices are written by the stores it already has."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, fields
from datetime import date, datetime

from bot.cases.machine import Mediation
from bot.deadlines import CASE_CLOCKS, ClockStatus
from bot.desk import ACKNOWLEDGE_JOB
from bot.overdue import DueRow, Reach, Watch
from storage.cases import SQLiteTransaction, SQLiteUnitOfWork
from storage.db import Database
from storage.timestamps import utc_text


def _within(reach: Reach) -> tuple[str, tuple[str, ...]]:
    """The condition on the cases (`c`) in reach, and its parameters."""
    if reach.centre is not None:
        return " AND c.centre_id = ?", (reach.centre,)
    if reach.district is not None:
        return " AND c.workplace_district = ?", (reach.district,)
    return "", ()


class OverdueRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def due(self, reach: Reach, *, by_day: date, acknowledge_by: datetime) -> list[DueRow]:
        where, params = _within(reach)
        clocks = [clock.value for clock in CASE_CLOCKS]
        rows: list[DueRow] = []
        async with self._db.read() as conn:
            async with conn.execute(
                "SELECT d.case_id, d.clock, d.due_on FROM case_deadlines d JOIN cases c ON c.id = d.case_id"
                f" WHERE d.status = ? AND d.due_on <= ? AND d.clock IN ({', '.join('?' for _ in clocks)}){where}",
                (ClockStatus.RUNNING, by_day.isoformat(), *clocks, *params),
            ) as cursor:
                rows += [DueRow(row["case_id"], Watch(row["clock"]), date.fromisoformat(row["due_on"]))
                         for row in await cursor.fetchall()]
            async with conn.execute(
                "SELECT c.id, j.due_at FROM cases c JOIN jobs j ON j.case_id = c.id AND j.kind = ?"
                f" WHERE c.mediation = ? AND j.due_at <= ?{where}",
                (ACKNOWLEDGE_JOB, Mediation.ASSIGNED, utc_text(acknowledge_by), *params),
            ) as cursor:
                for row in await cursor.fetchall():
                    due_at = datetime.fromisoformat(row["due_at"])
                    rows.append(DueRow(row["id"], Watch.ACKNOWLEDGEMENT, due_at.date(), due_at=due_at))
            async with conn.execute(
                "SELECT t.case_id, t.position, t.due_on FROM agreement_terms t"
                " JOIN agreements a ON a.case_id = t.case_id JOIN cases c ON c.id = t.case_id"
                " WHERE a.effective_on IS NOT NULL AND t.amount IS NOT NULL AND t.payment IS NULL"
                f" AND t.due_on <= ?{where}",
                (by_day.isoformat(), *params),
            ) as cursor:
                rows += [DueRow(row["case_id"], Watch.PAYMENT_CHECK, date.fromisoformat(row["due_on"]),
                                term=row["position"]) for row in await cursor.fetchall()]
        return rows


@dataclass(frozen=True)
class SQLiteSupervisionTransaction(SQLiteTransaction):
    """The unit of work's stores, and the overdue list's."""

    overdue: OverdueRepository


class SQLiteSupervisionUnitOfWork:
    """The overdue store joined to a unit of work: an update's (see `SQLiteUnitOfWork`), or one of its own."""

    def __init__(self, db: Database, uow: SQLiteUnitOfWork | None = None) -> None:
        self._uow = uow or SQLiteUnitOfWork(db)
        self._overdue = OverdueRepository(db)

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[SQLiteSupervisionTransaction]:
        async with self._uow() as tx:
            stores = {store.name: getattr(tx, store.name) for store in fields(tx)}
            yield SQLiteSupervisionTransaction(**stores, overdue=self._overdue)
