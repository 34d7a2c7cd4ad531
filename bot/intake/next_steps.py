"""What happens after submission, with dates the worker can plan by (and we can keep).

Periods are counted as the arbitration case-handling rules count them: the day of the event is not
counted; "3 days" are working days; "15 days" are calendar days, and one ending on a rest day ends
on the next working day. China's holidays and swapped working days come from `chinese-calendar`;
for a year it does not know yet, weekends stand in and the date is marked provisional.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

from bot.cases import DisputeKind

CONTACT_WORKING_DAYS = 3
MEDIATION_DAYS = 15           # Art. 14; also the new-employment-form rule (人社厅发〔2024〕4号)
PLATFORM_EXTENSION_DAYS = 15  # ... which both sides may extend once by at most 15 days


def _is_working_day(day: date) -> tuple[bool, bool]:
    """(working day?, known from the published calendar?)"""
    try:
        return chinese_calendar.is_workday(day), True
    except NotImplementedError:
        return day.weekday() < 5, False


def add_working_days(start: date, days: int) -> tuple[date, bool]:
    """The `days`-th working day after `start`, and whether every day counted was in the calendar."""
    day, counted, known = start, 0, True
    while counted < days:
        day += timedelta(days=1)
        working, day_known = _is_working_day(day)
        known = known and day_known
        counted += working
    return day, known


def add_calendar_days(start: date, days: int) -> tuple[date, bool]:
    """`days` calendar days after `start`, moved to the next working day if it ends on a rest day."""
    day = start + timedelta(days=days)
    working, known = _is_working_day(day)
    while not working:
        day += timedelta(days=1)
        working, day_known = _is_working_day(day)
        known = known and day_known
    return day, known


@dataclass(frozen=True)
class NextSteps:
    contact_by: date
    mediation_until: date   # if the centre receives the case today
    provisional: bool       # some day counted lies in a year the holiday calendar does not know
    platform_extension: bool


def next_steps(kind: DisputeKind, today: date) -> NextSteps:
    contact_by, contact_known = add_working_days(today, CONTACT_WORKING_DAYS)
    mediation_until, mediation_known = add_calendar_days(today, MEDIATION_DAYS)
    return NextSteps(
        contact_by=contact_by, mediation_until=mediation_until,
        provisional=not (contact_known and mediation_known),
        platform_extension=kind is DisputeKind.PLATFORM,
    )
