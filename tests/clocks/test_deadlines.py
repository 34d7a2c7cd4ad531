"""A case's clocks from its events, no database: what starts, moves, suspends, restarts and stops each
one, around Spring Festival, National Day and swapped working days, in a year no calendar knows, and
with the operator's overrides; the reminder days; the calendar file read again when it changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.calendar import PUBLISHED_CALENDAR, HolidayOverrides, WorkingCalendar
from bot.cases import Case, CaseEvent, DisputeKind, EventType, Mediation
from bot.clocks import Limit
from bot.deadlines import (
    HELD_TO,
    CalendarSource,
    ClockStatus,
    Deadline,
    Stage,
    deadlines_of,
    held_to,
    reminder_days,
)

WUHAN = ZoneInfo("Asia/Shanghai")
E = EventType


def case(kind: DisputeKind = DisputeKind.WAGES) -> Case:
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    return Case(id=1, number="LD-2026-000001", worker_id=1, kind=kind, mediation=Mediation.ENDED, created_at=stamp,
                updated_at=stamp)


def on(day: date, type: EventType, hour: int = 10, **payload) -> CaseEvent:
    """An event at `hour` local time (late at night in UTC terms is still the local day)."""
    moment = datetime.combine(day, time(hour), tzinfo=WUHAN)
    return CaseEvent(case_id=1, seq=0, type=type, occurred_at=moment, recorded_at=moment, kind=DisputeKind.WAGES,
                     payload=payload)


def clocks(events: list[CaseEvent], kind: DisputeKind = DisputeKind.WAGES,
           calendar: WorkingCalendar = PUBLISHED_CALENDAR) -> dict[Limit, Deadline]:
    return deadlines_of(case(kind), events, calendar, WUHAN)


def test_the_art_14_date_counts_from_the_first_accept_over_national_day_and_is_no_limit() -> None:
    accepted = on(date(2026, 9, 20), E.ACCEPTED)
    later = [on(date(2026, 9, 22), E.PASSED), on(date(2026, 9, 23), E.ACCEPTED)]  # a later accept restarts nothing
    [period] = clocks([accepted, *later]).values()
    assert (period.clock, period.status, period.due_on, period.provisional) == (
        Limit.MEDIATION_PERIOD, ClockStatus.RUNNING, date(2026, 10, 8), False)
    ended = clocks([accepted, *later, on(date(2026, 10, 20), E.MEDIATION_ENDED, outcome="no_agreement")])
    assert ended[Limit.MEDIATION_PERIOD].status is ClockStatus.STOPPED
    assert ended[Limit.MEDIATION_PERIOD].held is None, "a 'may' date is neither held nor missed"


def test_the_platform_limit_runs_only_for_platform_work_and_is_extended_once_by_agreement() -> None:
    accepted = on(date(2026, 9, 16), E.ACCEPTED)
    assert Limit.PLATFORM_MEDIATION_CLOSE not in clocks([accepted])
    platform = clocks([accepted], DisputeKind.PLATFORM)[Limit.PLATFORM_MEDIATION_CLOSE]
    assert platform.due_on == date(2026, 10, 8)  # 1 Oct falls in National Day week
    extended = clocks([accepted, on(date(2026, 9, 25), E.MEDIATION_EXTENDED, days=15,
                                    agreed_by=["worker", "employer"])], DisputeKind.PLATFORM)
    assert (extended[Limit.PLATFORM_MEDIATION_CLOSE].due_on,
            extended[Limit.PLATFORM_MEDIATION_CLOSE].extension_days) == (date(2026, 10, 16), 15)
    closed = clocks([accepted, on(date(2026, 10, 9), E.MEDIATION_ENDED, outcome="agreement")], DisputeKind.PLATFORM)
    assert closed[Limit.PLATFORM_MEDIATION_CLOSE].held is False, "ended the day after its limit"


def test_the_acceptance_decision_counts_working_days_again_from_receipt_and_completed_materials() -> None:
    applied = on(date(2026, 9, 28), E.ARBITRATION_APPLIED)
    assert clocks([applied])[Limit.ACCEPTANCE_DECISION].due_on == date(2026, 10, 10), "the worked Saturday counts"
    received = on(date(2026, 10, 9), E.ARBITRATION_RECEIVED)
    assert clocks([applied, received])[Limit.ACCEPTANCE_DECISION].due_on == date(2026, 10, 15)
    completed = on(date(2026, 10, 12), E.ARBITRATION_COMPLETED)
    assert clocks([applied, received, completed])[Limit.ACCEPTANCE_DECISION].due_on == date(2026, 10, 19)
    decided = clocks([applied, received, completed, on(date(2026, 10, 16), E.ARBITRATION_ACCEPTED)])
    assert (decided[Limit.ACCEPTANCE_DECISION].status, decided[Limit.ACCEPTANCE_DECISION].held) == (
        ClockStatus.STOPPED, True)
    assert decided[Limit.ARBITRATION_CLOSE].started_on == date(2026, 10, 16)


def test_a_second_application_after_one_not_accepted_starts_its_own_count() -> None:
    events = [on(date(2026, 3, 2), E.ARBITRATION_APPLIED), on(date(2026, 3, 4), E.ARBITRATION_NOT_ACCEPTED),
              on(date(2026, 3, 16), E.ARBITRATION_APPLIED)]
    decision = clocks(events)[Limit.ACCEPTANCE_DECISION]
    assert (decision.status, decision.started_on, decision.due_on) == (
        ClockStatus.RUNNING, date(2026, 3, 16), date(2026, 3, 23))


def test_suspended_days_do_not_count_and_the_extension_gives_the_outer_limit_over_spring_festival() -> None:
    accepted = on(date(2026, 1, 1), E.ARBITRATION_ACCEPTED)
    assert clocks([accepted])[Limit.ARBITRATION_CLOSE].due_on == date(2026, 2, 24), "15 Feb is Spring Festival"
    suspended = on(date(2026, 1, 10), E.ARBITRATION_SUSPENDED, reason="party_unable", approved_by="committee_chair")
    paused = clocks([accepted, suspended])[Limit.ARBITRATION_CLOSE]
    assert (paused.status, paused.suspended_on) == (ClockStatus.SUSPENDED, date(2026, 1, 10))
    resumed = on(date(2026, 1, 20), E.ARBITRATION_RESUMED)
    going = clocks([accepted, suspended, resumed])[Limit.ARBITRATION_CLOSE]
    assert (going.status, going.suspended_days, going.due_on) == (ClockStatus.RUNNING, 10, date(2026, 2, 25))
    extended = on(date(2026, 2, 2), E.ARBITRATION_EXTENDED, days=15, approved_by="institute_head")
    outer = clocks([accepted, suspended, resumed, extended])[Limit.ARBITRATION_CLOSE]
    assert (outer.due_on, outer.extension_days) == (date(2026, 3, 12), 15)
    for closed_on, held in ((date(2026, 3, 12), True), (date(2026, 3, 13), False)):
        closed = clocks([accepted, suspended, resumed, extended, on(closed_on, E.ARBITRATION_CLOSED, outcome="award")])
        assert closed[Limit.ARBITRATION_CLOSE].held is held, closed_on


def test_closing_while_suspended_counts_the_suspension_up_to_the_closure() -> None:
    events = [on(date(2026, 1, 1), E.ARBITRATION_ACCEPTED), on(date(2026, 2, 1), E.ARBITRATION_SUSPENDED),
              on(date(2026, 4, 1), E.ARBITRATION_CLOSED, outcome="withdrawn")]
    closed = clocks(events)[Limit.ARBITRATION_CLOSE]
    assert (closed.suspended_days, closed.held) == (59, True), "1 Apr is within 45 days of unsuspended time"


def test_a_restart_counts_45_days_again_from_its_day() -> None:
    events = [on(date(2026, 8, 17), E.ARBITRATION_ACCEPTED), on(date(2026, 8, 20), E.ARBITRATION_SUSPENDED),
              on(date(2026, 8, 25), E.ARBITRATION_RESUMED),
              on(date(2026, 9, 1), E.ARBITRATION_RESTARTED, reason="claims_changed")]
    restarted = clocks(events)[Limit.ARBITRATION_CLOSE]
    assert (restarted.started_on, restarted.suspended_days, restarted.due_on) == (
        date(2026, 9, 1), 0, date(2026, 10, 16))


def test_inspection_counts_60_working_days_from_filing_and_30_more_with_approval() -> None:
    filed = on(date(2026, 8, 31), E.INSPECTION_FILED)
    assert clocks([filed])[Limit.INSPECTION_CLOSE].due_on == date(2026, 11, 27)
    extended = clocks([filed, on(date(2026, 11, 2), E.INSPECTION_EXTENDED, days=30)])[Limit.INSPECTION_CLOSE]
    assert (extended.due_on, extended.provisional) == (date(2027, 1, 8), True), "its last 6 days are in 2027"
    handed_only = clocks([on(date(2026, 8, 20), E.INSPECTION_HANDED_OVER)])
    assert Limit.INSPECTION_CLOSE not in handed_only, "the clock starts at filing, not at the hand-over"


def test_a_year_no_calendar_knows_is_provisional_until_the_operator_lists_it() -> None:
    accepted = on(date(2095, 3, 1), E.ARBITRATION_ACCEPTED)
    unknown = clocks([accepted])[Limit.ARBITRATION_CLOSE]
    assert (unknown.due_on, unknown.provisional) == (date(2095, 4, 15), True)
    overrides = WorkingCalendar(HolidayOverrides.model_validate({"years": {2095: {"holidays": ["2095-04-15"]}}}))
    known = clocks([accepted], calendar=overrides)[Limit.ARBITRATION_CLOSE]
    assert (known.due_on, known.provisional) == (date(2095, 4, 18), False), "15 Apr a holiday: the next working day"


def test_a_closure_keeps_the_limit_it_recorded_when_the_calendar_changes_later() -> None:
    events = [on(date(2095, 3, 1), E.ARBITRATION_ACCEPTED)]
    record = held_to(case(), events, E.ARBITRATION_CLOSED, datetime(2095, 4, 16, 2, tzinfo=UTC), PUBLISHED_CALENDAR,
                     WUHAN)
    assert record == {"clock": Limit.ARBITRATION_CLOSE, "due_on": "2095-04-15", "provisional": True, "held": False,
                      "extension_days": 0, "suspended_days": 0}
    closed = [*events, on(date(2095, 4, 16), E.ARBITRATION_CLOSED, outcome="award", **{HELD_TO: record})]
    later = WorkingCalendar(HolidayOverrides.model_validate({"years": {2095: {"holidays": ["2095-04-15"]}}}))
    kept = clocks(closed, calendar=later)[Limit.ARBITRATION_CLOSE]
    assert (kept.due_on, kept.held, kept.provisional) == (date(2095, 4, 15), False, True)
    assert held_to(case(), events, E.ARBITRATION_RESUMED, datetime(2095, 4, 1, tzinfo=UTC), PUBLISHED_CALENDAR,
                   WUHAN) is None, "a step that stops no clock records none"


@pytest.mark.parametrize(("clock", "started", "due", "expected"), [
    # 24 Feb, after Spring Festival: the working day before it is the worked Saturday 14 Feb
    (Limit.ARBITRATION_CLOSE, date(2026, 1, 1), date(2026, 2, 24),
     [(Stage.THREE_DAYS, date(2026, 2, 12)), (Stage.ONE_DAY, date(2026, 2, 14)), (Stage.PASSED, date(2026, 2, 25))]),
    # 8 Oct, after National Day week
    (Limit.ARBITRATION_CLOSE, date(2026, 8, 17), date(2026, 10, 8),
     [(Stage.THREE_DAYS, date(2026, 9, 28)), (Stage.ONE_DAY, date(2026, 9, 30)), (Stage.PASSED, date(2026, 10, 9))]),
    (Limit.ACCEPTANCE_DECISION, date(2026, 11, 24), date(2026, 12, 1),
     [(Stage.THREE_DAYS, date(2026, 11, 26)), (Stage.ONE_DAY, date(2026, 11, 30)), (Stage.PASSED, date(2026, 12, 2))]),
    # counted again from a later receipt: the day 3 working days before is the start day, so no reminder then
    (Limit.ACCEPTANCE_DECISION, date(2026, 11, 24), date(2026, 11, 27),
     [(Stage.ONE_DAY, date(2026, 11, 26)), (Stage.PASSED, date(2026, 11, 28))]),
    # the Art. 14 date is a note: only its passing is told
    (Limit.MEDIATION_PERIOD, date(2026, 9, 20), date(2026, 10, 8), [(Stage.PASSED, date(2026, 10, 9))]),
])
def test_reminders_come_3_and_1_working_days_before_and_the_day_after(clock, started, due, expected) -> None:
    deadline = Deadline(clock=clock, status=ClockStatus.RUNNING, started_on=started, due_on=due)
    assert reminder_days(deadline, PUBLISHED_CALENDAR) == expected


def test_the_calendar_source_reads_the_file_again_when_it_changes_and_keeps_a_good_one(tmp_path: Path) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text(yaml.safe_dump({"years": {}}), encoding="utf-8")
    source = CalendarSource(path)
    first = source.fingerprint
    assert not source.current().knows(date(2095, 1, 3))
    assert source.fingerprint == first, "read again, unchanged"
    path.write_text(yaml.safe_dump({"years": {2095: {"holidays": ["2095-01-03"]}}}), encoding="utf-8")
    calendar = source.current()
    assert calendar.knows(date(2095, 1, 3)) and not calendar.is_working_day(date(2095, 1, 3))
    assert source.fingerprint != first
    changed = source.fingerprint
    path.write_text("years: {2095: {holidays: [2096-01-01]}}\n", encoding="utf-8")  # not in its year
    assert source.current() is calendar and source.fingerprint == changed, "a bad file keeps the calendar in use"
    assert CalendarSource(None).fingerprint == CalendarSource(None).fingerprint
