"""The sessions' rules by table: which times are questioned, when the reminders go out, which links are kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from bot.calendar import PUBLISHED_CALENDAR
from bot.sessions import Concern, Place, Reminder, SessionPlan, concerns, meeting_link, reminder_times

WUHAN = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)   # Tuesday 10:30 in Wuhan


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=WUHAN)


@pytest.mark.parametrize(("starts_at", "expected"), [
    (local(2026, 11, 25, 15), set()),                                   # Wednesday afternoon
    (local(2026, 11, 24, 10, 31), set()),                               # later today
    (local(2026, 11, 24, 9), {Concern.PAST}),                           # earlier today
    (local(2026, 11, 24, 10, 30), {Concern.PAST}),                      # now is not ahead
    (local(2026, 11, 28, 10), {Concern.REST_DAY}),                      # Saturday
    (local(2026, 11, 29, 10), {Concern.REST_DAY}),                      # Sunday
    (local(2026, 10, 1, 10), {Concern.PAST, Concern.REST_DAY}),         # National Day, gone
    (local(2026, 11, 25, 7, 59), {Concern.OFF_HOURS}),
    (local(2026, 11, 25, 8), set()),
    (local(2026, 11, 25, 19, 59), set()),
    (local(2026, 11, 25, 20), {Concern.OFF_HOURS}),                     # a session starts before 20:00
    (local(2026, 11, 28, 21), {Concern.REST_DAY, Concern.OFF_HOURS}),
])
def test_doubtful_times(starts_at: datetime, expected: set[Concern]) -> None:
    assert concerns(starts_at, NOW, PUBLISHED_CALENDAR, WUHAN) == expected


def test_reminders_the_day_before_and_the_hour_before_unless_already_due() -> None:
    starts = local(2026, 11, 26, 15)
    assert reminder_times(starts, NOW) == {Reminder.DAY_BEFORE: starts - timedelta(days=1),
                                           Reminder.HOUR_BEFORE: starts - timedelta(hours=1)}
    tomorrow_morning = local(2026, 11, 25, 9)   # less than a day ahead: only the hour before
    assert reminder_times(tomorrow_morning, NOW) == {Reminder.HOUR_BEFORE: tomorrow_morning - timedelta(hours=1)}
    assert reminder_times(local(2026, 11, 24, 11), NOW) == {}   # in half an hour: neither


@pytest.mark.parametrize(("typed", "kept"), [
    ("https://meeting.tencent.com/dm/abc123", "https://meeting.tencent.com/dm/abc123"),
    ("  https://meeting.tencent.com/dm/abc123  ", "https://meeting.tencent.com/dm/abc123"),
    ("https://zoom.us/j/123?pwd=x", "https://zoom.us/j/123?pwd=x"),
    ("http://meeting.tencent.com/dm/abc123", None),     # not encrypted
    ("meeting.tencent.com/dm/abc123", None),             # no scheme
    ("https://", None),
    ("https://meeting tencent.com", None),
    ("javascript:alert(1)", None),
    ("ftp://files.example.com", None),
    ("腾讯会议 123 456 789", None),
    ("https://" + "a" * 600 + ".com", None),              # too long
])
def test_meeting_links(typed: str, kept: str | None) -> None:
    assert meeting_link(typed) == kept


def test_a_plan_online_has_a_link_and_in_person_none() -> None:
    assert SessionPlan(place=Place.ONLINE, link="https://meeting.tencent.com/dm/abc123").link
    assert SessionPlan(place=Place.IN_PERSON).link is None
    for bad in ({"place": Place.ONLINE}, {"place": Place.IN_PERSON, "link": "https://meeting.tencent.com/x"},
                {"place": Place.ONLINE, "link": "http://meeting.tencent.com/x"}):
        with pytest.raises(ValidationError):
            SessionPlan(**bad)
