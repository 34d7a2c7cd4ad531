"""A day and a time of day as people type them to fix a meeting ("下周二上午10点", "明天下午3点", "tomorrow 3pm",
"12月5日 9:30", "周五14:00", "后天上午九点半", "next Monday 9am"), relative to a `today` passed in (the clock is
never read).

The day is found by dates.py's finders, read forward here: a complaint tells of the past, a meeting is
ahead, so a bare "周五" is the coming Friday (today included) and "12月5日" or "5号" the next such day. A day
written in full ("2026年11月3日", "上周五") is taken as written, even if it has passed: the caller asks.

The time of day: "上午10点", "下午三点半", "9:30", "14:00", "3pm", "noon". A time written with a colon is a
24-hour clock; an hour from 1 to 7 with neither a part of the day nor am/pm ("3点", "at 3") could be morning
or afternoon, and is asked about rather than guessed.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from enum import StrEnum

from bot.understanding.dates import Point, Span, find_points
from bot.understanding.numbers import parse_number
from bot.understanding.text import fold_case, normalise


class Unclear(StrEnum):
    """Why a phrase gives no moment: each is asked again with what is missing."""

    NOTHING = "nothing"                # neither a day nor a time
    NO_DAY = "no_day"                  # "下午3点": which day?
    NO_TIME = "no_time"                # "明天": at what time?
    AMBIGUOUS_HOUR = "ambiguous_hour"  # "明天3点": morning or afternoon?
    NO_SUCH_TIME = "no_such_time"      # "25点", "10:75", "上午15点"
    NO_SUCH_DAY = "no_such_day"        # "2月30日"


@dataclass(frozen=True)
class Moment:
    """A local day and time of day (the caller puts it in the service's zone)."""

    day: date
    at: time


_MORNING = frozenset({"凌晨", "清早", "早上", "早晨", "上午", "am", "a.m.", "morning"})
_NOON = frozenset({"中午", "noon"})
_AFTERNOON = frozenset({"午后", "下午", "傍晚", "晚上", "夜里", "今晚", "pm", "p.m.", "afternoon", "evening",
                        "tonight"})
_CN_PERIOD = r"(?P<period>凌晨|清早|早上|早晨|上午|中午|午后|下午|傍晚|晚上|夜里|今晚)?\s?"
_CN_HOUR_NUMBER = r"(?P<hour>\d{1,2}|[零〇一二两三四五六七八九十]{1,3})"
_CN_MINUTE_NUMBER = r"(?P<minute>\d{1,2}|[零〇一二三四五六七八九十]{1,3})"
_MERIDIEM = r"(?P<meridiem>a\.m\.|p\.m\.|am|pm)(?![a-z])"
_EN_PART = re.compile(r"\b(?:in\sthe\s)?(?P<period>morning|afternoon|evening|tonight)\b")

_TIMES = (
    # "上午10点", "下午三点半", "九点一刻", "10点30分", "十点零五分"
    # The hour is not the weekday's numeral: "周五十点" is Friday at ten.
    re.compile(rf"{_CN_PERIOD}(?<![周期拜]){_CN_HOUR_NUMBER}\s?[点时](?:\s?(?P<half>半)|\s?(?P<quarter>一刻|三刻)"
               rf"|\s?{_CN_MINUTE_NUMBER}\s?分?)?钟?"),
    # "9:30", "14:00", "下午2:30", "9:30am", "9.30 pm" (a point only with am/pm)
    re.compile(rf"{_CN_PERIOD}(?<!\d)(?P<hour>\d{{1,2}})\s?:\s?(?P<minute>\d{{2}})(?!\d)(?:\s?{_MERIDIEM})?"),
    re.compile(rf"\b(?P<hour>\d{{1,2}})(?:[:.](?P<minute>\d{{2}}))?\s?{_MERIDIEM}"),
    re.compile(r"\b(?P<noon>noon|midday)\b"),
    re.compile(r"\b(?P<hour>\d{1,2})\s(?=in\sthe\s(?:morning|afternoon|evening)\b)"),
    re.compile(r"\bat\s(?P<hour>\d{1,2})\b(?!\s?[:./\d])(?:\s?o'?clock)?"),
)

_EN_WEEKDAYS = {"mon": 0, "tues": 1, "wednes": 2, "thurs": 3, "fri": 4, "satur": 5, "sun": 6}
# Forms dates.py does not read, or reads for the past.
_DAY_AFTER_TOMORROW = re.compile(r"\b(?:the\s)?day\safter\stomorrow\b")
_EN_BARE_WEEKDAY = re.compile(r"\b(?P<weekday>mon|tues|wednes|thurs|fri|satur|sun)day\b")
_BARE_WEEKDAY = re.compile(r"^(?:(?:周|星期|礼拜)[一二三四五六日天]|on\s\w+day)$")


def _small(text: str) -> int | None:
    text = text.lstrip("零〇") or "0"
    value = parse_number(text)
    return int(value) if value is not None and value == int(value) else None


def _time_of_day(match: re.Match[str]) -> time | Unclear:
    groups = match.groupdict()
    if groups.get("noon"):
        return time(12)
    hour = _small(groups["hour"])
    if hour is None:
        return Unclear.NO_SUCH_TIME
    minute = 0
    if groups.get("half"):
        minute = 30
    elif groups.get("quarter"):
        minute = 15 if groups["quarter"] == "一刻" else 45
    elif groups.get("minute"):
        found = _small(groups["minute"])
        if found is None:
            return Unclear.NO_SUCH_TIME
        minute = found
    if minute > 59 or hour > 23:
        return Unclear.NO_SUCH_TIME
    if groups.get("meridiem") and not 1 <= hour <= 12:
        return Unclear.NO_SUCH_TIME  # "13pm"
    period = groups.get("meridiem") or groups.get("period")
    if period is None and (part := _EN_PART.search(match.string)):
        period = part.group("period")
    if period in _AFTERNOON:
        if hour == 0:
            return Unclear.NO_SUCH_TIME
        return time(hour + 12 if hour < 12 else hour, minute)
    if period in _NOON:
        if hour in (11, 12):
            return time(hour, minute)
        return time(hour + 12, minute) if 1 <= hour <= 2 else Unclear.NO_SUCH_TIME
    if period in _MORNING:
        if hour > 12:
            return Unclear.NO_SUCH_TIME
        return time(0 if hour == 12 and period in ("am", "a.m.") else hour, minute)
    if ":" not in match.group() and 1 <= hour <= 7:
        return Unclear.AMBIGUOUS_HOUR
    return time(hour, minute)


def _find_time(folded: str) -> tuple[time | Unclear, tuple[int, int]] | None:
    """The leftmost time of day, and where it was written."""
    found = [match for pattern in _TIMES if (match := pattern.search(folded))]
    if not found:
        return None
    first = min(found, key=lambda match: (match.start(), -len(match.group())))
    return _time_of_day(first), first.span()


def _forward(point: Point, today: date) -> date | Unclear | None:
    """The next day the point can be, from today on; None if it names no day."""
    if point.day is None or point.month_end:
        return None
    if not point.month_known:  # "5号": this month's, or next month's once it has passed
        year, month = today.year, today.month
        if point.day < today.day:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    else:
        if point.month is None:
            return None
        month = point.month
        year = point.year if point.year is not None else (
            today.year if (month, point.day) >= (today.month, today.day) else today.year + 1)
    if point.day > calendar.monthrange(year, month)[1]:
        return Unclear.NO_SUCH_DAY
    return date(year, month, point.day)


def _find_day(folded: str, today: date) -> date | Unclear | None:
    own = [(match.start(), match.end(), today + timedelta(days=2)) for match in _DAY_AFTER_TOMORROW.finditer(folded)]
    for match in _EN_BARE_WEEKDAY.finditer(folded):
        ahead = (_EN_WEEKDAYS[match.group("weekday")] - today.weekday()) % 7
        own.append((match.start(), match.end(), today + timedelta(days=ahead)))
    theirs = [(found.start, found.end, found.value) for found in find_points(folded, today)]
    candidates = sorted(own + theirs, key=lambda found: (found[0], -(found[1] - found[0])))
    for start, end, value in candidates:
        if isinstance(value, date):
            return value
        if isinstance(value, Span):
            if not value.is_day:
                continue
            day = value.start
            if _BARE_WEEKDAY.match(folded[start:end]) and day < today:
                day += timedelta(days=7)  # a bare "周五" is the coming one
            return day
        day = _forward(value, today)
        if day is not None:
            return day
    return None


def parse_moment(text: str, today: date) -> Moment | Unclear:
    """The first day and time of day in a phrase, or what is missing or wrong in it."""
    folded = fold_case(normalise(text))
    found_time = _find_time(folded)
    if found_time is not None:
        start, end = found_time[1]
        folded = folded[:start] + " " * (end - start) + folded[end:]  # its digits are no day
    day = _find_day(folded, today)
    if day is None and found_time is not None and "今晚" in text:
        day = today
    if found_time is None:
        return Unclear.NOTHING if day is None else Unclear.NO_TIME if isinstance(day, date) else day
    at = found_time[0]
    if isinstance(at, Unclear):
        return at
    if day is None:
        return Unclear.NO_DAY
    if isinstance(day, Unclear):
        return day
    return Moment(day, at)
