"""The working-day calendar: published holidays and swapped working days, the operator's overrides,
and the weekend fallback (provisional) for a year neither knows.

Dates of 2026 are from the State Council's notice of 2025-11-04 (国务院办公厅关于2026年部分节假日安排
的通知). 2027 is not in chinese-calendar 1.11 (pinned in constraints.txt); the property tests use the
2090s, a year no package update will know soon.
"""

from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.calendar import (
    PUBLISHED_CALENDAR,
    PUBLISHED_YEARS,
    HolidayOverrides,
    HolidaysFileError,
    Reckoning,
    WorkingCalendar,
    YearOverrides,
    load_overrides,
)
from bot.settings import PROJECT_ROOT

SAMPLE_FILE = PROJECT_ROOT / "data" / "holidays" / "overrides.sample.yaml"
FAR_AHEAD = (date(2090, 1, 1), date(2099, 12, 31))  # years no calendar knows
PUBLISHED_SPAN = (date(PUBLISHED_YEARS.start, 1, 1), date(PUBLISHED_YEARS.stop - 1, 9, 30))


def with_overrides(years: dict[int, dict]) -> WorkingCalendar:
    return WorkingCalendar(HolidayOverrides.model_validate({"years": years}))


@pytest.mark.parametrize(("day", "working"), [
    (date(2026, 1, 4), True),     # Sunday worked for New Year
    (date(2026, 2, 14), True),    # Saturday worked for Spring Festival
    (date(2026, 2, 16), False),   # Monday in Spring Festival
    (date(2026, 2, 23), False),   # its last day, a Monday
    (date(2026, 2, 28), True),    # Saturday worked for Spring Festival
    (date(2026, 9, 20), True),    # Sunday worked for National Day
    (date(2026, 9, 25), False),   # Mid-Autumn, a Friday
    (date(2026, 10, 5), False),   # National Day week, a Monday
    (date(2026, 10, 8), True),    # the first working day after it
    (date(2026, 10, 10), True),   # Saturday worked for National Day
    (date(2026, 11, 28), False),  # an ordinary Saturday
    (date(2026, 11, 30), True),   # an ordinary Monday
])
def test_2026_working_days_follow_the_state_councils_schedule(day, working) -> None:
    assert PUBLISHED_CALENDAR.is_working_day(day) is working


@pytest.mark.parametrize(("start", "days", "expected"), [
    (date(2026, 11, 27), 1, date(2026, 11, 30)),   # Friday -> Monday
    (date(2026, 2, 13), 1, date(2026, 2, 14)),     # Friday -> the swapped Saturday
    (date(2026, 2, 14), 1, date(2026, 2, 24)),     # over the whole Spring Festival
    (date(2026, 9, 18), 1, date(2026, 9, 20)),     # Friday -> the swapped Sunday
    (date(2026, 9, 30), 1, date(2026, 10, 8)),     # over National Day week
    (date(2026, 9, 28), 5, date(2026, 10, 10)),    # 29, 30 Sep, 8, 9, 10 (Saturday) Oct
])
def test_working_days_skip_rest_days_and_count_swapped_ones(start, days, expected) -> None:
    assert PUBLISHED_CALENDAR.add_working_days(start, days) == Reckoning(expected, known=True)


@pytest.mark.parametrize(("start", "expected"), [
    (date(2026, 11, 13), date(2026, 11, 30)),   # ends on Saturday 28 Nov -> Monday
    (date(2026, 2, 1), date(2026, 2, 24)),      # ends on 16 Feb, Spring Festival -> the day after it
    (date(2026, 9, 20), date(2026, 10, 8)),     # ends on 5 Oct, National Day week -> 8 Oct
    (date(2026, 2, 13), date(2026, 2, 28)),     # ends on a Saturday that is worked: stays
    (date(2026, 9, 25), date(2026, 10, 10)),    # likewise, after National Day
])
def test_a_15_day_period_ending_on_a_rest_day_ends_on_the_next_working_day(start, expected) -> None:
    assert PUBLISHED_CALENDAR.add_calendar_days(start, 15) == Reckoning(expected, known=True)


def test_2027_is_unknown_to_the_package_so_its_dates_are_provisional() -> None:
    assert PUBLISHED_CALENDAR.knows(date(2026, 12, 31)) and not PUBLISHED_CALENDAR.knows(date(2027, 1, 1))
    assert PUBLISHED_CALENDAR.is_working_day(date(2027, 1, 1)), "unknown: a Friday is taken as a working day"
    assert PUBLISHED_CALENDAR.add_calendar_days(date(2026, 12, 28), 15) == (date(2027, 1, 12), False)
    assert PUBLISHED_CALENDAR.add_working_days(date(2026, 12, 30), 3) == (date(2027, 1, 4), False)
    assert PUBLISHED_CALENDAR.add_working_days(date(2026, 12, 28), 2) == (date(2026, 12, 30), True)


def test_an_override_turns_a_2027_day_into_a_holiday_and_makes_2027_known() -> None:
    calendar = with_overrides({2027: {"holidays": [date(2027, 1, 1)]}})
    assert not calendar.is_working_day(date(2027, 1, 1))
    assert calendar.add_calendar_days(date(2026, 12, 17), 15) == (date(2027, 1, 4), True)
    assert PUBLISHED_CALENDAR.add_calendar_days(date(2026, 12, 17), 15) == (date(2027, 1, 1), False)


