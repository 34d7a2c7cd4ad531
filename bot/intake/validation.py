"""Checking a typed answer against its question: the value to keep, or what is wrong with it.

Dates, periods and amounts are read by the understanding module (Chinese and English, colloquial
forms such as 一万二 or 上个月); this module decides whether what was read makes sense here.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum

import phonenumbers

from bot.intake.draft import AnswerValue
from bot.intake.questions import AnswerType, Question
from bot.routing.geo import out_of_china
from bot.understanding import find_impossible_day, parse_amount, parse_date, parse_period
from bot.understanding.counts import CountProblem, read_count

# Beyond these an answer is a typo, not a claim: the largest collective construction-wage claims
# run to millions of yuan; nobody's monthly wage is half a million.
AMOUNT_CEILING = Decimal(50_000_000)
MONTHLY_WAGE_CEILING = Decimal(500_000)
COUNT_CEILING = 100_000
# More workers than this in one dispute is rare enough to be a slip ("一万三" typed for money): asked again
# to confirm, since it makes the case collective and urgent and alerts every supervisor.
CONFIRM_COUNT_ABOVE = 100
OLDEST_YEARS = 30
NEGATIVE = re.compile(r"^\s*[-−–负]")
YEAR = re.compile(r"\d{4}")
MONTH_DAYS = 31
# Kept in a typed text: line breaks and tabs, and the joiners inside emoji and some scripts.
KEPT_CONTROLS = frozenset("\n\t\u200c\u200d")


class Problem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    NO_WORDS = "no_words"            # only invisible characters, emoji or punctuation
    NOT_A_DATE = "not_a_date"
    NO_SUCH_DAY = "no_such_day"      # "2月30号": `detail` is the day as written, `limit` its month's length
    TOO_VAGUE = "too_vague"
    FUTURE_DATE = "future_date"
    TOO_OLD = "too_old"
    BEFORE_START = "before_start"
    NOT_A_PERIOD = "not_a_period"
    NOT_AN_AMOUNT = "not_an_amount"
    NEGATIVE_AMOUNT = "negative_amount"
    ZERO_AMOUNT = "zero_amount"
    ABSURD_AMOUNT = "absurd_amount"
    NOT_A_COUNT = "not_a_count"
    MONEY_NOT_COUNT = "money_not_count"
    ABSURD_COUNT = "absurd_count"
    NOT_A_PHONE = "not_a_phone"
    NOT_A_CHOICE = "not_a_choice"
    NOT_A_LOCATION = "not_a_location"


@dataclass(frozen=True)
class Verdict:
    value: AnswerValue | None = None
    problem: Problem | None = None
    limit: int | None = None      # TOO_LONG: the longest answer taken; NO_SUCH_DAY: the month's days
    detail: str | None = None     # NO_SUCH_DAY: the day as written
    unsure: bool = False          # a value that is taken only once the worker confirms it

    @property
    def ok(self) -> bool:
        return self.problem is None


def _rejected(problem: Problem, limit: int | None = None, detail: str | None = None) -> Verdict:
    return Verdict(problem=problem, limit=limit, detail=detail)


def clean_text(text: str) -> str:
    """Typed text without control, format and unassigned characters (NUL, zero-width spaces, the
    right-to-left override that would show "ABC" as "CBA"), trimmed."""
    return "".join(char for char in text
                   if char in KEPT_CONTROLS or unicodedata.category(char)[0] != "C").strip()


def has_words(text: str) -> bool:
    """At least one letter or digit: a name, an employer or a description is not only emoji."""
    return any(unicodedata.category(char)[0] in "LN" for char in text)


def check_words(text: str) -> Verdict:
    """A typed name or description: cleaned, and with something in it to read."""
    cleaned = clean_text(text)
    if not cleaned:
        return _rejected(Problem.EMPTY)
    return Verdict(value=cleaned) if has_words(cleaned) else _rejected(Problem.NO_WORDS)


def check(question: Question, text: str, today: date, *, start: date | None = None) -> Verdict:
    """A typed answer to `question`. `start` is the job's start date, which an end date may not precede."""
    text = clean_text(text)
    if not text:
        return _rejected(Problem.EMPTY)
    if len(text) > question.max_length:
        return _rejected(Problem.TOO_LONG, question.max_length)
    match question.type:
        case AnswerType.TEXT | AnswerType.PLACE:
            return check_words(text)
        case AnswerType.CHOICE:
            return Verdict(value=text) if question.typed_choice else _rejected(Problem.NOT_A_CHOICE)
        case AnswerType.YES_NO:
            return _rejected(Problem.NOT_A_CHOICE)
        case AnswerType.DATE:
            return _check_date(text, today, start)
        case AnswerType.PERIOD:
            return _check_period(text, today)
        case AnswerType.AMOUNT:
            ceiling = MONTHLY_WAGE_CEILING if question.code == "monthly_wage" else AMOUNT_CEILING
            return _check_amount(text, ceiling)
        case AnswerType.COUNT:
            return _check_count(text)
        case AnswerType.PHONE:
            return check_phone(text)
    raise AssertionError(f"no check for {question.type}")


