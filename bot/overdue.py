"""What supervisors watch and do about it: cases past or near a limit (`/overdue`), the three things a
supervisor may do about one (remind whoever holds the step, give the case to another mediator of its
centre, transfer it to another centre), and the follow-up of a rating below 基本满意.

The limits watched: the acknowledgement (a centre accepts a new case within its working days, the desk's
job), the case's statutory clocks as stored (bot/deadlines.py: the Art. 14 period, the platform-work
closing limit, the decision on accepting an arbitration application, arbitration, labour inspection), and
the payment check (an agreed payment the worker has not said came, from the working day after its due
day). "Near": the last day is within NEAR_WORKING_DAYS working days (the clocks' first reminder); the
acknowledgement: due before the end of today.

Who sees what: a district's supervisor the cases whose workplace is in the district, a city-wide one all
of them, a mediator the cases of their own centre (to see what is late; acting is the supervisors').
Every action is a case event in the use case's unit of work, its notices outbox rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel

from bot.case_service import Rejected, actor_of, change
from bot.cases.machine import Command, CommandKind, NewEvent, Refusal
from bot.cases.model import Case, CaseEvent
from bot.clock import Clock
from bot.clocks import Limit
from bot.deadline_keeper import ClockTransaction, DeadlineKeeper
from bot.deadlines import CalendarSource
from bot.desk import ACKNOWLEDGE_JOB, Acknowledgement, Centres, first_routing
from bot.notify import after_accept, after_transfer
from bot.outbox.model import Notification
from bot.outcomes import OutcomeEvent, payment_check_day
from bot.people import Person, Role

NEAR_WORKING_DAYS = 3
NOTE_LIMIT = 1000


class Watch(StrEnum):
    """A limit the list watches; the clocks' by their `Limit` value."""

    ACKNOWLEDGEMENT = "acknowledgement"
    PLATFORM_MEDIATION_CLOSE = Limit.PLATFORM_MEDIATION_CLOSE.value
    ACCEPTANCE_DECISION = Limit.ACCEPTANCE_DECISION.value
    ARBITRATION_CLOSE = Limit.ARBITRATION_CLOSE.value
    INSPECTION_CLOSE = Limit.INSPECTION_CLOSE.value
    PAYMENT_CHECK = Limit.PAYMENT_CHECK.value
    MEDIATION_PERIOD = Limit.MEDIATION_PERIOD.value   # a "may" date (Art. 14): listed last among equals


# Binding limits before the Art. 14 note; in this order when equally late.
WATCH_ORDER = {watch: position for position, watch in enumerate(Watch)}


class SupervisionEvent(StrEnum):
    """Case events of this module (the store takes any type name, like bot.outcomes' events)."""

    REMINDED = "supervisor_reminded"     # payload: watch, due_on, days, to (person ids)
    FOLLOWED_UP = "rating_followed_up"   # payload: step, rating; the note (deletable) in case_notes


class SupervisionNotice(StrEnum):
    REMINDER = "supervision.reminder"    # the holder of the step: a supervisor asks them to act
    REASSIGNED = "supervision.reassigned"  # the mediator a supervisor gave the case to


class FollowUpStep(StrEnum):
    CALLED_WORKER = "called_worker"
    REVIEWED_MEDIATOR = "reviewed_mediator"
    CLOSED = "closed"
    NOTE = "note"   # a note alone


class SupervisionRefusal(StrEnum):
    NOTHING_DUE = "nothing_due"          # the case is no longer past or near a limit
    NO_HOLDER = "no_holder"              # nobody holds the step (no staff at the centre)
    NOT_A_COLLEAGUE = "not_a_colleague"  # the mediator chosen is not (any more) one of the case's centre
    NOT_LOW_RATED = "not_low_rated"
    FOLLOW_UP_CLOSED = "follow_up_closed"
    EMPTY_NOTE = "empty_note"


# --- what the store gives -----------------------------------------------------------------------

