"""The outbox table: notifications written with the events that cause them, leased to one sender
at a time by conditional updates (pending, and the lease free or expired)."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

import aiosqlite

from bot.outbox import Notification, OutboxMessage
from storage.db import Database
from storage.timestamps import utc_text

_COLUMNS = (
    "id, case_id, recipient_id, template, params, created_at, deliver_after, status, attempts, next_attempt_at,"
    " last_error, sent_at, lease_owner, lease_until"
)
ROWS_PER_INSERT = 500  # well under SQLite's limit of bound parameters per statement
# A row may be leased when it is pending and nobody holds it (or the holder's lease ran out).
_CLAIMABLE = "status = 'pending' AND (lease_until IS NULL OR lease_until <= ?)"


def _message(row: aiosqlite.Row) -> OutboxMessage:
    values = dict(row)
    values["params"] = json.loads(values["params"])
    return OutboxMessage.model_validate(values)


def _oldest_first(rows: Sequence[aiosqlite.Row]) -> list[OutboxMessage]:
    return sorted((_message(row) for row in rows), key=lambda message: (message.next_attempt_at, message.id))


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, notifications: Sequence[Notification], *, now: datetime) -> list[int]:
        ids: list[int] = []
        async with self._db.transaction() as conn:
            for start in range(0, len(notifications), ROWS_PER_INSERT):
                chunk = notifications[start:start + ROWS_PER_INSERT]
                values = []
                for notification in chunk:
                    deliver_after = utc_text(notification.deliver_after(now))
                    values.extend((notification.case_id, notification.recipient_id, notification.template,
                                   json.dumps(notification.params, ensure_ascii=False), utc_text(now),
                                   deliver_after, deliver_after))
                async with conn.execute(
                    "INSERT INTO outbox (case_id, recipient_id, template, params, created_at, deliver_after,"
                    " next_attempt_at) VALUES " + ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(chunk)) + " RETURNING id",
                    values,
                ) as cursor:
                    # RETURNING has no order; one INSERT numbers its rows in the order of its VALUES.
                    ids.extend(sorted(row[0] for row in await cursor.fetchall()))
        return ids

    async def claim_due(self, now: datetime, owner: str, lease: timedelta, limit: int) -> list[OutboxMessage]:
        stamp = utc_text(now)
        async with self._db.transaction() as conn, conn.execute(
            f"UPDATE outbox SET lease_owner = ?, lease_until = ? WHERE id IN ("
            f" SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?"
            f" AND (lease_until IS NULL OR lease_until <= ?) ORDER BY next_attempt_at, id LIMIT ?)"
            f" AND {_CLAIMABLE} RETURNING {_COLUMNS}",
            (owner, utc_text(now + lease), stamp, stamp, limit, stamp),
        ) as cursor:
            return _oldest_first(await cursor.fetchall())

    async def claim(self, ids: Collection[int], now: datetime, owner: str, lease: timedelta) -> list[OutboxMessage]:
        if not ids:
            return []
        async with self._db.transaction() as conn, conn.execute(
            f"UPDATE outbox SET lease_owner = ?, lease_until = ?"
            f" WHERE id IN ({', '.join('?' * len(ids))}) AND {_CLAIMABLE} RETURNING {_COLUMNS}",
            (owner, utc_text(now + lease), *ids, utc_text(now)),
        ) as cursor:
            return _oldest_first(await cursor.fetchall())

    async def mark_sent(self, message_id: int, now: datetime) -> None:
        await self._execute(
            "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, lease_owner = NULL,"
            " lease_until = NULL WHERE id = ? AND status = 'pending'",
            (utc_text(now), message_id),
        )

    async def retry_later(self, message_id: int, owner: str, at: datetime, reason: str) -> None:
        await self._execute(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, lease_owner = NULL,"
            " lease_until = NULL WHERE id = ? AND status = 'pending' AND lease_owner = ?",
            (utc_text(at), reason, message_id, owner),
        )

    async def give_up(self, message_id: int, owner: str, reason: str) -> None:
        await self._execute(
            "UPDATE outbox SET status = 'gave_up', attempts = attempts + 1, last_error = ?, lease_owner = NULL,"
            " lease_until = NULL WHERE id = ? AND status = 'pending' AND lease_owner = ?",
            (reason, message_id, owner),
        )

    async def release(self, message_id: int, owner: str, at: datetime) -> None:
        await self._execute(
            "UPDATE outbox SET next_attempt_at = ?, lease_owner = NULL, lease_until = NULL"
            " WHERE id = ? AND status = 'pending' AND lease_owner = ?",
            (utc_text(at), message_id, owner),
        )

    async def get(self, message_id: int) -> OutboxMessage | None:
        async with self._db.read() as conn, conn.execute(
            f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", (message_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return _message(row) if row else None

    async def _execute(self, sql: str, params: Sequence[object]) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(sql, params)
