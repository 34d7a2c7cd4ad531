"""Staff invites, failed /join attempts and the record of role changes in SQL; implements
`bot.ports.StaffStore`, and the unit of work the staff use cases run in.

Every write joins the caller's unit of work (`Database.transaction()` joins an open one), so a
revocation's role change, its record and the case events of the cases it moves commit together.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, fields
from datetime import datetime

import aiosqlite

from bot.cases.machine import HELD_BY_MEDIATOR
from bot.people import Person, Role
from bot.ports import Invite, NewInvite
from storage.cases import SQLiteTransaction, SQLiteUnitOfWork
from storage.db import Database
from storage.timestamps import utc_text

_INVITE_COLUMNS = "id, role, centre_id, district, created_by, created_at, expires_at, used_by, used_at"
_HELD = sorted(HELD_BY_MEDIATOR)


def _invite(row: aiosqlite.Row) -> Invite:
    values = dict(row)
    for name in ("created_at", "expires_at", "used_at"):
        if values[name] is not None:
            values[name] = datetime.fromisoformat(values[name])
    return Invite(**{**values, "role": Role(values["role"])})


def _placeholders(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


class StaffRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_invite(self, invite: NewInvite) -> Invite:
        async with self._db.transaction() as conn, conn.execute(
            f"INSERT INTO staff_invites (code_hash, role, centre_id, district, created_by, created_at, expires_at)"
            f" VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING {_INVITE_COLUMNS}",
            (invite.code_hash, invite.role, invite.centre_id, invite.district, invite.created_by,
             utc_text(invite.created_at), utc_text(invite.expires_at)),
        ) as cursor:
            return _invite(await cursor.fetchone())

    async def invite_by_hash(self, code_hash: str) -> Invite | None:
        async with self._db.read() as conn, conn.execute(
            f"SELECT {_INVITE_COLUMNS} FROM staff_invites WHERE code_hash = ?", (code_hash,)
        ) as cursor:
            row = await cursor.fetchone()
        return _invite(row) if row else None

    async def use_invite(self, invite_id: int, person_id: int, *, at: datetime) -> bool:
        # Conditional, so that of two people using one code at the same moment only one gets it.
        async with self._db.transaction() as conn, conn.execute(
            "UPDATE staff_invites SET used_by = ?, used_at = ? WHERE id = ? AND used_by IS NULL RETURNING id",
            (person_id, utc_text(at), invite_id),
        ) as cursor:
            return await cursor.fetchone() is not None

    async def failed_joins(self, person_id: int, *, since: datetime) -> list[datetime]:
        async with self._db.read() as conn, conn.execute(
            "SELECT attempted_at FROM staff_join_attempts WHERE person_id = ? AND attempted_at > ?"
            " ORDER BY attempted_at", (person_id, utc_text(since)),
        ) as cursor:
            return [datetime.fromisoformat(row[0]) for row in await cursor.fetchall()]

    async def record_failed_join(self, person_id: int, *, at: datetime, forget_before: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM staff_join_attempts WHERE person_id = ? AND attempted_at < ?",
                               (person_id, utc_text(forget_before)))
            await conn.execute("INSERT INTO staff_join_attempts (person_id, attempted_at) VALUES (?, ?)",
                               (person_id, utc_text(at)))

    async def record_change(self, person: Person, *, by: int | None, invite_id: int | None, at: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO staff_changes (person_id, role, centre_id, district, changed_by, invite_id, changed_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (person.id, person.role, person.centre_id, person.district, by, invite_id, utc_text(at)),
            )

    async def held_cases(self, mediator_id: int) -> list[int]:
        async with self._db.read() as conn, conn.execute(
            f"SELECT id FROM cases WHERE mediator_id = ? AND mediation IN ({_placeholders(_HELD)}) ORDER BY id",
            (mediator_id, *_HELD),
        ) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def held_counts(self, mediator_ids: Sequence[int]) -> dict[int, int]:
        if not mediator_ids:
            return {}
        async with self._db.read() as conn, conn.execute(
            f"SELECT mediator_id, COUNT(*) FROM cases WHERE mediator_id IN ({_placeholders(mediator_ids)})"
            f" AND mediation IN ({_placeholders(_HELD)}) GROUP BY mediator_id",
            (*mediator_ids, *_HELD),
        ) as cursor:
            return {row[0]: row[1] for row in await cursor.fetchall()}


@dataclass(frozen=True)
class SQLiteStaffTransaction(SQLiteTransaction):
    """The unit of work's stores, and the staff store."""

    staff: StaffRepository


class SQLiteStaffUnitOfWork:
    """The staff store joined to a unit of work: an update's (which records the update in its first
    transaction, see `SQLiteUnitOfWork`) or, for the command line, one of its own."""

    def __init__(self, db: Database, uow: SQLiteUnitOfWork | None = None) -> None:
        self._uow = uow or SQLiteUnitOfWork(db)
        self._staff = StaffRepository(db)

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[SQLiteStaffTransaction]:
        async with self._uow() as tx:
            stores = {store.name: getattr(tx, store.name) for store in fields(tx)}
            yield SQLiteStaffTransaction(**stores, staff=self._staff)