def _no_such_day(text: str, today: date) -> Verdict | None:
    impossible = find_impossible_day(text, today)
    return None if impossible is None else _rejected(Problem.NO_SUCH_DAY, impossible.days_in_month,
                                                     impossible.written)


def _check_date(text: str, today: date, start: date | None) -> Verdict:
    if impossible := _no_such_day(text, today):
        return impossible
    parsed = parse_date(text, today)
    if parsed is None:
        return _rejected(Problem.NOT_A_DATE)
    # "去年" (last year) is a whole year, not a date: dates count for deadlines, so at least the month.
    latest = parse_date(text, today, side="end")
    if latest is not None and (latest - parsed).days > MONTH_DAYS:
        return _rejected(Problem.TOO_VAGUE)
    if parsed > today:
        return _rejected(Problem.FUTURE_DATE)
    if parsed < today - timedelta(days=365 * OLDEST_YEARS):
        return _rejected(Problem.TOO_OLD)
    if start is not None and parsed < start:
        return _rejected(Problem.BEFORE_START)
    return Verdict(value=parsed.isoformat())


def _check_period(text: str, today: date) -> Verdict:
    if impossible := _no_such_day(text, today):
        return impossible
    first, last = parse_period(text, today)
    if first is None:
        return _rejected(Problem.NOT_A_PERIOD)
    # "从3月开始" (since March) has no end: what is owed runs to today.
    last = last or today
    if first <= today and last > _month_end(today):
        # "8月到3月" read as this August to next March: a worker means last August to this March.
        if YEAR.search(text):
            return _rejected(Problem.FUTURE_DATE)
        first, last = _year_earlier(first), _year_earlier(last)
    if first > today:
        return _rejected(Problem.FUTURE_DATE)
    if first < today - timedelta(days=365 * OLDEST_YEARS):
        return _rejected(Problem.TOO_OLD)
    # "March to now" may be read as running to the end of this month: what is owed ends today at the latest.
    return Verdict(value={"start": first.isoformat(), "end": min(last, today).isoformat()})


def _check_amount(text: str, ceiling: Decimal) -> Verdict:
    if NEGATIVE.match(text):
        return _rejected(Problem.NEGATIVE_AMOUNT)
    parsed = parse_amount(text)
    if parsed is None:
        return _rejected(Problem.NOT_AN_AMOUNT)
    try:
        amount = Decimal(str(parsed))
    except InvalidOperation:
        return _rejected(Problem.NOT_AN_AMOUNT)
    if amount < 0:
        return _rejected(Problem.NEGATIVE_AMOUNT)
    if amount == 0:
        return _rejected(Problem.ZERO_AMOUNT)
    if amount > ceiling:
        return _rejected(Problem.ABSURD_AMOUNT)
    return Verdict(value=format(amount.quantize(Decimal("0.01")).normalize(), "f"))


def _check_count(text: str) -> Verdict:
    if NEGATIVE.match(text):
        return _rejected(Problem.NOT_A_COUNT)
    reading = read_count(text)
    if reading.problem is CountProblem.MONEY:
        return _rejected(Problem.MONEY_NOT_COUNT)
    if reading.value is None or reading.value < 1:
        return _rejected(Problem.NOT_A_COUNT)
    if reading.value > COUNT_CEILING:
        return _rejected(Problem.ABSURD_COUNT)
    return Verdict(value=reading.value, unsure=reading.value > CONFIRM_COUNT_ABOVE)


def confirmed_count(button_value: str) -> int | None:
    """A count the worker confirmed by button ("1" for "only me", or a large count asked again)."""
    if not button_value.isdigit():
        return None
    count = int(button_value)
    return count if 1 <= count <= COUNT_CEILING else None


def _month_end(day: date) -> date:
    following = day.replace(day=28) + timedelta(days=4)
    return following - timedelta(days=following.day)


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def check_coordinates(lat: float, lon: float) -> Verdict:
    """A shared location, as it enters from a chat or a button: finite, on the globe, and in China
    (everything the bot routes to is; 0,0 is a phone without a fix). Kept to five decimals (about 1 m)."""
    if not (math.isfinite(lat) and math.isfinite(lon)) or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return _rejected(Problem.NOT_A_LOCATION)
    if out_of_china(lat, lon):
        return _rejected(Problem.NOT_A_LOCATION)
    return Verdict(value={"lat": round(lat, 5), "lon": round(lon, 5)})


def check_phone(text: str) -> Verdict:
    """A Chinese mobile or landline (region CN unless the number says otherwise), kept as E.164."""
    digits = text.strip()
    # Telegram shares contacts as "8613800138000", without the plus.
    if digits.isdigit() and digits.startswith("86") and len(digits) == 13:
        digits = "+" + digits
    try:
        number = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        return _rejected(Problem.NOT_A_PHONE)
    if not phonenumbers.is_valid_number(number):
        return _rejected(Problem.NOT_A_PHONE)
    return Verdict(value=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
