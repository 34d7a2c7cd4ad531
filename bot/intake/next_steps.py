"""What happens after submission, with dates the worker can plan by (and we can keep).

The dates come from the working-day calendar and the statutory clocks (bot/calendar.py, bot/clocks.py):
a mediator's first contact within 3 working days, and the 15-day mediation period after which the
worker may apply for arbitration (law Art. 14). A date counted through a year the calendar does not
know yet is provisional.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.calendar import PUBLISHED_CALENDAR, WorkingCalendar
from bot.cases import DisputeKind
from bot.clocks import Limit, due_date

CONTACT_WORKING_DAYS = 3  # a service promise, not a statutory limit

# This module's former helpers, kept for their callers: the published calendar's counts, as (day, known).
add_working_days = PUBLISHED_CALENDAR.add_working_days
add_calendar_days = PUBLISHED_CALENDAR.add_calendar_days


@dataclass(frozen=True)
class NextSteps:
    contact_by: date
    mediation_until: date   # if the centre receives the case today
    provisional: bool       # some day counted lies in a year the holiday calendar does not know
    platform_extension: bool


def next_steps(kind: DisputeKind, today: date, calendar: WorkingCalendar = PUBLISHED_CALENDAR) -> NextSteps:
    contact = calendar.add_working_days(today, CONTACT_WORKING_DAYS)
    mediation = due_date(Limit.MEDIATION_PERIOD, today, calendar)
    return NextSteps(
        contact_by=contact.day, mediation_until=mediation.day,
        provisional=mediation.provisional or not contact.known,
        platform_extension=kind is DisputeKind.PLATFORM,
    )
