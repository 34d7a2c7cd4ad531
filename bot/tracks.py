"""The steps after (and beside) mediation as the desk offers them: the referral to arbitration, the
hand-over to labour inspection, the platform extension, and the steps the arbitration office and the
inspection liaison record. Which step each state offers, what each asks (a reason, who approved it in
writing, how many days), and how the answers become the command's parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.cases.machine import Arbitration, ArbitrationOutcome, CommandKind, Inspection
from bot.cases.model import Case, DisputeKind
from bot.clocks import PERIODS, Limit

K = CommandKind

# Who approved an extension or a suspension in writing (rules Art. 45, 47): the committee's chair, or
# the head of the arbitration institute the chair entrusted.
ARBITRATION_APPROVERS = ("committee_chair", "institute_head")
# 劳动保障监察条例 Art. 17: extended with the approval of the head of the labour administration department.
INSPECTION_APPROVERS = ("department_head",)
# Rules Art. 30 and the law Art. 29: why an application is not accepted (the worker may then go to court).
NOT_ACCEPTED_REASONS = ("not_labour_dispute", "not_jurisdiction", "not_eligible", "other")
# Rules Art. 47: why the arbitration is suspended (中止).
SUSPENSION_REASONS = ("party_unable", "awaiting_other_case", "force_majeure", "other")
# Rules Art. 46: why the 45 days start again (claims added or changed, a party or third party added, a
# counterclaim joined, the case transferred here from another committee).
RESTART_REASONS = ("claims_changed", "party_added", "counterclaim", "jurisdiction_transferred")
# How the inspection body closed the case, as reported back to the worker (首问负责制).
INSPECTION_RESULTS = ("rectified", "no_violation", "not_filed", "other")
# Extensions offered, in days, up to what the law allows.
EXTENSION_DAYS = ("5", "10", "15")
CONFIRM = ("yes",)


@dataclass(frozen=True)
class Question:
    """One choice a step asks for: the parameter it fills, and the codes it may take."""

    param: str
    codes: tuple[str, ...]


# The steps that ask before they act, each question in turn; the others act on one press.
QUESTIONS: dict[CommandKind, tuple[Question, ...]] = {
    K.REFER_TO_ARBITRATION: (Question("confirm", CONFIRM),),
    K.HAND_TO_INSPECTION: (Question("confirm", CONFIRM),),
    K.EXTEND_MEDIATION: (Question("days", EXTENSION_DAYS),),
    K.REFUSE_ARBITRATION: (Question("reason", NOT_ACCEPTED_REASONS),),
    K.SUSPEND_ARBITRATION: (Question("reason", SUSPENSION_REASONS), Question("approved_by", ARBITRATION_APPROVERS)),
    K.EXTEND_ARBITRATION: (Question("days", EXTENSION_DAYS), Question("approved_by", ARBITRATION_APPROVERS)),
    K.RESTART_ARBITRATION: (Question("reason", RESTART_REASONS),),
    K.CLOSE_ARBITRATION: (Question("outcome", tuple(ArbitrationOutcome)),),
    K.EXTEND_INSPECTION: (Question("approved_by", INSPECTION_APPROVERS),),
    K.CLOSE_INSPECTION: (Question("result", INSPECTION_RESULTS),),
}


@dataclass(frozen=True)
class Answered:
    params: dict[str, Any]
    outcome: str | None = None


def answered(kind: CommandKind, answers: list[str]) -> Answered | None:
    """The command's parameters from the answers given to its questions, or None if they are not answers
    to them (a forged or stale button)."""
    questions = QUESTIONS.get(kind, ())
    if len(answers) != len(questions) or any(a not in q.codes for q, a in zip(questions, answers, strict=True)):
        return None
    params: dict[str, Any] = {q.param: a for q, a in zip(questions, answers, strict=True) if q.param != "confirm"}
    outcome = params.pop("outcome", None)
    if "days" in params:
        params["days"] = int(params["days"])
    if kind is K.EXTEND_MEDIATION:
        params["agreed_by"] = ["worker", "employer"]  # 人社厅发〔2024〕4号: by agreement of both parties
    elif kind is K.EXTEND_ARBITRATION:
        params["reason"] = "complex"                  # law Art. 43: the one ground, a complex case
    elif kind is K.EXTEND_INSPECTION:
        params["days"] = PERIODS[Limit.INSPECTION_CLOSE].longest_extension
    return Answered(params, outcome)


def arbitration_steps(case: Case, received: bool) -> list[CommandKind]:
    """What the arbitration office records next. `received`: the office recorded the application's
    receipt since it was made (then it may record its materials completed)."""
    if case.arbitration is Arbitration.APPLIED:
        return [K.COMPLETE_ARBITRATION if received else K.RECEIVE_ARBITRATION, K.ACCEPT_ARBITRATION,
                K.REFUSE_ARBITRATION]
    if case.arbitration is Arbitration.ACCEPTED:
        steps = [K.SUSPEND_ARBITRATION, K.RESTART_ARBITRATION, K.CLOSE_ARBITRATION]
        return steps if case.arbitration_extended else [K.EXTEND_ARBITRATION, *steps]
    if case.arbitration is Arbitration.SUSPENDED:
        return [K.RESUME_ARBITRATION, K.CLOSE_ARBITRATION]
    return []


def inspection_steps(case: Case) -> list[CommandKind]:
    return {
        Inspection.HANDED_OVER: [K.FILE_INSPECTION, K.CLOSE_INSPECTION],
        Inspection.FILED: [K.EXTEND_INSPECTION, K.CLOSE_INSPECTION],
        Inspection.EXTENDED: [K.CLOSE_INSPECTION],
    }.get(case.inspection, []) if case.inspection else []


def holder_steps(case: Case) -> list[CommandKind]:
    """Beyond giving back and transferring: what the mediator holding the case may start from its card."""
    steps = [K.REFER_TO_ARBITRATION] if case.arbitration in (None, Arbitration.NOT_ACCEPTED) else []
    if case.inspection is None:
        steps.append(K.HAND_TO_INSPECTION)
    if case.kind is DisputeKind.PLATFORM and not case.mediation_extended:
        steps.append(K.EXTEND_MEDIATION)
    return steps

