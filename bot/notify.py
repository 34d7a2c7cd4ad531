"""Who must be told what when a case changes: outbox rows written in the use case's transaction, never
sent from it. Each kind of notice has its parameters as a model; the fronts render them in the
recipient's language when the row is sent (handlers/notices.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from bot.cases.machine import EventType, Track
from bot.cases.model import Case, DisputeKind
from bot.clock import Clock
from bot.deadlines import Deadline, Stage
from bot.intake.collective import AlertReason
from bot.intake.limitation import LimitationEstimate
from bot.intake.next_steps import NextSteps
from bot.jobs.health import RunnerHealth
from bot.outbox.model import Notification
from bot.people import Person, Role
from bot.routing.assign import RoutingDecision

if TYPE_CHECKING:
    from bot.ports import StaffDirectory, UnitOfWork


class NoticeKind(StrEnum):
    FILED = "case.filed"              # to the worker: the case number, the centre and what happens next
    NEW_CASE = "case.new"             # the case card, to the centre's mediators (and, read-only, observers)
    URGENT = "case.urgent"            # to the supervisors
    WITHDRAWN = "case.withdrawn"      # to the worker who withdrew
    WITHDRAWN_TO_CENTRE = "case.withdrawn.centre"
    JOBS_SILENT = "system.jobs_silent"  # to the supervisors: reminders and deadline checks have stopped
    ACCEPTED = "case.accepted"          # to the worker: who took the case, where the centre is, what next
    TRANSFERRED = "case.transferred"    # to the worker: the case moved to another centre
    ALL_STEPPED_ASIDE = "case.all_stepped_aside"  # to the supervisors: no mediator of the centre takes it
    NOT_ACKNOWLEDGED = "case.not_acknowledged"    # to the centre, then the supervisors: nobody accepted in time
    FOR_TRACK = "case.for_track"        # the card, to who records a track opened now (arbitration office, liaison)
    STEP = "case.step"                  # to the worker: a step of their case, with the date the next one is due
    CLOCK = "case.clock"                # a limit near or passed (to staff), the Art. 14 date reached (worker too)


class Limitation(BaseModel):
    counted_from: date
    last_day: date
    passed: bool


class FiledParams(BaseModel):
    number: str
    routing: RoutingDecision | None
    contact_by: date
    mediation_until: date
    provisional: bool
    platform_extension: bool
    urgent: bool
    limitation: Limitation | None = None


# What a centre reads of a case before someone takes it: never the worker's identity.
CARD_FIELDS = ("amount", "period", "monthly_wage", "employer", "platform", "workers_affected", "workplace")


class CardFacts(BaseModel):
    """The case card: for the centre's mediators with its buttons, for observers read-only."""

    case_id: int
    version: int
    number: str
    kind: DisputeKind
    urgent: bool
    alerts: list[AlertReason] = []
    fields: dict[str, Any] = {}
    street: str | None = None
    evidence: int = 0
    filed_at: datetime
    acknowledge_by: datetime | None = None
    routing: RoutingDecision | None = None
    observing: bool = False
    deadlines: list[Deadline] = []   # the case's clocks, as stored


def card_facts(case: Case, *, routing: RoutingDecision | None, evidence: int, alerts: list[AlertReason],
               acknowledge_by: datetime | None, observing: bool = False,
               deadlines: Iterable[Deadline] = ()) -> CardFacts:
    return CardFacts(
        case_id=case.id, version=case.version, number=case.number or "", kind=case.kind, urgent=case.urgent,
        alerts=alerts, fields={code: case.fields[code] for code in CARD_FIELDS if code in case.fields},
        street=case.workplace_street, evidence=evidence, filed_at=case.created_at, acknowledge_by=acknowledge_by,
        routing=routing, observing=observing, deadlines=list(deadlines),
    )


class AcceptedParams(BaseModel):
    number: str
    mediator: str          # the name the mediator uses in chat
    centre_id: str


class TransferredParams(BaseModel):
    number: str
    centre_id: str


class UrgentParams(BaseModel):
    number: str
    alerts: list[AlertReason]
    kind: DisputeKind
    employer: str | None = None
    workers_affected: int | None = None
    workplace: str | dict[str, Any] | None = None
    filed_at: datetime
    centre_id: str | None = None


class WithdrawnParams(BaseModel):
    number: str
    reason_code: str | None = None   # the kind of reason only: the worker's own words may name people


class ForTrackParams(BaseModel):
    track: Track           # arbitration: referred to the office; inspection: handed to the liaison
    card: CardFacts


class StepParams(BaseModel):
    """A step of the worker's case: what happened, why (a code), and the clock it started or moved."""

    number: str
    step: EventType
    code: str | None = None
    deadline: Deadline | None = None


class ClockParams(BaseModel):
    case_id: int
    number: str
    deadline: Deadline
    stage: Stage
    to_worker: bool = False


class JobsSilentParams(BaseModel):
    last_run_at: datetime | None   # None: never ran


def _row(recipient: Person | int, kind: NoticeKind, params: BaseModel, case: Case, *,
         immediate: bool = False) -> Notification:
    recipient_id = recipient if isinstance(recipient, int) else recipient.id
    return Notification(recipient_id=recipient_id, template=kind, params=params.model_dump(mode="json"),
                        case_id=case.id, immediate=immediate)