@dataclass(frozen=True)
class DueRow:
    """A limit of a case as stored: its last day (local), the acknowledgement's moment, a payment's term."""

    case_id: int
    watch: Watch
    due_on: date
    due_at: datetime | None = None
    term: int | None = None


@dataclass(frozen=True)
class Reach:
    """Whose cases: a district's (workplace), a centre's, or (both None) the whole city's."""

    district: str | None = None
    centre: str | None = None


class OverdueStore(Protocol):
    async def due(self, reach: Reach, *, by_day: date, acknowledge_by: datetime) -> list[DueRow]:
        """Running clocks whose last day is on or before `by_day`; cases waiting for a mediator whose
        acknowledgement is due before `acknowledge_by`; unanswered agreed payments due on or before
        `by_day` of agreements in effect. Only the cases in `reach`."""
        ...


class SupervisionTransaction(ClockTransaction, Protocol):
    overdue: OverdueStore


class SupervisionUnitOfWork(Protocol):
    def __call__(self) -> AbstractAsyncContextManager[SupervisionTransaction]: ...


# --- the list ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Late:
    watch: Watch
    due_on: date
    days: int                       # days past the last day; 0: today is the last day; negative: days left
    term: int | None = None         # the payment's term
    due_at: datetime | None = None  # the acknowledgement: the moment it is due
    passed_now: bool = False        # ... and that moment has passed

    @property
    def passed(self) -> bool:
        return self.days > 0 or self.passed_now

    def order(self) -> tuple[bool, bool, int, int]:
        """Worst first: passed before near, binding before the Art. 14 note, the latest first."""
        return not self.passed, self.watch is Watch.MEDIATION_PERIOD, -self.days, WATCH_ORDER[self.watch]


@dataclass(frozen=True)
class OverdueCase:
    case: Case
    late: list[Late]           # worst first
    holder: str | None = None  # the holding mediator's name

    def order(self) -> tuple[tuple[bool, bool, int, int], bool, str]:
        return self.late[0].order(), not self.case.urgent, self.case.number or ""


@dataclass(frozen=True)
class CentreGroup:
    centre_id: str | None
    cases: list[OverdueCase]


@dataclass(frozen=True)
class OverdueList:
    today: date
    reach: Reach
    groups: list[CentreGroup]   # the centre with the worst case first

    @property
    def count(self) -> int:
        return sum(len(group.cases) for group in self.groups)


def reach_of(person: Person) -> Reach | None:
    if person.role is Role.SUPERVISOR:
        return Reach(district=person.district)
    if person.role is Role.MEDIATOR and person.centre_id:
        return Reach(centre=person.centre_id)
    return None


def supervises(person: Person, case: Case) -> bool:
    """A supervisor of the case's workplace district, or of the whole city."""
    return person.role is Role.SUPERVISOR and (person.city_wide or person.district == case.workplace_district)


def late_of(row: DueRow, now: datetime, zone: tzinfo, calendars: CalendarSource) -> Late:
    today = now.astimezone(zone).date()
    if row.watch is Watch.PAYMENT_CHECK:  # asked on the working day after the due day: late after that
        check = payment_check_day(row.due_on, calendars.current()).day
        return Late(row.watch, check, (today - check).days, row.term)
    if row.due_at is not None:
        due_on = row.due_at.astimezone(zone).date()
        return Late(row.watch, due_on, (today - due_on).days, due_at=row.due_at.astimezone(zone),
                    passed_now=row.due_at <= now)
    return Late(row.watch, row.due_on, (today - row.due_on).days)


def grouped(cases: Sequence[OverdueCase]) -> list[CentreGroup]:
    ordered = sorted(cases, key=OverdueCase.order)
    groups: dict[str | None, list[OverdueCase]] = {}
    for item in ordered:
        groups.setdefault(item.case.centre_id, []).append(item)
    return [CentreGroup(centre, items) for centre, items in groups.items()]


