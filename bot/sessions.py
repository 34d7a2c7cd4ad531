"""Mediation sessions: the mediator holding a case fixes a time, in person at the centre or online by a
meeting link; the worker confirms it or asks for another time; both are reminded the day before and an
hour before; the mediator may move or cancel it.

The rules (pure, tested by table):
- A time in the past, on a rest day (the working-day calendar) or outside 8:00-20:00 is questioned: the
  mediator keeps it only by saying so (`concerns`).
- A reminder whose time has already come when the session is fixed is not sent.
- Each change of time is a new revision of the session; a reminder is for one revision, so the reminders
  of a time that was moved or cancelled never go out.

Every step is a case event (the worker's reason in its note, which a purge deletes) with its notices as
outbox rows and its reminders as jobs, in the caller's unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Annotated, Protocol

from pydantic import (
    AnyUrl,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    TypeAdapter,
    UrlConstraints,
    ValidationError,
    model_validator,
)

from bot.calendar import WorkingCalendar
from bot.case_service import actor_of
from bot.cases.machine import HELD_BY_MEDIATOR, SYSTEM, NewEvent
from bot.cases.model import Case
from bot.clock import Clock
from bot.jobs.model import Job, NewJob
from bot.outbox.model import Notification
from bot.people import Person, Role
from bot.ports import Transaction

REMINDER_JOB = "sessions.reminder"
DAY_STARTS, DAY_ENDS = time(8), time(20)   # a session starting outside these hours is questioned
REASON_LIMIT = 300
LINK_LIMIT = 500


class Place(StrEnum):
    IN_PERSON = "in_person"   # at the centre holding the case
    ONLINE = "online"         # by the meeting link the mediator gave


class SessionStatus(StrEnum):
    PROPOSED = "proposed"                  # waiting for the worker's answer
    CONFIRMED = "confirmed"
    OTHER_TIME_ASKED = "other_time_asked"  # the worker asked for another time: the mediator moves it
    CANCELLED = "cancelled"


ACTIVE = frozenset({SessionStatus.PROPOSED, SessionStatus.CONFIRMED, SessionStatus.OTHER_TIME_ASKED})
REMINDED = frozenset({SessionStatus.PROPOSED, SessionStatus.CONFIRMED})


class Concern(StrEnum):
    """What makes a time doubtful enough to ask "are you sure?" before it is kept."""

    PAST = "past"
    REST_DAY = "rest_day"
    OFF_HOURS = "off_hours"


class Reminder(StrEnum):
    DAY_BEFORE = "day_before"
    HOUR_BEFORE = "hour_before"


REMINDER_LEAD = {Reminder.DAY_BEFORE: timedelta(days=1), Reminder.HOUR_BEFORE: timedelta(hours=1)}


def concerns(starts_at: datetime, now: datetime, calendar: WorkingCalendar, zone: tzinfo) -> frozenset[Concern]:
    local = starts_at.astimezone(zone)
    found = set()
    if starts_at <= now:
        found.add(Concern.PAST)
    if not calendar.is_working_day(local.date()):
        found.add(Concern.REST_DAY)
    if not DAY_STARTS <= local.time() < DAY_ENDS:
        found.add(Concern.OFF_HOURS)
    return frozenset(found)


def reminder_times(starts_at: datetime, now: datetime) -> dict[Reminder, datetime]:
    """When each reminder goes out; those whose time has come already are left out."""
    return {reminder: starts_at - lead for reminder, lead in REMINDER_LEAD.items() if starts_at - lead > now}


HttpsLink = Annotated[AnyUrl, UrlConstraints(max_length=LINK_LIMIT, allowed_schemes=["https"], host_required=True)]
_LINK = TypeAdapter(HttpsLink)


def meeting_link(text: str) -> str | None:
    """The typed meeting link if it is an https URL with a host (a whole link, nothing around it)."""
    text = text.strip()
    if not text or any(char.isspace() for char in text):
        return None
    try:
        return str(_LINK.validate_python(text))
    except ValidationError:
        return None


class SessionPlan(BaseModel):
    """Where a session is held; the time comes with each scheduling."""

    model_config = ConfigDict(frozen=True)

    place: Place
    link: str | None = None

    @model_validator(mode="after")
    def _a_link_for_online_only(self) -> SessionPlan:
        if (self.place is Place.ONLINE) != (self.link is not None):
            raise ValueError("an online session has a meeting link, one in person none")
        if self.link is not None and meeting_link(self.link) != self.link:
            raise ValueError("the meeting link is not an https URL")
        return self


class StoredSession(BaseModel):
    id: int
    case_id: int
    mediator_id: int | None
    starts_at: AwareDatetime
    place: Place
    centre_id: str | None = None
    link: str | None = None
    status: SessionStatus
    revision: int                              # 1, then one more each time the time is moved
    proposed_at: AwareDatetime | None = None   # the time the worker proposed instead, if they gave one
    created_at: AwareDatetime
    updated_at: AwareDatetime

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


class SessionStore(Protocol):
    async def add(self, case_id: int, starts_at: datetime, plan: SessionPlan, *, mediator_id: int,
                  centre_id: str | None, now: datetime) -> StoredSession: ...

    async def get(self, session_id: int) -> StoredSession | None: ...

    async def of_case(self, case_id: int) -> list[StoredSession]:
        """The case's sessions, earliest first."""
        ...

    async def move(self, session_id: int, revision: int, starts_at: datetime, *, now: datetime) -> StoredSession | None:
        """The new time as the next revision, proposed to the worker again; None if the session is no
        longer at `revision` (someone changed it first)."""
        ...

    async def set_status(self, session_id: int, revision: int, status: SessionStatus, *, now: datetime,
                         proposed_at: datetime | None = None) -> bool:
        """False if the session is no longer at `revision`."""
        ...


