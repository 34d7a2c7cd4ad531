"""Text messages waiting for the gateway, what web chat pages have shown, and the notices left unread,
in SQL; implements `bot.sms.SmsStore` and `bot.recovery.SmsQueue`. Writes join the caller's unit of work."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import aiosqlite

from bot.people import Front, Role
from bot.recovery import NewSms
from bot.sms import OutgoingSms, UnreadNotice
from storage.db import Database
from storage.timestamps import utc_text

_SMS_COLUMNS = "id, person_id, case_id, purpose, phone, text, attempts"


def _outgoing(row: aiosqlite.Row) -> OutgoingSms:
    return OutgoingSms(**dict(row))


class SmsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def queue(self, sms: NewSms, *, now: datetime, status: str = "pending") -> int:
        async with self._db.transaction() as conn, conn.execute(
            "INSERT INTO sms_messages (person_id, case_id, purpose, phone, text, status, next_attempt_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (sms.person_id, sms.case_id, sms.purpose, sms.phone, sms.text, status, utc_text(now), utc_text(now)),
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0])

    async def skip(self, sms: NewSms, *, now: datetime) -> None:
        """An announcement that cannot be sent (no phone on the case): recorded, so the burst counts as told."""
        await self.queue(sms, now=now, status="skipped")

    async def claim_due(self, now: datetime, *, lease: timedelta, limit: int) -> list[OutgoingSms]:
        async with self._db.transaction() as conn:
            async with conn.execute(
                f"SELECT {_SMS_COLUMNS} FROM sms_messages WHERE status = 'pending' AND next_attempt_at <= ?"
                " ORDER BY next_attempt_at, id LIMIT ?", (utc_text(now), limit)
            ) as cursor:
                due = [_outgoing(row) for row in await cursor.fetchall()]
            # Held until the lease ends: a sender that dies mid-send leaves it to be sent again then.
            await conn.executemany("UPDATE sms_messages SET next_attempt_at = ? WHERE id = ?",
                                   [(utc_text(now + lease), sms.id) for sms in due])
        return due

    async def sent(self, sms_id: int, *, at: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE sms_messages SET status = 'sent', sent_at = ?, text = '',"
                               " attempts = attempts + 1, last_error = NULL WHERE id = ?", (utc_text(at), sms_id))

    async def retry_later(self, sms_id: int, *, at: datetime, error: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE sms_messages SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?"
                               " WHERE id = ?", (utc_text(at), error, sms_id))

    async def give_up(self, sms_id: int, *, error: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE sms_messages SET status = 'gave_up', text = '', attempts = attempts + 1,"
                               " last_error = ? WHERE id = ?", (error, sms_id))

    async def mark_seen(self, chat_id: int, message_id: int, *, at: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO webchat_reads (chat_id, seen_message_id, seen_at) VALUES (?, ?, ?)"
                " ON CONFLICT (chat_id) DO UPDATE SET seen_at = excluded.seen_at,"
                " seen_message_id = CASE WHEN excluded.seen_message_id > webchat_reads.seen_message_id"
                " THEN excluded.seen_message_id ELSE webchat_reads.seen_message_id END",
                (chat_id, message_id, utc_text(at)),
            )

    async def unread(self, *, sent_before: datetime, sent_after: datetime) -> list[UnreadNotice]:
        """Per case and web worker: notices about the case sent between the two instants that no page of
        theirs has shown since, unless a text was sent (or skipped) for the case since they last looked.
        Immediate replies (to what the person just did) are not notices they missed."""
        async with self._db.read() as conn, conn.execute(
            "SELECT o.case_id, o.recipient_id, c.number, c.fields"
            " FROM outbox o JOIN people p ON p.id = o.recipient_id JOIN cases c ON c.id = o.case_id"
            " LEFT JOIN webchat_reads r ON r.chat_id = p.user_id"
            " WHERE o.status = 'sent' AND o.case_id IS NOT NULL AND o.deliver_after <= o.created_at"
            " AND p.front = ? AND p.role = ? AND o.sent_at <= ? AND o.sent_at > ?"
            " AND (r.seen_at IS NULL OR o.sent_at > r.seen_at)"
            " AND NOT EXISTS (SELECT 1 FROM sms_messages s WHERE s.case_id = o.case_id"
            " AND s.person_id = o.recipient_id AND s.purpose = 'unread'"
            " AND (r.seen_at IS NULL OR s.created_at > r.seen_at))"
            " GROUP BY o.case_id, o.recipient_id, c.number, c.fields ORDER BY MIN(o.sent_at)",
            (Front.WEB, Role.WORKER, utc_text(sent_before), utc_text(sent_after)),
        ) as cursor:
            rows = await cursor.fetchall()
        return [UnreadNotice(case_id=row["case_id"], person_id=row["recipient_id"], number=row["number"] or "",
                             phone=json.loads(row["fields"]).get("phone")) for row in rows]
