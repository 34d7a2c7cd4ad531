"""The mediator's desk: who may see and act on a case, the case card, the queue, and the actions on it:
on a waiting case (accept, step aside, transfer), for the mediator holding it (give back, transfer, refer
to arbitration, hand to labour inspection, the platform extension), and the steps the arbitration office
and the inspection liaison record on their own track (bot/tracks.py). Every action re-reads the person's
role and the case from the store, is offered only if the card would offer it to them now, decides with
the state machine and writes with a conditional update, so two mediators accepting at once have one
winner and the other is told who took it. The case's clocks are counted again in the same transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any, Protocol

from bot.calendar import WorkingCalendar
from bot.case_service import Changed, IfClosed, Rejected, actor_of, change
from bot.cases.machine import (
    HELD_BY_MEDIATOR,
    Command,
    CommandKind,
    Decision,
    EventType,
    Mediation,
    Refusal,
    Track,
    decide,
)
from bot.cases.model import Case, CaseEvent, DisputeKind
from bot.clock import Clock
from bot.clocks import Limit
from bot.deadline_keeper import ClockTransaction, ClockUnitOfWork, DeadlineKeeper, handed_over_by, unique
from bot.deadlines import HELD_TO, TRACK_OF, Deadline
from bot.intake.collective import AlertReason
from bot.jobs.model import Job, NewJob
from bot.notify import (
    CardFacts,
    NoticeKind,
    after_accept,
    after_transfer,
    card_facts,
    for_track,
    step_notice,
    supervisors_of,
    to_centre,
    to_supervisors,
)
from bot.outbox.model import Notification
from bot.outcomes import application_offer
from bot.people import Person, Role
from bot.routing.assign import RoutingDecision
from bot.routing.registry import Centre, CentreKind, Registry
from bot.tracks import answered, arbitration_steps, holder_steps, inspection_steps

# Jobs: a case no mediator accepted in time reminds its centre; if still waiting, the supervisors are told.
ACKNOWLEDGE_JOB = "desk.acknowledge"
ESCALATE_JOB = "desk.acknowledge.escalate"


class Access(StrEnum):
    NONE = "none"
    READ = "read"     # observers, supervisors of the district, inspection liaisons of a handed-over case
    ACT = "act"       # the centre's mediators


class Centres(Protocol):
    """What the desk needs of the registry."""

    def district_of(self, centre_id: str) -> str | None: ...

    def is_arbitration_office(self, centre_id: str) -> bool: ...

    def arbitration_offices(self, district: str | None) -> list[str]: ...

    def centre(self, centre_id: str) -> Centre | None: ...

    def exists(self, centre_id: str) -> bool: ...


class RegistryCentres:
    """The centres registry as the desk asks it; always the current one, so a reload is seen at once."""

    def __init__(self, registry: Callable[[], Registry]) -> None:
        self._registry = registry

    def _centre(self, centre_id: str) -> Centre | None:
        if not centre_id:
            return None
        try:
            return self._registry().get(centre_id)
        except KeyError:
            return None

    def district_of(self, centre_id: str) -> str | None:
        centre = self._centre(centre_id)
        return centre.district if centre else None

    def is_arbitration_office(self, centre_id: str) -> bool:
        centre = self._centre(centre_id)
        return centre is not None and centre.kind is CentreKind.ARBITRATION

    def arbitration_offices(self, district: str | None) -> list[str]:
        return [centre.id for centre in self._registry().centres
                if centre.kind is CentreKind.ARBITRATION and district is not None and centre.district == district]

    def centre(self, centre_id: str) -> Centre | None:
        return self._centre(centre_id)

    def exists(self, centre_id: str) -> bool:
        centre = self._centre(centre_id)
        return centre is not None and centre.accepts_cases


def access(person: Person, case: Case, centres: Centres) -> Access:
    """What `person` may do with `case`, from their role and centre as the store has them now."""
    if person.role is Role.MEDIATOR and person.centre_id:
        if person.centre_id == case.centre_id:
            return Access.ACT
        if person.centre_id in case.observers:
            return Access.READ
        if records_arbitration(person, case, centres):
            return Access.READ  # and records the arbitration stage on its track
    if person.role is Role.SUPERVISOR and (person.city_wide or person.district == case.workplace_district):
        return Access.READ
    if person.role is Role.INSPECTION and case.inspection is not None and person.district == case.workplace_district:
        return Access.READ
    return Access.NONE


def records_arbitration(person: Person, case: Case, centres: Centres) -> bool:
    """Staff of the arbitration office of the workplace's district, once the case went to arbitration."""
    return (person.role is Role.MEDIATOR and bool(person.centre_id) and case.arbitration is not None
            and centres.is_arbitration_office(person.centre_id or "")
            and centres.district_of(person.centre_id or "") == case.workplace_district)


