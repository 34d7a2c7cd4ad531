"""The figures in words and in JSON, the targets met exactly, the median, a report that stays within one
Telegram message, the overdue count, and a database from before the rates: counted after a rebuild."""

from __future__ import annotations

from datetime import date

import aiosqlite
import pytest

from bot.cases import Command, CommandKind, decide
from bot.cases.machine import SYSTEM
from bot.chat.telegram_html import MESSAGE_LIMIT, utf16_length
from bot.clock import FixedClock
from bot.outcomes import Done, Rating
from bot.rates import (
    DEFINITION,
    DEFINITIONS,
    Figures,
    Period,
    RateFigure,
    RateKey,
    RatesService,
    Report,
    Scope,
    Tallies,
    median,
    rate_line,
    render_report,
)
from storage.cases import CaseRepository
from storage.db import Database
from storage.migrations import apply_migrations
from storage.rates import SQLiteRateStore
from tests.conftest import NOW
from tests.engine.builders import AT, filed_case, person
from tests.engine.test_migration import OLD_ROWS
from tests.outcomes.test_service import CERTIFICATE, World
from tests.outcomes.test_service import TODAY as OUTCOMES_DAY

SUCCESS = DEFINITION[RateKey.MEDIATION_SUCCESS]


def figure(numerator: int, denominator: int, key: RateKey = RateKey.MEDIATION_SUCCESS) -> RateFigure:
    return RateFigure(numerator=numerator, denominator=denominator, target=DEFINITION[key].target)


def test_a_rate_reads_as_the_district_writes_it() -> None:
    assert rate_line(SUCCESS, figure(286, 386), None, "zh_CN") == "调解成功率 74.1%（286/386）目标 ≥72% ✅"
    assert rate_line(SUCCESS, figure(286, 386), figure(278, 386), "zh_CN") == \
        "调解成功率 74.1%（286/386）目标 ≥72% ✅ · 较上期 +2.1 个百分点"
    assert rate_line(SUCCESS, figure(286, 386), None, "en") == "Mediation success 74.1% (286/386) target ≥72% ✅"
    assert rate_line(SUCCESS, figure(0, 0), figure(1, 2), "zh_CN") == "调解成功率 — 本期无案件（目标 ≥72%）"
    coverage = DEFINITION[RateKey.HALF_HOUR_COVERAGE]
    assert rate_line(coverage, figure(9, 10, coverage.key), figure(0, 0, coverage.key), "zh_CN") == \
        "半小时覆盖率 90.0%（9/10）无考核目标 · 上期无数据"
    assert rate_line(DEFINITION[RateKey.SATISFACTION], figure(0, 0, RateKey.SATISFACTION), None, "en") == \
        "Satisfaction — no ratings yet (target ≥98%)"


def test_a_target_is_met_or_missed_exactly() -> None:
    assert figure(278, 386).meets_target and not figure(277, 386).meets_target  # 72% of 386 is 277.92
    assert figure(72, 100).meets_target and not figure(71, 100).meets_target
    assert figure(0, 0).meets_target is None and figure(1, 1, RateKey.HALF_HOUR_COVERAGE).meets_target is None
    assert "❌" in rate_line(SUCCESS, figure(7199, 10000), None, "en"), "72.0% shown, and still below 72%"


@pytest.mark.parametrize(("histogram", "expected"), [
    ({}, None), ({3: 1}, 3.0), ({1: 1, 2: 1}, 1.5), ({1: 2, 5: 1}, 1.0), ({0: 1, 10: 1, 20: 2}, 15.0),
    ({4: 0, 7: 3}, 7.0),
])
def test_the_median_of_days_to_close(histogram, expected) -> None:
    assert median(histogram) == expected


class NamedPlaces:
    """Long centre names, to fill a message."""

    def centre_name(self, centre_id: str, locale: str) -> str:
        return f"东西湖区某某街道劳动人事争议调解中心第{centre_id}调解室"

    def district_name(self, district: str, locale: str) -> str:
        return district


def test_a_report_with_many_centres_stays_within_one_message() -> None:
    ended = {measure: 40 for definition in DEFINITIONS for measure in definition.denominator_measures}
    tallies = Tallies(period=ended, previous=ended, opening={}, days_to_close={12: 40})
    report = Report(period=Period(start=date(2025, 1, 1), end=date(2025, 12, 31)),
                    previous_period=Period(start=date(2024, 1, 1), end=date(2024, 12, 31)),
                    scope=Scope(district="东西湖区"), figures=Figures.of(tallies),
                    by_centre=[(f"centre-{number}", Figures.of(tallies)) for number in range(120)])
    for locale in ("zh_CN", "en"):
        text = render_report(report, NamedPlaces(), locale, html=True)
        assert utf16_length(text) <= MESSAGE_LIMIT, utf16_length(text)
        assert "90 more centres" in text or "另有 90 个中心" in text