class SessionTransaction(Transaction, Protocol):
    sessions: SessionStore


class SessionUnitOfWork(Protocol):
    def __call__(self) -> AbstractAsyncContextManager[SessionTransaction]: ...


class Calendars(Protocol):
    def current(self) -> WorkingCalendar: ...


# --- Events and notices -------------------------------------------------------------------------------

class SessionEvent(StrEnum):
    """Case events of this module (the store takes any type name)."""

    SCHEDULED = "session_scheduled"
    CONFIRMED = "session_confirmed"
    OTHER_TIME_ASKED = "session_other_time_asked"   # the reason, if given, is the event's note
    RESCHEDULED = "session_rescheduled"
    CANCELLED = "session_cancelled"


class SessionNotice(StrEnum):
    SCHEDULED = "session.scheduled"              # worker: the time and place, confirm or ask for another (buttons)
    CONFIRMED = "session.confirmed"              # the mediator: the worker confirmed
    CONFIRMED_REPLY = "session.confirmed_reply"  # worker, at once
    OTHER_TIME = "session.other_time"            # the mediator: the worker asks for another time (and why)
    OTHER_TIME_REPLY = "session.other_time_reply"  # worker, at once
    CANCELLED = "session.cancelled"              # worker
    REMINDER = "session.reminder"                # worker and mediator, the day before and an hour before


class SessionParams(BaseModel):
    case_id: int
    number: str
    session_id: int
    revision: int
    starts_at: datetime
    place: Place
    centre_id: str | None = None
    link: str | None = None
    confirmed: bool = False
    previous: datetime | None = None      # the time it was moved from
    proposed_at: datetime | None = None   # the worker's proposal
    reason: str | None = None             # the worker's words to the mediator
    reminder: Reminder | None = None
    for_staff: bool = False               # a reminder to the mediator rather than the worker


class SessionRefusal(StrEnum):
    NOT_HOLDER = "not_holder"                # only the mediator holding the case schedules
    NOT_FOUND = "not_found"
    CHANGED = "changed"                      # the session was moved or answered meanwhile
    ALREADY_SCHEDULED = "already_scheduled"  # an upcoming session exists: move it instead
    NOT_ACTIVE = "not_active"                # cancelled


