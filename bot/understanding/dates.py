"""Dates and periods as workers write them, relative to a `today` passed in (the clock is never read).

Our own layer, not dateparser or jionlp for sentences: dateparser misses most Chinese relative phrases
("上个月15号", "三个月前"), jionlp loses range ends ("今年3月到6月") and raises on "本月" (see
shared/ECOSYSTEM.md). dateparser remains the fallback for a typed English date we do not know.

Conventions: a month without a year is the latest such month up to today ("12月" in November 2026 is
2025-12); in a range the end takes the start's year (or the next one if it would fall before the start);
"三个月前" is that whole month, "前年" that whole year; "月底" is the month's last day.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Literal

from bot.understanding.numbers import parse_number
from bot.understanding.text import fold_case, normalise

_CN_SMALL = r"[一二两三四五六七八九十]{1,3}"
_NUM = rf"(?:\d{{1,2}}|{_CN_SMALL})"
_EN_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
_EN_MONTH = "|".join(sorted(_EN_MONTHS, key=len, reverse=True))
_EN_COUNTS: dict[str, float] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "half a": 0.5,
}
_EN_COUNT = r"\d{1,2}|half an?|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}


class Role(Enum):
    """What a date is in the story: when the dispute's period starts, ends, or the whole period."""

    START = "start"
    END = "end"
    SPAN = "span"


