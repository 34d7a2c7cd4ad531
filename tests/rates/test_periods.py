"""Periods as supervisors write them, the period before each, and what `/rates ...` takes for a scope."""

from datetime import date

import pytest

from bot.cases import DisputeKind
from bot.rates import (
    Period,
    PeriodError,
    PeriodProblem,
    RegistryPlaces,
    Request,
    Scope,
    ScopeError,
    ScopeProblem,
    read_period,
    read_request,
    spans,
)
from bot.routing import RegistryHolder, load_gazetteer
from bot.settings import GAZETTEER_FILE, SAMPLE_CENTRES_FILE

TODAY = date(2026, 11, 24)


def days(start: str, end: str) -> Period:
    return Period(start=date.fromisoformat(start), end=date.fromisoformat(end))


PHRASES = [
    ("", days("2026-11-01", "2026-11-30")),
    ("本月", days("2026-11-01", "2026-11-30")),
    ("这个月", days("2026-11-01", "2026-11-30")),
    ("上个月", days("2026-10-01", "2026-10-31")),
    ("上月", days("2026-10-01", "2026-10-31")),
    ("今年", days("2026-01-01", "2026-12-31")),
    ("去年", days("2025-01-01", "2025-12-31")),
    ("2025年", days("2025-01-01", "2025-12-31")),
    ("2025", days("2025-01-01", "2025-12-31")),
    ("2025年3月", days("2025-03-01", "2025-03-31")),
    ("2025年第三季度", days("2025-07-01", "2025-09-30")),
    ("2025年第3季度", days("2025-07-01", "2025-09-30")),
    ("２０２５年第一季度", days("2025-01-01", "2025-03-31")),
    ("第三季度", days("2026-07-01", "2026-09-30")),
    ("去年第四季度", days("2025-10-01", "2025-12-31")),
    ("本季度", days("2026-10-01", "2026-12-31")),
    ("上季度", days("2026-07-01", "2026-09-30")),
    ("上个季度", days("2026-07-01", "2026-09-30")),
    ("最近30天", days("2026-10-26", "2026-11-24")),
    ("近7天", days("2026-11-18", "2026-11-24")),
    ("过去三十天", days("2026-10-26", "2026-11-24")),
    ("2025年1月到6月", days("2025-01-01", "2025-06-30")),
    ("2025年3月1日至2025年5月31日", days("2025-03-01", "2025-05-31")),
    ("2025-01-01..2025-06-30", days("2025-01-01", "2025-06-30")),
    ("2025-01-01 .. 2025-06-30", days("2025-01-01", "2025-06-30")),
    ("2025-01..2025-03", days("2025-01-01", "2025-03-31")),
    ("2025-01-01 to 2025-06-30", days("2025-01-01", "2025-06-30")),
    ("this month", days("2026-11-01", "2026-11-30")),
    ("last month", days("2026-10-01", "2026-10-31")),
    ("this year", days("2026-01-01", "2026-12-31")),
    ("last year", days("2025-01-01", "2025-12-31")),
    ("Last 30 days", days("2026-10-26", "2026-11-24")),
    ("past 7 days", days("2026-11-18", "2026-11-24")),
    ("Q3 2025", days("2025-07-01", "2025-09-30")),
    ("2025 Q3", days("2025-07-01", "2025-09-30")),
    ("2025q4", days("2025-10-01", "2025-12-31")),
    ("this quarter", days("2026-10-01", "2026-12-31")),
    ("last quarter", days("2026-07-01", "2026-09-30")),
    ("March 2025", days("2025-03-01", "2025-03-31")),
]


@pytest.mark.parametrize(("phrase", "period"), PHRASES)
def test_a_period_in_words_or_dates(phrase: str, period: Period) -> None:
    assert read_period(phrase, TODAY) == period


@pytest.mark.parametrize(("phrase", "problem"), [
    ("2025-13-45", PeriodProblem.NO_SUCH_DATE),
    ("2025-02-30", PeriodProblem.NO_SUCH_DATE),
    ("2月30号", PeriodProblem.NO_SUCH_DATE),
    ("2025-01-01..2025-13-45", PeriodProblem.NO_SUCH_DATE),
    ("下个月", PeriodProblem.NOT_BEGUN),
    ("2027", PeriodProblem.NOT_BEGUN),
    ("next quarter", PeriodProblem.UNREADABLE),
    ("2025-06-30..2025-01-01", PeriodProblem.UNREADABLE),
    ("最近0天", PeriodProblem.UNREADABLE),
    ("soon", PeriodProblem.UNREADABLE),
])
def test_a_bad_period_is_named(phrase: str, problem: PeriodProblem) -> None:
    found = read_period(phrase, TODAY)
    assert isinstance(found, PeriodError) and found.problem is problem, found


