"""No query behind `/rates` scans a whole table: EXPLAIN QUERY PLAN of every statement the store runs for a
report, for each sort of scope and period, and of the read the event writes add."""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot.cases import Command, CommandKind, DisputeKind, decide
from bot.cases.machine import SYSTEM
from bot.rates import Period, Scope
from storage.cases import CaseRepository
from storage.rates import SQLiteRateStore
from tests.engine.builders import AT, filed_case, person

SCOPES = [Scope(), Scope(centre="dxh-wujiashan"), Scope(district="东西湖区"), Scope(street="吴家山街道"),
          Scope(kind=DisputeKind.WAGES), Scope(district="东西湖区", kind=DisputeKind.PLATFORM)]
PERIODS = [Period(start=date(2025, 7, 1), end=date(2025, 9, 30)), Period(start=date(2025, 10, 26),
                                                                        end=date(2025, 11, 24)),
           Period(start=date(2024, 1, 15), end=date(2025, 3, 3)), Period(start=date(2025, 2, 1), end=date(2025, 2, 1))]


async def plans_of(db, statements: list[str]) -> list[tuple[str, list[str]]]:
    found = []
    async with db.read() as conn:
        for statement in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            async with conn.execute(f"EXPLAIN QUERY PLAN {statement}") as cursor:
                found.append((statement, [row["detail"] for row in await cursor.fetchall()]))
    return found


def reads_of_large_tables(details: list[str]) -> list[str]:
    """The plan's steps that read one of the large tables (by name or by its alias)."""
    aliases = {"case_events": "e", "rate_rollups": "r", "cases": "c", "case_deadlines": "d"}
    return [detail for detail in details for table, alias in aliases.items()
            if re.match(rf"(SCAN|SEARCH) ({table}|{alias})\b", detail)]


@pytest.mark.parametrize("scope", SCOPES, ids=str)
async def test_no_rate_query_scans_a_whole_table(db, scope: Scope) -> None:
    statements: list[str] = []
    async with db.read() as conn:
        await conn.set_trace_callback(statements.append)
    try:
        store = SQLiteRateStore(db)
        for period in PERIODS:
            await store.tallies(scope, period, period.previous(), date(2025, 11, 24), by_centre=True)
    finally:
        async with db.read() as conn:
            await conn.set_trace_callback(None)
    plans = await plans_of(db, statements)
    assert len(plans) >= 2 * len(PERIODS), "the rollups and the clocks are read for each period"
    for statement, details in plans:
        assert "case_events" not in statement, "the rates never read the events"
        for step in reads_of_large_tables(details):
            assert step.startswith("SEARCH"), (statement, details)
            if "rate_rollups" in step or step.startswith("SEARCH r "):
                assert "sqlite_autoindex_rate_rollups_1 (scope=? AND scope_value=? AND centre_id" in step, step


async def test_what_an_event_write_reads_for_the_rollups_is_one_indexed_row_or_two(db) -> None:
    worker = await person(db, 41)
    statements: list[str] = []
    async with db.read() as conn:
        await conn.set_trace_callback(statements.append)
    try:
        case = await filed_case(db, worker.id)
        decision = decide(case.state, Command(CommandKind.ASSIGN, SYSTEM, centre_id="dxh-wujiashan"), AT)
        await CaseRepository(db).apply(case, decision, recorded_at=AT)
    finally:
        async with db.read() as conn:
            await conn.set_trace_callback(None)
    reads = [statement for statement in statements if "FROM case_events" in statement]
    [(_, details)] = await plans_of(db, reads)
    assert any("USING INDEX sqlite_autoindex_case_events" in detail for detail in details), details
