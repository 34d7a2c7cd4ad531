"""Who must be told what when a case changes: outbox rows written in the use case's transaction, never
sent from it. Each kind of notice has its parameters as a model; the fronts render them in the
recipient's language when the row is sent (handlers/notices.py)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

from bot.cases.model import Case, DisputeKind
from bot.clock import Clock
from bot.intake.collective import AlertReason
from bot.intake.limitation import LimitationEstimate
from bot.intake.next_steps import NextSteps
from bot.jobs.health import RunnerHealth
from bot.outbox.model import Notification
from bot.people import Person, Role
from bot.routing.assign import RoutingDecision

if TYPE_CHECKING:  # the ports name this module's Protocol in turn
    from bot.ports import UnitOfWork


class NoticeKind(StrEnum):
    FILED = "case.filed"              # to the worker: the case number, the centre and what happens next
    NEW_CASE = "case.new"             # to the centre's mediators (and observers)
    URGENT = "case.urgent"            # to the supervisors
    WITHDRAWN = "case.withdrawn"      # to the worker who withdrew
    WITHDRAWN_TO_CENTRE = "case.withdrawn.centre"
    JOBS_SILENT = "system.jobs_silent"  # to the supervisors: reminders and deadline checks have stopped


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


class NewCaseParams(BaseModel):
    """What a centre reads of a new case: never the worker's identity (only the mediator who accepts
    sees it)."""

    number: str
    kind: DisputeKind
    urgent: bool
    workers_affected: int | None = None
    street: str | None = None
    routing: RoutingDecision
    observing: bool = False


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


class JobsSilentParams(BaseModel):
    last_run_at: datetime | None   # None: never ran


class StaffDirectory(Protocol):
    async def staff_of_centre(self, centre_id: str) -> list[Person]: ...

    async def with_role(self, role: Role) -> list[Person]: ...


def _row(recipient: Person | int, kind: NoticeKind, params: BaseModel, case: Case, *,
         immediate: bool = False) -> Notification:
    recipient_id = recipient if isinstance(recipient, int) else recipient.id
    return Notification(recipient_id=recipient_id, template=kind, params=params.model_dump(mode="json"),
                        case_id=case.id, immediate=immediate)


async def after_filing(staff: StaffDirectory, case: Case, decision: RoutingDecision | None, steps: NextSteps,
                       limitation: LimitationEstimate | None, alerts: list[AlertReason]) -> list[Notification]:
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
            notice = NewCaseParams(number=case.number or "", kind=case.kind, urgent=case.urgent,
                                   workers_affected=workers if isinstance(workers, int) else None,
                                   street=decision.workplace_street, routing=decision, observing=observing)
            rows += [_row(mediator, NoticeKind.NEW_CASE, notice, case)
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
