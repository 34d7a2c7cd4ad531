"""Keeping the stored clocks true: after every step the case's clocks are counted again from its events
and stored, with their reminders scheduled as jobs; when the operator's holiday overrides change, every
open clock is counted again and each moved due date is an event; the reminders go to whoever holds
the step, and the supervisors are told when a limit passes.

A reminder job names the due date it was made for: when the clock has moved or stopped since, it does
nothing (the moved clock has its own). Jobs and their effects commit together, so each reminder goes
out once.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Protocol

from bot.cases.machine import SYSTEM, EventType, NewEvent
from bot.cases.model import Case, CaseEvent
from bot.clock import Clock
from bot.clocks import Limit
from bot.deadlines import (
    CLOSING,
    CalendarSource,
    ClockStatus,
    Deadline,
    Stage,
    deadlines_of,
    held_to,
    reminder_days,
    reminder_time,
)
from bot.jobs.model import Job, NewJob
from bot.notify import clock_notices, supervisors_of
from bot.outbox.model import Notification
from bot.people import Person, Role
from bot.ports import Transaction

REMIND_JOB = "clocks.remind"
WATCH_JOB = "clocks.calendar"
# How soon a change of the holidays file is noticed when nobody acts on a case meanwhile (any action,
# card or reminder notices it at once).
WATCH_EVERY = timedelta(hours=1)


class DeadlineStore(Protocol):
    async def of_case(self, case_id: int) -> list[Deadline]: ...

    async def put(self, case_id: int, deadline: Deadline, *, now: datetime) -> None: ...

    async def cases_with_open_clocks(self) -> list[int]: ...

    async def open_cases_without_clocks(self) -> list[int]:
        """Open cases that have no stored clock yet (filed before the clocks were kept)."""
        ...

    async def fingerprint(self) -> str | None:
        """The calendar the stored due dates were counted with; None: never counted."""
        ...

    async def set_fingerprint(self, fingerprint: str, *, now: datetime) -> None: ...


class ClockTransaction(Transaction, Protocol):
    deadlines: DeadlineStore


class ClockUnitOfWork(Protocol):
    def __call__(self) -> AbstractAsyncContextManager[ClockTransaction]: ...


class Offices(Protocol):
    def arbitration_offices(self, district: str | None) -> list[str]:
        """The arbitration centres of a district, whose staff record the arbitration stage."""
        ...


def reminder_key(case: Case, deadline: Deadline, stage: Stage) -> str:
    return f"{case.id}:{deadline.clock}:{deadline.due_on.isoformat()}:{stage}"


def next_watch(now: datetime) -> datetime:
    """The next full hour: every process asks for the same slot, so one watch job runs per slot."""
    step = int(WATCH_EVERY.total_seconds())
    seconds = int(now.astimezone(UTC).timestamp())
    return datetime.fromtimestamp(seconds - seconds % step + step, UTC)


class DeadlineKeeper:
    def __init__(self, uow: ClockUnitOfWork, calendars: CalendarSource, zone: tzinfo, clock: Clock,
                 offices: Offices) -> None:
        self._uow = uow
        self._calendars = calendars
        self._zone = zone
        self._clock = clock
        self._offices = offices

    def held_to(self, case: Case, events: list[CaseEvent], step: EventType) -> dict[str, Any] | None:
        """What a step taken now records of the limit it stops (see bot.deadlines.held_to)."""
        return held_to(case, events, step, self._clock.now(), self._calendars.current(), self._zone)

    async def sync(self, tx: ClockTransaction, case: Case, events: list[CaseEvent] | None = None, *,
                   calendar_changed: bool = False, running_job: str | None = None) -> dict[Limit, Deadline]:
        """Count the case's clocks again, store those that changed and schedule their reminders; with
        `calendar_changed`, each due date the calendar moved is an event. A stopped clock stays as it
        stopped. `running_job`: the reminder being run now, not to be scheduled again."""
        events = events if events is not None else await tx.cases.events(case.id)
        calendar = self._calendars.current()
        stored = {deadline.clock: deadline for deadline in await tx.deadlines.of_case(case.id)}
        now = self._clock.now()
        clocks, moved = {}, []
        for clock, deadline in deadlines_of(case, events, calendar, self._zone).items():
            old = stored.get(clock)
            if old is not None and old.status is deadline.status is ClockStatus.STOPPED \
                    and old.started_on == deadline.started_on:
                clocks[clock] = old
                continue
            clocks[clock] = deadline
            if deadline == old:
                continue
            await tx.deadlines.put(case.id, deadline, now=now)
            if calendar_changed and old is not None and (old.due_on, old.provisional) != (
                    deadline.due_on, deadline.provisional):
                moved.append(NewEvent(
                    type=EventType.DEADLINE_RECOMPUTED, track=None, from_state=None, to_state=None, actor=SYSTEM,
                    occurred_at=now, payload={"clock": clock, "from": old.due_on.isoformat(),
                                              "to": deadline.due_on.isoformat(),
                                              "provisional_before": old.provisional,
                                              "provisional": deadline.provisional}))
            # Reminders are made for a due day (their keys name it): a date only made firm keeps its own.
            if deadline.running and (old is None or (old.due_on, old.status) != (deadline.due_on, deadline.status)):
                await self._schedule_reminders(tx, case, deadline, running_job)
                await self._watch(tx)
        if moved:
            await tx.cases.append(case, moved, recorded_at=now)
        return clocks

    async def _watch(self, tx: ClockTransaction) -> None:
        """While a clock runs, the holidays file is looked at every hour even if nobody acts."""
        now = self._clock.now()
        slot = next_watch(now)
        await tx.jobs.schedule(NewJob(kind=WATCH_JOB, due_at=slot, unique_key=f"watch:{slot.isoformat()}"), now=now)

    async def _schedule_reminders(self, tx: ClockTransaction, case: Case, deadline: Deadline,
                                  running_job: str | None) -> None:
        now = self._clock.now()
        for stage, day in reminder_days(deadline, self._calendars.current()):
            key = reminder_key(case, deadline, stage)
            at = reminder_time(day, self._zone)
            if key == running_job or (at <= now and stage is not Stage.PASSED):
                continue  # a warning before the limit is no use once its day is gone; a passed limit is told
            await tx.jobs.schedule(NewJob(kind=REMIND_JOB, due_at=max(at, now), unique_key=key, case_id=case.id,
                                          payload={"clock": deadline.clock, "due_on": deadline.due_on.isoformat(),
                                                   "stage": stage}), now=now)

    async def up_to_date(self, tx: ClockTransaction, *, running_job: str | None = None) -> None:
        """If the calendar changed since the stored due dates were counted, count every open clock again;
        the first time, give the open cases filed before clocks were kept theirs."""
        self._calendars.current()
        fingerprint = self._calendars.fingerprint
        stored = await tx.deadlines.fingerprint()
        if stored == fingerprint:
            return
        await tx.deadlines.set_fingerprint(fingerprint, now=self._clock.now())
        to_count = await tx.deadlines.cases_with_open_clocks()
        if stored is None:
            to_count += await tx.deadlines.open_cases_without_clocks()
        for case_id in to_count:
            case = await tx.cases.get(case_id)
            if case is not None:
                await self.sync(tx, case, calendar_changed=stored is not None, running_job=running_job)

    async def current(self, tx: ClockTransaction, case: Case, events: list[CaseEvent]) -> list[Deadline]:
        """The case's clocks as the calendar in use counts them now (stored again where they changed)."""
        await self.up_to_date(tx)
        return list((await self.sync(tx, case, events)).values())

    # --- jobs ---------------------------------------------------------------------------------------

    async def watch_calendar(self, job: Job) -> None:
        async with self._uow() as tx:
            await self.up_to_date(tx)
            if await tx.deadlines.cases_with_open_clocks():
                await self._watch(tx)

    async def remind(self, job: Job) -> None:
        """A reminder before a limit to whoever holds the step; when it passed, to them and the supervisors;
        the Art. 14 date to the worker and the mediator. Nothing if the clock moved or stopped since."""
        async with self._uow() as tx:
            await self.up_to_date(tx, running_job=job.unique_key)
            case = await tx.cases.get(job.case_id) if job.case_id is not None else None
            if case is None:
                return
            events = await tx.cases.events(case.id)
            clocks = await self.sync(tx, case, events, running_job=job.unique_key)
            deadline = clocks.get(Limit(job.payload["clock"]))
            if deadline is None or not deadline.running or deadline.due_on.isoformat() != job.payload["due_on"]:
                return
            stage = Stage(job.payload["stage"])
            now = self._clock.now()
            await tx.outbox.add(await self._reminders(tx, case, events, deadline, stage), now=now)
            await tx.cases.append(case, [NewEvent(
                type=EventType.DEADLINE_PASSED if stage is Stage.PASSED else EventType.DEADLINE_WARNED,
                track=None, from_state=None, to_state=None, actor=SYSTEM, occurred_at=now,
                payload={"clock": deadline.clock, "due_on": deadline.due_on.isoformat(), "stage": stage,
                         "provisional": deadline.provisional})], recorded_at=now)

    async def _reminders(self, tx: ClockTransaction, case: Case, events: list[CaseEvent], deadline: Deadline,
                         stage: Stage) -> list[Notification]:
        holders = await self.holders(tx, case, events, deadline.clock)
        if stage is Stage.PASSED and deadline.clock in CLOSING:
            holders += await supervisors_of(tx.people, case)
        rows = clock_notices(unique(holders), case, deadline, stage)
        if deadline.clock is Limit.MEDIATION_PERIOD:  # the worker may now apply for arbitration
            rows += clock_notices([case.worker_id], case, deadline, stage, to_worker=True)
        return rows

    async def holders(self, tx: ClockTransaction, case: Case, events: list[CaseEvent], clock: Limit) -> list[Person]:
        """Who holds the step a clock waits for: the mediator (or, while it waits in a queue, the centre's
        mediators), the district's arbitration office, or its inspection liaisons and the mediator who
        handed the case over."""
        if clock in (Limit.MEDIATION_PERIOD, Limit.PLATFORM_MEDIATION_CLOSE):
            holder = await tx.people.get(case.mediator_id) if case.mediator_id else None
            if holder is not None and holder.role is Role.MEDIATOR:
                return [holder]
            return await tx.people.staff_of_centre(case.centre_id or "")
        if clock in (Limit.ACCEPTANCE_DECISION, Limit.ARBITRATION_CLOSE):
            return [person for office in self._offices.arbitration_offices(case.workplace_district)
                    for person in await tx.people.staff_of_centre(office)]
        liaisons = [person for person in await tx.people.with_role(Role.INSPECTION)
                    if person.district == case.workplace_district]
        handed = handed_over_by(events)
        mediator = await tx.people.get(handed) if handed is not None else None
        return liaisons + ([mediator] if mediator is not None and mediator.role is Role.MEDIATOR else [])


def handed_over_by(events: list[CaseEvent]) -> int | None:
    """The mediator who handed the case to labour inspection, if a mediator did."""
    for event in reversed(events):
        if event.type == EventType.INSPECTION_HANDED_OVER:
            return event.actor_id if event.actor_role is Role.MEDIATOR else None
    return None


def unique(people: list[Person]) -> list[Person]:
    return list({person.id: person for person in people}.values())
