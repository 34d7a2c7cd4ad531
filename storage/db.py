"""One SQLite file (WAL) behind one aiosqlite connection.

All statements go through `Database.transaction()` or `Database.read()`, which serialise access to
the single connection so that one coroutine's transaction never interleaves with another's.

A transaction is a unit of work: inside it, every `transaction()` and `read()` of the same task
joins it (instead of waiting for a lock the task already holds), so a use case can call several
repositories and commit once. Never await the network inside one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path

import aiosqlite

from storage.migrations import apply_migrations

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


class Database:
    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._connection = connection
        self._lock = asyncio.Lock()
        # Set while this task (and what it awaits) is inside a transaction of this database.
        self._current: ContextVar[aiosqlite.Connection | None] = ContextVar(f"transaction-{id(self)}", default=None)
        self.statements = 0  # SQL statements run, for tests and benchmarks that count what an update costs
        self.path = path
        self._data_version: int | None = None
        self.applied_migrations: list[str] = []

    @classmethod
    async def open(cls, path: Path | str, *, durability: str = "normal") -> Database:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves so a use case is one transaction.
        connection = await aiosqlite.connect(path, isolation_level=None)
        connection.row_factory = aiosqlite.Row
        database = cls(connection, path)
        await connection.set_trace_callback(database._count_statement)
        await connection.execute("PRAGMA journal_mode=WAL")
        await connection.execute(f"PRAGMA synchronous={'FULL' if durability == 'full' else 'NORMAL'}")
        await connection.execute("PRAGMA foreign_keys=ON")
        await connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        database.applied_migrations = await apply_migrations(connection)
        if database.applied_migrations:
            log.info("applied migrations %s", ", ".join(database.applied_migrations))
        database._data_version = await database._read_data_version()
        return database

    async def close(self) -> None:
        await self._connection.close()

    def _count_statement(self, _sql: str) -> None:
        self.statements += 1

    @property
    def in_transaction(self) -> bool:
        """True inside a `transaction()` block of this task."""
        return self._current.get() is not None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction, committed when the outermost block ends and rolled back on an exception;
        a block inside another of the same task joins it."""
        if (joined := self._current.get()) is not None:
            yield joined
            return
        async with self._lock:
            await self._connection.execute("BEGIN IMMEDIATE")
            token = self._current.set(self._connection)
            try:
                yield self._connection
            except BaseException:
                await self._connection.execute("ROLLBACK")
                raise
            else:
                await self._connection.execute("COMMIT")
            finally:
                self._current.reset(token)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """Reads; inside a transaction they see its uncommitted writes."""
        if (joined := self._current.get()) is not None:
            yield joined
            return
        async with self._lock:
            yield self._connection

    async def _read_data_version(self) -> int:
        async with self._connection.execute("PRAGMA data_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0])

    async def changed_elsewhere(self) -> bool:
        """True once after another process (the CLI, say) committed to the file since the last check.

        `PRAGMA data_version` changes only for commits made through other connections, so the bot's
        own writes (which update caches directly) do not trigger it.
        """
        async with self.read():
            version = await self._read_data_version()
        changed = version != self._data_version
        self._data_version = version
        return changed