@dataclass(frozen=True)
class Point:
    """A calendar position as written: unknown parts are None until resolved against today or a range start."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    month_end: bool = False   # "月底": the last day of the month
    year_known: bool = True   # False when only "12月" was written, so a range partner may set it
    month_known: bool = True  # False for a bare "15号"


@dataclass(frozen=True)
class Span:
    start: date
    end: date
    is_day: bool


@dataclass(frozen=True)
class Mention:
    """A date or period found in a message, and what it is for."""

    start: date
    end: date
    role: Role
    is_day: bool


def _month_shift(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def _small(text: str) -> int | None:
    value = parse_number(text)
    return int(value) if value is not None and value == int(value) else None


def _year(text: str, today: date) -> int | None:
    relative = {"今": 0, "本": 0, "去": -1, "前": -2, "大前": -3, "明": 1}
    if text in relative:
        return today.year + relative[text]
    digits = "".join(str(_small(char)) if not char.isdigit() else char for char in text)
    if not digits.isdigit():
        return None
    return 2000 + int(digits) if len(digits) == 2 else int(digits)


# ---- Chinese expressions -------------------------------------------------------------------------

_CN_YEAR = r"(?P<year>\d{4}|[二〇零一三四五六七八九]{4}|\d{2}(?=年\s?\d{1,2}月)|大前|今|本|去|前|明)年"
_CN_MONTH = rf"(?:(?P<month>{_NUM})月份?|(?P<rel_month>上上个?|上个?|这个?|本|当|下个?)月)"
_CN_DAY = r"(?P<day>\d{1,2}|[一二三四五六七八九十]{1,3})(?:号|日)(?!线|楼|门|房|车|机|位|床|店|仓|库|院|口|子)"
_CN_PART = r"(?P<part>底|末|初)?"
# Year, month and day are each optional; the look-ahead and `_cn_point` make sure something was written.
_CN_POINT = re.compile(
    rf"(?=[\d一二两三四五六七八九十〇零大今本去前明上这当下])"
    rf"(?:{_CN_YEAR}(?:年?(?P<year_part>底|末|初))?\s?)?(?:{_CN_MONTH}\s?)?(?:{_CN_DAY}|{_CN_PART})"
)
_CN_AGO = re.compile(rf"(?P<count>半|{_NUM})个?多?(?P<unit>月|年|天|星期|礼拜|周)(?:以前|之前|前)")
_CN_RELATIVE_DAY = re.compile(r"大前天|前天|昨天|昨日|今天|今日|明天|明日|大后天|后天")
_CN_WEEKDAY = re.compile(r"(?P<which>上上个?|上个?|这个?|本|下个?)?(?:周|星期|礼拜)(?P<weekday>[一二三四五六日天])")
_CN_ISO = re.compile(r"(?<!\d)(?P<year>\d{4})[-/.](?P<month>\d{1,2})(?:[-/.](?P<day>\d{1,2}))?(?!\d)")


def _cn_point(match: re.Match[str], today: date) -> Point | None:
    groups = match.groupdict()
    # A bare day ("15号") must not be the tail of a number or of a count ("3个15号").
    if not (groups["year"] or groups["month"] or groups["rel_month"]) and (
        not groups["day"] or re.search(r"[\d一二两三四五六七八九十个月年]$", match.string[:match.start()])
    ):
        return None
    year = _year(groups["year"], today) if groups["year"] else None
    month: int | None = None
    month_known = True
    if groups["rel_month"] is not None:
        offset = {"上上": -2, "上": -1, "这": 0, "本": 0, "当": 0, "下": 1}[groups["rel_month"].rstrip("个")]
        year, month = _month_shift(today.year, today.month, offset)
    elif groups["month"] is not None:
        month = _small(groups["month"])
        if month is None or not 1 <= month <= 12:
            return None
    elif groups["day"] is not None and year is None:
        month_known = False
    day = _small(groups["day"]) if groups["day"] else None
    if groups["day"] and (day is None or not 1 <= day <= 31):
        return None
    if groups["part"] == "初" and month is not None:
        day = 1
    if groups["year_part"] and month is None and year is not None:
        month = 1 if groups["year_part"] == "初" else 12
    return Point(year=year, month=month, day=day, month_end=groups["part"] in ("底", "末"),
                 year_known=year is not None, month_known=month_known)


def _months_back(today: date, months: int) -> Point:
    year, month = _month_shift(today.year, today.month, -months)
    return Point(year=year, month=month)


def _cn_ago(match: re.Match[str], today: date) -> Point | Span | None:
    count_text, unit = match.group("count"), match.group("unit")
    if count_text == "半":  # "半年前" is six months back, "半个月前" about fifteen days
        if unit == "年":
            return _months_back(today, 6)
        return _day_span(today - timedelta(days=15)) if unit == "月" else None
    count = _small(count_text)
    if count is None or count > 60:
        return None
    if unit == "年":
        return Point(year=today.year - count)
    if unit == "月":
        return _months_back(today, count)
    return _day_span(today - timedelta(days=count * (1 if unit == "天" else 7)))


def _cn_relative_day(match: re.Match[str], today: date) -> Span:
    # Days ahead are read too, so that "明天" can be answered "that day has not come yet".
    back = {"大前天": 3, "前天": 2, "昨天": 1, "昨日": 1, "今天": 0, "今日": 0, "明天": -1, "明日": -1, "后天": -2,
            "大后天": -3}[match.group()]
    return _day_span(today - timedelta(days=back))


def _cn_weekday(match: re.Match[str], today: date) -> Span:
    which = (match.group("which") or "").rstrip("个")
    weeks_back = {"上上": 2, "上": 1, "下": -1}.get(which, 0)
    monday = today - timedelta(days=today.weekday() + 7 * weeks_back)
    day = monday + timedelta(days=_WEEKDAYS[match.group("weekday")])
    if not which and day > today:
        day -= timedelta(days=7)  # a bare "周五" is the last one
    return _day_span(day)


def _iso(match: re.Match[str], today: date) -> Point | None:
    month = int(match.group("month"))
    day = int(match.group("day")) if match.group("day") else None
    if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
        return None
    return Point(year=int(match.group("year")), month=month, day=day)


# ---- English expressions -------------------------------------------------------------------------

_EN_POINT = re.compile(
    rf"\b(?:(?P<which>last|this|next)\s)?(?P<month>{_EN_MONTH})\b\.?(?:\s(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b)?"
    rf"(?:,?\s(?P<year>(?:19|20)\d{{2}})\b)?"
    rf"|\b(?P<day_first>\d{{1,2}})(?:st|nd|rd|th)?\s(?:of\s)?(?P<month_after>{_EN_MONTH})\b"
    rf"(?:,?\s(?P<year_after>(?:19|20)\d{{2}})\b)?"
    # A year alone, not the head of an ISO date ("to 2026-03-01" is not "to 2026").
    rf"|\b(?:in|since|from|during|of|until|to)\s(?P<year_only>(?:19|20)\d{{2}})\b(?![-/.]\d)"
)
_EN_RELATIVE = re.compile(
    rf"\b(?:(?P<count>{_EN_COUNT})\s(?P<unit>day|week|month|year)s?\sago"
    r"|(?P<which>last|this|next)\s(?P<which_unit>month|year|week)|(?P<day_word>yesterday|today|tomorrow)"
    r"|the\syear\sbefore\slast)\b"
)


_EN_WEEKDAY = re.compile(r"\b(?P<which>last|on|this|next)\s(?P<weekday>mon|tues|wednes|thurs|fri|satur|sun)day\b")
_EN_WEEKDAYS = {"mon": 0, "tues": 1, "wednes": 2, "thurs": 3, "fri": 4, "satur": 5, "sun": 6}


def _en_weekday(match: re.Match[str], today: date) -> Span:
    """"last Friday", "on Monday": the latest such day (before today, for "last"); "this Friday" is the
    one of this week (Monday to Sunday), "next Friday" the one of next week."""
    weekday = _EN_WEEKDAYS[match.group("weekday")]
    which = match.group("which")
    if which in ("this", "next"):
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7 if which == "next" else 0)
        return _day_span(monday + timedelta(days=weekday))
    back = (today.weekday() - weekday) % 7
    if back == 0 and which == "last":
        back = 7
    return _day_span(today - timedelta(days=back))


def _en_point(match: re.Match[str], today: date) -> Point | None:
    if match.group("year_only"):
        return Point(year=int(match.group("year_only")))
    month_name = match.group("month") or match.group("month_after")
    day_text = match.group("day") or match.group("day_first")
    year_text = match.group("year") or match.group("year_after")
    which = match.group("which")
    # "may" is mostly the verb: take it only with a day, a year or a "last/this".
    if month_name == "may" and not (day_text or year_text or which):
        return None
    month = _EN_MONTHS[month_name]
    day = int(day_text) if day_text else None
    if day is not None and not 1 <= day <= 31:
        return None
    if year_text:
        return Point(year=int(year_text), month=month, day=day)
    if which == "this":
        return Point(year=today.year, month=month, day=day)
    if which == "next":
        return Point(year=today.year + (1 if month <= today.month else 0), month=month, day=day)
    if which == "last":
        # "last March": the latest March before this month.
        return Point(year=today.year if month < today.month else today.year - 1, month=month, day=day)
    return Point(month=month, day=day, year_known=False)


def _en_relative(match: re.Match[str], today: date) -> Point | Span | None:
    if match.group("day_word"):
        back = {"yesterday": 1, "today": 0, "tomorrow": -1}[match.group("day_word")]
        return _day_span(today - timedelta(days=back))
    if match.group() == "the year before last":
        return Point(year=today.year - 2)
    if match.group("which"):
        offset = {"last": -1, "this": 0, "next": 1}[match.group("which")]
        if match.group("which_unit") == "year":
            return Point(year=today.year + offset)
        if match.group("which_unit") == "week":
            return None  # a week is too loose to be a period's edge
        return _months_back(today, -offset)
    count_text = match.group("count")
    count = int(count_text) if count_text.isdigit() else _EN_COUNTS[count_text.replace("half an", "half a")]
    unit = match.group("unit")
    if unit == "year" and count >= 1:
        return Point(year=today.year - int(count))
    if unit in ("month", "year"):
        months = int(count * 12) if unit == "year" else int(count)
        if months == 0:
            return _day_span(today - timedelta(days=15))
        return _months_back(today, months)
    return _day_span(today - timedelta(days=int(count * (7 if unit == "week" else 1))))


# ---- resolving -----------------------------------------------------------------------------------

def _day_span(day: date) -> Span:
    return Span(day, day, is_day=True)


def _span(point: Point) -> Span | None:
    """The dates a fully known point covers."""
    if point.year is None or not 1900 <= point.year <= 2100:
        return None
    if point.month is None:
        return Span(date(point.year, 1, 1), date(point.year, 12, 31), is_day=False)
    last_day = calendar.monthrange(point.year, point.month)[1]
    if point.month_end:
        return _day_span(date(point.year, point.month, last_day))
    if point.day is None:
        return Span(date(point.year, point.month, 1), date(point.year, point.month, last_day), is_day=False)
    if point.day > last_day:
        return None
    return _day_span(date(point.year, point.month, point.day))


def _latest_up_to_today(point: Point, today: date) -> Point:
    """Fill a missing year (or month, for a bare "15号") with the latest that is not after today."""
    if not point.month_known:
        month_offset = 0 if (point.day or 1) <= today.day else -1
        year, month = _month_shift(today.year, today.month, month_offset)
        return replace(point, year=year, month=month, month_known=True, year_known=True)
    if point.year is None:
        month, day = point.month or 1, point.day or 1
        year = today.year if (month, day) <= (today.month, today.day) else today.year - 1
        return replace(point, year=year, year_known=True)
    return point


def _after(point: Point, anchor: Point) -> Point:
    """Fill a range end's missing parts from its start, moving it forward if it would come first."""
    if not point.month_known:
        filled = replace(point, year=anchor.year, month=anchor.month, month_known=True, year_known=True)
        if (filled.day or 1) < (anchor.day or 1) and anchor.year is not None and anchor.month is not None:
            year, month = _month_shift(anchor.year, anchor.month, 1)
            filled = replace(filled, year=year, month=month)
        return filled
    if point.year is None and anchor.year is not None:
        later = (point.month or 1, point.day or 1) < (anchor.month or 1, anchor.day or 1)
        return replace(point, year=anchor.year + (1 if later else 0), year_known=True)
    return point


