"""Properties of the moment reader: any text gives a moment or a reason, and a written day and time read back."""

from __future__ import annotations

from datetime import date, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.understanding import Moment, Unclear, parse_moment

TODAY = date(2026, 12, 2)
days_ahead = st.integers(min_value=0, max_value=300).map(lambda offset: TODAY + timedelta(days=offset))
times = st.builds(time, st.integers(min_value=0, max_value=23), st.sampled_from([0, 5, 15, 30, 45, 59]))


@given(st.text(max_size=80))
def test_any_text_gives_a_moment_or_a_reason(text: str) -> None:
    assert isinstance(parse_moment(text, TODAY), Moment | Unclear)


@given(days_ahead, times)
def test_a_chinese_date_with_a_24_hour_time_reads_back(day: date, at: time) -> None:
    written = f"{day.year}年{day.month}月{day.day}日 {at.hour}:{at.minute:02d}"
    assert parse_moment(written, TODAY) == Moment(day, at)


@given(days_ahead, times)
def test_a_month_and_day_without_a_year_is_the_next_one(day: date, at: time) -> None:
    """Within the coming year (the days drawn are at most 300 ahead), the year need not be written."""
    written = f"{day.month}月{day.day}号 {at.hour:02d}:{at.minute:02d}"
    assert parse_moment(written, TODAY) == Moment(day, at)


@given(days_ahead, st.integers(min_value=1, max_value=12), st.sampled_from([0, 30]), st.sampled_from(["am", "pm"]))
def test_an_english_date_with_am_or_pm_reads_back(day: date, hour: int, minute: int, meridiem: str) -> None:
    written = f"{day.strftime('%B')} {day.day} {day.year} {hour}:{minute:02d}{meridiem}"
    expected_hour = hour % 12 + (12 if meridiem == "pm" else 0)
    assert parse_moment(written, TODAY) == Moment(day, time(expected_hour, minute))


@given(st.integers(min_value=0, max_value=6), st.sampled_from(["上午", "下午"]), st.integers(min_value=1, max_value=11))
def test_next_weeks_weekday_with_a_part_of_the_day(weekday: int, part: str, hour: int) -> None:
    names = "一二三四五六日"
    monday = TODAY - timedelta(days=TODAY.weekday()) + timedelta(days=7)
    read = parse_moment(f"下周{names[weekday]}{part}{hour}点", TODAY)
    assert read == Moment(monday + timedelta(days=weekday), time(hour + (12 if part == "下午" else 0)))