# --- results -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Declined:
    reason: Refusal | SupervisionRefusal
    case: Case | None = None


@dataclass(frozen=True)
class Done:
    case: Case
    told: list[Person] = field(default_factory=list)   # who was reminded, or given the case


SupervisionResult = Done | Declined


@dataclass(frozen=True)
class OverdueCard:
    """One case of the list as its card shows it: what is late, and what the supervisor may choose."""

    item: OverdueCase
    colleagues: list[Person]   # mediators of the centre it may be given to (not the holder)
    may_act: bool              # a supervisor of the case (a mediator only sees it)


@dataclass(frozen=True)
class FollowUpView:
    case: Case
    rating: str
    comment: str | None             # the worker's comment (a note, deletable)
    done: list[CaseEvent]           # the follow-up so far, oldest first

    @property
    def closed(self) -> bool:
        return any(event.payload.get("step") == FollowUpStep.CLOSED for event in self.done)


class ReminderParams(BaseModel):
    case_id: int
    number: str
    watch: Watch
    due_on: date
    days: int
    supervisor: str
    due_at: datetime | None = None   # the acknowledgement's moment, local
    passed: bool = False


class ReassignedParams(BaseModel):
    case_id: int
    number: str
    supervisor: str


def _event(type: SupervisionEvent, actor: Person, now: datetime, note: str | None = None,
           **payload: object) -> NewEvent:
    return NewEvent(type=type, track=None, from_state=None, to_state=None,  # type: ignore[arg-type]
                    actor=actor_of(actor), occurred_at=now, payload=payload, note=note)


def _row(recipient: Person, kind: SupervisionNotice, params: BaseModel, case: Case) -> Notification:
    return Notification(recipient_id=recipient.id, template=kind, params=params.model_dump(mode="json"),
                        case_id=case.id)


def last_low_rating(events: Sequence[CaseEvent]) -> CaseEvent | None:
    rated = [event for event in events if event.type == OutcomeEvent.RATED]
    return rated[-1] if rated and rated[-1].payload.get("good") is False else None


def holder_clock(late: Late) -> Limit:
    """The clock whose step the reminder is about: the acknowledgement and a payment are the mediation's."""
    if late.watch in (Watch.ACKNOWLEDGEMENT, Watch.PAYMENT_CHECK):
        return Limit.MEDIATION_PERIOD
    return Limit(late.watch.value)


