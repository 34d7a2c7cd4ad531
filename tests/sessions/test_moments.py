"""Scheduling phrases as mediators and workers type them, read against a fixed day: Wednesday 2 December 2026."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.understanding import Moment, Unclear, parse_moment

TODAY = date(2026, 12, 2)   # a Wednesday


@pytest.mark.parametrize(("text", "day", "at"), [
    # Chinese: relative days, weekdays, dates; parts of the day and Chinese numerals
    ("下周二上午10点", date(2026, 12, 8), time(10)),
    ("明天下午3点", date(2026, 12, 3), time(15)),
    ("后天上午九点半", date(2026, 12, 4), time(9, 30)),
    ("大后天下午两点", date(2026, 12, 5), time(14)),
    ("今天下午4点", date(2026, 12, 2), time(16)),
    ("周五14:00", date(2026, 12, 4), time(14)),
    ("周五十点", date(2026, 12, 4), time(10)),          # the hour is not the weekday's numeral
    ("星期一上午9点", date(2026, 12, 7), time(9)),       # a bare weekday is the coming one
    ("周三下午3点", date(2026, 12, 2), time(15)),        # ... today included
    ("这周五下午2点半", date(2026, 12, 4), time(14, 30)),
    ("下周一9:00", date(2026, 12, 7), time(9)),
    ("12月5日 9:30", date(2026, 12, 5), time(9, 30)),
    ("12月1日 10:00", date(2027, 12, 1), time(10)),      # a month and day without a year: the next one
    ("1月8号上午10点", date(2027, 1, 8), time(10)),
    ("5号下午2点半", date(2026, 12, 5), time(14, 30)),
    ("下个月3号上午十点", date(2027, 1, 3), time(10)),
    ("2026年12月10日 15:30", date(2026, 12, 10), time(15, 30)),
    ("2026-12-08 14:30", date(2026, 12, 8), time(14, 30)),
    ("后天10点一刻", date(2026, 12, 4), time(10, 15)),
    ("星期三 上午十点零五分", date(2026, 12, 2), time(10, 5)),
    ("明天中午12点", date(2026, 12, 3), time(12)),
    ("明天中午1点", date(2026, 12, 3), time(13)),
    ("明天晚上7点", date(2026, 12, 3), time(19)),
    ("今晚8点", date(2026, 12, 2), time(20)),
    ("明天 10点", date(2026, 12, 3), time(10)),           # 8 to 12 without a part of the day: the morning
    ("明天下午 3点", date(2026, 12, 3), time(15)),
    ("明天15点", date(2026, 12, 3), time(15)),
    ("明天下午2:30", date(2026, 12, 3), time(14, 30)),
    ("明天 07:30", date(2026, 12, 3), time(7, 30)),        # a colon is a 24-hour clock
    ("明天下午３点", date(2026, 12, 3), time(15)),          # full-width digits
    ("後天上午十點", date(2026, 12, 4), time(10)),          # traditional characters
    # days already gone are read as written (the service asks about them)
    ("2025年11月3日上午10点", date(2025, 11, 3), time(10)),
    ("上周五下午3点", date(2026, 11, 27), time(15)),
    ("昨天上午10点", date(2026, 12, 1), time(10)),
    # English
    ("tomorrow 3pm", date(2026, 12, 3), time(15)),
    ("next Monday 9am", date(2026, 12, 7), time(9)),
    ("Tomorrow at 10:30", date(2026, 12, 3), time(10, 30)),
    ("friday 2:30pm", date(2026, 12, 4), time(14, 30)),
    ("on Friday at 9.30 am", date(2026, 12, 4), time(9, 30)),
    ("the day after tomorrow at 10am", date(2026, 12, 4), time(10)),
    ("Dec 5 9:30", date(2026, 12, 5), time(9, 30)),
    ("5 December 2pm", date(2026, 12, 5), time(14)),
    ("today at noon", date(2026, 12, 2), time(12)),
    ("tomorrow 3 in the afternoon", date(2026, 12, 3), time(15)),
    ("next Tuesday 12pm", date(2026, 12, 8), time(12)),
    ("tomorrow 12am", date(2026, 12, 3), time(0)),
])
def test_a_day_and_a_time(text: str, day: date, at: time) -> None:
    assert parse_moment(text, TODAY) == Moment(day, at)


@pytest.mark.parametrize(("text", "unclear"), [
    ("明天3点", Unclear.AMBIGUOUS_HOUR),           # three in the morning or the afternoon?
    ("tomorrow at 3", Unclear.AMBIGUOUS_HOUR),
    ("周五 5点半", Unclear.AMBIGUOUS_HOUR),
    ("明天", Unclear.NO_TIME),
    ("下周二上午", Unclear.NO_TIME),
    ("next Monday", Unclear.NO_TIME),
    ("下午3点", Unclear.NO_DAY),
    ("at 10am", Unclear.NO_DAY),
    ("明天25点", Unclear.NO_SUCH_TIME),
    ("明天10:75", Unclear.NO_SUCH_TIME),
    ("明天上午15点", Unclear.NO_SUCH_TIME),
    ("tomorrow 13pm", Unclear.NO_SUCH_TIME),
    ("2月30日上午10点", Unclear.NO_SUCH_DAY),
    ("11月31号 14:00", Unclear.NO_SUCH_DAY),
    ("你好", Unclear.NOTHING),
    ("", Unclear.NOTHING),
    ("下个月", Unclear.NOTHING),                  # a month is no day
])
def test_what_is_missing_or_wrong_is_named(text: str, unclear: Unclear) -> None:
    assert parse_moment(text, TODAY) is unclear


def test_a_long_message_is_read_in_bounded_time() -> None:
    assert parse_moment("明天" * 3000 + "下午3点", TODAY) == Unclear.NO_TIME   # the text is capped first
