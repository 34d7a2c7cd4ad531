"""Submitting a finished draft: the case is stored (with its number, first event, evidence and
alerts) in one transaction; only then does anyone hear of it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from bot.cases import Case, DisputeKind
from bot.intake.collective import REPEAT_WINDOW_DAYS, AlertReason, alert_reasons, employer_key
from bot.intake.draft import Draft
from bot.intake.limitation import LimitationEstimate, estimate
from bot.intake.next_steps import NextSteps, next_steps
from bot.people import Person
from bot.routing.assign import RoutingDecision

if TYPE_CHECKING:
    from storage.cases import CaseRepository

# Routing: the case's kind and fields -> the decision, or None for "to be assigned" (no known place).
CentreAssigner = Callable[[DisputeKind, dict], Awaitable[RoutingDecision | None]]


class DraftIncomplete(ValueError):
    """A draft with a required question still open cannot be submitted."""


@dataclass(frozen=True)
class Submission:
    case: Case
    alerts: list[AlertReason]
    next_steps: NextSteps
    limitation: LimitationEstimate | None
    routing: RoutingDecision | None


class IntakeService:
    def __init__(self, cases: CaseRepository, assign_centre: CentreAssigner) -> None:
        self._cases = cases
        self._assign_centre = assign_centre

    async def submit(self, draft: Draft, worker: Person, *, now: datetime, today: date) -> Submission:
        """`today` is the local date (the case number's year and every date told to the worker)."""
        kind = draft.kind
        if kind is None or draft.next_question() is not None:
            raise DraftIncomplete("the draft still has open questions")
        fields = draft.case_fields()
        earlier = 0
        if isinstance(employer := fields.get("employer"), str) and (key := employer_key(employer)):
            fields["employer_key"] = key
            earlier = await self._cases.count_with_employer(key, since=now - timedelta(days=REPEAT_WINDOW_DAYS))
        workers = fields.get("workers_affected")
        alerts = alert_reasons(workers if isinstance(workers, int) else None, earlier)
        limitation = estimate(draft, today)
        # Filing interrupts the limitation (Art. 27): the date the year restarts from is recorded.
        fields["limitation_interrupted_on"] = today.isoformat()
        decision = await self._assign_centre(kind, fields)
        case = await self._cases.submit_intake(
            worker_id=worker.id, kind=kind, fields=fields, urgent=bool(alerts), year=today.year, at=now,
            payload={"channel": "chat", "alerts": list(alerts), "evidence": len(draft.evidence)},
            evidence=draft.evidence, alerts=list(alerts),
            centre_id=decision.centre_id if decision else None,
            # The decision with its reasons is kept on the "assigned" event, for audits and the timeline.
            routing=decision.model_dump(mode="json") if decision else None,
        )
        return Submission(case=case, alerts=alerts, next_steps=next_steps(kind, today), limitation=limitation,
                          routing=decision)
