"""The employer of a case: its contact details as the mediator who holds the case records them (name,
address, contact person, phone), and the mediator's invitation to mediate with the employer's answer.

The details live in their own row (the phone is personal data: only the holding mediator sees it); every
change is a case event that names the fields changed, never their values. An invitation and each answer
(agreed to mediate, refused, no answer by a date) is an event the timeline shows and a notice that tells
the worker what it means for them: mediation needs both sides, so a refusal or silence leaves the worker
free to apply for arbitration (Labour Dispute Mediation and Arbitration Law, Art. 5).
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from bot.case_service import actor_of
from bot.cases.machine import NewEvent
from bot.cases.model import Case, CaseEvent
from bot.clock import Clock
from bot.intake.validation import check_phone, check_words
from bot.outbox.model import Notification
from bot.people import Person, Role
from bot.ports import Transaction
from bot.relay import holds

TEXT_LIMIT = 120   # characters of a name, an address or a contact person


class EmployerField(StrEnum):
    NAME = "name"
    ADDRESS = "address"
    CONTACT = "contact"     # the contact person
    PHONE = "phone"         # E.164, checked as a Chinese mobile or landline


class EmployerStep(StrEnum):
    INVITED = "invited"         # the mediator invited the employer to mediate, on a day
    AGREED = "agreed"           # the employer agreed to mediate
    REFUSED = "refused"         # the employer refused
    NO_ANSWER = "no_answer"     # the employer had not answered by a day


class EmployerEvent(StrEnum):
    CONTACT_RECORDED = "employer_contact_recorded"   # payload: field (never the value)
    STEP = "employer_step"                           # payload: step, on (ISO date)


class EmployerNotice(StrEnum):
    STEP = "employer.step"      # the worker, in plain words: what the employer did and what it means


class EmployerContact(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str | None = None
    address: str | None = None
    contact: str | None = None
    phone: str | None = None


class StepParams(BaseModel):
    case_id: int
    number: str
    step: EmployerStep
    on: date
    employer: str       # its name as recorded, else as the worker gave it ("" unknown)


class EmployerStore(Protocol):
    async def get(self, case_id: int) -> EmployerContact | None: ...

    async def set_field(self, case_id: int, name: EmployerField, value: str | None, *, by: int,
                        now: datetime) -> EmployerContact: ...


class EmployerTransaction(Transaction, Protocol):
    employers: EmployerStore


class EmployerUnitOfWork(Protocol):
    def __call__(self) -> AbstractAsyncContextManager[EmployerTransaction]: ...


class EmployerRefusal(StrEnum):
    NOT_YOURS = "not_yours"      # only the mediator holding the case records the employer
    CLOSED = "closed"
    BAD_PHONE = "bad_phone"
    BAD_TEXT = "bad_text"        # empty, or longer than TEXT_LIMIT
    BAD_DATE = "bad_date"        # in the future, or before the case was filed


@dataclass(frozen=True)
class EmployerDeclined:
    reason: EmployerRefusal
    case: Case | None = None


@dataclass(frozen=True)
class StepRecord:
    step: EmployerStep
    on: date
    at: datetime


@dataclass(frozen=True)
class EmployerView:
    case: Case
    contact: EmployerContact
    steps: list[StepRecord] = field(default_factory=list)   # oldest first
    rows: list[int] = field(default_factory=list)           # notices written now (the worker's)


def employer_name(case: Case, contact: EmployerContact) -> str:
    given = case.fields.get("employer")
    return contact.name or (given.strip() if isinstance(given, str) else "")


def steps_of(events: list[CaseEvent]) -> list[StepRecord]:
    return [StepRecord(EmployerStep(event.payload["step"]), date.fromisoformat(event.payload["on"]),
                       event.occurred_at)
            for event in events if event.type == EmployerEvent.STEP
            and event.payload.get("step") in tuple(EmployerStep) and event.payload.get("on")]


def checked(name: EmployerField, text: str) -> str | EmployerRefusal:
    """The value to keep, or why not."""
    if name is EmployerField.PHONE:
        verdict = check_phone(text)
        return str(verdict.value) if verdict.value is not None else EmployerRefusal.BAD_PHONE
    verdict = check_words(text)
    value = str(verdict.value) if verdict.ok else ""
    return value if value and len(value) <= TEXT_LIMIT else EmployerRefusal.BAD_TEXT


def _event(type: EmployerEvent, actor: Person, now: datetime, **payload: object) -> NewEvent:
    return NewEvent(type=type, track=None, from_state=None, to_state=None,  # type: ignore[arg-type]
                    actor=actor_of(actor), occurred_at=now, payload=payload)


class EmployerService:
    def __init__(self, uow: EmployerUnitOfWork, clock: Clock, zone: tzinfo) -> None:
        self._uow = uow
        self._clock = clock
        self._zone = zone

    def today(self) -> date:
        return self._clock.now().astimezone(self._zone).date()

    async def view(self, person: Person, case_id: int) -> EmployerView | EmployerDeclined:
        async with self._uow() as tx:
            case = await _held(tx, person, case_id)
            if isinstance(case, EmployerDeclined):
                return case
            return await _view(tx, case)

    async def record(self, person: Person, case_id: int, name: EmployerField, text: str
                     ) -> EmployerView | EmployerDeclined:
        """One contact detail typed by the holding mediator, checked, kept, and an event naming the field."""
        now = self._clock.now()
        async with self._uow() as tx:
            case = await _held(tx, person, case_id)
            if isinstance(case, EmployerDeclined):
                return case
            value = checked(name, text)
            if isinstance(value, EmployerRefusal):
                return EmployerDeclined(value, case)
            await tx.employers.set_field(case.id, name, value, by=person.id, now=now)
            await tx.cases.append(case, [_event(EmployerEvent.CONTACT_RECORDED, person, now, field=name)],
                                  recorded_at=now)
            return await _view(tx, case)

    async def record_step(self, person: Person, case_id: int, step: EmployerStep, on: date
                          ) -> EmployerView | EmployerDeclined:
        """An invitation or an answer, on a day from the case's filing up to today: an event, and the
        worker told."""
        now = self._clock.now()
        async with self._uow() as tx:
            case = await _held(tx, person, case_id)
            if isinstance(case, EmployerDeclined):
                return case
            if not case.created_at.astimezone(self._zone).date() <= on <= self.today():
                return EmployerDeclined(EmployerRefusal.BAD_DATE, case)
            await tx.cases.append(case, [_event(EmployerEvent.STEP, person, now, step=step, on=on.isoformat())],
                                  recorded_at=now)
            contact = await tx.employers.get(case.id) or EmployerContact()
            params = StepParams(case_id=case.id, number=case.number or "", step=step, on=on,
                                employer=employer_name(case, contact))
            rows = await tx.outbox.add([Notification(recipient_id=case.worker_id, template=EmployerNotice.STEP,
                                                     params=params.model_dump(mode="json"), case_id=case.id)],
                                       now=now)
            view = await _view(tx, case)
            return EmployerView(view.case, view.contact, view.steps, rows=rows)


async def _held(tx: EmployerTransaction, person: Person, case_id: int) -> Case | EmployerDeclined:
    case = await tx.cases.get(case_id)
    if case is None or person.role is not Role.MEDIATOR or case.mediator_id != person.id:
        return EmployerDeclined(EmployerRefusal.NOT_YOURS, case)
    if not holds(person, case):
        return EmployerDeclined(EmployerRefusal.CLOSED, case)
    return case


async def _view(tx: EmployerTransaction, case: Case) -> EmployerView:
    contact = await tx.employers.get(case.id) or EmployerContact()
    return EmployerView(case, contact, steps_of(await tx.cases.events(case.id)))
