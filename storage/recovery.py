"""Recovery codes, redemption and SMS-request attempts, revoked web identities and web staff sessions in
SQL; implements `bot.recovery.RecoveryStore` and `webchat.visitors.WebIdentityStore`, and the unit of
work the recovery use cases run in. Every write joins the caller's unit of work."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

import aiosqlite

from bot.cases.model import Case
from bot.clock import Clock
from bot.people import Front, Person, Role
from bot.recovery import AttemptKind, NewCode, StoredCode
from storage.cases import CaseRepository, SQLiteTransaction, SQLiteUnitOfWork
from storage.db import Database
from storage.people import PeopleRepository
from storage.sms import SmsRepository
from storage.timestamps import utc_text

_CODE_COLUMNS = ("id, selector, code_hash, worker_id, channel, issued_by, issued_at, expires_at, failed_attempts,"
                 " used_by, used_at, revoked_at")


def _code(row: aiosqlite.Row) -> StoredCode:
    values = dict(row)
    for name in ("issued_at", "expires_at", "used_at", "revoked_at"):
        if values[name] is not None:
            values[name] = datetime.fromisoformat(values[name])
    return StoredCode(**values)


class RecoveryRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def selector_live(self, selector: str, *, now: datetime) -> bool:
        async with self._db.read() as conn, conn.execute(
            "SELECT 1 FROM recovery_codes WHERE selector = ? AND expires_at > ? AND used_by IS NULL"
            " AND revoked_at IS NULL", (selector, utc_text(now))
        ) as cursor:
            return await cursor.fetchone() is not None

    async def add_code(self, code: NewCode) -> StoredCode:
        async with self._db.transaction() as conn, conn.execute(
            "INSERT INTO recovery_codes (selector, code_hash, worker_id, channel, issued_by, issued_at, expires_at)"
            f" VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING {_CODE_COLUMNS}",
            (code.selector, code.code_hash, code.worker_id, code.channel, code.issued_by, utc_text(code.issued_at),
             utc_text(code.expires_at)),
        ) as cursor:
            return _code(await cursor.fetchone())

    async def revoke_codes(self, worker_id: int, *, at: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE recovery_codes SET revoked_at = ? WHERE worker_id = ? AND used_by IS NULL"
                               " AND revoked_at IS NULL", (utc_text(at), worker_id))

    async def newest_with_selector(self, selector: str) -> StoredCode | None:
        async with self._db.read() as conn, conn.execute(
            f"SELECT {_CODE_COLUMNS} FROM recovery_codes WHERE selector = ? ORDER BY id DESC LIMIT 1", (selector,)
        ) as cursor:
            row = await cursor.fetchone()
        return _code(row) if row else None

    async def count_wrong_secret(self, code_id: int, *, at: datetime, void_after: int) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE recovery_codes SET failed_attempts = failed_attempts + 1,"
                " revoked_at = CASE WHEN failed_attempts + 1 >= ? THEN ? ELSE revoked_at END WHERE id = ?",
                (void_after, utc_text(at), code_id))

    async def use_code(self, code_id: int, person_id: int, *, at: datetime) -> bool:
        async with self._db.transaction() as conn, conn.execute(
            "UPDATE recovery_codes SET used_by = ?, used_at = ? WHERE id = ? AND used_by IS NULL"
            " AND revoked_at IS NULL",
            (person_id, utc_text(at), code_id),
        ) as cursor:
            return cursor.rowcount == 1

    async def attempts(self, person_id: int, kind: AttemptKind, *, since: datetime) -> list[datetime]:
        async with self._db.read() as conn, conn.execute(
            "SELECT attempted_at FROM recovery_attempts WHERE person_id = ? AND kind = ? AND attempted_at > ?"
            " ORDER BY attempted_at", (person_id, kind, utc_text(since))
        ) as cursor:
            return [datetime.fromisoformat(row[0]) for row in await cursor.fetchall()]

    async def record_attempt(self, person_id: int, kind: AttemptKind, *, at: datetime, forget_before: datetime
                             ) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM recovery_attempts WHERE person_id = ? AND kind = ? AND attempted_at < ?",
                               (person_id, kind, utc_text(forget_before)))
            await conn.execute("INSERT INTO recovery_attempts (person_id, kind, attempted_at) VALUES (?, ?, ?)",
                               (person_id, kind, utc_text(at)))

    async def move_cases(self, from_worker: int, to_worker: int, *, at: datetime) -> list[Case]:
        async with self._db.transaction() as conn:
            async with conn.execute(
                "UPDATE cases SET worker_id = ?, version = version + 1, updated_at = ? WHERE worker_id = ?"
                " RETURNING id", (to_worker, utc_text(at), from_worker)
            ) as cursor:
                ids = sorted(row[0] for row in await cursor.fetchall())
            cases = CaseRepository(self._db)
            return [case for case_id in ids if (case := await cases.get(case_id)) is not None]

    async def move_pending_notices(self, from_person: int, to_person: int) -> int:
        async with self._db.transaction() as conn, conn.execute(
            "UPDATE outbox SET recipient_id = ? WHERE recipient_id = ? AND status = 'pending'", (to_person, from_person)
        ) as cursor:
            return cursor.rowcount

    async def revoke_web_identity(self, user_id: int, *, reason: str, at: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("INSERT INTO web_identity_revocations (user_id, revoked_at, reason) VALUES (?, ?, ?)"
                               " ON CONFLICT (user_id) DO NOTHING", (user_id, utc_text(at), reason))

    async def workers_with_phone(self, phone: str) -> list[int]:
        # The phone sits in the case's JSON fields; LIKE narrows the scan portably, the parse decides.
        async with self._db.read() as conn, conn.execute(
            "SELECT c.worker_id, c.fields FROM cases c JOIN people p ON p.id = c.worker_id"
            " WHERE p.role = ? AND c.fields LIKE ? ORDER BY c.id DESC", (Role.WORKER, f"%{phone}%")
        ) as cursor:
            rows = await cursor.fetchall()
        return list(dict.fromkeys(row[0] for row in rows if json.loads(row[1]).get("phone") == phone))

    async def codes_issued(self, worker_id: int, channel: str, *, since: datetime) -> int:
        async with self._db.read() as conn, conn.execute(
            "SELECT COUNT(*) FROM recovery_codes WHERE worker_id = ? AND channel = ? AND issued_at > ?",
            (worker_id, channel, utc_text(since))
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0])

    async def web_person(self, user_id: int, *, display_name: str, now: datetime) -> Person:
        known = await PeopleRepository(self._db).find(Front.WEB, user_id)
        return known or await PeopleRepository(self._db).identify(Front.WEB, user_id, display_name=display_name,
                                                                   language_code=None, now=now)


class WebIdentities:
    """What the web chat asks the store about who a visitor is: revoked identities, staff sessions, and
    what a page has shown (for the SMS of unread notices)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._sms = SmsRepository(db)
        # Called with a web user id that may no longer act (the web chat closes its open pages).
        self.on_revoked: list[Callable[[int], None]] = []

    async def staff_revoked(self, person: Person) -> None:
        """`bot.staff.RevocationHook`: a web member of staff revoked loses their session and their web identity
        (its chat holds the case cards they saw), at once."""
        if person.front is not Front.WEB:
            return
        now = self._clock.now()
        await self.end_session(person.id, reason="revoked", at=now)
        await RecoveryRepository(self._db).revoke_web_identity(person.user_id, reason="staff revoked", at=now)
        self.notify_revoked(person.user_id)

    def notify_revoked(self, user_id: int) -> None:
        for listener in self.on_revoked:
            listener(user_id)

    async def revoked(self, user_id: int) -> bool:
        async with self._db.read() as conn, conn.execute(
            "SELECT 1 FROM web_identity_revocations WHERE user_id = ?", (user_id,)
        ) as cursor:
            return await cursor.fetchone() is not None

    async def start_session(self, person_id: int, *, at: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO staff_sessions (person_id, started_at, seen_at) VALUES (?, ?, ?) ON CONFLICT (person_id)"
                " DO UPDATE SET started_at = excluded.started_at, seen_at = excluded.seen_at, ended_at = NULL,"
                " end_reason = NULL", (person_id, utc_text(at), utc_text(at)))

    async def session_state(self, person_id: int) -> tuple[datetime, datetime | None] | None:
        """(last seen, ended at) of the person's staff session; None: never started."""
        async with self._db.read() as conn, conn.execute(
            "SELECT seen_at, ended_at FROM staff_sessions WHERE person_id = ?", (person_id,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return datetime.fromisoformat(row[0]), datetime.fromisoformat(row[1]) if row[1] else None

    async def touch_session(self, person_id: int, *, at: datetime, idle: timedelta) -> bool:
        """Renew a live session (seen within `idle`); end an idle one. True if it is live now."""
        async with self._db.transaction() as conn:
            async with conn.execute(
                "UPDATE staff_sessions SET seen_at = ? WHERE person_id = ? AND ended_at IS NULL AND seen_at > ?",
                (utc_text(at), person_id, utc_text(at - idle))
            ) as cursor:
                if cursor.rowcount == 1:
                    return True
            await conn.execute("UPDATE staff_sessions SET ended_at = ?, end_reason = 'idle' WHERE person_id = ?"
                               " AND ended_at IS NULL", (utc_text(at), person_id))
            return False

    async def end_session(self, person_id: int, *, reason: str, at: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE staff_sessions SET ended_at = ?, end_reason = ? WHERE person_id = ?"
                               " AND ended_at IS NULL", (utc_text(at), reason, person_id))

    async def mark_seen(self, chat_id: int, message_id: int, *, at: datetime) -> None:
        await self._sms.mark_seen(chat_id, message_id, at=at)


@dataclass(frozen=True)
class SQLiteRecoveryTransaction(SQLiteTransaction):
    """The unit of work's stores, the recovery store and the SMS queue."""

    recovery: RecoveryRepository
    sms: SmsRepository


class SQLiteRecoveryUnitOfWork:
    """The recovery stores joined to a unit of work: an update's (see `SQLiteUnitOfWork`), or one of its own."""

    def __init__(self, db: Database, uow: SQLiteUnitOfWork | None = None) -> None:
        self._uow = uow or SQLiteUnitOfWork(db)
        self._recovery = RecoveryRepository(db)
        self._sms = SmsRepository(db)

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[SQLiteRecoveryTransaction]:
        async with self._uow() as tx:
            stores = {store.name: getattr(tx, store.name) for store in fields(tx)}
            yield SQLiteRecoveryTransaction(**stores, recovery=self._recovery, sms=self._sms)