def _before(point: Point, anchor: Point) -> Point:
    """Fill a range start's missing year from its end, moving it back if it would come after."""
    if point.year is None and anchor.year is not None and point.month_known:
        earlier = (point.month or 1, point.day or 1) > (anchor.month or 12, anchor.day or 31)
        return replace(point, year=anchor.year - (1 if earlier else 0), year_known=True)
    return point


# ---- finding -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    value: Point | Span


_FINDERS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str], date], Point | Span | None]], ...] = (
    (_CN_ISO, _iso),
    (_CN_AGO, _cn_ago),
    (_CN_POINT, _cn_point),
    (_CN_RELATIVE_DAY, _cn_relative_day),
    (_CN_WEEKDAY, _cn_weekday),
    (_EN_POINT, _en_point),
    (_EN_RELATIVE, _en_relative),
    (_EN_WEEKDAY, _en_weekday),
)


def find_points(folded: str, today: date) -> list[_Found]:
    """Every date expression, left to right, the longest where two overlap."""
    candidates = []
    for pattern, read in _FINDERS:
        for match in pattern.finditer(folded):
            if match.end() > match.start() and (value := read(match, today)) is not None:
                candidates.append(_Found(match.start(), match.end(), value))
    candidates.sort(key=lambda found: (found.start, -(found.end - found.start)))
    kept: list[_Found] = []
    for found in candidates:
        if not kept or found.start >= kept[-1].end:
            kept.append(found)
    return kept


