"""A database made by the schema before the case engine upgrades in place, its cases and events intact."""

import sqlite3

import aiosqlite
import pytest

from bot.cases import Mediation, Outcome
from storage.cases import CaseRepository
from storage.db import Database
from storage.migrations import apply_migrations
from tests.engine.builders import filed_case

OLD_ROWS = """
INSERT INTO people (id, front, user_id, role, display_name, created_at, updated_at) VALUES
  (1, 'telegram', 11, 'worker', 'w', '2026-11-01T00:00:00+00:00', '2026-11-01T00:00:00+00:00'),
  (2, 'web', 12, 'worker', 'v', '2026-11-01T00:00:00+00:00', '2026-11-01T00:00:00+00:00');
INSERT INTO cases (id, number, worker_id, kind, status, centre_id, urgent, fields, created_at, updated_at) VALUES
  (1, 'LD-2026-000001', 1, 'wages', 'assigned', 'dxh-wujiashan', 1, '{"employer": "宏达"}',
   '2026-11-02T01:00:00+00:00', '2026-11-02T01:00:00+00:00'),
  (2, 'LD-2026-000002', 2, 'platform', 'withdrawn', 'dxh-jinyintan', 0, '{}',
   '2026-11-03T01:00:00+00:00', '2026-11-04T01:00:00+00:00'),
  (3, 'LD-2026-000003', 1, 'contract', 'agreement', 'dxh-wujiashan', 0, '{}',
   '2026-11-03T01:00:00+00:00', '2026-11-04T01:00:00+00:00');
INSERT INTO case_events (id, case_id, at, actor_id, type, from_status, to_status, reason, payload) VALUES
  (1, 1, '2026-11-02T01:00:00+00:00', 1, 'submitted', NULL, 'submitted', NULL, '{"channel": "chat"}'),
  (2, 1, '2026-11-02T01:00:00+00:00', NULL, 'assigned', 'submitted', 'assigned', NULL,
   '{"centre_id": "dxh-wujiashan", "routing": {"workplace_street": "吴家山街道"}}'),
  (3, 2, '2026-11-03T01:00:00+00:00', 2, 'submitted', NULL, 'submitted', NULL, '{}'),
  (4, 2, '2026-11-03T01:00:00+00:00', NULL, 'assigned', 'submitted', 'assigned', NULL,
   '{"centre_id": "dxh-jinyintan", "routing": {}}'),
  (5, 2, '2026-11-04T01:00:00+00:00', 2, 'withdrawn', 'assigned', 'withdrawn', '找到新工作了', '{}'),
  (6, 1, '2026-11-05T01:00:00+00:00', 1, 'evidence_added', NULL, NULL, NULL, '{"name": "工资条.jpg"}');
INSERT INTO case_number_sequences (year, last_value) VALUES (2026, 3);
"""


async def test_the_old_schema_upgrades_in_place(db_path) -> None:
    async with aiosqlite.connect(db_path, isolation_level=None) as connection:
        await apply_migrations(connection, up_to=4)
        await connection.executescript(OLD_ROWS)
    db = await Database.open(db_path)
    try:
        assert "0005_case_engine.sql" in db.applied_migrations
        store = CaseRepository(db)
        first, second, third = [await store.get(n) for n in (1, 2, 3)]
        assert (first.mediation, first.centre_id, first.urgent, first.fields, first.workplace_street) == (
            Mediation.ASSIGNED, "dxh-wujiashan", True, {"employer": "宏达"}, "吴家山街道")
        assert second.mediation is Mediation.WITHDRAWN
        assert (third.mediation, third.outcome) == (Mediation.ENDED, Outcome.AGREEMENT)
        events = await store.events(1)
        assert [(e.seq, e.type) for e in events] == [(1, "submitted"), (2, "assigned"), (3, "evidence_added")]
        assert [e.centre_id for e in events] == [None, "dxh-wujiashan", "dxh-wujiashan"], \
            "each event carries the centre that held the case then"
        assert events[0].actor_role == "worker" and events[1].actor_id is None
        withdrawn = (await store.events(2))[-1]
        assert withdrawn.note == "找到新工作了" and withdrawn.seq == 3, "the typed reason moved to the notes"
        async with db.read() as conn:
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                await conn.execute("UPDATE case_events SET type = 'x'")
        # New numbers continue the year's.
        assert (await filed_case(db, 1)).number == "LD-2026-000004"
    finally:
        await db.close()


async def test_the_period_and_scope_query_uses_an_index(db: Database) -> None:
    async with db.read() as conn, conn.execute(
        "EXPLAIN QUERY PLAN SELECT count(*) FROM case_events"
        " WHERE type = 'mediation_ended' AND centre_id = ? AND occurred_at >= ? AND occurred_at < ?",
        ("dxh-wujiashan", "2026-01-01", "2026-02-01"),
    ) as cursor:
        plan = " ".join(row[3] for row in await cursor.fetchall())
    assert "USING COVERING INDEX case_events_by_centre" in plan or "USING INDEX case_events_by_centre" in plan, plan
    async with db.read() as conn, conn.execute(
        "EXPLAIN QUERY PLAN SELECT count(*) FROM case_events"
        " WHERE type = 'mediation_ended' AND district = ? AND occurred_at >= ? AND occurred_at < ?",
        ("东西湖区", "2026-01-01", "2026-02-01"),
    ) as cursor:
        plan = " ".join(row[3] for row in await cursor.fetchall())
    assert "case_events_by_district" in plan and "SCAN" not in plan, plan