@pytest.mark.parametrize(("period", "previous"), [
    (days("2026-11-01", "2026-11-30"), days("2026-10-01", "2026-10-31")),    # a month: the month before
    (days("2026-03-01", "2026-03-31"), days("2026-02-01", "2026-02-28")),
    (days("2025-07-01", "2025-09-30"), days("2025-04-01", "2025-06-30")),    # a quarter: the quarter before
    (days("2025-01-01", "2025-12-31"), days("2024-01-01", "2024-12-31")),
    (days("2025-01-01", "2025-06-30"), days("2024-07-01", "2024-12-31")),
    (days("2026-10-26", "2026-11-24"), days("2026-09-26", "2026-10-25")),    # 30 days: the 30 before
    (days("2026-11-24", "2026-11-24"), days("2026-11-23", "2026-11-23")),
])
def test_the_previous_period_has_the_same_length(period: Period, previous: Period) -> None:
    assert period.previous() == previous


def test_a_period_is_read_as_whole_months_and_the_days_around_them() -> None:
    assert spans(date(2025, 1, 15), date(2025, 4, 3)) == [
        ("day", date(2025, 1, 15), date(2025, 1, 31)), ("month", date(2025, 2, 1), date(2025, 3, 1)),
        ("day", date(2025, 4, 1), date(2025, 4, 3))]
    assert spans(date(2025, 1, 1), date(2025, 12, 31)) == [("month", date(2025, 1, 1), date(2025, 12, 1))]
    assert spans(date(2025, 1, 2), date(2025, 1, 30)) == [("day", date(2025, 1, 2), date(2025, 1, 30))]


@pytest.fixture(scope="module")
def places() -> RegistryPlaces:
    holder = RegistryHolder.from_file(SAMPLE_CENTRES_FILE)
    return RegistryPlaces(lambda: holder.registry, load_gazetteer(GAZETTEER_FILE))


@pytest.mark.parametrize(("text", "period", "scope"), [
    ("", days("2026-11-01", "2026-11-30"), None),
    ("上个月 吴家山街道", days("2026-10-01", "2026-10-31"), Scope(street="吴家山街道")),
    ("吴家山 上个月", days("2026-10-01", "2026-10-31"), Scope(street="吴家山街道")),
    ("2025年第三季度 东西湖区", days("2025-07-01", "2025-09-30"), Scope(district="东西湖区")),
    ("2025年第三季度 东西湖区 工资", days("2025-07-01", "2025-09-30"),
     Scope(district="东西湖区", kind=DisputeKind.WAGES)),
    ("last 30 days platform", days("2026-10-26", "2026-11-24"), Scope(kind=DisputeKind.PLATFORM)),
    ("Q3 2025 Wujiashan", days("2025-07-01", "2025-09-30"), Scope(street="吴家山街道")),
    ("dxh-wujiashan 本月", days("2026-11-01", "2026-11-30"), Scope(centre="dxh-wujiashan")),
    ("2025 Dongxihu District", None, None),   # an English name in two words is not read: use the id or Chinese
])
def test_the_words_that_name_a_scope_are_taken_out_of_the_period(places, text, period, scope) -> None:
    found = read_request(text, TODAY, places)
    if period is None:
        assert isinstance(found, ScopeError) and found.problem is ScopeProblem.UNKNOWN
        return
    assert found == Request(period, scope)


@pytest.mark.parametrize(("text", "problem", "written"), [
    ("上个月 火星街道", ScopeProblem.UNKNOWN, "火星街道"),
    ("吴家山街道 径河街道", ScopeProblem.TWO_PLACES, "径河街道"),
    ("东西湖区 吴家山街道", ScopeProblem.TWO_PLACES, "吴家山街道"),
])
def test_a_scope_not_known_is_named(places, text, problem, written) -> None:
    assert read_request(text, TODAY, places) == ScopeError(problem, written)