_RANGE_LINK = re.compile(r"\s?(?:一直到|一直干到|直到|到|至|~|-|—|–|to|until|till|through|and)\s?")
_UNTIL_NOW = re.compile(r"^\s?(?:一直)?(?:到|至)(?:现在|今天|目前|如今|今)|^\s?至今"
                        r"|^\s?(?:until|till|to|up to)\s(?:now|today|date)\b")
_START_BEFORE = re.compile(r"(?:从|自从|自|since|from|started|starting|joined|began|hired)\s?(?:in\s|on\s)?$")
_END_BEFORE = re.compile(r"(?:到|至|直到|截至|截止到?|until|till|fired|dismissed|sacked|terminated|laid off|quit|"
                         r"left|deactivated|banned|let go)\s?(?:in\s|on\s)?$")
_START_AFTER = re.compile(r"入职|进厂|进场|进公司|来公司|进的|去的|上岗|开始|开工|起|以来|注册|签的|招进|"
                          r"started|joined|began|was hired")
_END_AFTER = re.compile(r"辞退|被辞|辞了|开除|解雇|被炒|炒了|离职|辞职|走的|走了|走人|不干|不让干|不做了|结束|截止|"
                        r"到期|停工|完工|封号|被封|封了|停单|清退|裁员|劝退|解除|fired|dismissed|let go|laid off|"
                        r"quit|left|deactivated|banned|terminated")
_CLAUSE_END = re.compile(r"[,，。;；!！?？\n]")


def _resolve(value: Point | Span, today: date, anchor: Point | None = None,
             follows: bool = True) -> tuple[Span | None, Point | None]:
    if isinstance(value, Span):
        return value, Point(year=value.start.year, month=value.start.month, day=value.start.day)
    point = value
    if anchor is not None:
        point = _after(point, anchor) if follows else _before(point, anchor)
    point = _latest_up_to_today(point, today)
    return _span(point), point


def _single_role(folded: str, found: _Found) -> Role:
    before = folded[max(0, found.start - 16):found.start]
    after = folded[found.end:found.end + 12]
    after = after[:match.start()] if (match := _CLAUSE_END.search(after)) else after
    start_after = _START_AFTER.search(after)
    end_after = _END_AFTER.search(after)
    if start_after or end_after:
        if start_after and end_after:
            return Role.START if start_after.start() < end_after.start() else Role.END
        return Role.START if start_after else Role.END
    if _START_BEFORE.search(before):
        return Role.START
    if _END_BEFORE.search(before):
        return Role.END
    return Role.SPAN


