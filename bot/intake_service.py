"""Submitting a finished draft, as one unit of work: the case (with its number and first event), its
evidence, its alerts, its centre with the "assigned" event, and the removal of the draft from the
chat, all committed together; only then does anyone hear of it. The draft's id makes it idempotent:
a second submission of the same draft (a double tap, a redelivered update, a second process, a
restart between commit and reply) finds the case already filed and files nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.case_service import actor_of
from bot.cases.machine import Actor, Command, CommandKind, Decision, EventType, Mediation, NewEvent, Track, decide
from bot.cases.model import Case, DisputeKind
from bot.clock import Clock
from bot.desk import ACKNOWLEDGE_JOB, Acknowledgement
from bot.evidence import expect_files
from bot.intake.collective import REPEAT_WINDOW_DAYS, AlertReason, alert_reasons, employer_key
from bot.intake.draft import Draft
from bot.intake.limitation import LimitationEstimate, estimate
from bot.intake.next_steps import NextSteps, next_steps
from bot.notify import after_filing
from bot.people import Person
from bot.ports import DraftSlot, NewCase, Transaction, UnitOfWork
from bot.routing.assign import RoutingDecision

# Routing: the case's kind and fields -> the decision, or None for "to be assigned" (no known place).
CentreAssigner = Callable[[DisputeKind, dict], Awaitable[RoutingDecision | None]]
# A centre's district, for the scope events carry.
DistrictOf = Callable[[str], str | None]


@dataclass(frozen=True)
class TakenInPerson:
    """A case staff file for a worker in front of them or on the phone (Art. 12: an oral application is
    recorded by the centre), not the worker in chat: `by` is the filing's actor and hears the confirmation
    the worker would have, to tell them; `assign_centre` chooses the centre instead of the usual routing."""

    by: Person
    channel: str                   # "counter" or "phone"
    assign_centre: CentreAssigner


class DraftIncomplete(ValueError):
    """A draft with a required question still open cannot be submitted."""


@dataclass(frozen=True)
class Submission:
    case: Case
    alerts: list[AlertReason]
    next_steps: NextSteps
    limitation: LimitationEstimate | None
    routing: RoutingDecision | None
    replies: list[int] = field(default_factory=list)  # outbox rows the worker is to be sent now
    already_filed: bool = False    # this draft had been filed before: nothing new was written


class IntakeService:
    def __init__(self, uow: UnitOfWork, clock: Clock, acknowledgement: Acknowledgement,
                 assign_centre: CentreAssigner, district_of: DistrictOf) -> None:
        self._uow = uow
        self._clock = clock
        self._acknowledgement = acknowledgement
        self._zone = acknowledgement.zone
        self._calendar = acknowledgement.calendar
        self._assign_centre = assign_centre
        self._district_of = district_of

    async def submit(self, draft: Draft, worker: Person, slot: DraftSlot, *, today: date,
                     taken: TakenInPerson | None = None) -> Submission:
        """`today` is the local date (the case number's year and every date told to the worker); `taken`:
        filed by staff for the worker (who then has no chat), else by the worker in chat."""
        kind = draft.kind
        if kind is None or draft.next_question() is not None:
            raise DraftIncomplete("the draft still has open questions")
        now = self._clock.now()
        async with self._uow() as tx:
            filed = await tx.cases.by_draft(worker.id, draft.id)
            if filed is not None:
                await slot.clear()
                return await self._filed_before(tx, filed)
            submission = await self._file(tx, draft, kind, worker, now, today, taken)
            await slot.clear()
        return submission

    async def _file(self, tx: Transaction, draft: Draft, kind: DisputeKind, worker: Person, now: datetime,
                    today: date, taken: TakenInPerson | None) -> Submission:
        fields = draft.case_fields()
        earlier = 0
        if isinstance(employer := fields.get("employer"), str) and (key := employer_key(employer)):
            fields["employer_key"] = key
            earlier = await tx.cases.count_with_employer(key, since=now - timedelta(days=REPEAT_WINDOW_DAYS))
        workers = fields.get("workers_affected")
        alerts = alert_reasons(workers if isinstance(workers, int) else None, earlier)
        # Filing interrupts the limitation (Art. 27): the date the year restarts from is recorded.
        fields["limitation_interrupted_on"] = today.isoformat()
        decision = await (taken.assign_centre if taken else self._assign_centre)(kind, fields)
        case = await tx.cases.create(
            NewCase(worker_id=worker.id, kind=kind, fields=fields, urgent=bool(alerts), year=today.year,
                    draft_id=draft.id, workplace_street=decision.workplace_street if decision else None,
                    workplace_district=self._district_of(decision.centre_id) if decision else None,
                    observers=list(decision.observers) if decision else []),
            NewEvent(type=EventType.SUBMITTED, track=Track.MEDIATION, from_state=None, to_state=Mediation.SUBMITTED,
                     actor=actor_of(taken.by if taken else worker), occurred_at=now,
                     payload={"channel": taken.channel if taken else "chat", "alerts": list(alerts),
                              "evidence": len(draft.evidence)}),
            recorded_at=now,
        )
        for item in draft.evidence:  # sent by whoever filled the draft in: the file is on their front
            await tx.cases.add_evidence(case.id, item, added_by=(taken.by if taken else worker).id, at=now)
        if draft.evidence:
            await expect_files(tx, case.id, now)  # fetched into the evidence store until stored
        await tx.cases.add_alerts(case.id, list(alerts), at=now)
        if decision is not None:
            # The decision with its reasons is kept on the "assigned" event, for audits and the timeline.
            assign = Command(CommandKind.ASSIGN, Actor(person_id=None), centre_id=decision.centre_id,
                             params={"routing": decision.model_dump(mode="json"),
                                     "within_half_hour": decision.within_half_hour})
            assigned = decide(case.state, assign, now)
            if isinstance(assigned, Decision):  # a case just created is always open to assignment
                case = await tx.cases.apply(case, assigned, recorded_at=now) or case
        steps, limitation = next_steps(kind, today, self._calendar), estimate(draft, today)
        acknowledge_by = None
        if decision is not None:  # waiting at a centre: its mediators are reminded if nobody accepts in time
            acknowledge_by = self._acknowledgement.due(now)
            await tx.jobs.schedule(self._acknowledgement.job(ACKNOWLEDGE_JOB, case, now), now=now)
        rows = await after_filing(tx.people, case, decision, steps, limitation, alerts, len(draft.evidence),
                                  acknowledge_by)
        if taken is not None:  # the worker's confirmation goes to whoever took the case, to tell them
            rows = [row.model_copy(update={"recipient_id": taken.by.id})
                    if row.immediate and row.recipient_id == worker.id else row for row in rows]
        ids = await tx.outbox.add(rows, now=now)
        return Submission(case=case, alerts=alerts, next_steps=steps, limitation=limitation, routing=decision,
                          replies=[row_id for row_id, row in zip(ids, rows, strict=True) if row.immediate])

    async def _filed_before(self, tx: Transaction, case: Case) -> Submission:
        events = await tx.cases.events(case.id)
        routing = next((RoutingDecision.model_validate(event.payload["routing"]) for event in events
                        if event.type == EventType.ASSIGNED and "routing" in event.payload), None)
        alerts = [AlertReason(reason) for reason in await tx.cases.alerts(case.id)]
        filed_on = case.created_at.astimezone(self._zone).date()
        return Submission(case=case, alerts=alerts, next_steps=next_steps(case.kind, filed_on, self._calendar),
                          limitation=None, routing=routing, already_filed=True)