def recorded_tracks(person: Person, case: Case, centres: Centres, events: list[CaseEvent]) -> frozenset[Track]:
    """The tracks besides mediation whose steps this person records: the arbitration office its stage;
    the district's inspection liaison, and the mediator who handed the case over, what inspection reports."""
    tracks = set()
    if records_arbitration(person, case, centres):
        tracks.add(Track.ARBITRATION)
    if case.inspection is not None and person.district == case.workplace_district and person.role is Role.INSPECTION:
        tracks.add(Track.INSPECTION)
    if case.inspection is not None and person.role is Role.MEDIATOR and handed_over_by(events) == person.id \
            and access(person, case, centres) is not Access.NONE:
        tracks.add(Track.INSPECTION)
    return frozenset(tracks)


def received_since_applied(events: list[CaseEvent]) -> bool:
    """The office recorded the receipt of the application now pending."""
    for event in reversed(events):
        if event.type == EventType.ARBITRATION_RECEIVED:
            return True
        if event.type == EventType.ARBITRATION_APPLIED:
            return False
    return False


@dataclass(frozen=True)
class Standing:
    """What a person may do with a case now: see it (or act on its mediation), and which tracks they record."""

    access: Access
    records: frozenset[Track] = frozenset()
    stepped_aside: frozenset[int] = frozenset()   # mediators of the centre who did, since it reached it
    received: bool = False                         # see received_since_applied

    def actions(self, viewer: Person, case: Case) -> list[CommandKind]:
        """The buttons this viewer gets: only what the case's state allows them."""
        actions: list[CommandKind] = []
        if self.access is Access.ACT and case.mediation is Mediation.ASSIGNED:
            actions = [CommandKind.ACCEPT, CommandKind.TRANSFER]
            if viewer.id not in self.stepped_aside:
                actions.insert(1, CommandKind.STEP_ASIDE)
        elif self.access is Access.ACT and case.mediation in HELD_BY_MEDIATOR and case.mediator_id == viewer.id:
            actions = [CommandKind.PASS, CommandKind.TRANSFER, *holder_steps(case)]
        if Track.ARBITRATION in self.records:
            actions += arbitration_steps(case, self.received)
        if Track.INSPECTION in self.records:
            actions += inspection_steps(case)
        return actions


def standing_of(person: Person, case: Case, centres: Centres, events: list[CaseEvent]) -> Standing:
    return Standing(access(person, case, centres), recorded_tracks(person, case, centres, events),
                    stepped_aside_since_assigned(events), received_since_applied(events))


def may_see_identity(person: Person, case: Case) -> bool:
    """The worker's name and phone: only for the mediator who holds the case."""
    return person.role is Role.MEDIATOR and case.mediator_id == person.id and case.mediation in HELD_BY_MEDIATOR


@dataclass(frozen=True)
class Card:
    case: Case
    standing: Standing
    facts: CardFacts
    events: list[CaseEvent]
    identity: bool                        # the worker's name and phone are shown (and the view logged)

    @property
    def access(self) -> Access:
        return self.standing.access

    def actions(self, viewer: Person) -> list[CommandKind]:
        return self.standing.actions(viewer, self.case)


@dataclass(frozen=True)
class Queue:
    own: list[Case]          # the mediator's open cases
    waiting: list[Case]      # the centre's cases no mediator accepted yet


@dataclass(frozen=True)
class Taken:
    """The command lost a race: someone changed the case first."""

    case: Case
    first: CaseEvent | None
    by: Person | None


DeskResult = Changed | Rejected | Taken


@dataclass(frozen=True)
class Acknowledgement:
    """How long a centre has to accept a new case: working days, counted with the calendar."""

    calendar: WorkingCalendar
    zone: tzinfo
    working_days: int = 1

    def due(self, at: datetime) -> datetime:
        local = at.astimezone(self.zone)
        day = self.calendar.add_working_days(local.date(), self.working_days).day
        return datetime.combine(day, local.timetz())

    def job(self, kind: str, case: Case, at: datetime) -> NewJob:
        """Scheduled again for the same case and kind, it moves (a transfer restarts the wait there)."""
        return NewJob(kind=kind, due_at=self.due(at), unique_key=f"{kind}:{case.id}", case_id=case.id,
                      payload={"centre_id": case.centre_id})


