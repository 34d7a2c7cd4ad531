"""The clocks each case runs and the calendar they were counted with, in SQL; implements
`bot.deadline_keeper.DeadlineStore`. Every write joins the caller's unit of work."""

from __future__ import annotations

from datetime import date, datetime

import aiosqlite

from bot.cases.machine import ACTIVE_MEDIATION, OPEN_ARBITRATION, OPEN_INSPECTION
from bot.clocks import Limit
from bot.deadlines import ClockStatus, Deadline
from storage.db import Database
from storage.timestamps import utc_text

_COLUMNS = ("clock, status, started_on, due_on, provisional, extension_days, suspended_days, suspended_on,"
            " stopped_on, held")


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _deadline(row: aiosqlite.Row) -> Deadline:
    return Deadline(clock=Limit(row["clock"]), status=ClockStatus(row["status"]),
                    started_on=date.fromisoformat(row["started_on"]), due_on=date.fromisoformat(row["due_on"]),
                    provisional=bool(row["provisional"]), extension_days=row["extension_days"],
                    suspended_days=row["suspended_days"], suspended_on=_day(row["suspended_on"]),
                    stopped_on=_day(row["stopped_on"]), held=None if row["held"] is None else bool(row["held"]))


def _marks(values: list[str]) -> str:
    return ", ".join("?" for _ in values)


def _text(day: date | None) -> str | None:
    return day.isoformat() if day else None


class DeadlineRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def of_case(self, case_id: int) -> list[Deadline]:
        async with self._db.read() as conn, conn.execute(
            f"SELECT {_COLUMNS} FROM case_deadlines WHERE case_id = ?", (case_id,)
        ) as cursor:
            return [_deadline(row) for row in await cursor.fetchall()]

    async def put(self, case_id: int, deadline: Deadline, *, now: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                f"INSERT INTO case_deadlines (case_id, {_COLUMNS}, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (case_id, clock) DO UPDATE SET status = excluded.status,"
                " started_on = excluded.started_on, due_on = excluded.due_on, provisional = excluded.provisional,"
                " extension_days = excluded.extension_days, suspended_days = excluded.suspended_days,"
                " suspended_on = excluded.suspended_on, stopped_on = excluded.stopped_on, held = excluded.held,"
                " updated_at = excluded.updated_at",
                (case_id, deadline.clock, deadline.status, deadline.started_on.isoformat(), deadline.due_on.isoformat(),
                 int(deadline.provisional), deadline.extension_days, deadline.suspended_days,
                 _text(deadline.suspended_on), _text(deadline.stopped_on),
                 None if deadline.held is None else int(deadline.held), utc_text(now)),
            )

    async def cases_with_open_clocks(self) -> list[int]:
        """Cases with a clock running or suspended, whose due dates a calendar change can move."""
        async with self._db.read() as conn, conn.execute(
            "SELECT DISTINCT case_id FROM case_deadlines WHERE status IN (?, ?) ORDER BY case_id",
            (ClockStatus.RUNNING, ClockStatus.SUSPENDED),
        ) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def open_cases_without_clocks(self) -> list[int]:
        active, arbitration, inspection = sorted(ACTIVE_MEDIATION), sorted(OPEN_ARBITRATION), sorted(OPEN_INSPECTION)
        async with self._db.read() as conn, conn.execute(
            f"SELECT id FROM cases WHERE (mediation IN ({_marks(active)}) OR arbitration IN ({_marks(arbitration)})"
            f" OR inspection IN ({_marks(inspection)}))"
            " AND NOT EXISTS (SELECT 1 FROM case_deadlines d WHERE d.case_id = cases.id) ORDER BY id",
            (*active, *arbitration, *inspection),
        ) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def fingerprint(self) -> str | None:
        async with self._db.read() as conn, conn.execute(
            "SELECT fingerprint FROM deadline_calendar WHERE id = 1"
        ) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    async def set_fingerprint(self, fingerprint: str, *, now: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO deadline_calendar (id, fingerprint, counted_at) VALUES (1, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint, counted_at = excluded.counted_at",
                (fingerprint, utc_text(now)),
            )
