"""Cases taken at the counter or by phone (Art. 12: an oral application is recorded by the centre).

A centre's mediator asks the worker in front of them (or on the phone) the chat intake's own questions
and files the case through `IntakeService.submit`, so its number, events, clocks, outbox rows and rates
are those of any case. The worker has no chat identity: the case belongs to a placeholder person
(`Front.COUNTER`, nothing is ever sent to them) until the worker redeems an invitation on a chat.

Decisions:
- Only a centre's mediators take cases at its counter: the application is received by that centre.
  Supervisors have no counter of their own.
- The case goes to the mediator's own centre (the worker chose it, Art. 10), unless the usual routing
  sends it to the centre whose jurisdiction holds the workplace (Art. 21): then it goes there, as a
  chat case would, and the mediator is told where.
- The worker's consent, given in person after the notice was read or shown to them, is recorded for the
  placeholder (with the time it was given) and as an event naming who recorded it and how (counter,
  phone), in the filing's unit of work.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict

from bot.case_service import actor_of
from bot.cases.machine import NewEvent
from bot.cases.model import DisputeKind
from bot.clock import Clock
from bot.intake.draft import PRIVACY_NOTICE_VERSION, ConsentPurpose, Draft
from bot.intake_service import CentreAssigner, IntakeService, Submission, TakenInPerson
from bot.outbox.model import Notification
from bot.people import Front, Person, Role
from bot.ports import AccountPeople, DraftSlot, Transaction
from bot.recovery import IssuedCode, Refused
from bot.routing.assign import ReasonCode, RoutingDecision
from bot.routing.registry import Registry
from bot.routing.travel import TravelMode


class Channel(StrEnum):
    COUNTER = "counter"   # the worker is at the centre
    PHONE = "phone"       # the worker called


class CounterEvent(StrEnum):
    """Case events of this module (not state-machine commands; the store takes any type name)."""

    CONSENT_IN_PERSON = "consent_in_person"   # payload: channel, notice_version, purposes, given_at


class CounterNotice(StrEnum):
    FILED = "counter.filed"   # the mediator, at once: recorded, where it went, the invitation button


class CounterRefusal(StrEnum):
    NOT_A_MEDIATOR = "not_a_mediator"   # only a centre's mediators take cases at its counter
    UNKNOWN_CENTRE = "unknown_centre"   # the mediator's centre is not in the registry (any more)
    NOT_YOURS = "not_yours"             # invite: neither recorded by this mediator nor at their centre
    CLAIMED = "claimed"                 # invite: the worker has taken the case into a chat already


class Taking(BaseModel):
    """What the filing records of how the case was taken; kept beside the draft in the mediator's chat."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel
    consented_at: datetime             # when the worker agreed to the notice, in person
    notice_version: str = PRIVACY_NOTICE_VERSION


class FiledParams(BaseModel):
    case_id: int
    number: str
    channel: Channel
    centre_id: str | None
    elsewhere: bool          # routed to another centre's jurisdiction than the mediator's


class CounterPeople(AccountPeople, Protocol):
    async def identify(self, front: Front, user_id: int, *, display_name: str, language_code: str | None,
                       now: datetime) -> Person: ...


class CounterTransaction(Transaction, Protocol):
    people: CounterPeople


class CounterUnitOfWork(Protocol):
    def __call__(self) -> AbstractAsyncContextManager[CounterTransaction]: ...


class Invitations(Protocol):
    """One-time codes that take a worker's cases into the chat where they are redeemed (bot/recovery.py)."""

    async def issue(self, worker_id: int, *, by: Person | None, channel: Literal["counter"]
                    ) -> IssuedCode | Refused: ...


class CaseRouter(Protocol):
    @property
    def registry(self) -> Registry: ...

    async def assign_case(self, kind: DisputeKind, fields: Mapping[str, Any],
                          exclude: frozenset[str] = frozenset()) -> RoutingDecision | None: ...


@dataclass(frozen=True)
class Invited:
    issued: IssuedCode
    number: str


@dataclass(frozen=True)
class Filed:
    submission: Submission
    worker: Person                                     # the placeholder the case belongs to
    replies: list[int] = field(default_factory=list)   # outbox rows for the mediator, sent at once


def may_take_cases(person: Person) -> bool:
    return person.role is Role.MEDIATOR and person.centre_id is not None


def placeholder_user_id(draft: Draft) -> int:
    """The placeholder's id on the COUNTER front, from the draft's: a second submission of the same draft
    meets the same person, so it finds the case filed and files nothing more."""
    return uuid.UUID(hex=draft.id).int >> 68  # 60 bits: a draft's id is a UUID's hex


def by_jurisdiction(decision: RoutingDecision) -> bool:
    return any(reason.code is ReasonCode.JURISDICTION for reason in decision.reasons)