async def after_filing(staff: StaffDirectory, case: Case, decision: RoutingDecision | None, steps: NextSteps,
                       limitation: LimitationEstimate | None, alerts: list[AlertReason], evidence: int,
                       acknowledge_by: datetime | None) -> list[Notification]:
    """The worker's confirmation (their immediate reply), the centre's mediators and the observers, and
    for urgent cases every supervisor."""
    filed = FiledParams(
        number=case.number or "", routing=decision, contact_by=steps.contact_by,
        mediation_until=steps.mediation_until, provisional=steps.provisional,
        platform_extension=steps.platform_extension, urgent=bool(alerts),
        limitation=Limitation(counted_from=limitation.counted_from, last_day=limitation.last_day,
                              passed=limitation.passed) if limitation else None,
    )
    rows = [_row(case.worker_id, NoticeKind.FILED, filed, case, immediate=True)]
    fields = case.fields
    workers = fields.get("workers_affected")
    if decision is not None:
        for centre_id, observing in [(decision.centre_id, False), *((o, True) for o in decision.observers)]:
            card = card_facts(case, routing=decision, evidence=evidence, alerts=alerts,
                              acknowledge_by=acknowledge_by, observing=observing)
            rows += [_row(mediator, NoticeKind.NEW_CASE, card, case)
                     for mediator in await staff.staff_of_centre(centre_id)]
    if alerts:
        employer = fields.get("employer")
        urgent = UrgentParams(number=case.number or "", alerts=alerts, kind=case.kind,
                              employer=employer if isinstance(employer, str) else None,
                              workers_affected=workers if isinstance(workers, int) else None,
                              workplace=fields.get("workplace"), filed_at=case.created_at, centre_id=case.centre_id)
        rows += [_row(supervisor, NoticeKind.URGENT, urgent, case)
                 for supervisor in await staff.with_role(Role.SUPERVISOR)]
    return rows


async def after_withdrawal(staff: StaffDirectory, case: Case, reason_code: str | None) -> list[Notification]:
    params = WithdrawnParams(number=case.number or "", reason_code=reason_code)
    rows = [_row(case.worker_id, NoticeKind.WITHDRAWN, params, case, immediate=True)]
    if case.centre_id:
        rows += [_row(mediator, NoticeKind.WITHDRAWN_TO_CENTRE, params, case)
                 for mediator in await staff.staff_of_centre(case.centre_id)]
    return rows


async def job_runner_silent(uow: UnitOfWork, clock: Clock, health: RunnerHealth) -> None:
    """Tell every supervisor that the job runner has not run for an hour (no reminder or deadline check
    goes out meanwhile)."""
    params = JobsSilentParams(last_run_at=health.last_run_at).model_dump(mode="json")
    async with uow() as tx:
        rows = [Notification(recipient_id=supervisor.id, template=NoticeKind.JOBS_SILENT, params=params)
                for supervisor in await tx.people.with_role(Role.SUPERVISOR)]
        await tx.outbox.add(rows, now=clock.now())


async def after_accept(case: Case, mediator: Person) -> list[Notification]:
    """The worker learns who took the case and how to reach the centre."""
    params = AcceptedParams(number=case.number or "", mediator=mediator.display_name, centre_id=case.centre_id or "")
    return [_row(case.worker_id, NoticeKind.ACCEPTED, params, case)]


async def after_transfer(staff: StaffDirectory, case: Case, acknowledge_by: datetime | None,
                         routing: RoutingDecision | None) -> list[Notification]:
    """The worker is told where the case went; the new centre's mediators get its card."""
    rows = [_row(case.worker_id, NoticeKind.TRANSFERRED,
                 TransferredParams(number=case.number or "", centre_id=case.centre_id or ""), case)]
    card = card_facts(case, routing=routing, evidence=0, alerts=[], acknowledge_by=acknowledge_by)
    rows += [_row(mediator, NoticeKind.NEW_CASE, card, case) for mediator in await staff.staff_of_centre(
        case.centre_id or "")]
    return rows


async def to_supervisors(staff: StaffDirectory, case: Case, kind: NoticeKind, facts: CardFacts) -> list[Notification]:
    return [_row(supervisor, kind, facts, case) for supervisor in await supervisors_of(staff, case)]


async def to_centre(staff: StaffDirectory, case: Case, kind: NoticeKind, facts: CardFacts) -> list[Notification]:
    return [_row(mediator, kind, facts, case) for mediator in await staff.staff_of_centre(case.centre_id or "")]


def for_track(recipients: Iterable[Person], case: Case, track: Track, facts: CardFacts) -> list[Notification]:
    params = ForTrackParams(track=track, card=facts)
    return [_row(person, NoticeKind.FOR_TRACK, params, case) for person in recipients]


def step_notice(case: Case, step: EventType, *, code: str | None = None, deadline: Deadline | None = None,
                immediate: bool = False) -> Notification:
    """The worker is told of a step on their case, in plain words, with the date that now matters."""
    return _row(case.worker_id, NoticeKind.STEP,
                StepParams(number=case.number or "", step=step, code=code, deadline=deadline), case,
                immediate=immediate)


def clock_notices(recipients: Iterable[Person | int], case: Case, deadline: Deadline, stage: Stage, *,
                  to_worker: bool = False) -> list[Notification]:
    params = ClockParams(case_id=case.id, number=case.number or "", deadline=deadline, stage=stage,
                         to_worker=to_worker)
    return [_row(person, NoticeKind.CLOCK, params, case) for person in recipients]


async def supervisors_of(staff: StaffDirectory, case: Case) -> list[Person]:
    """The supervisors of the case's workplace district, and those of the whole city."""
    return [supervisor for supervisor in await staff.with_role(Role.SUPERVISOR)
            if supervisor.city_wide or supervisor.district == case.workplace_district]