@dataclass(frozen=True)
class Declined:
    reason: SessionRefusal
    session: StoredSession | None = None


@dataclass(frozen=True)
class Questioned:
    """The time is doubtful: kept only when the mediator accepts these concerns."""

    starts_at: datetime
    concerns: frozenset[Concern]


@dataclass(frozen=True)
class Done:
    session: StoredSession
    case: Case
    replies: list[int] = field(default_factory=list)  # outbox rows for the person who acted, sent at once


SessionResult = Done | Declined
ScheduleResult = Done | Questioned | Declined


def holds(person: Person, case: Case) -> bool:
    return (person.role is Role.MEDIATOR and case.mediator_id == person.id and case.mediation in HELD_BY_MEDIATOR
            and person.centre_id is not None and person.centre_id == case.centre_id)


def _event(type: SessionEvent, actor: Person | None, now: datetime, note: str | None = None,
           **payload: object) -> NewEvent:
    return NewEvent(type=type, track=None, from_state=None, to_state=None,  # type: ignore[arg-type]
                    actor=actor_of(actor) if actor else SYSTEM, occurred_at=now, payload=payload, note=note)


def _params(case: Case, session: StoredSession, **more: object) -> SessionParams:
    return SessionParams(case_id=case.id, number=case.number or "", session_id=session.id,
                         revision=session.revision, starts_at=session.starts_at, place=session.place,
                         centre_id=session.centre_id, link=session.link,
                         confirmed=session.status is SessionStatus.CONFIRMED, **more)


def _row(recipient: int, kind: SessionNotice, params: SessionParams, case: Case, *, immediate: bool = False
         ) -> Notification:
    return Notification(recipient_id=recipient, template=kind, params=params.model_dump(mode="json"),
                        case_id=case.id, immediate=immediate)


