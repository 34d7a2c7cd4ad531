"""The messages relayed between a case's worker and its mediator, in SQL; implements `bot.relay.RelayStore`,
and the unit of work the relay runs in. Every write joins the caller's unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, fields
from datetime import datetime

from bot.people import Front
from bot.relay import Content, ContentKind, Direction, NewMessage, StoredMessage
from storage.cases import SQLiteTransaction, SQLiteUnitOfWork
from storage.db import Database
from storage.timestamps import utc_text


class RelayRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, message: NewMessage) -> int:
        content = message.content
        async with self._db.transaction() as conn, conn.execute(
            "INSERT INTO case_messages (case_id, sender_id, recipient_id, direction, kind, body, file_ref,"
            " file_name, file_front, stored_as, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (message.case_id, message.sender_id, message.recipient_id, message.direction, content.kind,
             content.text, content.file_ref, content.file_name, content.front, content.stored_as,
             utc_text(message.sent_at)),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:  # RETURNING always gives the new row
            raise RuntimeError("case message not stored")
        return int(row[0])

    async def of_case(self, case_id: int) -> list[StoredMessage]:
        async with self._db.read() as conn, conn.execute(
            "SELECT id, case_id, sender_id, recipient_id, direction, kind, body, file_ref, file_name, file_front,"
            " stored_as, sent_at FROM case_messages WHERE case_id = ? ORDER BY id", (case_id,)
        ) as cursor:
            rows = await cursor.fetchall()
        return [StoredMessage(
            id=row["id"], case_id=row["case_id"], sender_id=row["sender_id"], recipient_id=row["recipient_id"],
            direction=Direction(row["direction"]), sent_at=datetime.fromisoformat(row["sent_at"]),
            content=Content(kind=ContentKind(row["kind"]), text=row["body"], file_ref=row["file_ref"],
                            file_name=row["file_name"], front=Front(row["file_front"]),
                            stored_as=row["stored_as"]),
        ) for row in rows]


@dataclass(frozen=True)
class SQLiteRelayTransaction(SQLiteTransaction):
    """The unit of work's stores, and the case messages."""

    relay: RelayRepository


class SQLiteRelayUnitOfWork:
    """The case messages joined to a unit of work: an update's (see `SQLiteUnitOfWork`), or one of its own."""

    def __init__(self, db: Database, uow: SQLiteUnitOfWork | None = None) -> None:
        self._uow = uow or SQLiteUnitOfWork(db)
        self._relay = RelayRepository(db)

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[SQLiteRelayTransaction]:
        async with self._uow() as tx:
            stores = {store.name: getattr(tx, store.name) for store in fields(tx)}
            yield SQLiteRelayTransaction(**stores, relay=self._relay)