def find_mentions(folded: str, today: date) -> list[Mention]:
    """Dates and periods in normalised, case-folded text, with the part each plays."""
    found = find_points(folded, today)
    mentions = []
    index = 0
    while index < len(found):
        current = found[index]
        following = found[index + 1] if index + 1 < len(found) else None
        if following is not None and _RANGE_LINK.fullmatch(folded[current.end:following.start]):
            end_point = following.value
            # An explicit year on the end only ("3月到今年6月") dates the start too.
            start_value = current.value
            if (isinstance(start_value, Point) and not start_value.year_known and start_value.month_known
                    and (isinstance(end_point, Span) or end_point.year_known)):
                end_span, end_resolved = _resolve(end_point, today)
                start_span, start_resolved = _resolve(start_value, today, end_resolved, follows=False)
            else:
                start_span, start_resolved = _resolve(start_value, today)
                end_span, _ = _resolve(end_point, today, start_resolved)
            if start_span and end_span and start_span.start <= end_span.end:
                mentions.append(Mention(start_span.start, end_span.end, Role.SPAN,
                                        is_day=start_span.is_day and end_span.is_day))
            index += 2
            continue
        span, _ = _resolve(current.value, today)
        if span is not None:
            if _UNTIL_NOW.match(folded[current.end:current.end + 12]):
                mentions.append(Mention(span.start, today, Role.SPAN, is_day=False))
            else:
                role = _single_role(folded, current)
                mentions.append(Mention(span.start, span.end, role, span.is_day))
        index += 1
    return mentions


# ---- phrase-level API ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ImpossibleDay:
    """A day no calendar has, as it was written ("2月30号", "2026-02-30"), and how long its month is."""

    written: str
    days_in_month: int


def find_impossible_day(text: str, today: date) -> ImpossibleDay | None:
    """The first written day past its month's end, its year filled in as `parse_date` would fill it."""
    normalised = normalise(text)
    folded = fold_case(normalised)
    for pattern, read in ((_CN_ISO, _iso), (_CN_POINT, _cn_point), (_EN_POINT, _en_point)):
        for match in pattern.finditer(folded):
            point = read(match, today)
            if not isinstance(point, Point) or point.day is None or point.month is None:
                continue
            year = _latest_up_to_today(point, today).year
            if year is None or not 1900 <= year <= 2100:
                continue
            days = calendar.monthrange(year, point.month)[1]
            if point.day > days:
                return ImpossibleDay(written=normalised[match.start():match.end()].strip(), days_in_month=days)
    return None


def parse_period(text: str, today: date) -> tuple[date | None, date | None]:
    """The first period in a phrase ("去年12月到今年2月", "上个月", "从3月开始"): (start, end), either may be None.

    A single day gives (day, day); "从3月开始" gives only a start; "到3月" only an end.
    """
    folded = fold_case(normalise(text))
    mentions = find_mentions(folded, today)
    if not mentions:
        return None, None
    first = mentions[0]
    if first.role is Role.START:
        return first.start, None
    if first.role is Role.END:
        return None, first.end
    return first.start, first.end


def parse_date(text: str, today: date, side: Literal["start", "end"] = "start") -> date | None:
    """One date from a typed answer ("2026年8月1日", "上个月15号", "2026年3月"); a month or year gives its
    first day, or its last with side="end". Unknown English forms go to dateparser."""
    folded = fold_case(normalise(text))
    mentions = find_mentions(folded, today)
    if mentions:
        first = mentions[0]
        return first.start if side == "start" else first.end
    if re.search(r"[a-z]|\d/\d", folded):  # English words or a slashed date: dateparser's ground
        return _dateparser_date(folded, today)
    return None


def _dateparser_date(text: str, today: date) -> date | None:
    import dateparser  # imported only here: it costs ~0.1 s and most answers never need it

    try:
        parsed = dateparser.parse(
            text[:200], languages=["en"],
            settings={"RELATIVE_BASE": datetime.combine(today, time()), "PREFER_DATES_FROM": "past",
                      "REQUIRE_PARTS": ["day", "month"], "RETURN_AS_TIMEZONE_AWARE": False},
        )
    except (ValueError, OverflowError):
        return None
    return parsed.date() if parsed is not None else None
