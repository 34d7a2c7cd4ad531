"""The employer's contact details as the holding mediator recorded them, in SQL; implements
`bot.employer.EmployerStore`, and the unit of work the employer use cases run in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, fields
from datetime import datetime

from bot.employer import EmployerContact, EmployerField
from storage.cases import SQLiteTransaction, SQLiteUnitOfWork
from storage.db import Database
from storage.timestamps import utc_text

# The column each field is kept in (never interpolated from outside this mapping).
_COLUMNS = {EmployerField.NAME: "name", EmployerField.ADDRESS: "address", EmployerField.CONTACT: "contact",
            EmployerField.PHONE: "phone"}


class EmployerRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, case_id: int) -> EmployerContact | None:
        async with self._db.read() as conn, conn.execute(
            "SELECT name, address, contact, phone FROM case_employers WHERE case_id = ?", (case_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return EmployerContact.model_validate(dict(row)) if row else None

    async def set_field(self, case_id: int, name: EmployerField, value: str | None, *, by: int,
                        now: datetime) -> EmployerContact:
        column = _COLUMNS[name]
        async with self._db.transaction() as conn:
            await conn.execute(
                f"INSERT INTO case_employers (case_id, {column}, updated_by, updated_at) VALUES (?, ?, ?, ?)"
                f" ON CONFLICT (case_id) DO UPDATE SET {column} = excluded.{column},"
                " updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                (case_id, value, by, utc_text(now)),
            )
        stored = await self.get(case_id)
        if stored is None:  # written just above, in this transaction
            raise RuntimeError(f"employer of case {case_id} not found after saving it")
        return stored


@dataclass(frozen=True)
class SQLiteEmployerTransaction(SQLiteTransaction):
    """The unit of work's stores, and the employers."""

    employers: EmployerRepository


class SQLiteEmployerUnitOfWork:
    """The employers joined to a unit of work: an update's (see `SQLiteUnitOfWork`), or one of its own."""

    def __init__(self, db: Database, uow: SQLiteUnitOfWork | None = None) -> None:
        self._uow = uow or SQLiteUnitOfWork(db)
        self._employers = EmployerRepository(db)

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[SQLiteEmployerTransaction]:
        async with self._uow() as tx:
            stores = {store.name: getattr(tx, store.name) for store in fields(tx)}
            yield SQLiteEmployerTransaction(**stores, employers=self._employers)
