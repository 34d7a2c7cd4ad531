"""Cases and their events. The current state lives in `cases`; every change is an event."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class DisputeKind(StrEnum):
    WAGES = "wages"
    CONTRACT = "contract"
    PLATFORM = "platform"


class CaseStatus(StrEnum):
    SUBMITTED = "submitted"          # filed, waiting for a centre
    ASSIGNED = "assigned"            # routed to a centre, waiting for a mediator
    ACCEPTED = "accepted"            # a mediator took it: mediation has begun
    AGREEMENT = "agreement"          # closed with a mediation agreement
    NO_AGREEMENT = "no_agreement"    # closed without agreement
    REFERRED = "referred"            # referred to arbitration
    WITHDRAWN = "withdrawn"          # withdrawn by the worker
    TRANSFERRED = "transferred"      # handed elsewhere before an outcome


CLOSED_STATUSES = frozenset(
    {CaseStatus.AGREEMENT, CaseStatus.NO_AGREEMENT, CaseStatus.REFERRED, CaseStatus.WITHDRAWN,
     CaseStatus.TRANSFERRED}
)

ALLOWED_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.SUBMITTED: frozenset({CaseStatus.ASSIGNED, CaseStatus.WITHDRAWN}),
    CaseStatus.ASSIGNED: frozenset({CaseStatus.ACCEPTED, CaseStatus.TRANSFERRED, CaseStatus.WITHDRAWN,
                                    CaseStatus.ASSIGNED}),
    CaseStatus.ACCEPTED: frozenset({CaseStatus.AGREEMENT, CaseStatus.NO_AGREEMENT, CaseStatus.REFERRED,
                                    CaseStatus.WITHDRAWN, CaseStatus.TRANSFERRED}),
}


class InvalidTransition(ValueError):
    pass


def check_transition(current: CaseStatus, target: CaseStatus) -> None:
    if target not in ALLOWED_TRANSITIONS.get(current, frozenset()):
        raise InvalidTransition(f"a case cannot go from {current} to {target}")


def case_number(year: int, sequence: int) -> str:
    """LD-YYYY-NNNNNN: the year of submission in local time and a six-digit sequence per year."""
    return f"LD-{year:04d}-{sequence:06d}"


class Case(BaseModel):
    id: int
    number: str | None
    worker_id: int
    kind: DisputeKind
    status: CaseStatus
    centre_id: str | None = None
    urgent: bool = False
    fields: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    updated_at: datetime


class CaseEvent(BaseModel):
    id: int | None = None
    case_id: int | None = None
    at: datetime
    actor_id: int | None = None
    type: str
    from_status: CaseStatus | None = None
    to_status: CaseStatus | None = None
    reason: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