# Routing again without some centres: (kind, intake answers, centres left out) -> the new decision, if any.
Reroute = Callable[[DisputeKind, dict[str, Any], frozenset[str]], Awaitable[RoutingDecision | None]]
REFUSAL_REASONS = ("jurisdiction", "conflict", "capacity")


class DeskService:
    def __init__(self, uow: ClockUnitOfWork, clock: Clock, centres: Centres, acknowledgement: Acknowledgement,
                 reroute: Reroute, keeper: DeadlineKeeper, if_closed: IfClosed | None = None) -> None:
        """`if_closed`: what a step's transaction also does when it may have closed the case (a referral,
        arbitration closed or not accepted, inspection closed): bot.outcomes asks for the rating, once."""
        self._uow = uow
        self._clock = clock
        self._centres = centres
        self._acknowledgement = acknowledgement
        self._reroute = reroute
        self._keeper = keeper
        self._if_closed = if_closed

    async def card(self, viewer: Person, case_id: int) -> Card | None:
        """The case as this viewer may see it, or None if they may not; a view of the worker's
        identity is written to the access log."""
        async with self._uow() as tx:
            case = await tx.cases.get(case_id)
            return await self._card(tx, viewer, case) if case else None

    async def card_by_number(self, viewer: Person, number: str) -> Card | None:
        async with self._uow() as tx:
            case = await tx.cases.by_number(number.strip().upper())
            return await self._card(tx, viewer, case) if case else None

    async def _card(self, tx: ClockTransaction, viewer: Person, case: Case) -> Card | None:
        seen = access(viewer, case, self._centres)
        if seen is Access.NONE:
            return None
        identity = may_see_identity(viewer, case)
        if identity:
            await tx.access_log.record(viewer.id, case.id, "worker identity", at=self._clock.now())
        events = await tx.cases.events(case.id)
        standing = standing_of(viewer, case, self._centres, events)
        facts = card_facts(case, routing=first_routing(events), evidence=len(await tx.cases.evidence(case.id)),
                           alerts=[AlertReason(reason) for reason in await tx.cases.alerts(case.id)],
                           acknowledge_by=self._acknowledgement.due(assigned_at(events) or case.created_at)
                           if case.mediation is Mediation.ASSIGNED else None,
                           observing=seen is not Access.ACT and not standing.records,
                           deadlines=await self._keeper.current(tx, case, events))
        return Card(case, standing, facts, events, identity)

    async def queue(self, mediator: Person) -> Queue:
        if mediator.role is not Role.MEDIATOR or not mediator.centre_id:
            return Queue([], [])
        async with self._uow() as tx:
            own = await tx.cases.held_by(mediator.id)
            waiting = await tx.cases.waiting_at(mediator.centre_id)
        return Queue(sorted(own, key=most_urgent_first), sorted(waiting, key=most_urgent_first))

    async def refuse(self, viewer: Person, case_id: int, version: int, reason: str) -> DeskResult:
        """The centre will not mediate this case (not its jurisdiction, a conflict of interest, no capacity):
        routing chooses again without the centres that refused it, and the case is transferred there."""
        async with self._uow():
            card = await self.card(viewer, case_id)
            if card is None or card.access is not Access.ACT or card.case.mediation is not Mediation.ASSIGNED:
                return Rejected(Refusal.NOT_IN_THIS_STATE if card else Refusal.NOT_YOURS, card.case if card else None)
            refused = {event.payload.get("from_centre") for event in card.events
                       if event.type == EventType.TRANSFERRED and event.payload.get("refused")}
            left_out = frozenset({card.case.centre_id or "", *(centre for centre in refused if centre)})
            decision = await self._reroute(card.case.kind, card.case.fields, left_out)
            if decision is None:
                return Rejected(Refusal.SAME_CENTRE, card.case)
            return await self.act(viewer, case_id, version, CommandKind.TRANSFER, decision.centre_id,
                                  params={"refused": reason, "routing": decision.model_dump(mode="json")})

    async def act(self, viewer: Person, case_id: int, version: int, kind: CommandKind,
                  centre_id: str | None = None, params: dict[str, Any] | None = None,
                  answers: list[str] | None = None) -> DeskResult:
        """One of the card's actions, on the case as drawn at `version`, if the card offers it to this
        person now; `answers`: to the questions the step asks (bot/tracks.py)."""
        async with self._uow() as tx:
            case = await tx.cases.get(case_id)
            if case is None:
                return Rejected(Refusal.NOT_YOURS)
            events = await tx.cases.events(case.id)
            standing = standing_of(viewer, case, self._centres, events)
            if standing.access is Access.NONE or (standing.access is Access.READ and not standing.records):
                return Rejected(Refusal.NOT_YOURS)
            if case.version != version:
                return await self._taken(tx, case)
            if kind not in standing.actions(viewer, case):
                return Rejected(Refusal.NOT_IN_THIS_STATE, case)
            if kind is CommandKind.TRANSFER and (centre_id is None or not self._centres.exists(centre_id)):
                return Rejected(Refusal.SAME_CENTRE, case)
            given = answered(kind, answers or [])
            if given is None:
                return Rejected(Refusal.BAD_OUTCOME, case)
            command = self._command(case, events, kind, viewer, centre_id, {**(params or {}), **given.params},
                                    given.outcome)
            result = await change(tx, case, command, self._clock)
            if isinstance(result, Rejected):
                return await self._taken(tx, case) if result.reason is Refusal.STALE else result
            events = await tx.cases.events(case.id)
            clocks = await self._keeper.sync(tx, result.case, events)
            rows = await self._after(tx, kind, viewer, result.case, events, clocks, command)
            if kind is CommandKind.REFER_TO_ARBITRATION:  # the worker writes the application (law Art. 28)
                rows.append(application_offer(result.case))
            await tx.outbox.add(rows, now=self._clock.now())
            if self._if_closed:
                await self._if_closed(result.case)
            return result

    def _command(self, case: Case, events: list[CaseEvent], kind: CommandKind, viewer: Person,
                 centre_id: str | None, params: dict[str, Any], outcome: str | None) -> Command:
        """The command, with the record of the limit it stops when it stops one (the closure of an
        arbitration: the limit it was held to and whether it held)."""
        command = Command(kind, actor_of(viewer), centre_id=centre_id, outcome=outcome, params=params)
        probe = decide(case.state, command, self._clock.now())
        if isinstance(probe, Decision):
            for event in probe.events:
                if record := self._keeper.held_to(case, events, event.type):
                    return Command(kind, command.actor, centre_id=centre_id, outcome=outcome,
                                   params={**params, HELD_TO: record})
        return command

    async def _after(self, tx: ClockTransaction, kind: CommandKind, viewer: Person, case: Case,
                     events: list[CaseEvent], clocks: dict[Limit, Deadline], command: Command) -> list[Notification]:
        """Who is told of the step: the worker of theirs, a centre of a case reaching it, the arbitration
        office of a referral, the liaison of a hand-over."""
        now = self._clock.now()
        if kind is CommandKind.ACCEPT:
            return await after_accept(case, viewer)
        if kind in (CommandKind.TRANSFER, CommandKind.PASS):  # waiting at a centre again: its clock restarts
            await tx.jobs.schedule(self._acknowledgement.job(ACKNOWLEDGE_JOB, case, now), now=now)
            if kind is CommandKind.TRANSFER:
                return await after_transfer(tx.people, case, self._acknowledgement.due(now), first_routing(events))
            return []
        if kind is CommandKind.STEP_ASIDE:
            return await self._if_everyone_stepped_aside(tx, case)
        last = events[-1]
        track = Track(last.track) if last.track else Track.MEDIATION
        running = [deadline for clock, deadline in clocks.items() if TRACK_OF[clock] is track
                   and deadline.stopped_on is None]
        code = command.outcome or command.params.get("reason") or command.params.get("result")
        rows = [step_notice(case, EventType(last.type), code=code, deadline=running[-1] if running else None)]
        if kind in (CommandKind.REFER_TO_ARBITRATION, CommandKind.HAND_TO_INSPECTION):
            rows += await self._to_the_next_track(tx, viewer, case, events, track, list(clocks.values()))
        return rows

    async def _to_the_next_track(self, tx: ClockTransaction, viewer: Person, case: Case, events: list[CaseEvent],
                                 track: Track, deadlines: list[Deadline]) -> list[Notification]:
        """The card to those who record the track now opened (but the one who opened it); the supervisors
        if nobody else does."""
        clock = next(clock for clock, clock_track in TRACK_OF.items() if clock_track is track)
        holders = [person for person in await self._keeper.holders(tx, case, events, clock) if person.id != viewer.id]
        facts = card_facts(case, routing=first_routing(events), evidence=len(await tx.cases.evidence(case.id)),
                           alerts=[], acknowledge_by=None, deadlines=deadlines)
        return for_track(unique(holders) or await supervisors_of(tx.people, case), case, track, facts)

    async def _taken(self, tx: ClockTransaction, case: Case) -> Taken:
        fresh = await tx.cases.get(case.id) or case
        first = await tx.cases.last_event(case.id)
        by = await tx.people.get(first.actor_id) if first and first.actor_id else None
        return Taken(fresh, first, by)

    async def _if_everyone_stepped_aside(self, tx: ClockTransaction, case: Case) -> list[Notification]:
        staff = {person.id for person in await tx.people.staff_of_centre(case.centre_id or "")}
        events = await tx.cases.events(case.id)
        if not staff or not staff <= stepped_aside_since_assigned(events):
            return []
        return await to_supervisors(tx.people, case, NoticeKind.ALL_STEPPED_ASIDE,
                                    card_facts(case, routing=first_routing(events), evidence=0, alerts=[],
                                               acknowledge_by=None, observing=True))

    # --- the acknowledgement clock ------------------------------------------------------------------
    async def check_acknowledged(self, job: Job) -> None:
        """Due: a case still waiting at the same centre reminds its mediators, and is escalated later."""
        async with self._uow() as tx:
            case = await self._still_waiting(tx, job)
            if case is None:
                return
            now = self._clock.now()
            await tx.outbox.add(await to_centre(tx.people, case, NoticeKind.NOT_ACKNOWLEDGED,
                                                await self._facts(tx, case)), now=now)
            await tx.jobs.schedule(self._acknowledgement.job(ESCALATE_JOB, case, now), now=now)

    async def escalate_unacknowledged(self, job: Job) -> None:
        async with self._uow() as tx:
            case = await self._still_waiting(tx, job)
            if case is not None:
                await tx.outbox.add(await to_supervisors(tx.people, case, NoticeKind.NOT_ACKNOWLEDGED,
                                                         await self._facts(tx, case)), now=self._clock.now())

    @staticmethod
    async def _still_waiting(tx: ClockTransaction, job: Job) -> Case | None:
        case = await tx.cases.get(job.case_id) if job.case_id is not None else None
        waiting = case is not None and case.mediation is Mediation.ASSIGNED
        return case if waiting and case.centre_id == job.payload.get("centre_id") else None

    async def _facts(self, tx: ClockTransaction, case: Case) -> CardFacts:
        events = await tx.cases.events(case.id)
        return card_facts(case, routing=first_routing(events), evidence=len(await tx.cases.evidence(case.id)),
                          alerts=[AlertReason(reason) for reason in await tx.cases.alerts(case.id)],
                          acknowledge_by=self._acknowledgement.due(assigned_at(events) or case.created_at),
                          observing=True)


def stepped_aside_since_assigned(events: list[CaseEvent]) -> frozenset[int]:
    """Mediators who stepped aside since the case last reached its centre."""
    aside: set[int] = set()
    for event in events:
        if event.type in (EventType.ASSIGNED, EventType.TRANSFERRED):
            aside.clear()
        elif event.type == EventType.STEPPED_ASIDE and event.actor_id is not None:
            aside.add(event.actor_id)
    return frozenset(aside)


def most_urgent_first(case: Case) -> tuple[bool, datetime]:
    return not case.urgent, case.created_at


def first_routing(events: list[CaseEvent]) -> RoutingDecision | None:
    """The routing decision recorded when the case was first assigned, with its reasons."""
    for event in events:
        if event.type == EventType.ASSIGNED and "routing" in event.payload:
            return RoutingDecision.model_validate(event.payload["routing"])
    return None


def assigned_at(events: list[CaseEvent]) -> datetime | None:
    """When the case last reached the centre that holds it."""
    moments = [event.occurred_at for event in events
               if event.type in (EventType.ASSIGNED, EventType.TRANSFERRED, EventType.PASSED)]
    return moments[-1] if moments else None
