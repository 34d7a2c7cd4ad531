"""Evidence files: what the store knows of each (`case_evidence`), the files themselves on disk, and the
access log read for the supervisors; implements `bot.evidence.EvidenceStore` and `EvidenceFiles`, and the
unit of work the evidence use cases run in. Every write joins the caller's unit of work."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path

import aiosqlite

from bot.evidence import DetailView, EvidenceFile
from storage.cases import SQLiteTransaction, SQLiteUnitOfWork
from storage.db import Database
from storage.timestamps import utc_text

# The front of a file id is the front of the person who sent it (the worker when nobody is recorded).
_EVIDENCE = (
    "SELECT e.id, e.case_id, e.type, e.name, e.size, e.file_id, e.file_unique_id, p.front, e.added_at,"
    " e.stored_as, e.stored_size, e.unavailable FROM case_evidence e JOIN cases c ON c.id = e.case_id"
    " JOIN people p ON p.id = coalesce(e.added_by, c.worker_id)"
)
INCOMING_PREFIX = ".incoming-"


def _file(row: aiosqlite.Row) -> EvidenceFile:
    return EvidenceFile.model_validate(dict(row))


class EvidenceRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def of_case(self, case_id: int) -> list[EvidenceFile]:
        async with self._db.read() as conn, conn.execute(f"{_EVIDENCE} WHERE e.case_id = ? ORDER BY e.id",
                                                          (case_id,)) as cursor:
            return [_file(row) for row in await cursor.fetchall()]

    async def get(self, evidence_id: int) -> EvidenceFile | None:
        async with self._db.read() as conn, conn.execute(f"{_EVIDENCE} WHERE e.id = ?", (evidence_id,)) as cursor:
            row = await cursor.fetchone()
        return _file(row) if row else None

    async def to_fetch(self, case_id: int) -> list[EvidenceFile]:
        async with self._db.read() as conn, conn.execute(
            f"{_EVIDENCE} WHERE e.case_id = ? AND e.stored_as IS NULL AND e.unavailable IS NULL ORDER BY e.id",
            (case_id,),
        ) as cursor:
            return [_file(row) for row in await cursor.fetchall()]

    async def mark_stored(self, evidence_id: int, stored_as: str, size: int, *, at: datetime) -> bool:
        async with self._db.transaction() as conn, conn.execute(
            "UPDATE case_evidence SET stored_as = ?, stored_size = ?, stored_at = ? WHERE id = ? AND stored_as IS NULL",
            (stored_as, size, utc_text(at), evidence_id),
        ) as cursor:
            return cursor.rowcount == 1

    async def mark_unavailable(self, evidence_id: int, reason: str, *, at: datetime) -> bool:
        async with self._db.transaction() as conn, conn.execute(
            "UPDATE case_evidence SET unavailable = ?, stored_at = ? WHERE id = ? AND stored_as IS NULL"
            " AND unavailable IS NULL", (reason, utc_text(at), evidence_id),
        ) as cursor:
            return cursor.rowcount == 1

    async def views(self, case_id: int, *, offset: int, limit: int) -> tuple[list[DetailView], int]:
        async with self._db.read() as conn:
            async with conn.execute("SELECT count(*) FROM access_log WHERE case_id = ?", (case_id,)) as cursor:
                total = (await cursor.fetchone())[0]
            async with conn.execute(
                "SELECT a.staff_id, coalesce(p.display_name, '') AS name, p.role, a.at, a.what FROM access_log a"
                " LEFT JOIN people p ON p.id = a.staff_id WHERE a.case_id = ? ORDER BY a.at DESC, a.id DESC"
                " LIMIT ? OFFSET ?", (case_id, limit, offset),
            ) as cursor:
                views = [DetailView.model_validate(dict(row)) for row in await cursor.fetchall()]
        return views, total


class EvidenceFileStore:
    """The evidence files on disk, one per file, written whole or not at all (a crash mid-write can leave an
    incoming file, never a partial evidence file). Names come from the store, never from a person."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def path(self, name: str) -> Path:
        if not name or "/" in name or name.startswith("."):
            raise ValueError("not an evidence file name")
        return self._directory / name

    async def keep(self, name: str, data: bytes) -> None:
        target = self.path(name)

        def write() -> None:
            self._directory.mkdir(parents=True, exist_ok=True)
            incoming = self._directory / f"{INCOMING_PREFIX}{name}-{secrets.token_hex(4)}"
            try:
                incoming.write_bytes(data)
                incoming.replace(target)
            finally:
                incoming.unlink(missing_ok=True)

        await asyncio.to_thread(write)

    async def read(self, name: str) -> bytes | None:
        target = self.path(name)

        def read() -> bytes | None:
            return target.read_bytes() if target.is_file() else None

        return await asyncio.to_thread(read)


@dataclass(frozen=True)
class SQLiteEvidenceTransaction(SQLiteTransaction):
    """The unit of work's stores, and the evidence store."""

    evidence: EvidenceRepository


class SQLiteEvidenceUnitOfWork:
    """The evidence store joined to a unit of work: an update's (see `SQLiteUnitOfWork`), or one of its own
    (the job runner's downloads, the web chat's file route)."""

    def __init__(self, db: Database, uow: SQLiteUnitOfWork | None = None) -> None:
        self._uow = uow or SQLiteUnitOfWork(db)
        self._evidence = EvidenceRepository(db)

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[SQLiteEvidenceTransaction]:
        async with self._uow() as tx:
            stores = {store.name: getattr(tx, store.name) for store in fields(tx)}
            yield SQLiteEvidenceTransaction(**stores, evidence=self._evidence)
