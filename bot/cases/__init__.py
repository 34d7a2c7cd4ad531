"""Cases: the model, the state machine (`machine`), and the services that change them (`service`)."""

from bot.cases.machine import (
    SYSTEM,
    Actor,
    Arbitration,
    ArbitrationOutcome,
    CaseState,
    Command,
    CommandKind,
    Decision,
    EventType,
    Inspection,
    Mediation,
    Outcome,
    Payment,
    Refusal,
    Refused,
    decide,
)
from bot.cases.model import Case, CaseEvent, DisputeKind, case_number

__all__ = [
    "SYSTEM", "Actor", "Arbitration", "ArbitrationOutcome", "Case", "CaseEvent", "CaseState", "Command", "CommandKind",
    "Decision", "DisputeKind", "EventType", "Inspection", "Mediation", "Outcome", "Payment", "Refusal", "Refused",
    "case_number", "decide",
]