class SupervisionService:
    def __init__(self, uow: SupervisionUnitOfWork, clock: Clock, calendars: CalendarSource, zone: tzinfo,
                 keeper: DeadlineKeeper, acknowledgement: Acknowledgement, centres: Centres) -> None:
        self._uow = uow
        self._clock = clock
        self._calendars = calendars
        self._zone = zone
        self._keeper = keeper
        self._acknowledgement = acknowledgement
        self._centres = centres

    def today(self) -> date:
        return self._clock.now().astimezone(self._zone).date()

    # The list ------------------------------------------------------------------------------------

    async def overdue(self, person: Person) -> OverdueList | None:
        """The cases past or near a limit that this person may see; None for someone who may see none."""
        reach = reach_of(person)
        if reach is None:
            return None
        async with self._uow() as tx:
            items = await self._late_cases(tx, reach)
        return OverdueList(self.today(), reach, grouped(items))

    async def _late_cases(self, tx: SupervisionTransaction, reach: Reach, case_id: int | None = None
                          ) -> list[OverdueCase]:
        await self._keeper.up_to_date(tx)   # the due dates as the calendar in use counts them
        today = self.today()
        by_day = self._calendars.current().add_working_days(today, NEAR_WORKING_DAYS).day
        end_of_today = datetime.combine(today, time.max, self._zone)
        late: dict[int, list[Late]] = {}
        for row in await tx.overdue.due(reach, by_day=by_day, acknowledge_by=end_of_today):
            if case_id is not None and row.case_id != case_id:
                continue
            found = late_of(row, self._clock.now(), self._zone, self._calendars)
            if found.due_on <= by_day:
                late.setdefault(row.case_id, []).append(found)
        items = []
        for found_id, limits in late.items():
            case = await tx.cases.get(found_id)
            if case is None:
                continue
            holder = await tx.people.get(case.mediator_id) if case.mediator_id is not None else None
            items.append(OverdueCase(case, sorted(limits, key=Late.order), holder.display_name if holder else None))
        return items

    async def card(self, person: Person, case_id: int) -> OverdueCard | None:
        """The case's late limits and whom it may be given to, if this person may see it in the list."""
        reach = reach_of(person)
        if reach is None:
            return None
        async with self._uow() as tx:
            case = await tx.cases.get(case_id)
            if case is None or not self._within(person, case):
                return None
            items = await self._late_cases(tx, reach, case_id)
            item = items[0] if items else OverdueCase(case, [])
            colleagues = [colleague for colleague in await tx.people.staff_of_centre(case.centre_id or "")
                          if colleague.role is Role.MEDIATOR and colleague.id != case.mediator_id]
            return OverdueCard(item, colleagues, supervises(person, case))

    @staticmethod
    def _within(person: Person, case: Case) -> bool:
        if person.role is Role.MEDIATOR:
            return person.centre_id is not None and person.centre_id == case.centre_id
        return supervises(person, case)

    # The actions ---------------------------------------------------------------------------------

    async def remind(self, supervisor: Person, case_id: int) -> SupervisionResult:
        """A notice to whoever holds the step of the worst limit: the mediator (or, waiting in a queue,
        the centre's mediators), the arbitration office, the inspection liaisons."""
        now = self._clock.now()
        async with self._uow() as tx:
            case = await _supervised(tx, supervisor, case_id)
            if isinstance(case, Declined):
                return case
            items = await self._late_cases(tx, Reach(), case_id)
            if not items:
                return Declined(SupervisionRefusal.NOTHING_DUE, case)
            worst = items[0].late[0]
            events = await tx.cases.events(case.id)
            holders = [person for person in await self._keeper.holders(tx, case, events, holder_clock(worst))
                       if person.id != supervisor.id]
            if not holders:
                return Declined(SupervisionRefusal.NO_HOLDER, case)
            params = ReminderParams(case_id=case.id, number=case.number or "", watch=worst.watch,
                                    due_on=worst.due_on, days=worst.days, supervisor=supervisor.display_name,
                                    due_at=worst.due_at, passed=worst.passed)
            await tx.cases.append(case, [_event(SupervisionEvent.REMINDED, supervisor, now, watch=worst.watch,
                                                due_on=worst.due_on.isoformat(), days=worst.days,
                                                to=[person.id for person in holders])], recorded_at=now)
            await tx.outbox.add([_row(person, SupervisionNotice.REMINDER, params, case) for person in holders],
                                now=now)
            return Done(case, holders)

    async def reassign(self, supervisor: Person, case_id: int, version: int, mediator_id: int) -> SupervisionResult:
        """The case to another mediator of its centre (the machine's REASSIGN: from the queue, their accept)."""
        now = self._clock.now()
        async with self._uow() as tx:
            case = await _supervised(tx, supervisor, case_id, version)
            if isinstance(case, Declined):
                return case
            mediator = await tx.people.get(mediator_id)
            if mediator is None or mediator.role is not Role.MEDIATOR or mediator.centre_id != case.centre_id:
                return Declined(SupervisionRefusal.NOT_A_COLLEAGUE, case)
            result = await change(tx, case, Command(CommandKind.REASSIGN, actor_of(supervisor), mediator_id=mediator.id,
                                                    params={"by_supervisor": True}), self._clock)
            if isinstance(result, Rejected):
                return Declined(result.reason, result.case)
            await self._keeper.sync(tx, result.case)
            params = ReassignedParams(case_id=case.id, number=case.number or "", supervisor=supervisor.display_name)
            rows = [_row(mediator, SupervisionNotice.REASSIGNED, params, result.case),
                    *await after_accept(result.case, mediator)]
            await tx.outbox.add(rows, now=now)
            return Done(result.case, [mediator])

    async def transfer(self, supervisor: Person, case_id: int, version: int, centre_id: str) -> SupervisionResult:
        """To another centre, as the desk transfers: waiting there, its acknowledgement counted again."""
        now = self._clock.now()
        async with self._uow() as tx:
            case = await _supervised(tx, supervisor, case_id, version)
            if isinstance(case, Declined):
                return case
            if not self._centres.exists(centre_id):
                return Declined(Refusal.SAME_CENTRE, case)
            result = await change(tx, case, Command(CommandKind.TRANSFER, actor_of(supervisor), centre_id=centre_id,
                                                    params={"by_supervisor": True}), self._clock)
            if isinstance(result, Rejected):
                return Declined(result.reason, result.case)
            events = await tx.cases.events(case.id)
            await self._keeper.sync(tx, result.case, events)
            await tx.jobs.schedule(self._acknowledgement.job(ACKNOWLEDGE_JOB, result.case, now), now=now)
            await tx.outbox.add(await after_transfer(tx.people, result.case, self._acknowledgement.due(now),
                                                     first_routing(events)), now=now)
            return Done(result.case)

    # The follow-up of a low rating ----------------------------------------------------------------

    async def follow_up_view(self, supervisor: Person, case_id: int) -> FollowUpView | Declined:
        async with self._uow() as tx:
            case = await _supervised(tx, supervisor, case_id)
            if isinstance(case, Declined):
                return case
            return self._view(case, await tx.cases.events(case.id))

    @staticmethod
    def _view(case: Case, events: list[CaseEvent]) -> FollowUpView | Declined:
        rated = last_low_rating(events)
        if rated is None:
            return Declined(SupervisionRefusal.NOT_LOW_RATED, case)
        comments = [event.note for event in events if event.type == OutcomeEvent.RATING_COMMENTED and event.note]
        done = [event for event in events if event.type == SupervisionEvent.FOLLOWED_UP and event.seq > rated.seq]
        return FollowUpView(case, str(rated.payload.get("rating", "")), comments[-1] if comments else None, done)

    async def follow_up(self, supervisor: Person, case_id: int, step: FollowUpStep, note: str | None = None
                        ) -> FollowUpView | Declined:
        """One step of the follow-up, an event with the supervisor's note if any; none after it closed."""
        now = self._clock.now()
        note = (note or "").strip()[:NOTE_LIMIT] or None
        if step is FollowUpStep.NOTE and note is None:
            return Declined(SupervisionRefusal.EMPTY_NOTE)
        async with self._uow() as tx:
            case = await _supervised(tx, supervisor, case_id)
            if isinstance(case, Declined):
                return case
            view = self._view(case, await tx.cases.events(case.id))
            if isinstance(view, Declined):
                return view
            if view.closed:
                return Declined(SupervisionRefusal.FOLLOW_UP_CLOSED, case)
            await tx.cases.append(case, [_event(SupervisionEvent.FOLLOWED_UP, supervisor, now, note=note, step=step,
                                                rating=view.rating)], recorded_at=now)
            return self._view(case, await tx.cases.events(case.id))


async def _supervised(tx: SupervisionTransaction, supervisor: Person, case_id: int, version: int | None = None
                      ) -> Case | Declined:
    """The case, if this supervisor's to act on (and, given a version, unchanged since their button was drawn)."""
    case = await tx.cases.get(case_id)
    if case is None or not supervises(supervisor, case):
        return Declined(Refusal.NOT_YOURS)
    if version is not None and case.version != version:
        return Declined(Refusal.STALE, case)
    return case
