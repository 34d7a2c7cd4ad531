"""Cases and their events. The current state lives in `cases`; every change is an event."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from bot.cases.machine import (
    Arbitration,
    ArbitrationOutcome,
    CaseState,
    Inspection,
    Mediation,
    Outcome,
    Payment,
)
from bot.people import Role


class DisputeKind(StrEnum):
    WAGES = "wages"
    CONTRACT = "contract"
    PLATFORM = "platform"


def case_number(year: int, sequence: int) -> str:
    """LD-YYYY-NNNNNN: the year of submission in local time and a six-digit sequence per year."""
    return f"LD-{year:04d}-{sequence:06d}"


class Case(BaseModel):
    id: int
    number: str | None
    worker_id: int
    kind: DisputeKind
    mediation: Mediation
    outcome: Outcome | None = None
    centre_id: str | None = None
    mediator_id: int | None = None
    payment: Payment | None = None
    arbitration: Arbitration | None = None
    arbitration_outcome: ArbitrationOutcome | None = None
    arbitration_extended: bool = False
    inspection: Inspection | None = None
    accepted_at: datetime | None = None
    mediation_extended: bool = False
    urgent: bool = False
    fields: dict[str, Any] = Field(default_factory=dict)
    workplace_street: str | None = None
    workplace_district: str | None = None
    observers: list[str] = Field(default_factory=list)  # centres routing told, who may read the case
    draft_id: str | None = None
    version: int = 0
    created_at: datetime
    updated_at: datetime

    @property
    def state(self) -> CaseState:
        return CaseState(
            worker_id=self.worker_id, mediation=self.mediation, outcome=self.outcome, centre_id=self.centre_id,
            mediator_id=self.mediator_id, payment=self.payment, arbitration=self.arbitration,
            arbitration_outcome=self.arbitration_outcome, arbitration_extended=self.arbitration_extended,
            inspection=self.inspection, accepted_at=self.accepted_at, mediation_extended=self.mediation_extended,
            version=self.version,
        )

    @property
    def is_open(self) -> bool:
        return self.state.is_open


class CaseEvent(BaseModel):
    """One recorded change, with the scope the rates filter on copied from the case at that moment."""

    id: int | None = None
    case_id: int
    seq: int
    type: str
    track: str | None = None
    from_state: str | None = None
    to_state: str | None = None
    occurred_at: datetime
    recorded_at: datetime
    actor_id: int | None = None
    actor_role: Role | None = None
    centre_id: str | None = None
    street: str | None = None
    district: str | None = None
    kind: DisputeKind
    payload_version: int = 1
    payload: dict[str, Any] = Field(default_factory=dict)
    note_id: int | None = None   # personal free text, kept apart so a purge can delete it
    note: str | None = None      # that text, when it was read with the event