def at_the_counter(router: CaseRouter, centre_id: str) -> CentreAssigner:
    """Where a case taken at this centre goes (see the module's decisions)."""

    async def assign(kind: DisputeKind, fields: dict) -> RoutingDecision | None:
        usual = await router.assign_case(kind, fields)
        if usual is not None and (usual.centre_id == centre_id or by_jurisdiction(usual)):
            return usual
        registry = router.registry
        others = frozenset(centre.id for centre in registry.centres if centre.id != centre_id)
        own = await router.assign_case(kind, fields, exclude=others)
        if own is not None and own.centre_id == centre_id:
            return own
        # No known place, or too far for the half-hour circle: still this centre's, no trip measured.
        centre = registry.get(centre_id)
        return RoutingDecision(centre_id=centre.id, centre_name=centre.name, centre_kind=centre.kind, minutes=None,
                               mode=TravelMode.TRANSIT, within_half_hour=False, fallback=None, open_cases=0,
                               workplace_street=usual.workplace_street if usual else None, reasons=[])

    return assign


class CounterService:
    def __init__(self, uow: CounterUnitOfWork, clock: Clock, intake: IntakeService, router: CaseRouter,
                 invitations: Invitations) -> None:
        self._uow = uow
        self._clock = clock
        self._intake = intake
        self._router = router
        self._invitations = invitations

    def may_take(self, person: Person) -> CounterRefusal | None:
        if not may_take_cases(person):
            return CounterRefusal.NOT_A_MEDIATOR
        try:
            self._router.registry.get(person.centre_id or "")
        except KeyError:
            return CounterRefusal.UNKNOWN_CENTRE
        return None

    async def file(self, mediator: Person, draft: Draft, taking: Taking, slot: DraftSlot, *, today: date
                   ) -> Filed | CounterRefusal:
        """File the draft for the worker, as a chat case is filed, with the consent they gave in person."""
        if (refusal := self.may_take(mediator)) is not None:
            return refusal
        centre_id = mediator.centre_id or ""
        now = self._clock.now()
        async with self._uow() as tx:
            name = draft.answers.get("name")
            worker = await tx.people.identify(Front.COUNTER, placeholder_user_id(draft),
                                              display_name=name if isinstance(name, str) else "",
                                              language_code=None, now=now)
            taken = TakenInPerson(by=mediator, channel=taking.channel,
                                  assign_centre=at_the_counter(self._router, centre_id))
            submission = await self._intake.submit(draft, worker, slot, today=today, taken=taken)
            if submission.already_filed:
                return Filed(submission, worker)
            case = submission.case
            purposes = [ConsentPurpose.PRIVACY]
            if draft.sensitive_consent:
                purposes.append(ConsentPurpose.HEALTH)
            if any(isinstance(answer, dict) and "lat" in answer for answer in draft.answers.values()):
                purposes.append(ConsentPurpose.LOCATION)
            for purpose in purposes:
                await tx.people.record_consent(worker, purpose, taking.notice_version, at=taking.consented_at)
            await tx.cases.append(case, [NewEvent(
                type=CounterEvent.CONSENT_IN_PERSON, track=None, from_state=None, to_state=None,  # type: ignore[arg-type]
                actor=actor_of(mediator), occurred_at=taking.consented_at,
                payload={"channel": taking.channel, "notice_version": taking.notice_version,
                         "purposes": [str(purpose) for purpose in purposes]})], recorded_at=now)
            routing = submission.routing
            params = FiledParams(case_id=case.id, number=case.number or "", channel=taking.channel,
                                 centre_id=routing.centre_id if routing else None,
                                 elsewhere=routing is not None and routing.centre_id != centre_id)
            ids = await tx.outbox.add([Notification(recipient_id=mediator.id, template=CounterNotice.FILED,
                                                    params=params.model_dump(mode="json"), case_id=case.id,
                                                    immediate=True)], now=now)
            return Filed(submission, worker, replies=[*submission.replies, *ids])

    async def invite(self, mediator: Person, case_id: int) -> Invited | CounterRefusal | Refused:
        """A one-time code for the worker of a case taken at the counter, to take it into a chat of their
        own; for the mediator who recorded it or a mediator of the centre holding it. A new code revokes
        the worker's earlier ones."""
        if not may_take_cases(mediator):
            return CounterRefusal.NOT_A_MEDIATOR
        async with self._uow() as tx:
            case = await tx.cases.get(case_id)
            if case is None:
                return CounterRefusal.NOT_YOURS
            first = (await tx.cases.events(case_id))[0]
            taken = first.payload.get("channel") in tuple(Channel)
            if not taken or (first.actor_id != mediator.id and case.centre_id != mediator.centre_id):
                return CounterRefusal.NOT_YOURS
            worker = await tx.people.get(case.worker_id)
            if worker is None or worker.has_chat:
                return CounterRefusal.CLAIMED
            issued = await self._invitations.issue(worker.id, by=mediator, channel="counter")
            return Invited(issued, case.number or "") if isinstance(issued, IssuedCode) else issued