def test_the_json_has_every_rate_and_count() -> None:
    tallies = Tallies(period={}, previous={}, opening={}, days_to_close={})
    report = Report(period=Period(start=date(2025, 7, 1), end=date(2025, 9, 30)),
                    previous_period=Period(start=date(2025, 4, 1), end=date(2025, 6, 30)), scope=Scope(),
                    figures=Figures.of(tallies), by_centre=[("-", Figures.of(tallies))])
    shown = report.as_json()
    assert list(shown) == ["period", "scope", "rates", "previous", "by_centre", "open", "overdue", "collective",
                           "median_days_to_close"]
    assert shown["period"] == {"start": "2025-07-01", "end": "2025-09-30"}
    assert list(shown["rates"]) == ["mediation_success", "arbitration_closure", "arbitration_within_limit",
                                    "inspection_closure", "migrant_wage_closure", "inspection_within_limit",
                                    "satisfaction", "half_hour_coverage"]
    assert shown["rates"]["mediation_success"] == {"numerator": 0, "denominator": 0, "value": None, "target": 0.72}
    assert shown["rates"]["half_hour_coverage"]["target"] is None
    assert shown["previous"]["period"] == {"start": "2025-04-01", "end": "2025-06-30"}
    assert shown["by_centre"][0]["centre_id"] is None, "cases no centre held"


async def test_overdue_counts_closing_limits_past_their_last_day(db) -> None:
    worker = await person(db, 41)
    case = await filed_case(db, worker.id)
    decision = decide(case.state, Command(CommandKind.ASSIGN, SYSTEM, centre_id="dxh-wujiashan"), AT)
    await CaseRepository(db).apply(case, decision, recorded_at=AT)
    async with db.transaction() as conn:
        for clock, due_on, status in (("arbitration_close", "2026-11-20", "running"),
                                      ("inspection_close", "2026-11-10", "running"),
                                      ("acceptance_decision", "2026-11-01", "suspended"),
                                      ("mediation_period", "2026-11-01", "running")):   # a "may" date: not overdue
            await conn.execute("INSERT INTO case_deadlines (case_id, clock, status, started_on, due_on, updated_at)"
                               " VALUES (?, ?, ?, '2026-10-01', ?, '2026-10-01')", (case.id, clock, status, due_on))
    service = RatesService(SQLiteRateStore(db), places=None, clock=FixedClock(NOW))
    period = Period(start=date(2026, 11, 1), end=date(2026, 11, 30))
    district = await service.report(period, Scope(district="东西湖区"))
    assert district.figures.overdue == 1 and district.by_centre[0][1].overdue == 1
    assert (await service.report(period, Scope(district="武昌区"))).figures.overdue == 0
    assert (await service.report(period, Scope(centre="dxh-wujiashan"))).figures.overdue == 1


async def test_a_database_from_before_the_rates_counts_its_events_after_a_rebuild(db_path) -> None:
    async with aiosqlite.connect(db_path, isolation_level=None) as connection:
        await apply_migrations(connection, up_to=4)
        await connection.executescript(OLD_ROWS)
    db = await Database.open(db_path)
    try:
        store = SQLiteRateStore(db)
        service = RatesService(store, places=None, clock=FixedClock(NOW))
        period = Period(start=date(2026, 11, 1), end=date(2026, 11, 30))
        before = await service.report(period, Scope())
        assert not before.complete and before.figures.rates[RateKey.HALF_HOUR_COVERAGE].denominator == 0
        assert "python -m bot rates --rebuild" in render_report(before, NamedPlaces(), "zh_CN", html=True)
        rebuilt = await store.rebuild(now=NOW)
        assert (rebuilt.cases, rebuilt.events) == (3, 6)
        after = await service.report(period, Scope())
        assert after.complete
        assert after.figures.rates[RateKey.HALF_HOUR_COVERAGE].denominator == 2, "two cases were routed"
        assert after.figures.open == 1, "the first case is still open; the second was withdrawn"
    finally:
        await db.close()


async def test_ratings_from_the_outcomes_count_in_the_satisfaction_rate(db) -> None:
    world = World(db, FixedClock(OUTCOMES_DAY))
    await world.setup()
    good, _ = await world.agreed(CERTIFICATE)
    poor, _ = await world.agreed(CERTIFICATE)
    assert isinstance(await world.service.rate(world.worker, good.id, Rating.BASICALLY_SATISFIED), Done)
    assert isinstance(await world.service.rate(world.worker, poor.id, Rating.DISSATISFIED), Done)
    service = RatesService(SQLiteRateStore(db), places=None, clock=world.clock)
    report = await service.report(Period(start=date(2026, 11, 1), end=date(2026, 11, 30)), Scope(district="东西湖区"))
    satisfaction = report.figures.rates[RateKey.SATISFACTION]
    assert (satisfaction.numerator, satisfaction.denominator) == (1, 2)
    success = report.figures.rates[RateKey.MEDIATION_SUCCESS]
    assert (success.numerator, success.denominator) == (2, 2)
