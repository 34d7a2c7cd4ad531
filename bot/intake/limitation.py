"""An estimate of the arbitration limitation (Labour Dispute Mediation and Arbitration Law Art. 27).

One year from when the worker knew or should have known of the infringement; unpaid wages during
an ongoing employment are not limited, but once the job ends they must be claimed within a year of
its end. A chat cannot tell when the worker "should have known", so the estimate counts from the
date the facts give (the job's end, or the incident) and never rolls past a rest day: it errs early. Filing a mediation
case interrupts the limitation, and the year starts again.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from bot.cases import DisputeKind
from bot.intake.draft import Draft
from bot.intake.questions import QUESTIONS

# Warn from about nine months on: time enough to file before the year is out.
WARN_AFTER_MONTHS = 9


@dataclass(frozen=True)
class LimitationEstimate:
    counted_from: date
    last_day: date
    passed: bool


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _counted_from(draft: Draft) -> date | None:
    if draft.kind in (DisputeKind.WAGES, DisputeKind.CONTRACT):
        # While the job goes on, unpaid wages are not limited; the end (or dismissal) starts the year.
        code = "end_date"
    elif draft.kind is DisputeKind.PLATFORM:
        code = "incident_date"
    else:
        return None
    return draft.date_answer(code) if QUESTIONS[code].applies(draft.answers) else None


def estimate(draft: Draft, today: date) -> LimitationEstimate | None:
    """The estimate when the year may be near its end (or past it); None when there is no cause to warn."""
    counted_from = _counted_from(draft)
    if counted_from is None or today < add_months(counted_from, WARN_AFTER_MONTHS):
        return None
    last_day = add_months(counted_from, 12)
    return LimitationEstimate(counted_from=counted_from, last_day=last_day, passed=today > last_day)