def test_an_override_can_make_a_weekend_day_worked_or_correct_a_published_year() -> None:
    calendar = with_overrides({
        2027: {"working_days": [date(2027, 1, 9)]},                      # a Saturday
        2026: {"holidays": [date(2026, 12, 31)], "working_days": [date(2026, 10, 5)]},
    })
    assert calendar.is_working_day(date(2027, 1, 9)) and not PUBLISHED_CALENDAR.is_working_day(date(2027, 1, 9))
    assert not calendar.is_working_day(date(2026, 12, 31))
    assert calendar.is_working_day(date(2026, 10, 5))
    assert calendar.is_working_day(date(2026, 2, 14)), "days the file does not list keep the package's answer"


def test_the_sample_file_loads_marked_sample_and_changes_nothing() -> None:
    sample = load_overrides(SAMPLE_FILE)
    assert sample.sample and sample.years == {}
    calendar = WorkingCalendar.from_file(SAMPLE_FILE)
    assert not calendar.knows(date(2027, 1, 1))
    assert calendar.add_calendar_days(date(2026, 2, 1), 15) == (date(2026, 2, 24), True)


def test_the_samples_format_example_is_the_real_2026_schedule() -> None:
    """The commented example, uncommented, must agree with the package on every day of 2026."""
    lines = SAMPLE_FILE.read_text(encoding="utf-8").splitlines()
    start = lines.index("# years:")
    example = [line.removeprefix("# ").removeprefix("#") for line in lines[start:] if line.startswith("#")]
    schedule = HolidayOverrides.model_validate(yaml.safe_load("\n".join(example))).years[2026]
    day = date(2026, 1, 1)
    while day.year == 2026:
        by_example = day in schedule.working_days or (day.weekday() < 5 and day not in schedule.holidays)
        assert by_example == PUBLISHED_CALENDAR.is_working_day(day), day
        day += timedelta(days=1)


@pytest.mark.parametrize(("content", "where", "message"), [
    ("years: {2027: {holidays: [2028-01-01]}}", "years.2027.holidays[0]", "2028-01-01 is not in 2027"),
    ("years: {2027: {holidays: [2027-01-01], working_days: [2027-01-09, 2027-01-01]}}",
     "years.2027.working_days[1]", "also listed as a holiday"),
    ("years: {2027: {holidays: [2027-01-01, 2027-13-01]}}", "years.2027.holidays[1]", "valid date"),
    ("years: {2027: {holiday: [2027-01-01]}}", "years.2027.holiday", "Extra inputs are not permitted"),
    ("years: {next: {}}", "years.next", "valid integer"),
    ("- 2027-01-01", "", "valid dictionary"),
    ("years: {2027: {holidays: [2027-01-01}}", "", "not valid YAML"),
])
def test_a_bad_file_names_the_file_and_the_entry(tmp_path: Path, content, where, message) -> None:
    path = tmp_path / "overrides.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(HolidaysFileError) as raised:
        WorkingCalendar.from_file(path)
    assert str(raised.value).startswith(f"{path}: {where}")
    assert message in str(raised.value)


def test_an_empty_file_overrides_nothing_and_a_missing_one_is_an_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    assert not WorkingCalendar.from_file(empty).knows(date(2027, 1, 1))
    with pytest.raises(HolidaysFileError, match="cannot read"):
        WorkingCalendar.from_file(tmp_path / "missing.yaml")


def test_a_period_has_at_least_one_day() -> None:
    with pytest.raises(ValueError, match="at least one day"):
        PUBLISHED_CALENDAR.add_working_days(date(2026, 5, 6), 0)


any_published_day = st.dates(min_value=PUBLISHED_SPAN[0], max_value=PUBLISHED_SPAN[1])
any_far_day = st.dates(min_value=FAR_AHEAD[0], max_value=FAR_AHEAD[1] - timedelta(days=200))


def _days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


@given(start=st.one_of(any_published_day, any_far_day), days=st.integers(min_value=1, max_value=90))
def test_the_nth_working_day_is_a_working_day_with_n_working_days_up_to_it(start, days) -> None:
    day, known = PUBLISHED_CALENDAR.add_working_days(start, days)
    span = _days_between(start + timedelta(days=1), day)
    counted = [d for d in span if PUBLISHED_CALENDAR.is_working_day(d)]
    assert len(counted) == days and counted[-1] == day
    assert known is all(d.year in PUBLISHED_YEARS for d in span)


@given(start=st.one_of(any_published_day, any_far_day), days=st.integers(min_value=1, max_value=60))
def test_a_calendar_day_period_ends_on_the_first_working_day_from_its_last_day(start, days) -> None:
    day, known = PUBLISHED_CALENDAR.add_calendar_days(start, days)
    last = start + timedelta(days=days)
    assert PUBLISHED_CALENDAR.is_working_day(day)
    assert not any(PUBLISHED_CALENDAR.is_working_day(d) for d in _days_between(last, day - timedelta(days=1)))
    assert known is all(d.year in PUBLISHED_YEARS for d in _days_between(last, day))


@given(day=any_far_day)
def test_a_year_no_one_knows_is_its_weekends_until_an_override_says_otherwise(day) -> None:
    assert PUBLISHED_CALENDAR.is_working_day(day) is (day.weekday() < 5)
    assert not PUBLISHED_CALENDAR.knows(day)
    as_holiday = WorkingCalendar(HolidayOverrides(years={day.year: YearOverrides(holidays=[day])}))
    as_worked = WorkingCalendar(HolidayOverrides(years={day.year: YearOverrides(working_days=[day])}))
    assert not as_holiday.is_working_day(day) and as_holiday.knows(day)
    assert as_worked.is_working_day(day)
    assert as_holiday.is_working_day(day + timedelta(days=1)) is ((day + timedelta(days=1)).weekday() < 5)
