"""The statutory clocks of a case: which limits run, from which day, to which day, and whether a step
came in time; computed from the case's events with the one counting function (`bot.clocks.due_date`).

What starts, moves and stops each clock:
- the Art. 14 note (MEDIATION_PERIOD: the worker MAY apply for arbitration after it, mediation may go
  on; not a closing limit) and, for platform work, the closing limit of 人社厅发〔2024〕4号
  (PLATFORM_MEDIATION_CLOSE): from the first accept (the centre received the application); the
  platform limit is extended once, by both sides' agreement; both stop when mediation ends.
- the decision on accepting an application (ACCEPTANCE_DECISION, 5 working days): from the application,
  again from the office's receipt of it and from the completion of its materials (rules Art. 46);
  stopped by accepting it or not.
- arbitration (ARBITRATION_CLOSE, 45 days): from acceptance; one extension; suspended days do not count
  (rules Art. 47); a restart (rules Art. 46: claims changed, a party added) counts again from its day
  and keeps the extension granted; stopped by the closure.
- labour inspection (INSPECTION_CLOSE, 60 working days): from filing (立案); +30 with approval; stopped
  by the closure reported back.

A step that stops a closing clock records on its event the due day it was held to and whether it held
(`held_to`), so a later calendar change does not rewrite history; the stored clock keeps it too. Days
are local dates in the service's time zone.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import Any

import chinese_calendar
from pydantic import BaseModel, ConfigDict

from bot.calendar import ONE_DAY, HolidaysFileError, WorkingCalendar, load_overrides
from bot.cases.machine import EventType, Track
from bot.cases.model import Case, CaseEvent, DisputeKind
from bot.clocks import PERIODS, Limit, due_date

log = logging.getLogger(__name__)

# The clocks a case can run, in the order a card lists them.
CASE_CLOCKS = (Limit.MEDIATION_PERIOD, Limit.PLATFORM_MEDIATION_CLOSE, Limit.ACCEPTANCE_DECISION,
               Limit.ARBITRATION_CLOSE, Limit.INSPECTION_CLOSE)
# Limits a step must come by: reminders before them, the supervisors told when one passes. The Art. 14
# period is a "may" date: the worker and the mediator are told when it is over, nobody is chased.
CLOSING = frozenset({Limit.PLATFORM_MEDIATION_CLOSE, Limit.ACCEPTANCE_DECISION, Limit.ARBITRATION_CLOSE,
                     Limit.INSPECTION_CLOSE})
TRACK_OF = {Limit.MEDIATION_PERIOD: Track.MEDIATION, Limit.PLATFORM_MEDIATION_CLOSE: Track.MEDIATION,
            Limit.ACCEPTANCE_DECISION: Track.ARBITRATION, Limit.ARBITRATION_CLOSE: Track.ARBITRATION,
            Limit.INSPECTION_CLOSE: Track.INSPECTION}
HELD_TO = "held_to"  # the payload key of a stopping step's record of its limit
REMIND_AT = time(9, 0)  # reminders go out at the start of a local working day


class ClockStatus(StrEnum):
    RUNNING = "running"
    SUSPENDED = "suspended"   # arbitration suspended (中止): the days do not count
    STOPPED = "stopped"       # the step it waited for was taken, or its track ended


class Deadline(BaseModel):
    """One clock of a case as it stands."""

    model_config = ConfigDict(frozen=True)

    clock: Limit
    status: ClockStatus
    started_on: date              # the day of the event it counts from (not itself counted)
    due_on: date                  # the last day (a suspended clock: as it stood when suspended)
    provisional: bool = False     # counted through a year the calendar does not know
    extension_days: int = 0
    suspended_days: int = 0       # days of earlier suspensions, not counted
    suspended_on: date | None = None
    stopped_on: date | None = None
    held: bool | None = None      # a closing limit, stopped: the step came on or before due_on

    @property
    def running(self) -> bool:
        return self.status is ClockStatus.RUNNING


@dataclass
class _Run:
    """A clock while the events are read: what it counts from, and what it was held to once stopped."""

    started_on: date
    extension_days: int = 0
    suspended_days: int = 0
    suspended_on: date | None = None
    stopped_on: date | None = None
    recorded: dict[str, Any] | None = None  # the stopping step's own record of its limit

    def stop(self, day: date, recorded: dict[str, Any] | None = None) -> None:
        if self.stopped_on is not None:
            return
        if self.suspended_on is not None:  # closed while suspended: the suspension ends with it
            self.suspended_days += (day - self.suspended_on).days
            self.suspended_on = None
        self.stopped_on, self.recorded = day, recorded

    def deadline(self, clock: Limit, calendar: WorkingCalendar) -> Deadline:
        # Suspended days are not counted: for a calendar-day limit that is a later start (bot/clocks.py).
        due = due_date(clock, self.started_on + timedelta(days=self.suspended_days), calendar,
                       extension_days=self.extension_days)
        due_on, provisional = due.day, due.provisional
        if self.recorded:
            due_on, provisional = date.fromisoformat(self.recorded["due_on"]), bool(self.recorded["provisional"])
        status = ClockStatus.STOPPED if self.stopped_on else (
            ClockStatus.SUSPENDED if self.suspended_on else ClockStatus.RUNNING)
        held = None
        if self.stopped_on is not None and clock in CLOSING:
            held = bool(self.recorded["held"]) if self.recorded else self.stopped_on <= due_on
        return Deadline(clock=clock, status=status, started_on=self.started_on, due_on=due_on,
                        provisional=provisional, extension_days=self.extension_days,
                        suspended_days=self.suspended_days, suspended_on=self.suspended_on,
                        stopped_on=self.stopped_on, held=held)


Runs = dict[Limit, _Run]


def _extension(clock: Limit, event: CaseEvent) -> int:
    """The days an extension event grants, within what the law allows (the service checked the choice)."""
    longest = PERIODS[clock].longest_extension
    return min(max(int(event.payload.get("days", longest)), 0), longest)


def _recorded(clock: Limit, event: CaseEvent) -> dict[str, Any] | None:
    record = event.payload.get(HELD_TO)
    return record if isinstance(record, dict) and record.get("clock") == clock else None


def _start(runs: Runs, clock: Limit, day: date) -> None:
    runs[clock] = _Run(day)


def _stop(runs: Runs, clock: Limit, event: CaseEvent, day: date) -> None:
    if clock in runs:
        runs[clock].stop(day, _recorded(clock, event))


def _running(runs: Runs, clock: Limit) -> _Run | None:
    run = runs.get(clock)
    return run if run is not None and run.stopped_on is None else None


def _on_accepted(runs: Runs, case: Case, event: CaseEvent, day: date) -> None:
    if Limit.MEDIATION_PERIOD in runs:  # a later accept (after a pass or a transfer): the clocks go on
        return
    _start(runs, Limit.MEDIATION_PERIOD, day)
    if case.kind is DisputeKind.PLATFORM:
        _start(runs, Limit.PLATFORM_MEDIATION_CLOSE, day)


def _on_mediation_extended(runs: Runs, case: Case, event: CaseEvent, day: date) -> None:
    if run := _running(runs, Limit.PLATFORM_MEDIATION_CLOSE):
        run.extension_days = _extension(Limit.PLATFORM_MEDIATION_CLOSE, event)


def _on_mediation_over(runs: Runs, case: Case, event: CaseEvent, day: date) -> None:
    for clock in (Limit.MEDIATION_PERIOD, Limit.PLATFORM_MEDIATION_CLOSE):
        _stop(runs, clock, event, day)


def _on_applied(runs: Runs, case: Case, event: CaseEvent, day: date) -> None:
    _start(runs, Limit.ACCEPTANCE_DECISION, day)


def _on_application_received(runs: Runs, case: Case, event: CaseEvent, day: date) -> None:
    if _running(runs, Limit.ACCEPTANCE_DECISION):  # the count starts again from this day
        _start(runs, Limit.ACCEPTANCE_DECISION, day)


def _on_decided(runs: Runs, case: Case, event: CaseEvent, day: date) -> None:
    _stop(runs, Limit.ACCEPTANCE_DECISION, event, day)
    if event.type == EventType.ARBITRATION_ACCEPTED:
        _start(runs, Limit.ARBITRATION_CLOSE, day)


def _on_arbitration_extended(runs: Runs, case: Case, event: CaseEvent, day: date) -> None:
    if run := _running(runs, Limit.ARBITRATION_CLOSE):
        run.extension_days = _extension(Limit.ARBITRATION_CLOSE, event)


def _on_suspended(runs: Runs, case: Case, event: CaseEvent, day: date) -> None:
    if (run := _running(runs, Limit.ARBITRATION_CLOSE)) and run.suspended_on is None:
        run.suspended_on = day


def _on_resumed(runs: Runs, case: Case, event: CaseEvent, day: date) -> None:
    if (run := _running(runs, Limit.ARBITRATION_CLOSE)) and run.suspended_on is not None:
        run.suspended_days += (day - run.suspended_on).days
        run.suspended_on = None


def _on_restarted(runs: Runs, case: Case, event: CaseEvent, day: date) -> None:
    if run := _running(runs, Limit.ARBITRATION_CLOSE):
        run.started_on, run.suspended_days = day, 0


def _on_arbitration_closed(runs: Runs, case: Case, event: CaseEvent, day: date) -> None:
    _stop(runs, Limit.ARBITRATION_CLOSE, event, day)


def _on_filed(runs: Runs, case: Case, event: CaseEvent, day: date) -> None:
    _start(runs, Limit.INSPECTION_CLOSE, day)


def _on_inspection_extended(runs: Runs, case: Case, event: CaseEvent, day: date) -> None:
    if run := _running(runs, Limit.INSPECTION_CLOSE):
        run.extension_days = _extension(Limit.INSPECTION_CLOSE, event)


def _on_inspection_closed(runs: Runs, case: Case, event: CaseEvent, day: date) -> None:
    _stop(runs, Limit.INSPECTION_CLOSE, event, day)


_STEPS: dict[str, Callable[[Runs, Case, CaseEvent, date], None]] = {
    EventType.ACCEPTED: _on_accepted,
    EventType.MEDIATION_EXTENDED: _on_mediation_extended,
    EventType.MEDIATION_ENDED: _on_mediation_over,
    EventType.WITHDRAWN: _on_mediation_over,
    EventType.ARBITRATION_APPLIED: _on_applied,
    EventType.ARBITRATION_RECEIVED: _on_application_received,
    EventType.ARBITRATION_COMPLETED: _on_application_received,
    EventType.ARBITRATION_ACCEPTED: _on_decided,
    EventType.ARBITRATION_NOT_ACCEPTED: _on_decided,
    EventType.ARBITRATION_EXTENDED: _on_arbitration_extended,
    EventType.ARBITRATION_SUSPENDED: _on_suspended,
    EventType.ARBITRATION_RESUMED: _on_resumed,
    EventType.ARBITRATION_RESTARTED: _on_restarted,
    EventType.ARBITRATION_CLOSED: _on_arbitration_closed,
    EventType.INSPECTION_FILED: _on_filed,
    EventType.INSPECTION_EXTENDED: _on_inspection_extended,
    EventType.INSPECTION_CLOSED: _on_inspection_closed,
}
# The closing clock each step stops, whose limit the step records (`held_to`).
STOPS = {EventType.ARBITRATION_ACCEPTED: Limit.ACCEPTANCE_DECISION,
         EventType.ARBITRATION_NOT_ACCEPTED: Limit.ACCEPTANCE_DECISION,
         EventType.ARBITRATION_CLOSED: Limit.ARBITRATION_CLOSE,
         EventType.INSPECTION_CLOSED: Limit.INSPECTION_CLOSE,
         EventType.MEDIATION_ENDED: Limit.PLATFORM_MEDIATION_CLOSE}


def local_day(moment: datetime, zone: tzinfo) -> date:
    return moment.astimezone(zone).date()


def deadlines_of(case: Case, events: Iterable[CaseEvent], calendar: WorkingCalendar, zone: tzinfo
                 ) -> dict[Limit, Deadline]:
    """Every clock the case has run, as `calendar` counts it (a stopped one: as its step recorded it)."""
    runs: Runs = {}
    for event in events:
        step = _STEPS.get(event.type)
        if step is not None:
            step(runs, case, event, local_day(event.occurred_at, zone))
    return {clock: runs[clock].deadline(clock, calendar) for clock in CASE_CLOCKS if clock in runs}


def held_to(case: Case, events: list[CaseEvent], step: EventType, now: datetime, calendar: WorkingCalendar,
            zone: tzinfo) -> dict[str, Any] | None:
    """The record a step taken `now` keeps of the closing limit it stops: the due day, whether it was
    provisional, and whether the step came in time. None when the step stops no running clock."""
    clock = STOPS.get(step)
    if clock is None:
        return None
    before = deadlines_of(case, events, calendar, zone).get(clock)
    if before is None or before.status is ClockStatus.STOPPED:
        return None
    taken = CaseEvent(case_id=case.id, seq=0, type=step, occurred_at=now, recorded_at=now, kind=case.kind)
    after = deadlines_of(case, [*events, taken], calendar, zone)[clock]
    return {"clock": clock, "due_on": after.due_on.isoformat(), "provisional": after.provisional,
            "held": bool(after.held), "extension_days": after.extension_days,
            "suspended_days": after.suspended_days}


# --- reminders -------------------------------------------------------------------------------------

class Stage(StrEnum):
    THREE_DAYS = "3_days"   # on the 3rd working day before the last day
    ONE_DAY = "1_day"       # on the working day before it
    PASSED = "passed"       # the day after the last day (for the Art. 14 note: the worker may now apply)


def working_days_before(day: date, days: int, calendar: WorkingCalendar) -> date:
    """The `days`-th working day before `day`."""
    counted = 0
    while counted < days:
        day -= ONE_DAY
        counted += calendar.is_working_day(day)
    return day


def reminder_days(deadline: Deadline, calendar: WorkingCalendar) -> list[tuple[Stage, date]]:
    """When each reminder of a running clock goes out (a reminder on or before its start day is none)."""
    stages = []
    if deadline.clock in CLOSING:
        for stage, days in ((Stage.THREE_DAYS, 3), (Stage.ONE_DAY, 1)):
            day = working_days_before(deadline.due_on, days, calendar)
            if day > deadline.started_on:
                stages.append((stage, day))
    stages.append((Stage.PASSED, deadline.due_on + ONE_DAY))
    return stages


def reminder_time(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, REMIND_AT, tzinfo=zone)


# --- the calendar in use ---------------------------------------------------------------------------

class CalendarSource:
    """The working-day calendar with the operator's overrides as the file says now. `current()` reads
    the file again (it is small) and loads it when it changed; a file that cannot be used keeps the
    calendar in use and is logged. The fingerprint names the schedule the dates were counted with
    (the package's published years and the overrides)."""

    def __init__(self, path: Path | str | None, calendar: WorkingCalendar | None = None) -> None:
        self._path = Path(path) if path is not None else None
        self._read = self._rejected = b""
        self._unreadable = False
        self._read = self._contents()
        self._calendar = calendar if calendar is not None else WorkingCalendar.from_file(self._path)

    def _contents(self) -> bytes:
        if self._path is None:
            return b""
        try:
            contents = self._path.read_bytes()
        except OSError as error:
            if not self._unreadable:  # said once, not on every use
                log.warning("holidays file %s cannot be read (%s): the calendar in use stays", self._path,
                            type(error).__name__)
            self._unreadable = True
            return self._read
        self._unreadable = False
        return contents

    @property
    def fingerprint(self) -> str:
        version = getattr(chinese_calendar, "__version__", "")
        return hashlib.sha256(f"{version}\n".encode() + self._read).hexdigest()[:32]

    def current(self) -> WorkingCalendar:
        contents = self._contents()
        if self._path is None or contents in (self._read, self._rejected):
            return self._calendar
        try:
            self._calendar = WorkingCalendar(load_overrides(self._path))
        except HolidaysFileError as error:
            self._rejected = contents  # said once, not on every use
            log.warning("holidays file changed but cannot be used, the calendar in use stays: %s", error)
            return self._calendar
        self._read = contents
        log.info("holidays file %s changed: due dates are counted again", self._path)
        return self._calendar
