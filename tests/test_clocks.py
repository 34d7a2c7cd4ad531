"""The statutory clocks: every due date from one function, around Spring Festival, National Day, swapped
working days, extensions, overrides, and a year the calendar does not know."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.calendar import PUBLISHED_CALENDAR, HolidayOverrides, WorkingCalendar
from bot.clocks import PERIODS, DueDate, Limit, Unit, due_date

KNOWN_STARTS = st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 6, 30))  # counts end within 2026
FAR_STARTS = st.dates(min_value=date(2090, 1, 1), max_value=date(2099, 6, 30))    # a year no calendar knows


@pytest.mark.parametrize(("limit", "start", "extension", "expected"), [
    # 15 days from the centre's receipt (Art. 14): 5 Oct is in National Day week -> 8 Oct
    (Limit.MEDIATION_PERIOD, date(2026, 9, 20), 0, date(2026, 10, 8)),
    # ... and one ending on 28 Feb, a Saturday worked for Spring Festival, ends there
    (Limit.MEDIATION_PERIOD, date(2026, 2, 13), 0, date(2026, 2, 28)),
    # new employment forms: 15 days from accept ends on 1 Oct -> 8 Oct; extended by 15 -> 16 Oct (Friday)
    (Limit.PLATFORM_MEDIATION_CLOSE, date(2026, 9, 16), 0, date(2026, 10, 8)),
    (Limit.PLATFORM_MEDIATION_CLOSE, date(2026, 9, 16), 15, date(2026, 10, 16)),
    # 5 working days to decide on acceptance: 29, 30 Sep, 8, 9 Oct and the Saturday 10 Oct
    (Limit.ACCEPTANCE_DECISION, date(2026, 9, 28), 0, date(2026, 10, 10)),
    # ... 13 Feb, the Saturday 14 Feb, then 24, 25, 26 Feb after Spring Festival
    (Limit.ACCEPTANCE_DECISION, date(2026, 2, 12), 0, date(2026, 2, 26)),
    # 45 days from acceptance on 1 Jan end on 15 Feb (Spring Festival) -> 24 Feb; 60 days -> 2 Mar (Monday)
    (Limit.ARBITRATION_CLOSE, date(2026, 1, 1), 0, date(2026, 2, 24)),
    (Limit.ARBITRATION_CLOSE, date(2026, 1, 1), 15, date(2026, 3, 2)),
    # a recorded shorter extension gives its own limit: 50 days end on 20 Feb (Spring Festival) -> 24 Feb
    (Limit.ARBITRATION_CLOSE, date(2026, 1, 1), 5, date(2026, 2, 24)),
    (Limit.ARBITRATION_CLOSE, date(2026, 8, 17), 0, date(2026, 10, 8)),
    (Limit.ARBITRATION_CLOSE, date(2026, 8, 17), 15, date(2026, 10, 16)),
    # 60 working days from filing on 31 Aug: 22 in Sep (20 Sep worked, 25 Sep not), 18 in Oct, 20 in Nov
    (Limit.INSPECTION_CLOSE, date(2026, 8, 31), 0, date(2026, 11, 27)),
    # the agreed day is the employer's: ask on the working day after it
    (Limit.PAYMENT_CHECK, date(2026, 9, 30), 0, date(2026, 10, 8)),
    (Limit.PAYMENT_CHECK, date(2026, 2, 13), 0, date(2026, 2, 14)),
    (Limit.PAYMENT_CHECK, date(2026, 11, 27), 0, date(2026, 11, 30)),
    # 15 days to apply for review and confirmation: 15 Feb is in Spring Festival -> 24 Feb
    (Limit.AGREEMENT_CONFIRMATION, date(2026, 1, 31), 0, date(2026, 2, 24)),
    # one year, the same day; a holiday is not stepped over (the estimate errs early)
    (Limit.LIMITATION, date(2025, 10, 1), 0, date(2026, 10, 1)),
    (Limit.LIMITATION, date(2024, 2, 29), 0, date(2025, 2, 28)),
    (Limit.LIMITATION, date(2026, 2, 10), 0, date(2027, 2, 10)),
])
def test_due_dates(limit, start, extension, expected) -> None:
    assert due_date(limit, start, PUBLISHED_CALENDAR, extension_days=extension) == DueDate(limit, expected, False)


def test_a_clock_running_into_a_year_the_calendar_does_not_know_is_provisional() -> None:
    assert due_date(Limit.ARBITRATION_CLOSE, date(2026, 11, 24), PUBLISHED_CALENDAR) == DueDate(
        Limit.ARBITRATION_CLOSE, date(2027, 1, 8), provisional=True)
    # 90 working days from 31 Aug 2026: the last 6 fall in 2027, counted as weekdays
    assert due_date(Limit.INSPECTION_CLOSE, date(2026, 8, 31), PUBLISHED_CALENDAR, extension_days=30) == DueDate(
        Limit.INSPECTION_CLOSE, date(2027, 1, 8), provisional=True)
    assert due_date(Limit.MEDIATION_PERIOD, date(2098, 3, 2), PUBLISHED_CALENDAR).provisional


def test_an_override_moves_a_provisional_date_and_makes_it_firm() -> None:
    # 45 days from 17 Nov 2026 end on 1 Jan 2027: a Friday, so a working day unless the operator says otherwise
    before = due_date(Limit.ARBITRATION_CLOSE, date(2026, 11, 17), PUBLISHED_CALENDAR)
    calendar = WorkingCalendar(HolidayOverrides.model_validate({"years": {2027: {"holidays": ["2027-01-01"]}}}))
    after = due_date(Limit.ARBITRATION_CLOSE, date(2026, 11, 17), calendar)
    assert (before.day, before.provisional) == (date(2027, 1, 1), True)
    assert (after.day, after.provisional) == (date(2027, 1, 4), False)


@pytest.mark.parametrize(("limit", "extension"), [
    (Limit.ARBITRATION_CLOSE, 16),
    (Limit.PLATFORM_MEDIATION_CLOSE, 16),
    (Limit.INSPECTION_CLOSE, 31),
    (Limit.MEDIATION_PERIOD, 1),      # a "may" date: nothing to extend
    (Limit.ACCEPTANCE_DECISION, 1),
    (Limit.ARBITRATION_CLOSE, -1),
])
def test_an_extension_beyond_what_the_law_allows_is_refused(limit, extension) -> None:
    with pytest.raises(ValueError, match=f"{limit}: an extension of {extension} days"):
        due_date(limit, date(2026, 5, 6), PUBLISHED_CALENDAR, extension_days=extension)


def test_every_limit_has_its_period() -> None:
    assert set(PERIODS) == set(Limit)


any_limit = st.sampled_from(list(Limit))


@given(limit=any_limit, start=st.one_of(KNOWN_STARTS, FAR_STARTS), later_by=st.integers(0, 40))
def test_a_later_start_never_gives_an_earlier_due_date(limit, start, later_by) -> None:
    first = due_date(limit, start, PUBLISHED_CALENDAR)
    second = due_date(limit, start + timedelta(days=later_by), PUBLISHED_CALENDAR)
    assert second.day >= first.day > start


@given(limit=st.sampled_from([limit for limit, period in PERIODS.items() if period.longest_extension]),
       start=st.one_of(KNOWN_STARTS, FAR_STARTS), data=st.data())
def test_an_extension_ends_no_earlier_and_the_longest_one_is_the_outer_limit(limit, start, data) -> None:
    period = PERIODS[limit]
    extension = data.draw(st.integers(0, period.longest_extension))
    plain = due_date(limit, start, PUBLISHED_CALENDAR)
    extended = due_date(limit, start, PUBLISHED_CALENDAR, extension_days=extension)
    longest = due_date(limit, start, PUBLISHED_CALENDAR, extension_days=period.longest_extension)
    assert plain.day <= extended.day <= longest.day
    count = (PUBLISHED_CALENDAR.add_working_days if period.unit is Unit.WORKING_DAYS
             else PUBLISHED_CALENDAR.add_calendar_days)
    assert longest.day == count(start, period.length + period.longest_extension).day  # e.g. 60 days from acceptance


@given(limit=st.sampled_from([limit for limit in Limit if limit is not Limit.LIMITATION]), start=KNOWN_STARTS)
def test_a_statutory_day_count_ends_on_a_working_day_and_is_firm_in_published_years(limit, start) -> None:
    due = due_date(limit, start, PUBLISHED_CALENDAR)
    assert PUBLISHED_CALENDAR.is_working_day(due.day) and not due.provisional


@given(limit=st.sampled_from([limit for limit in Limit if limit is not Limit.LIMITATION]), start=FAR_STARTS)
def test_every_day_count_in_an_unknown_year_is_provisional(limit, start) -> None:
    assert due_date(limit, start, PUBLISHED_CALENDAR).provisional
