"""An estimate of the arbitration limitation (Labour Dispute Mediation and Arbitration Law Art. 27).

One year from when the worker knew or should have known of the infringement; unpaid wages during
an ongoing employment are not limited, but once the job ends they must be claimed within a year of
its end. A chat cannot tell when the worker "should have known", so the estimate counts from the
date the facts give (the job's end, or the incident) and never rolls past a rest day: it errs early. Filing a mediation
case interrupts the limitation, and the year starts again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.calendar import PUBLISHED_CALENDAR, add_months
from bot.cases import DisputeKind
from bot.clocks import Limit, due_date
from bot.intake.draft import Draft
from bot.intake.questions import QUESTIONS

# Warn from about nine months on: time enough to file before the year is out.
WARN_AFTER_MONTHS = 9


@dataclass(frozen=True)
class LimitationEstimate:
    counted_from: date
    last_day: date
    passed: bool


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
    last_day = due_date(Limit.LIMITATION, counted_from, PUBLISHED_CALENDAR).day
    return LimitationEstimate(counted_from=counted_from, last_day=last_day, passed=today > last_day)


# 工伤保险条例 Art. 17: the injured employee (or family) may apply for work-injury recognition within
# one year of the injury; the employer must apply within 30 days.
WORK_INJURY_MONTHS = 12


def work_injury_deadline(draft: Draft) -> date | None:
    """The last day to apply for 工伤认定, counted from the injury date given: an estimate, never rolled
    past a rest day (it errs early). None without an injury or its date."""
    injured_on = draft.date_answer("incident_date")
    if draft.answers.get("platform_issue") != "injury" or injured_on is None:
        return None
    return add_months(injured_on, WORK_INJURY_MONTHS)
