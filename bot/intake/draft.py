"""The complaint being filled in. It lives in the chat state (JSON) until it is submitted, so a
restart loses nothing; every read goes through `Draft.model_validate`."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.cases import DisputeKind
from bot.intake.questions import QUESTIONS, Question, applicable

# What the privacy notice promised; a consent record names the version the worker agreed to.
PRIVACY_NOTICE_VERSION = "2026-11"
DESCRIPTION_LIMIT = 3000
EVIDENCE_COUNT_LIMIT = 20
EVIDENCE_SIZE_LIMIT = 20 * 1024 * 1024  # what a bot can download from Telegram

AnswerValue = str | int | bool | dict[str, str] | dict[str, float]


class ConsentPurpose(StrEnum):
    """Each consent is specific (PIPL Arts. 14, 29): the notice, and each kind of sensitive detail."""

    PRIVACY = "privacy"
    HEALTH = "health"       # injury and health details
    LOCATION = "location"   # a precise shared location


class Notice(StrEnum):
    """Advice the worker is given once, when an answer calls for it."""

    LIMITATION = "limitation"
    INJURY_SCHEME = "injury_scheme"
    WORK_INJURY = "work_injury"        # 工伤认定, once the injury's date is answered (or skipped)
    CROWDSOURCED = "crowdsourced"
    COLLECTIVE = "collective"


class EvidenceItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file_id: str
    file_unique_id: str
    type: Literal["photo", "document"]
    name: str = Field(max_length=255)
    size: int | None = None


class EvidenceRefusal(StrEnum):
    TOO_MANY = "too_many"
    TOO_LARGE = "too_large"


class Draft(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # One draft files one case: the case records this id (unique), so a double tap, a redelivered
    # update or a restart between commit and reply cannot file it twice. Drafts saved before ids
    # existed get one derived from their content, the same in every process that reads them.
    id: str = ""
    consented_at: datetime
    notice_version: str = PRIVACY_NOTICE_VERSION
    sensitive_consent: bool | None = None
    description: str | None = Field(default=None, max_length=DESCRIPTION_LIMIT)
    answers: dict[str, AnswerValue] = Field(default_factory=dict)
    prefilled: list[str] = Field(default_factory=list)   # answers taken from the free text
    skipped: list[str] = Field(default_factory=list)
    history: list[str] = Field(default_factory=list)     # questions answered, in order, for "back"
    pending: str | None = None                           # the question on screen
    reply_keyboard: bool = False                         # a share-contact/location keyboard is showing
    evidence: list[EvidenceItem] = Field(default_factory=list, max_length=EVIDENCE_COUNT_LIMIT)
    notices: list[Notice] = Field(default_factory=list)
    street: str | None = None                            # a street named in the free text, for routing

    @field_validator("answers")
    @classmethod
    def _known_answers(cls, answers: dict[str, AnswerValue]) -> dict[str, AnswerValue]:
        unknown = set(answers) - set(QUESTIONS)
        if unknown:
            raise ValueError(f"answers to unknown questions: {sorted(unknown)}")
        return answers

    @model_validator(mode="after")
    def _stable_id(self) -> Draft:
        if not self.id:
            content = self.model_dump_json(exclude={"id"})
            self.id = uuid.uuid5(uuid.NAMESPACE_URL, "draft:" + content).hex
        return self

    @classmethod
    def new(cls, consented_at: datetime) -> Draft:
        return cls(id=uuid.uuid4().hex, consented_at=consented_at)

    @model_validator(mode="after")
    def _known_questions(self) -> Draft:
        for code in (*self.prefilled, *self.skipped, *self.history, *([self.pending] if self.pending else [])):
            if code not in QUESTIONS:
                raise ValueError(f"unknown question {code!r}")
        return self

    @property
    def kind(self) -> DisputeKind | None:
        value = self.answers.get("kind")
        return DisputeKind(value) if isinstance(value, str) else None

    def questions(self) -> list[Question]:
        return applicable(self.kind, self.answers)

    def next_question(self) -> Question | None:
        """The first applicable question neither answered nor skipped."""
        for question in self.questions():
            if question.code not in self.answers and question.code not in self.skipped:
                return question
        return None

    def answer(self, code: str, value: AnswerValue) -> None:
        self.answers[code] = value
        if code in self.skipped:
            self.skipped.remove(code)
        self._remember(code)

    def skip(self, code: str) -> None:
        self.answers.pop(code, None)
        if code not in self.skipped:
            self.skipped.append(code)
        self._remember(code)

    def _remember(self, code: str) -> None:
        if code in self.history:
            self.history.remove(code)
        self.history.append(code)

    def step_back(self) -> str | None:
        """The question answered before the one on screen (its answer kept to show), or None.

        Questions a later answer made moot ("when did the job end" after "the job goes on") are passed over.
        """
        if self.pending in self.history:
            self.history = self.history[: self.history.index(self.pending)]
        applicable_now = {question.code for question in self.questions()}
        while self.history:
            code = self.history.pop()
            if code in applicable_now:
                return code
        return None

    def add_evidence(self, item: EvidenceItem) -> EvidenceRefusal | None:
        if len(self.evidence) >= EVIDENCE_COUNT_LIMIT:
            return EvidenceRefusal.TOO_MANY
        if item.size is not None and item.size > EVIDENCE_SIZE_LIMIT:
            return EvidenceRefusal.TOO_LARGE
        self.evidence.append(item)
        return None

    def date_answer(self, code: str) -> date | None:
        value = self.answers.get(code)
        return date.fromisoformat(value) if isinstance(value, str) else None

    def case_fields(self) -> dict[str, Any]:
        """What the case stores: the applicable answers (an answer made moot by a later change is left out)."""
        fields: dict[str, Any] = {
            question.code: self.answers[question.code]
            for question in self.questions() if question.code in self.answers and question.code != "kind"
        }
        if self.description:
            fields["description"] = self.description
        if self.street:
            fields["street"] = self.street
        fields["privacy_consent"] = {"at": self.consented_at.isoformat(), "version": self.notice_version}
        if self.sensitive_consent is not None:
            fields["sensitive_consent"] = self.sensitive_consent
        return fields
