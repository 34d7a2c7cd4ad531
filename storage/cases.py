"""Case repository. A case's row and its event are written in one transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from bot.cases import Case, CaseEvent, CaseStatus, DisputeKind, case_number, check_transition
from bot.intake.draft import EvidenceItem
from storage.db import Database

_CASE_COLUMNS = "id, number, worker_id, kind, status, centre_id, urgent, fields, created_at, updated_at"
_EVENT_COLUMNS = "id, case_id, at, actor_id, type, from_status, to_status, reason, payload"


def _case(row: aiosqlite.Row) -> Case:
    values = dict(row)
    values["fields"] = json.loads(values["fields"])
    return Case(**values)


def _event(row: aiosqlite.Row) -> CaseEvent:
    values = dict(row)
    values["payload"] = json.loads(values["payload"])
    return CaseEvent(**values)


def _dump(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


async def _insert_event(conn: aiosqlite.Connection, case_id: int, event: CaseEvent) -> None:
    await conn.execute(
        "INSERT INTO case_events (case_id, at, actor_id, type, from_status, to_status, reason, payload)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (case_id, event.at.isoformat(), event.actor_id, event.type, event.from_status, event.to_status,
         event.reason, _dump(event.payload)),
    )


async def _insert_submitted(
    conn: aiosqlite.Connection, *, worker_id: int, kind: DisputeKind, fields: dict[str, Any], urgent: bool,
    year: int, at: datetime, payload: dict[str, Any] | None,
) -> int:
    async with conn.execute(
        "INSERT INTO case_number_sequences (year, last_value) VALUES (?, 1)"
        " ON CONFLICT (year) DO UPDATE SET last_value = last_value + 1 RETURNING last_value",
        (year,),
    ) as cursor:
        sequence = (await cursor.fetchone())[0]
    async with conn.execute(
        "INSERT INTO cases (number, worker_id, kind, status, urgent, fields, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (case_number(year, sequence), worker_id, kind, CaseStatus.SUBMITTED, int(urgent), _dump(fields),
         at.isoformat(), at.isoformat()),
    ) as cursor:
        case_id = (await cursor.fetchone())[0]
    await _insert_event(conn, case_id, CaseEvent(
        at=at, actor_id=worker_id, type="submitted", to_status=CaseStatus.SUBMITTED, payload=payload or {},
    ))
    return case_id


async def _insert_evidence(
    conn: aiosqlite.Connection, case_id: int, item: EvidenceItem, *, added_by: int, at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO case_evidence (case_id, type, file_id, file_unique_id, name, size, added_by, added_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (case_id, item.type, item.file_id, item.file_unique_id, item.name, item.size, added_by, at.isoformat()),
    )


class CaseNotFound(LookupError):
    pass


class CaseRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def submit(
        self, *, worker_id: int, kind: DisputeKind, fields: dict[str, Any], urgent: bool, year: int,
        at: datetime, payload: dict[str, Any] | None = None,
    ) -> Case:
        """Store a submitted case with its number and its first event, atomically."""
        async with self._db.transaction() as conn:
            case_id = await _insert_submitted(conn, worker_id=worker_id, kind=kind, fields=fields, urgent=urgent,
                                              year=year, at=at, payload=payload)
        return await self.get(case_id)

    async def submit_intake(
        self, *, worker_id: int, kind: DisputeKind, fields: dict[str, Any], urgent: bool, year: int,
        at: datetime, payload: dict[str, Any], evidence: Sequence[EvidenceItem], alerts: Sequence[str],
        centre_id: str | None, routing: dict[str, Any] | None = None,
    ) -> Case:
        """A complaint from the intake: the case, its number, its first event, its evidence, its alerts
        and (when routing chose one) its centre with the "assigned" event, in one transaction."""
        async with self._db.transaction() as conn:
            case_id = await _insert_submitted(conn, worker_id=worker_id, kind=kind, fields=fields, urgent=urgent,
                                              year=year, at=at, payload=payload)
            for item in evidence:
                await _insert_evidence(conn, case_id, item, added_by=worker_id, at=at)
            await conn.executemany(
                "INSERT INTO alerts (case_id, reason, raised_at) VALUES (?, ?, ?)",
                [(case_id, reason, at.isoformat()) for reason in alerts],
            )
            if centre_id is not None:
                check_transition(CaseStatus.SUBMITTED, CaseStatus.ASSIGNED)
                await conn.execute("UPDATE cases SET status = ?, centre_id = ? WHERE id = ?",
                                   (CaseStatus.ASSIGNED, centre_id, case_id))
                await _insert_event(conn, case_id, CaseEvent(
                    at=at, type="assigned", from_status=CaseStatus.SUBMITTED, to_status=CaseStatus.ASSIGNED,
                    payload={"centre_id": centre_id, "routing": routing or {}},
                ))
        return await self.get(case_id)

    async def add_evidence(self, case_id: int, item: EvidenceItem, *, actor_id: int, at: datetime) -> None:
        """Evidence added to a filed case, with its event."""
        async with self._db.transaction() as conn:
            await self._fetch(conn, case_id)
            await _insert_evidence(conn, case_id, item, added_by=actor_id, at=at)
            await _insert_event(conn, case_id, CaseEvent(
                at=at, actor_id=actor_id, type="evidence_added",
                payload={"type": item.type, "name": item.name, "size": item.size},
            ))

    async def evidence(self, case_id: int) -> list[EvidenceItem]:
        async with self._db.read() as conn, conn.execute(
            "SELECT file_id, file_unique_id, type, name, size FROM case_evidence WHERE case_id = ? ORDER BY id",
            (case_id,),
        ) as cursor:
            return [EvidenceItem(**dict(row)) for row in await cursor.fetchall()]

    async def alerts(self, case_id: int) -> list[str]:
        async with self._db.read() as conn, conn.execute(
            "SELECT reason FROM alerts WHERE case_id = ? ORDER BY id", (case_id,)
        ) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def count_with_employer(self, employer_key: str, *, since: datetime) -> int:
        """Cases filed since `since` against the employer with this compared name (see bot.intake.collective)."""
        async with self._db.read() as conn, conn.execute(
            "SELECT count(*) FROM cases WHERE json_extract(fields, '$.employer_key') = ? AND created_at >= ?",
            (employer_key, since.isoformat()),
        ) as cursor:
            return (await cursor.fetchone())[0]

    async def transition(
        self, case_id: int, *, to_status: CaseStatus, actor_id: int | None, at: datetime, type: str,
        reason: str | None = None, payload: dict[str, Any] | None = None, centre_id: str | None = None,
    ) -> Case:
        """Move a case to a new status, checked against the state machine, with its event."""
        async with self._db.transaction() as conn:
            current = await self._fetch(conn, case_id)
            check_transition(current.status, to_status)
            await conn.execute(
                "UPDATE cases SET status = ?, centre_id = COALESCE(?, centre_id), updated_at = ? WHERE id = ?",
                (to_status, centre_id, at.isoformat(), case_id),
            )
            await _insert_event(conn, case_id, CaseEvent(
                at=at, actor_id=actor_id, type=type, from_status=current.status, to_status=to_status,
                reason=reason, payload=payload or {},
            ))
        return await self.get(case_id)

    async def get(self, case_id: int) -> Case:
        async with self._db.read() as conn:
            return await self._fetch(conn, case_id)

    async def of_worker(self, worker_id: int) -> list[Case]:
        async with self._db.read() as conn, conn.execute(
            f"SELECT {_CASE_COLUMNS} FROM cases WHERE worker_id = ? ORDER BY id DESC", (worker_id,)
        ) as cursor:
            return [_case(row) for row in await cursor.fetchall()]

    async def open_cases_by_centre(self) -> dict[str, int]:
        """Cases a centre holds and has not closed: its queue, for routing by load."""
        async with self._db.read() as conn, conn.execute(
            "SELECT centre_id, COUNT(*) FROM cases WHERE centre_id IS NOT NULL AND status IN (?, ?)"
            " GROUP BY centre_id",
            (CaseStatus.ASSIGNED, CaseStatus.ACCEPTED),
        ) as cursor:
            return {row[0]: row[1] for row in await cursor.fetchall()}

    async def events(self, case_id: int) -> list[CaseEvent]:
        async with self._db.read() as conn, conn.execute(
            f"SELECT {_EVENT_COLUMNS} FROM case_events WHERE case_id = ? ORDER BY id", (case_id,)
        ) as cursor:
            return [_event(row) for row in await cursor.fetchall()]

    @staticmethod
    async def _fetch(conn: aiosqlite.Connection, case_id: int) -> Case:
        async with conn.execute(f"SELECT {_CASE_COLUMNS} FROM cases WHERE id = ?", (case_id,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            raise CaseNotFound(case_id)
        return _case(row)
