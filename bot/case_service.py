"""Use cases that change a filed case: each opens one unit of work, reads the case, asks the state
machine, and writes the change as a conditional update with its events; nothing is sent from here.

"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot.cases.machine import Actor, Command, CommandKind, Refusal, Refused, decide
from bot.cases.model import Case, CaseEvent
from bot.clock import Clock
from bot.intake.draft import EVIDENCE_COUNT_LIMIT, EVIDENCE_SIZE_LIMIT, EvidenceItem, EvidenceRefusal
from bot.notify import after_withdrawal
from bot.people import Person
from bot.ports import Transaction, UnitOfWork

if TYPE_CHECKING:  # the keeper's module reads the cases' model in turn
    from bot.deadline_keeper import DeadlineKeeper
    from bot.deadlines import Deadline


@dataclass(frozen=True)
class Changed:
    case: Case
    replies: list[int] = field(default_factory=list)  # outbox rows the person who acted is to be sent now


@dataclass(frozen=True)
class Rejected:
    reason: Refusal
    case: Case | None = None
    first: CaseEvent | None = None   # for STALE: the change that won, to say who acted first


CaseResult = Changed | Rejected


@dataclass(frozen=True)
class CaseView:
    case: Case
    events: list[CaseEvent]
    evidence: list[EvidenceItem] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)  # every clock the case runs or ran


def actor_of(person: Person) -> Actor:
    return Actor(person_id=person.id, role=person.role, centre_id=person.centre_id)


async def change(tx: Transaction, case: Case, command: Command, clock: Clock) -> CaseResult:
    """Decide and write one command on a case read in this transaction (or drawn on a card at its
    version): the conditional update makes sure only one of two racing commands wins."""
    decision = decide(case.state, command, clock.now())
    if isinstance(decision, Refused):
        return Rejected(decision.reason, case)
    if decision.state == case.state:  # recorded only (a mediator stepped aside, evidence): no version to race on
        await tx.cases.append(case, decision.events, recorded_at=clock.now())
        return Changed(case)
    changed = await tx.cases.apply(case, decision, recorded_at=clock.now())
    if changed is None:
        return Rejected(Refusal.STALE, await tx.cases.get(case.id), await tx.cases.last_event(case.id))
    return Changed(changed)


# Called in the unit of work of a change that may have closed the case (the rating is asked then, once).
IfClosed = Callable[[Case], Awaitable[object]]
# Called in the unit of work that adds evidence after filing, with the case's file count now
# (bot.evidence tells the holder and has the file fetched).
EvidenceRecorded = Callable[[Transaction, Case, EvidenceItem, int, datetime], Awaitable[None]]


class CaseService:
    """What a worker does with a filed case: list and open it, withdraw it, add evidence. With a keeper
    the case's clocks are kept (a withdrawal stops them) and shown; tests of the store alone pass none.
    `if_closed`: what a withdrawal's transaction also does (bot.outcomes asks for the rating)."""

    def __init__(self, uow: UnitOfWork, clock: Clock, keeper: DeadlineKeeper | None = None,
                 if_closed: IfClosed | None = None, *, on_evidence: EvidenceRecorded | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self._keeper = keeper
        self._if_closed = if_closed
        self._on_evidence = on_evidence

    async def cases_of(self, worker: Person) -> list[Case]:
        async with self._uow() as tx:
            return await tx.cases.of_worker(worker.id)

    async def view(self, worker: Person, case_id: int) -> CaseView | None:
        """The case with its timeline, if it is this worker's: a button cannot open someone else's."""
        async with self._uow() as tx:
            case = await tx.cases.get(case_id)
            if case is None or case.worker_id != worker.id:
                return None
            events = await tx.cases.events(case_id)
            deadlines = await self._keeper.current(tx, case, events) if self._keeper else []
            return CaseView(case, events, await tx.cases.evidence(case_id), deadlines)

    async def withdraw(self, worker: Person, case_id: int, *, version: int | None, reason_code: str | None,
                       typed_reason: str | None) -> CaseResult:
        """`version`: the one the worker's button was drawn from (None for a typed reason, which
        follows the button and acts on the case as it is now)."""
        command = Command(CommandKind.WITHDRAW, actor_of(worker),
                          params={"reason_code": reason_code} if reason_code else {}, note=typed_reason)
        async with self._uow() as tx:
            case = await tx.cases.get(case_id)
            if case is None or case.worker_id != worker.id:
                return Rejected(Refusal.NOT_YOURS)
            if version is not None and version != case.version:
                return Rejected(Refusal.STALE, case, await tx.cases.last_event(case.id))
            result = await change(tx, case, command, self._clock)
            if isinstance(result, Rejected):
                return result
            if self._keeper:
                await self._keeper.sync(tx, result.case)
            if self._if_closed:
                await self._if_closed(result.case)
            rows = await after_withdrawal(tx.people, result.case, reason_code)
            ids = await tx.outbox.add(rows, now=self._clock.now())
            return Changed(result.case, [row_id for row_id, row in zip(ids, rows, strict=True) if row.immediate])

    async def add_evidence(self, actor: Person, case_id: int, item: EvidenceItem) -> CaseResult | EvidenceRefusal:
        async with self._uow() as tx:
            case = await tx.cases.get(case_id)
            if case is None:
                return Rejected(Refusal.NOT_YOURS)
            held = await tx.cases.evidence(case_id)
            if len(held) >= EVIDENCE_COUNT_LIMIT:
                return EvidenceRefusal.TOO_MANY
            if item.size is not None and item.size > EVIDENCE_SIZE_LIMIT:
                return EvidenceRefusal.TOO_LARGE
            command = Command(CommandKind.ADD_EVIDENCE, actor_of(actor),
                              params={"type": item.type, "name": item.name, "size": item.size})
            result = await change(tx, case, command, self._clock)
            if isinstance(result, Changed):
                await tx.cases.add_evidence(case.id, item, added_by=actor.id, at=self._clock.now())
                if self._on_evidence:
                    await self._on_evidence(tx, case, item, len(held) + 1, self._clock.now())
            return result
