"""Checking a typed answer against its question: the value to keep, or what is wrong with it.

Dates, periods and amounts are read by the understanding module (Chinese and English, colloquial
forms such as 一万二 or 上个月); this module decides whether what was read makes sense here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum

import phonenumbers

from bot.intake.draft import AnswerValue
from bot.intake.questions import AnswerType, Question
from bot.understanding import parse_amount, parse_date, parse_period
from bot.understanding.numbers import parse_number

# Beyond these an answer is a typo, not a claim: the largest collective construction-wage claims
# run to millions of yuan; nobody's monthly wage is half a million.
AMOUNT_CEILING = Decimal(50_000_000)
MONTHLY_WAGE_CEILING = Decimal(500_000)
COUNT_CEILING = 100_000
OLDEST_YEARS = 30
NEGATIVE = re.compile(r"^\s*[-−–负]")
DIGITS = re.compile(r"\d+")
CHINESE_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百千万]+")
THOUSANDS_SEPARATOR = re.compile(r"(?<=\d),(?=\d{3}\b)")
COUNTED_PEOPLE = re.compile(
    r"(\d+|[零〇一二两三四五六七八九十百千万]+)\s*(?:个|名|位)?\s*(?:人|工人|工友|workers?|people)", re.IGNORECASE)
YEAR = re.compile(r"\d{4}")
MONTH_DAYS = 31


class Problem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    NOT_A_DATE = "not_a_date"
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
    ABSURD_COUNT = "absurd_count"
    NOT_A_PHONE = "not_a_phone"
    NOT_A_CHOICE = "not_a_choice"


@dataclass(frozen=True)
class Verdict:
    value: AnswerValue | None = None
    problem: Problem | None = None
    limit: int | None = None  # for TOO_LONG: the longest answer taken

    @property
    def ok(self) -> bool:
        return self.problem is None


def _rejected(problem: Problem, limit: int | None = None) -> Verdict:
    return Verdict(problem=problem, limit=limit)


def check(question: Question, text: str, today: date, *, start: date | None = None) -> Verdict:
    """A typed answer to `question`. `start` is the job's start date, which an end date may not precede."""
    text = text.strip()
    if not text:
        return _rejected(Problem.EMPTY)
    if len(text) > question.max_length:
        return _rejected(Problem.TOO_LONG, question.max_length)
    match question.type:
        case AnswerType.TEXT | AnswerType.PLACE:
            return Verdict(value=text)
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


def _check_date(text: str, today: date, start: date | None) -> Verdict:
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
    count = _whole_number(text)
    if count is None or count < 1:
        return _rejected(Problem.NOT_A_COUNT)
    if count > COUNT_CEILING:
        return _rejected(Problem.ABSURD_COUNT)
    return Verdict(value=count)


def _whole_number(text: str) -> int | None:
    """The number of people: the one counting people if one does ("3个班组共40人" is 40), else the largest
    ("我们一共十二个人" is 12, not the 一 of 一共); "1,200" is one number."""
    text = THOUSANDS_SEPARATOR.sub("", text)
    counting = COUNTED_PEOPLE.search(text)
    candidates = [counting.group(1)] if counting else DIGITS.findall(text) + CHINESE_NUMERAL.findall(text)
    values = [value for candidate in candidates if (value := parse_number(candidate)) is not None
              and value == value.to_integral_value()]
    return int(max(values)) if values else None


def _month_end(day: date) -> date:
    following = day.replace(day=28) + timedelta(days=4)
    return following - timedelta(days=following.day)


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


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
