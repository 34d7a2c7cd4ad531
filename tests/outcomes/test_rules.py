"""The outcome rules by table: when each payment question is due, what the worker may do when money does
not come, the case's payment track from its terms, the date for review and confirmation, the ratings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.calendar import PUBLISHED_CALENDAR, HolidayOverrides, WorkingCalendar, YearOverrides
from bot.cases import Payment
from bot.documents import ClaimKind
from bot.i18n import translations
from bot.outcomes import (
    RATING_LABELS,
    TERM_STEPS,
    Rating,
    Remedy,
    confirmation_deadline,
    is_good,
    payment_check_day,
    payment_question_at,
    payment_track,
    remedies,
)

WUHAN = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("due_on", "asked_on", "provisional"), [
    (date(2026, 11, 26), date(2026, 11, 27), False),   # Thursday -> Friday: the whole due day is the employer's
    (date(2026, 11, 27), date(2026, 11, 30), False),   # Friday -> Monday
    (date(2026, 11, 28), date(2026, 11, 30), False),   # due on a Saturday -> Monday
    (date(2026, 9, 30), date(2026, 10, 8), False),     # before National Day (1-7 October)
    (date(2026, 2, 13), date(2026, 2, 14), False),     # Friday -> the Saturday worked before the Spring Festival
    (date(2026, 2, 14), date(2026, 2, 24), False),     # the Spring Festival holiday in between
    (date(2027, 3, 1), date(2027, 3, 2), True),        # a year the calendar does not know yet
])
def test_the_payment_question_comes_on_the_working_day_after_the_due_day(due_on, asked_on, provisional) -> None:
    check = payment_check_day(due_on, PUBLISHED_CALENDAR)
    assert (check.day, check.provisional) == (asked_on, provisional)


def test_the_question_is_asked_in_the_morning_of_that_day_in_wuhan() -> None:
    at = payment_question_at(date(2026, 11, 27), PUBLISHED_CALENDAR, WUHAN)
    assert at.astimezone(UTC) == datetime(2026, 11, 30, 1, 30, tzinfo=UTC)   # 09:30 in Wuhan


def test_the_operators_overrides_move_the_question() -> None:
    # 2027 is not published yet: the operator's schedule makes 2 March a holiday.
    calendar = WorkingCalendar(HolidayOverrides(years={2027: YearOverrides(holidays=[date(2027, 3, 2)])}))
    check = payment_check_day(date(2027, 3, 1), calendar)
    assert (check.day, check.provisional) == (date(2027, 3, 3), False)


PAYMENT_ORDER_AND_ARBITRATION = (Remedy.PAYMENT_ORDER, Remedy.ARBITRATION)
ARBITRATION_ONLY = (Remedy.ARBITRATION,)


@pytest.mark.parametrize(("kind", "answer", "expected"), [
    *[(kind, Payment.PAID, ()) for kind in ClaimKind],
    *[(kind, answer, PAYMENT_ORDER_AND_ARBITRATION)
      for kind in (ClaimKind.WAGES, ClaimKind.INJURY_MEDICAL, ClaimKind.ECONOMIC_COMPENSATION, ClaimKind.DAMAGES)
      for answer in (Payment.NOT_PAID, Payment.PARTLY_PAID)],
    (ClaimKind.OTHER, Payment.NOT_PAID, ARBITRATION_ONLY),
    (ClaimKind.OTHER, Payment.PARTLY_PAID, ARBITRATION_ONLY),
])
def test_what_the_worker_may_do_about_a_term(kind: ClaimKind, answer: Payment, expected: tuple[Remedy, ...]) -> None:
    """Art. 16's payment order only for wages, injury medical costs, economic compensation and damages;
    arbitration (Art. 15) for every term not performed."""
    assert remedies(kind, answer) == expected


@pytest.mark.parametrize(("answers", "track"), [
    ([None], Payment.DUE),
    ([None, None], Payment.DUE),
    ([Payment.PAID, None], Payment.DUE),                 # the next term is not due yet
    ([Payment.PAID], Payment.PAID),
    ([Payment.PAID, Payment.PAID], Payment.PAID),
    ([Payment.PAID, Payment.PARTLY_PAID], Payment.PARTLY_PAID),
    ([Payment.NOT_PAID, None], Payment.NOT_PAID),
    ([Payment.PARTLY_PAID, Payment.NOT_PAID], Payment.NOT_PAID),   # the worst answer
    ([], Payment.DUE),
])
def test_the_cases_payment_track_follows_its_terms(answers, track) -> None:
    assert payment_track(answers) is track


@pytest.mark.parametrize(("before", "answer", "allowed"), [
    (None, Payment.PAID, True), (None, Payment.PARTLY_PAID, True), (None, Payment.NOT_PAID, True),
    (Payment.NOT_PAID, Payment.PAID, True),           # paid late, after all
    (Payment.NOT_PAID, Payment.PARTLY_PAID, True),
    (Payment.NOT_PAID, Payment.NOT_PAID, False),      # the same answer twice (a double tap)
    (Payment.PARTLY_PAID, Payment.PAID, True),
    (Payment.PARTLY_PAID, Payment.NOT_PAID, True),
    (Payment.PAID, Payment.NOT_PAID, False),          # paid is final
    (Payment.PAID, Payment.PAID, False),
])
def test_how_a_terms_answer_may_change(before, answer, allowed) -> None:
    assert (answer in TERM_STEPS[before]) is allowed


@pytest.mark.parametrize(("effective_on", "confirm_by", "provisional"), [
    (date(2026, 11, 24), date(2026, 12, 9), False),    # 15 calendar days, the day of effect not counted
    (date(2026, 9, 18), date(2026, 10, 8), False),     # the 15th day in the National Day holiday: rolled
    (date(2026, 11, 21), date(2026, 12, 7), False),    # the 15th day a Sunday: Monday
    (date(2026, 12, 20), date(2027, 1, 4), True),      # ends in a year the calendar does not know yet
])
def test_the_last_day_for_review_and_confirmation(effective_on, confirm_by, provisional) -> None:
    deadline = confirmation_deadline(effective_on, PUBLISHED_CALENDAR)
    assert (deadline.day, deadline.provisional) == (confirm_by, provisional)


@pytest.mark.parametrize(("rating", "chinese", "good"), [
    (Rating.VERY_SATISFIED, "非常满意", True),
    (Rating.SATISFIED, "满意", True),
    (Rating.BASICALLY_SATISFIED, "基本满意", True),
    (Rating.DISSATISFIED, "不满意", False),
    (Rating.VERY_DISSATISFIED, "非常不满意", False),
])
def test_the_five_national_levels(rating: Rating, chinese: str, good: bool) -> None:
    assert translations("zh_CN").gettext(RATING_LABELS[rating]) == chinese
    assert is_good(rating) is good, "the first three are good; below 基本满意 alerts the supervisors"
    assert list(Rating).index(rating) == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"].index(chinese)
