"""The mediator's desk: who may see and act on a case, the case card, the queue, and the actions on a
waiting case (accept, step aside, transfer). Every action re-reads the person's role and the case from
the store, decides with the state machine and writes with a conditional update, so two mediators
accepting at once have one winner and the other is told who took it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any, Protocol

from bot.calendar import WorkingCalendar
from bot.cases.machine import HELD_BY_MEDIATOR, Command, CommandKind, EventType, Mediation, Refusal
from bot.cases.model import Case, CaseEvent, DisputeKind
from bot.cases.service import Changed, Rejected, actor_of, change
from bot.clock import Clock
from bot.intake.collective import AlertReason
from bot.jobs.model import Job, NewJob
from bot.notify import CardFacts, NoticeKind, after_accept, after_transfer, card_facts, to_centre, to_supervisors
from bot.outbox.model import Notification
from bot.people import Person, Role
from bot.ports import Transaction, UnitOfWork
from bot.routing.assign import RoutingDecision
from bot.routing.registry import Centre, CentreKind, Registry

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

    def centre(self, centre_id: str) -> Centre | None:
        return self._centre(centre_id)

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
        if (case.arbitration is not None and centres.is_arbitration_office(person.centre_id)
                and centres.district_of(person.centre_id) == case.workplace_district):
            return Access.READ  # the arbitration office records its stage (the clocks issue gives the buttons)
    if person.role is Role.SUPERVISOR and (person.city_wide or person.district == case.workplace_district):
        return Access.READ
    if person.role is Role.INSPECTION and case.inspection is not None and person.district == case.workplace_district:
        return Access.READ
    return Access.NONE


def may_see_identity(person: Person, case: Case) -> bool:
    """The worker's name and phone: only for the mediator who holds the case."""
    return person.role is Role.MEDIATOR and case.mediator_id == person.id and case.mediation in HELD_BY_MEDIATOR


@dataclass(frozen=True)
class Card:
    case: Case
    access: Access
    facts: CardFacts
    events: list[CaseEvent]
    identity: bool                        # the worker's name and phone are shown (and the view logged)
    stepped_aside: frozenset[int] = field(default_factory=frozenset)  # mediators of the centre who did

    def actions(self, viewer: Person) -> list[CommandKind]:
        """The buttons this viewer gets: only what the case's state allows them."""
        if self.access is not Access.ACT:
            return []
        mediation = self.case.mediation
        if mediation is Mediation.ASSIGNED:
            actions = [CommandKind.ACCEPT, CommandKind.TRANSFER]
            if viewer.id not in self.stepped_aside:
                actions.insert(1, CommandKind.STEP_ASIDE)
            return actions
        if mediation in HELD_BY_MEDIATOR and self.case.mediator_id == viewer.id:
            return [CommandKind.PASS, CommandKind.TRANSFER]
        return []


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
    def __init__(self, uow: UnitOfWork, clock: Clock, centres: Centres, acknowledgement: Acknowledgement,
                 reroute: Reroute) -> None:
        self._uow = uow
        self._clock = clock
        self._centres = centres
        self._acknowledgement = acknowledgement
        self._reroute = reroute

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

    async def _card(self, tx: Transaction, viewer: Person, case: Case) -> Card | None:
        seen = access(viewer, case, self._centres)
        if seen is Access.NONE:
            return None
        identity = may_see_identity(viewer, case)
        if identity:
            await tx.access_log.record(viewer.id, case.id, "worker identity", at=self._clock.now())
        events = await tx.cases.events(case.id)
        facts = card_facts(case, routing=first_routing(events), evidence=len(await tx.cases.evidence(case.id)),
                           alerts=[AlertReason(reason) for reason in await tx.cases.alerts(case.id)],
                           acknowledge_by=self._acknowledgement.due(assigned_at(events) or case.created_at)
                           if case.mediation is Mediation.ASSIGNED else None,
                           observing=seen is not Access.ACT)
        return Card(case, seen, facts, events, identity, stepped_aside_since_assigned(events))

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
                  centre_id: str | None = None, params: dict[str, Any] | None = None) -> DeskResult:
        """Accept, step aside, give back (pass) or transfer, on the case as drawn at `version`."""
        async with self._uow() as tx:
            case = await tx.cases.get(case_id)
            if case is None or access(viewer, case, self._centres) is not Access.ACT:
                return Rejected(Refusal.NOT_YOURS)
            if case.version != version:
                return await self._taken(tx, case)
            if kind is CommandKind.TRANSFER and (centre_id is None or not self._centres.exists(centre_id)):
                return Rejected(Refusal.SAME_CENTRE, case)
            command = Command(kind, actor_of(viewer), centre_id=centre_id, params=params or {})
            result = await change(tx, case, command, self._clock)
            if isinstance(result, Rejected):
                return await self._taken(tx, case) if result.reason is Refusal.STALE else result
            now = self._clock.now()
            rows: list[Notification] = []
            if kind is CommandKind.ACCEPT:
                rows = await after_accept(result.case, viewer)
            elif kind in (CommandKind.TRANSFER, CommandKind.PASS):  # waiting at a centre again: its clock restarts
                await tx.jobs.schedule(self._acknowledgement.job(ACKNOWLEDGE_JOB, result.case, now), now=now)
                if kind is CommandKind.TRANSFER:
                    rows = await after_transfer(tx.people, result.case, self._acknowledgement.due(now),
                                                first_routing(await tx.cases.events(case.id)))
            elif kind is CommandKind.STEP_ASIDE:
                rows = await self._if_everyone_stepped_aside(tx, result.case)
            await tx.outbox.add(rows, now=now)
            return result

    async def _taken(self, tx: Transaction, case: Case) -> Taken:
        fresh = await tx.cases.get(case.id) or case
        first = await tx.cases.last_event(case.id)
        by = await tx.people.get(first.actor_id) if first and first.actor_id else None
        return Taken(fresh, first, by)

    async def _if_everyone_stepped_aside(self, tx: Transaction, case: Case) -> list[Notification]:
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
    async def _still_waiting(tx: Transaction, job: Job) -> Case | None:
        case = await tx.cases.get(job.case_id) if job.case_id is not None else None
        waiting = case is not None and case.mediation is Mediation.ASSIGNED
        return case if waiting and case.centre_id == job.payload.get("centre_id") else None

    async def _facts(self, tx: Transaction, case: Case) -> CardFacts:
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
