"""Cases, their events, evidence and alerts in SQL; implements `bot.ports.CaseStore`.

Every write joins the caller's unit of work (`Database.transaction()` joins an open one), so a use
case's case row, events, evidence, alerts and outbox rows commit together. A transition is a
conditional update on the case's version: when no row changes, someone acted first.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.cases.machine import ACTIVE_MEDIATION, HELD_BY_MEDIATOR, Decision, Mediation, NewEvent
from bot.cases.model import Case, CaseEvent, case_number
from bot.intake.draft import EvidenceItem
from bot.ports import NewCase, UpdateAlreadyHandled, UpdateKey
from storage.db import Database
from storage.deadlines import DeadlineRepository
from storage.jobs import JobRepository
from storage.outbox import OutboxRepository
from storage.people import PeopleRepository
from storage.rates import record_rollups
from storage.updates import ProcessedUpdates

# The version of the payload shapes written now (migrated events carry 1).
PAYLOAD_VERSION = 2

_CASE_COLUMNS = (
    "id, number, worker_id, kind, mediation, outcome, centre_id, mediator_id, payment, arbitration,"
    " arbitration_outcome, arbitration_extended, inspection, accepted_at, mediation_extended, urgent, fields,"
    " workplace_street,"
    " workplace_district, observers, draft_id, version, created_at, updated_at"
)
_EVENT_COLUMNS = (
    "e.id, e.case_id, e.seq, e.type, e.track, e.from_state, e.to_state, e.occurred_at, e.recorded_at, e.actor_id,"
    " e.actor_role, e.centre_id, e.street, e.district, e.kind, e.payload_version, e.payload, e.note_id,"
    " n.text AS note"
)


def _case(row: aiosqlite.Row) -> Case:
    values = dict(row)
    values["fields"] = json.loads(values["fields"])
    values["observers"] = json.loads(values["observers"])
    return Case(**values)


def _event(row: aiosqlite.Row) -> CaseEvent:
    values = dict(row)
    values["payload"] = json.loads(values["payload"])
    return CaseEvent(**values)


def _dump(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


class CaseRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, case_id: int) -> Case | None:
        async with self._db.read() as conn, conn.execute(
            f"SELECT {_CASE_COLUMNS} FROM cases WHERE id = ?", (case_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return _case(row) if row else None

    async def by_draft(self, worker_id: int, draft_id: str) -> Case | None:
        async with self._db.read() as conn, conn.execute(
            f"SELECT {_CASE_COLUMNS} FROM cases WHERE worker_id = ? AND draft_id = ?", (worker_id, draft_id)
        ) as cursor:
            row = await cursor.fetchone()
        return _case(row) if row else None

    async def by_number(self, number: str) -> Case | None:
        async with self._db.read() as conn, conn.execute(
            f"SELECT {_CASE_COLUMNS} FROM cases WHERE number = ?", (number,)
        ) as cursor:
            row = await cursor.fetchone()
        return _case(row) if row else None

    async def held_by(self, mediator_id: int) -> list[Case]:
        """The cases a mediator holds in mediation."""
        held = sorted(HELD_BY_MEDIATOR)
        async with self._db.read() as conn, conn.execute(
            f"SELECT {_CASE_COLUMNS} FROM cases WHERE mediator_id = ? AND mediation IN ({', '.join('?' * len(held))})",
            (mediator_id, *held),
        ) as cursor:
            return [_case(row) for row in await cursor.fetchall()]

    async def waiting_at(self, centre_id: str) -> list[Case]:
        """The centre's cases no mediator has taken."""
        async with self._db.read() as conn, conn.execute(
            f"SELECT {_CASE_COLUMNS} FROM cases WHERE centre_id = ? AND mediation = ?", (centre_id, Mediation.ASSIGNED)
        ) as cursor:
            return [_case(row) for row in await cursor.fetchall()]

    async def of_worker(self, worker_id: int) -> list[Case]:
        async with self._db.read() as conn, conn.execute(
            f"SELECT {_CASE_COLUMNS} FROM cases WHERE worker_id = ? ORDER BY id DESC", (worker_id,)
        ) as cursor:
            return [_case(row) for row in await cursor.fetchall()]

    async def create(self, new: NewCase, first: NewEvent, *, recorded_at: datetime) -> Case:
        async with self._db.transaction() as conn:
            async with conn.execute(
                "INSERT INTO case_number_sequences (year, last_value) VALUES (?, 1)"
                " ON CONFLICT (year) DO UPDATE SET last_value = case_number_sequences.last_value + 1"
                " RETURNING last_value",
                (new.year,),
            ) as cursor:
                sequence = (await cursor.fetchone())[0]
            stamp = first.occurred_at.isoformat()
            async with conn.execute(
                f"INSERT INTO cases (number, worker_id, kind, mediation, urgent, fields, workplace_street,"
                f" workplace_district, observers, draft_id, created_at, updated_at)"
                f" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {_CASE_COLUMNS}",
                (case_number(new.year, sequence), new.worker_id, new.kind, Mediation.SUBMITTED, int(new.urgent),
                 _dump(new.fields), new.workplace_street, new.workplace_district, json.dumps(new.observers),
                 new.draft_id, stamp, stamp),
            ) as cursor:
                case = _case(await cursor.fetchone())
            await self._append(conn, case, [first], recorded_at=recorded_at)
        return case

    async def apply(self, case: Case, decision: Decision, *, recorded_at: datetime) -> Case | None:
        state = decision.state
        async with self._db.transaction() as conn:
            async with conn.execute(
                f"UPDATE cases SET mediation = ?, outcome = ?, centre_id = ?, mediator_id = ?, payment = ?,"
                f" arbitration = ?, arbitration_outcome = ?, arbitration_extended = ?, inspection = ?,"
                f" accepted_at = ?, mediation_extended = ?, version = version + 1, updated_at = ?"
                f" WHERE id = ? AND version = ? RETURNING {_CASE_COLUMNS}",
                (state.mediation, state.outcome, state.centre_id, state.mediator_id, state.payment,
                 state.arbitration, state.arbitration_outcome, int(state.arbitration_extended), state.inspection,
                 state.accepted_at.isoformat() if state.accepted_at else None, int(state.mediation_extended),
                 recorded_at.isoformat(), case.id, case.version),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            changed = _case(row)
            await self._append(conn, changed, decision.events, recorded_at=recorded_at)
        return changed

    async def append(self, case: Case, events: Sequence[NewEvent], *, recorded_at: datetime) -> None:
        """Events that change no track (evidence added, say): the case's version stays."""
        async with self._db.transaction() as conn:
            await self._append(conn, case, events, recorded_at=recorded_at)

    async def _append(self, conn: aiosqlite.Connection, case: Case, events: Sequence[NewEvent], *,
                      recorded_at: datetime) -> None:
        # Taking the sequence numbers updates the case row, which also orders concurrent appends on
        # databases that lock rows (PostgreSQL) rather than the whole file.
        async with conn.execute(
            "UPDATE cases SET last_seq = last_seq + ? WHERE id = ? RETURNING last_seq", (len(events), case.id)
        ) as cursor:
            last = (await cursor.fetchone())[0]
        for seq, event in enumerate(events, start=last - len(events) + 1):
            note_id = None
            if event.note:
                async with conn.execute(
                    "INSERT INTO case_notes (case_id, text, created_at) VALUES (?, ?, ?) RETURNING id",
                    (case.id, event.note, recorded_at.isoformat()),
                ) as cursor:
                    note_id = (await cursor.fetchone())[0]
            await conn.execute(
                "INSERT INTO case_events (case_id, seq, type, track, from_state, to_state, occurred_at, recorded_at,"
                " actor_id, actor_role, centre_id, street, district, kind, payload_version, payload, note_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (case.id, seq, event.type, event.track, event.from_state, event.to_state,
                 event.occurred_at.isoformat(), recorded_at.isoformat(), event.actor.person_id, event.actor.role,
                 case.centre_id, case.workplace_street, case.workplace_district, case.kind, PAYLOAD_VERSION,
                 _dump(event.payload), note_id),
            )
        # The rates' rollups are kept by the transaction that writes the events (storage/rates.py).
        await record_rollups(conn, case, events, first_seq=last - len(events) + 1)

    async def events(self, case_id: int) -> list[CaseEvent]:
        async with self._db.read() as conn, conn.execute(
            f"SELECT {_EVENT_COLUMNS} FROM case_events e LEFT JOIN case_notes n ON n.id = e.note_id"
            " WHERE e.case_id = ? ORDER BY e.seq", (case_id,)
        ) as cursor:
            return [_event(row) for row in await cursor.fetchall()]

    async def last_event(self, case_id: int) -> CaseEvent | None:
        async with self._db.read() as conn, conn.execute(
            f"SELECT {_EVENT_COLUMNS} FROM case_events e LEFT JOIN case_notes n ON n.id = e.note_id"
            " WHERE e.case_id = ? ORDER BY e.seq DESC LIMIT 1", (case_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return _event(row) if row else None

    async def add_evidence(self, case_id: int, item: EvidenceItem, *, added_by: int, at: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO case_evidence (case_id, type, file_id, file_unique_id, name, size, added_by, added_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (case_id, item.type, item.file_id, item.file_unique_id, item.name, item.size, added_by,
                 at.isoformat()),
            )

    async def evidence(self, case_id: int) -> list[EvidenceItem]:
        async with self._db.read() as conn, conn.execute(
            "SELECT file_id, file_unique_id, type, name, size FROM case_evidence WHERE case_id = ? ORDER BY id",
            (case_id,),
        ) as cursor:
            return [EvidenceItem(**dict(row)) for row in await cursor.fetchall()]

    async def add_alerts(self, case_id: int, reasons: Sequence[str], *, at: datetime) -> None:
        if not reasons:
            return
        async with self._db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO alerts (case_id, reason, raised_at) VALUES (?, ?, ?)",
                [(case_id, reason, at.isoformat()) for reason in reasons],
            )

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

    async def open_cases_by_centre(self) -> dict[str, int]:
        """Cases a centre holds in mediation: its queue, for routing by load."""
        active = sorted(ACTIVE_MEDIATION - {Mediation.SUBMITTED})
        async with self._db.read() as conn, conn.execute(
            f"SELECT centre_id, COUNT(*) FROM cases WHERE centre_id IS NOT NULL"
            f" AND mediation IN ({', '.join('?' for _ in active)}) GROUP BY centre_id",
            active,
        ) as cursor:
            return {row[0]: row[1] for row in await cursor.fetchall()}


class AccessLogRepository:
    """Every view of a worker's personal details by staff: who, when, which case, what."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, staff_id: int, case_id: int, what: str, *, at: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("INSERT INTO access_log (staff_id, case_id, what, at) VALUES (?, ?, ?, ?)",
                               (staff_id, case_id, what, at.isoformat()))

    async def of_case(self, case_id: int) -> list[tuple[int, str]]:
        """(staff id, what) of every recorded view, oldest first."""
        async with self._db.read() as conn, conn.execute(
            "SELECT staff_id, what FROM access_log WHERE case_id = ? ORDER BY id", (case_id,)
        ) as cursor:
            return [(row[0], row[1]) for row in await cursor.fetchall()]


@dataclass(frozen=True)
class SQLiteTransaction:
    cases: CaseRepository
    people: PeopleRepository
    outbox: OutboxRepository
    access_log: AccessLogRepository
    jobs: JobRepository
    deadlines: DeadlineRepository


class SQLiteUnitOfWork:
    """`async with uow() as tx:` — one transaction that every store in `tx` joins.

    Bound to an update (one unit of work per update, made by middleware), its first transaction also
    records the update as handled: a redelivered update, even one that reached another process at the
    same moment, then fails with `UpdateAlreadyHandled` and writes nothing.
    """

    def __init__(self, db: Database, update: UpdateKey | None = None, *, now: Callable[[], datetime] | None = None
                 ) -> None:
        self._db = db
        self._transaction = SQLiteTransaction(cases=CaseRepository(db), people=PeopleRepository(db),
                                              outbox=OutboxRepository(db), access_log=AccessLogRepository(db),
                                              jobs=JobRepository(db), deadlines=DeadlineRepository(db))
        self._update = update
        self._now = now
        self._recorded = update is None

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[SQLiteTransaction]:
        if self._db.in_transaction:  # a use case inside another: one transaction, recorded by the outer one
            yield self._transaction
            return
        async with self._db.transaction():
            if not self._recorded and self._update is not None and self._now is not None \
                    and not await ProcessedUpdates(self._db).record(self._update, at=self._now()):
                raise UpdateAlreadyHandled(self._update)
            yield self._transaction
        self._recorded = True
