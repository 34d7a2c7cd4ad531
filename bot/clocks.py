"""Every statutory due date, from one function: `due_date(limit, start, calendar)`.

Counting follows the arbitration case-handling rules (劳动人事争议仲裁办案规则, 2017): the day of
the event is not counted; "3, 5 and 10 days" are working days, "15 and 45 days" calendar days; a
calendar-day period whose last day is a rest day ends on the next working day. An extension lengthens
the period counted from the same start (45 + 15 = 60 calendar days from acceptance, then rolled).
Suspended time (rules Art. 46-47) is not counted: for a calendar-day limit that is the same as
starting the count later by the days suspended; a restart (Art. 46) is a new start date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.calendar import WorkingCalendar, add_months


class Limit(StrEnum):
    # Law Art. 14: 15 days from the centre's receipt of the application; with no agreement by then the
    # worker MAY apply for arbitration (mediation may go on if both sides want): not a closing limit.
    MEDIATION_PERIOD = "mediation_period"
    # 人社厅发〔2024〕4号 (new employment forms): mediation ends within 15 days of the mediator's accept;
    # both sides may agree to extend it once, by at most 15 days.
    PLATFORM_MEDIATION_CLOSE = "platform_mediation_close"
    # Law Art. 29: the committee decides within 5 (working) days of the complete application whether to
    # accept it; completing the materials restarts the count (rules Art. 46).
    ACCEPTANCE_DECISION = "acceptance_decision"
    # Law Art. 43, rules Art. 45: the tribunal closes the case within 45 days of acceptance; once, by at
    # most 15 days, with the written approval of the chair (or the institute's head the chair entrusted).
    ARBITRATION_CLOSE = "arbitration_close"
    # 劳动保障监察条例 Art. 17: inspection closes within 60 working days of filing (立案), +30 with approval.
    INSPECTION_CLOSE = "inspection_close"
    # Law Art. 16: the employer has the whole agreed payment day; the worker is asked the working day after.
    PAYMENT_CHECK = "payment_check"
    # Rules Art. 74: both parties may apply within 15 days of the agreement taking effect for the
    # committee to review and confirm it (仲裁审查确认).
    AGREEMENT_CONFIRMATION = "agreement_confirmation"
    # Law Art. 27: 1 year from when the worker knew or should have known (or from an interruption). The
    # day is not moved off a rest day: the date is an estimate and errs early.
    LIMITATION = "limitation"


class Unit(StrEnum):
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"  # rolled to the next working day when the last is a rest day
    MONTHS = "months"                # the same day of the month, or the month's last day; never rolled


@dataclass(frozen=True)
class Period:
    length: int
    unit: Unit
    longest_extension: int = 0  # in the period's own unit; 0: the law allows none


PERIODS: dict[Limit, Period] = {
    Limit.MEDIATION_PERIOD: Period(15, Unit.CALENDAR_DAYS),
    Limit.PLATFORM_MEDIATION_CLOSE: Period(15, Unit.CALENDAR_DAYS, longest_extension=15),
    Limit.ACCEPTANCE_DECISION: Period(5, Unit.WORKING_DAYS),
    Limit.ARBITRATION_CLOSE: Period(45, Unit.CALENDAR_DAYS, longest_extension=15),
    Limit.INSPECTION_CLOSE: Period(60, Unit.WORKING_DAYS, longest_extension=30),
    Limit.PAYMENT_CHECK: Period(1, Unit.WORKING_DAYS),
    Limit.AGREEMENT_CONFIRMATION: Period(15, Unit.CALENDAR_DAYS),
    Limit.LIMITATION: Period(12, Unit.MONTHS),
}


@dataclass(frozen=True)
class DueDate:
    limit: Limit
    day: date
    provisional: bool  # the count ran through a year the calendar does not know: show it as such


def due_date(limit: Limit, start: date, calendar: WorkingCalendar, *, extension_days: int = 0) -> DueDate:
    """The last day of `limit` counted from the event on `start` (not itself counted), with an
    extension of `extension_days` (at most what the law allows for that limit)."""
    period = PERIODS[limit]
    if not 0 <= extension_days <= period.longest_extension:
        allowed = f"at most {period.longest_extension}" if period.longest_extension else "none"
        raise ValueError(f"{limit}: an extension of {extension_days} days; the law allows {allowed}")
    length = period.length + extension_days
    if period.unit is Unit.MONTHS:
        return DueDate(limit, add_months(start, length), provisional=False)
    if period.unit is Unit.WORKING_DAYS:
        day, known = calendar.add_working_days(start, length)
    else:
        day, known = calendar.add_calendar_days(start, length)
    return DueDate(limit, day, provisional=not known)
