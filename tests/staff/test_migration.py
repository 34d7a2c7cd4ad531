"""A database made by the migrations up to 0006, with people every other table refers to, takes the staff
migration in place with foreign keys on: every row and id stays, and the fourth role fits."""

from __future__ import annotations

import sqlite3

import aiosqlite
import pytest

from bot.people import Front, Role
from storage.db import Database
from storage.migrations import apply_migrations
from storage.people import PeopleRepository

T = "2026-11-20T01:00:00+00:00"
ROWS_BEFORE_STAFF = f"""
INSERT INTO people (id, front, user_id, role, centre_id, locale, language_code, display_name, created_at,
                    updated_at) VALUES
  (3, 'telegram', 11, 'worker', NULL, 'zh_CN', 'zh-hans', '张师傅', '{T}', '{T}'),
  (5, 'web', 5000000001, 'mediator', 'dxh-wujiashan', NULL, NULL, '王调解员', '{T}', '{T}'),
  (8, 'telegram', 900, 'supervisor', NULL, 'en', 'en', 'Chen', '{T}', '{T}');
INSERT INTO cases (id, number, worker_id, kind, mediation, centre_id, mediator_id, urgent, fields, accepted_at,
                   draft_id, version, last_seq, created_at, updated_at) VALUES
  (1, 'LD-2026-000001', 3, 'wages', 'accepted', 'dxh-wujiashan', 5, 0, '{{}}', '{T}', 'd1', 2, 2, '{T}', '{T}');
INSERT INTO case_events (case_id, seq, type, track, occurred_at, recorded_at, actor_id, actor_role, kind, payload)
VALUES (1, 1, 'submitted', 'mediation', '{T}', '{T}', 3, 'worker', 'wages', '{{}}'),
       (1, 2, 'accepted', 'mediation', '{T}', '{T}', 5, 'mediator', 'wages', '{{}}');
INSERT INTO consents (person_id, purpose, notice_version, given_at) VALUES (3, 'privacy', 'v1', '{T}');
INSERT INTO case_evidence (case_id, type, file_id, file_unique_id, name, size, added_by, added_at)
VALUES (1, 'photo', 'f1', 'u1', '工资条.jpg', 1000, 3, '{T}');
INSERT INTO access_log (staff_id, case_id, what, at) VALUES (5, 1, 'contact', '{T}');
INSERT INTO outbox (case_id, recipient_id, template, created_at, deliver_after, next_attempt_at)
VALUES (1, 8, 'case.urgent', '{T}', '{T}', '{T}');
"""


async def test_people_take_the_fourth_role_in_place_every_row_and_reference_kept(db_path, clock) -> None:
    async with aiosqlite.connect(db_path, isolation_level=None) as connection:
        await apply_migrations(connection, up_to=6)
        await connection.executescript(ROWS_BEFORE_STAFF)
        async with connection.execute("SELECT * FROM people ORDER BY id") as cursor:
            before = [dict(zip([c[0] for c in cursor.description], row, strict=True))
                      for row in await cursor.fetchall()]
    db = await Database.open(db_path)  # foreign keys on, as the bot runs
    try:
        assert "0008_staff.sql" in db.applied_migrations
        async with db.read() as conn:
            async with conn.execute("SELECT * FROM people ORDER BY id") as cursor:
                after = [dict(row) for row in await cursor.fetchall()]
            async with conn.execute("PRAGMA foreign_key_check") as cursor:
                assert await cursor.fetchall() == []
            async with conn.execute("PRAGMA integrity_check") as cursor:
                assert [tuple(row) for row in await cursor.fetchall()] == [("ok",)]
            async with conn.execute("PRAGMA foreign_keys") as cursor:
                assert (await cursor.fetchone())[0] == 1
            async with conn.execute(
                "SELECT c.mediator_id, e.actor_id, o.recipient_id, a.staff_id FROM cases c"
                " JOIN case_events e ON e.case_id = c.id AND e.seq = 2 JOIN outbox o ON o.case_id = c.id"
                " JOIN access_log a ON a.case_id = c.id") as cursor:
                assert tuple(await cursor.fetchone()) == (5, 5, 8, 5)
        assert after == [person | {"district": None} for person in before]

        people = PeopleRepository(db)
        liaison = await people.set_role(Front.TELEGRAM, 11, Role.INSPECTION, None, district="东西湖区",
                                        now=clock.now())
        assert (liaison.id, liaison.role, liaison.district) == (3, Role.INSPECTION, "东西湖区")
        async with db.transaction() as conn:
            with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
                await conn.execute("UPDATE people SET role = 'boss' WHERE id = 3")
        new = await people.identify(Front.TELEGRAM, 12, display_name="new", language_code=None, now=clock.now())
        assert new.id == 9 and new.role is Role.WORKER, "ids go on after the highest"
    finally:
        await db.close()