class SessionService:
    def __init__(self, uow: SessionUnitOfWork, clock: Clock, calendars: Calendars, zone: tzinfo) -> None:
        self._uow = uow
        self._clock = clock
        self._calendars = calendars
        self._zone = zone

    def _stamp(self, moment: datetime) -> str:
        """An event's time as the local clock showed it, with its offset: the timeline reads it without a zone."""
        return moment.astimezone(self._zone).isoformat()

    def calendar(self) -> WorkingCalendar:
        return self._calendars.current()

    def concerns(self, starts_at: datetime) -> frozenset[Concern]:
        return concerns(starts_at, self._clock.now(), self._calendars.current(), self._zone)

    async def upcoming(self, person: Person, case_id: int) -> StoredSession | None:
        """The case's next session not cancelled, for its worker or the mediator holding it."""
        async with self._uow() as tx:
            case = await tx.cases.get(case_id)
            if case is None or not (case.worker_id == person.id or holds(person, case)):
                return None
            return self._upcoming(await tx.sessions.of_case(case_id))

    def _upcoming(self, sessions: Sequence[StoredSession]) -> StoredSession | None:
        now = self._clock.now()
        return next((session for session in sessions if session.active and session.starts_at > now), None)

    async def may_schedule(self, mediator: Person, case_id: int) -> bool:
        async with self._uow() as tx:
            case = await tx.cases.get(case_id)
            return case is not None and holds(mediator, case)

    async def schedule(self, mediator: Person, case_id: int, starts_at: datetime, plan: SessionPlan,
                       accepted: frozenset[Concern] = frozenset()) -> ScheduleResult:
        """A new session at `starts_at`, questioned first if the time is doubtful (unless its concerns
        were accepted); the worker is asked to confirm it."""
        now = self._clock.now()
        doubts = self.concerns(starts_at)
        async with self._uow() as tx:
            case = await tx.cases.get(case_id)
            if case is None or not holds(mediator, case):
                return Declined(SessionRefusal.NOT_HOLDER)
            if (upcoming := self._upcoming(await tx.sessions.of_case(case_id))) is not None:
                return Declined(SessionRefusal.ALREADY_SCHEDULED, upcoming)
            if not doubts <= accepted:
                return Questioned(starts_at, doubts)
            session = await tx.sessions.add(case_id, starts_at, plan, mediator_id=mediator.id,
                                            centre_id=case.centre_id if plan.place is Place.IN_PERSON else None,
                                            now=now)
            await tx.cases.append(case, [_event(SessionEvent.SCHEDULED, mediator, now, session=session.id,
                                                starts_at=self._stamp(starts_at), place=plan.place,
                                                kept=sorted(doubts))], recorded_at=now)
            await self._remind_later(tx, session, now)
            await tx.outbox.add([_row(case.worker_id, SessionNotice.SCHEDULED, _params(case, session), case)], now=now)
            return Done(session, case)

    async def reschedule(self, mediator: Person, session_id: int, revision: int, starts_at: datetime,
                         accepted: frozenset[Concern] = frozenset()) -> ScheduleResult:
        """The session moved to `starts_at`: a new revision the worker confirms again; the old time's
        reminders lapse."""
        now = self._clock.now()
        doubts = self.concerns(starts_at)
        async with self._uow() as tx:
            found = await self._held_session(tx, mediator, session_id, revision)
            if isinstance(found, Declined):
                return found
            session, case = found
            if not doubts <= accepted:
                return Questioned(starts_at, doubts)
            moved = await tx.sessions.move(session_id, revision, starts_at, now=now)
            if moved is None:
                return Declined(SessionRefusal.CHANGED, session)
            await tx.cases.append(case, [_event(SessionEvent.RESCHEDULED, mediator, now, session=session_id,
                                                starts_at=self._stamp(starts_at),
                                                previous=self._stamp(session.starts_at),
                                                kept=sorted(doubts))], recorded_at=now)
            await self._remind_later(tx, moved, now)
            params = _params(case, moved, previous=session.starts_at)
            await tx.outbox.add([_row(case.worker_id, SessionNotice.SCHEDULED, params, case)], now=now)
            return Done(moved, case)

    async def cancel(self, mediator: Person, session_id: int, revision: int) -> SessionResult:
        now = self._clock.now()
        async with self._uow() as tx:
            found = await self._held_session(tx, mediator, session_id, revision)
            if isinstance(found, Declined):
                return found
            session, case = found
            if not await tx.sessions.set_status(session_id, revision, SessionStatus.CANCELLED, now=now):
                return Declined(SessionRefusal.CHANGED, session)
            await tx.cases.append(case, [_event(SessionEvent.CANCELLED, mediator, now, session=session_id,
                                                starts_at=self._stamp(session.starts_at))], recorded_at=now)
            await tx.outbox.add([_row(case.worker_id, SessionNotice.CANCELLED, _params(case, session), case)], now=now)
            return Done(session.model_copy(update={"status": SessionStatus.CANCELLED}), case)

    async def _held_session(self, tx: SessionTransaction, mediator: Person, session_id: int, revision: int
                            ) -> tuple[StoredSession, Case] | Declined:
        session = await tx.sessions.get(session_id)
        case = await tx.cases.get(session.case_id) if session is not None else None
        if session is None or case is None or not holds(mediator, case):
            return Declined(SessionRefusal.NOT_HOLDER)
        if not session.active:
            return Declined(SessionRefusal.NOT_ACTIVE, session)
        if session.revision != revision:
            return Declined(SessionRefusal.CHANGED, session)
        return session, case

    async def _worker_session(self, tx: SessionTransaction, worker: Person, session_id: int, revision: int
                              ) -> tuple[StoredSession, Case] | Declined:
        session = await tx.sessions.get(session_id)
        case = await tx.cases.get(session.case_id) if session is not None else None
        if session is None or case is None or case.worker_id != worker.id:
            return Declined(SessionRefusal.NOT_FOUND)
        if not session.active:
            return Declined(SessionRefusal.NOT_ACTIVE, session)
        if session.revision != revision:
            return Declined(SessionRefusal.CHANGED, session)
        return session, case

    async def confirm(self, worker: Person, session_id: int, revision: int) -> SessionResult:
        now = self._clock.now()
        async with self._uow() as tx:
            found = await self._worker_session(tx, worker, session_id, revision)
            if isinstance(found, Declined):
                return found
            session, case = found
            if session.status is SessionStatus.CONFIRMED or not await tx.sessions.set_status(
                    session_id, revision, SessionStatus.CONFIRMED, now=now):
                return Declined(SessionRefusal.CHANGED, session)
            confirmed = session.model_copy(update={"status": SessionStatus.CONFIRMED})
            await tx.cases.append(case, [_event(SessionEvent.CONFIRMED, worker, now, session=session_id,
                                                starts_at=self._stamp(session.starts_at))], recorded_at=now)
            params = _params(case, confirmed)
            rows = [_row(worker.id, SessionNotice.CONFIRMED_REPLY, params, case, immediate=True)]
            if session.mediator_id is not None:
                rows.append(_row(session.mediator_id, SessionNotice.CONFIRMED, params, case))
            ids = await tx.outbox.add(rows, now=now)
            return Done(confirmed, case, replies=ids[:1])

    async def ask_other_time(self, worker: Person, session_id: int, revision: int, reason: str | None,
                             proposed_at: datetime | None = None) -> SessionResult:
        """The worker cannot come then: the mediator is told, with the worker's reason and the time they
        proposed, if any; the session's reminders lapse until it is moved."""
        now = self._clock.now()
        reason = (reason or "").strip()[:REASON_LIMIT] or None
        async with self._uow() as tx:
            found = await self._worker_session(tx, worker, session_id, revision)
            if isinstance(found, Declined):
                return found
            session, case = found
            if not await tx.sessions.set_status(session_id, revision, SessionStatus.OTHER_TIME_ASKED, now=now,
                                                proposed_at=proposed_at):
                return Declined(SessionRefusal.CHANGED, session)
            asked = session.model_copy(update={"status": SessionStatus.OTHER_TIME_ASKED, "proposed_at": proposed_at})
            await tx.cases.append(case, [_event(SessionEvent.OTHER_TIME_ASKED, worker, now, note=reason,
                                                session=session_id, starts_at=self._stamp(session.starts_at),
                                                proposed_at=self._stamp(proposed_at) if proposed_at else None)],
                                  recorded_at=now)
            params = _params(case, asked, proposed_at=proposed_at, reason=reason)
            rows = [_row(worker.id, SessionNotice.OTHER_TIME_REPLY, params, case, immediate=True)]
            if session.mediator_id is not None:
                rows.append(_row(session.mediator_id, SessionNotice.OTHER_TIME, params, case))
            ids = await tx.outbox.add(rows, now=now)
            return Done(asked, case, replies=ids[:1])

    async def _remind_later(self, tx: SessionTransaction, session: StoredSession, now: datetime) -> None:
        for reminder, due_at in reminder_times(session.starts_at, now).items():
            await tx.jobs.schedule(NewJob(
                kind=REMINDER_JOB, due_at=due_at, unique_key=f"session:{session.id}:{session.revision}:{reminder}",
                case_id=session.case_id,
                payload={"session_id": session.id, "revision": session.revision, "reminder": reminder}), now=now)

    async def remind(self, job: Job) -> None:
        """The job before a session: the worker and the mediator reminded, if the session is still at the
        time this reminder was for and not waiting to be moved."""
        async with self._uow() as tx:
            session = await tx.sessions.get(int(job.payload["session_id"]))
            if session is None or session.revision != job.payload["revision"] or session.status not in REMINDED:
                return
            case = await tx.cases.get(session.case_id)
            if case is None or not case.is_open:
                return
            reminder = Reminder(job.payload["reminder"])
            rows = [_row(case.worker_id, SessionNotice.REMINDER, _params(case, session, reminder=reminder), case)]
            if session.mediator_id is not None:
                rows.append(_row(session.mediator_id, SessionNotice.REMINDER,
                                 _params(case, session, reminder=reminder, for_staff=True), case))
            await tx.outbox.add(rows, now=self._clock.now())
