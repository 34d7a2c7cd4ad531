"""The intake questions: which are asked for which dispute kind, in what order, and when.

Questions are codes; the handlers give them words (prompt, why it is asked, an example) in the
worker's language. The facts asked for follow DOMAIN.md "Dispute kinds the intake must know".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.cases import DisputeKind

Answers = Mapping[str, Any]


class AnswerType(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    DATE = "date"          # one past date
    PERIOD = "period"      # a past period: {"start": iso, "end": iso}
    AMOUNT = "amount"      # yuan, a decimal string
    COUNT = "count"        # a whole number of people
    PHONE = "phone"        # E.164
    YES_NO = "yes_no"      # bool
    PLACE = "place"        # typed text, or a shared location {"lat", "lon"}


def _always(answers: Answers) -> bool:
    return True


@dataclass(frozen=True)
class Question:
    code: str
    type: AnswerType
    optional_for: frozenset[DisputeKind] = frozenset()  # kinds for which "skip" is offered
    choices: tuple[str, ...] = ()
    typed_choice: bool = False   # a choice question that also takes a typed answer (a platform not listed)
    sensitive: bool = False      # PIPL Art. 28: asked only after its own consent
    max_length: int = 200
    applies: Callable[[Answers], bool] = _always

    def optional(self, kind: DisputeKind | None) -> bool:
        return kind in self.optional_for


ALL_KINDS = frozenset(DisputeKind)
def _job_ended(answers: Answers) -> bool:
    return answers.get("job_ended") is True or answers.get("contract_issue") == "dismissal"


def _group_total_told(answers: Answers) -> bool:
    """The whole group's total is never asked: it is kept when the worker's own words stated it, and shown
    beside what the worker alone is owed, while others are owed too."""
    return "group_amount" in answers and answers.get("workers_affected") != 1


QUESTIONS: dict[str, Question] = {q.code: q for q in (
    Question("kind", AnswerType.CHOICE, choices=tuple(DisputeKind)),
    # Platform workers often cannot name more than the platform; the station or agency is a bonus.
    Question("employer", AnswerType.TEXT, max_length=100, optional_for=frozenset({DisputeKind.PLATFORM})),
    Question("industry", AnswerType.CHOICE, choices=("construction", "factory", "service", "logistics", "other")),
    Question("period", AnswerType.PERIOD),
    Question("amount", AnswerType.AMOUNT, optional_for=frozenset({DisputeKind.PLATFORM})),
    Question("monthly_wage", AnswerType.AMOUNT, optional_for=ALL_KINDS),
    Question("contract_issue", AnswerType.CHOICE, choices=(
        "no_contract", "dismissal", "compensation", "insurance", "probation", "overtime", "other")),
    Question("start_date", AnswerType.DATE),
    Question("written_contract", AnswerType.CHOICE, choices=("yes", "no", "unsure")),
    Question("job_ended", AnswerType.YES_NO,
             applies=lambda answers: answers.get("contract_issue") != "dismissal"),
    Question("end_date", AnswerType.DATE, applies=_job_ended),
    Question("employer_reason", AnswerType.TEXT, optional_for=ALL_KINDS, max_length=1000,
             applies=lambda answers: answers.get("contract_issue") in ("dismissal", "compensation")),
    Question("platform", AnswerType.CHOICE, typed_choice=True, max_length=50,
             choices=("meituan", "eleme", "didi", "lalamove", "sf", "jd", "other")),
    Question("relation", AnswerType.CHOICE, choices=("direct", "agency", "crowd", "unknown")),
    Question("platform_issue", AnswerType.CHOICE, choices=("pay", "penalty", "deactivated", "injury", "hours")),
    Question("injury_details", AnswerType.TEXT, optional_for=ALL_KINDS, sensitive=True, max_length=1000,
             applies=lambda answers: answers.get("platform_issue") == "injury"),
    Question("incident_date", AnswerType.DATE, optional_for=ALL_KINDS),
    Question("workers_affected", AnswerType.COUNT, choices=("1",)),
    Question("group_amount", AnswerType.AMOUNT, optional_for=ALL_KINDS, applies=_group_total_told),
    Question("claim", AnswerType.TEXT, max_length=1000),
    Question("evidence_held", AnswerType.TEXT, optional_for=ALL_KINDS, max_length=1000),
    Question("name", AnswerType.TEXT, max_length=50),
    Question("phone", AnswerType.PHONE),
    # A place: typed, or shared as a location from the workplace (riders and drivers often cannot name it).
    Question("workplace", AnswerType.PLACE, max_length=200),
    Question("residence", AnswerType.PLACE, optional_for=ALL_KINDS, max_length=200),
)}

KIND_QUESTIONS: dict[DisputeKind, tuple[str, ...]] = {
    DisputeKind.WAGES: ("employer", "industry", "period", "amount", "monthly_wage", "job_ended", "end_date",
                        "workers_affected", "group_amount"),
    DisputeKind.CONTRACT: ("employer", "contract_issue", "start_date", "written_contract", "job_ended",
                           "end_date", "employer_reason", "monthly_wage", "workers_affected", "group_amount"),
    DisputeKind.PLATFORM: ("platform", "relation", "platform_issue", "injury_details", "incident_date",
                           "employer", "amount", "workers_affected", "group_amount"),
}
# What every case needs: what the worker wants, the evidence (Art. 6), and how to reach them.
COMMON_QUESTIONS = ("claim", "evidence_held", "name", "phone", "workplace", "residence")


def sequence(kind: DisputeKind | None) -> tuple[str, ...]:
    """Every question for this kind, in the order asked (the kind itself first)."""
    if kind is None:
        return ("kind",)
    return ("kind", *KIND_QUESTIONS[kind], *COMMON_QUESTIONS)


def applicable(kind: DisputeKind | None, answers: Answers) -> list[Question]:
    """The questions that apply given the answers so far (an end date only if the job ended...)."""
    return [QUESTIONS[code] for code in sequence(kind) if QUESTIONS[code].applies(answers)]
