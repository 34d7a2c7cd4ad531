"""What follows a mediation: the agreement taking effect and the date for review and confirmation, each
agreed payment followed up, what the worker is told when it does not come, and the worker's rating.

The rules (pure, tested by table):
- An agreement takes effect when both parties have signed or sealed it, the mediator has signed it and
  the centre has sealed it (Art. 14); only then does mediation end with the outcome "agreement". Both
  parties may jointly apply, within 15 days of that day, for the arbitration committee to review and
  confirm it (rules Art. 74): `bot.clocks.Limit.AGREEMENT_CONFIRMATION`.
- The employer has the whole due day: the worker is asked about each payment on the working day after
  it (`Limit.PAYMENT_CHECK`), in the morning.
- A payment not (fully) made: for every term the worker may apply for arbitration (Art. 15); for wages,
  work-injury medical costs, economic compensation and damages also for a payment order at the
  basic-level court, with the agreement (Art. 16); the mediator is told.
- The national five levels of satisfaction; the first three are good, the others alert the supervisors.

The service keeps the agreement and its terms, asks and records, and writes every step as a case event
with its notices as outbox rows, in the caller's unit of work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from bot.calendar import WorkingCalendar
from bot.case_service import Rejected, actor_of, change
from bot.cases.machine import (
    SYSTEM,
    Arbitration,
    Command,
    CommandKind,
    Decision,
    NewEvent,
    Outcome,
    Payment,
    Refusal,
    Refused,
    decide,
)
from bot.cases.model import Case, CaseEvent
from bot.clock import Clock
from bot.clocks import DueDate, Limit, due_date
from bot.documents import (
    PAYMENT_ORDER_KINDS,
    SIGNATURE_BLANK,
    AgreementEmployer,
    AgreementTerm,
    AgreementWorker,
    ApplicationDetails,
    CaseNotReady,
    ClaimKind,
    Layout,
    MediationAgreement,
    Name,
    Text,
    agreement_layout,
    application_from_case,
    application_layout,
    read_resident_id,
)
from bot.i18n import N_
from bot.jobs.model import Job, NewJob
from bot.notify import supervisors_of
from bot.outbox.model import Notification
from bot.people import Person, Role
from bot.ports import Transaction

PAYMENT_JOB = "outcomes.payment_question"
# The worker is asked in the morning of the working day after the due day, not at midnight.
PAYMENT_QUESTION_TIME = time(9, 30)
COMMENT_LIMIT = 500

# --- Payment ------------------------------------------------------------------------------------------

ANSWERS = (Payment.PAID, Payment.PARTLY_PAID, Payment.NOT_PAID)


class Remedy(StrEnum):
    PAYMENT_ORDER = "payment_order"   # Art. 16: 支付令, the agreement taken to the basic-level court
    ARBITRATION = "arbitration"       # Art. 15: the agreement not performed


def payment_check_day(due_on: date, calendar: WorkingCalendar) -> DueDate:
    """The day the worker is asked whether a payment due on `due_on` came: the working day after."""
    return due_date(Limit.PAYMENT_CHECK, due_on, calendar)


def payment_question_at(due_on: date, calendar: WorkingCalendar, zone: tzinfo) -> datetime:
    return datetime.combine(payment_check_day(due_on, calendar).day, PAYMENT_QUESTION_TIME, zone)


def remedies(kind: ClaimKind, answer: Payment) -> tuple[Remedy, ...]:
    """What the worker may do about a term, given their answer. Part of an amount unpaid is the agreement
    not performed as much as all of it."""
    if answer is Payment.PAID:
        return ()
    if kind in PAYMENT_ORDER_KINDS:
        return (Remedy.PAYMENT_ORDER, Remedy.ARBITRATION)
    return (Remedy.ARBITRATION,)


# A term's answer may change while money is still owed (paid late, after all); paid is final.
TERM_STEPS: dict[Payment | None, frozenset[Payment]] = {
    None: frozenset(ANSWERS),
    Payment.PARTLY_PAID: frozenset({Payment.PAID, Payment.NOT_PAID}),
    Payment.NOT_PAID: frozenset({Payment.PAID, Payment.PARTLY_PAID}),
    Payment.PAID: frozenset(),
}


def payment_track(answers: Iterable[Payment | None]) -> Payment:
    """The case's payment track from its terms' answers (None: not answered yet): the worst answer, paid
    once every term is paid, still due while some are unanswered and none is missed."""
    answers = list(answers)
    if Payment.NOT_PAID in answers:
        return Payment.NOT_PAID
    if Payment.PARTLY_PAID in answers:
        return Payment.PARTLY_PAID
    if answers and all(answer is Payment.PAID for answer in answers):
        return Payment.PAID
    return Payment.DUE


def confirmation_deadline(effective_on: date, calendar: WorkingCalendar) -> DueDate:
    """The last day to apply jointly for review and confirmation (15 days, rolled off a rest day)."""
    return due_date(Limit.AGREEMENT_CONFIRMATION, effective_on, calendar)


# --- Rating -------------------------------------------------------------------------------------------

class Rating(StrEnum):
    """The national five levels of satisfaction with a government service."""

    VERY_SATISFIED = "very_satisfied"          # 非常满意
    SATISFIED = "satisfied"                    # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    DISSATISFIED = "dissatisfied"              # 不满意
    VERY_DISSATISFIED = "very_dissatisfied"    # 非常不满意


RATING_LABELS = {
    Rating.VERY_SATISFIED: N_("Very satisfied"),
    Rating.SATISFIED: N_("Satisfied"),
    Rating.BASICALLY_SATISFIED: N_("Basically satisfied"),
    Rating.DISSATISFIED: N_("Dissatisfied"),
    Rating.VERY_DISSATISFIED: N_("Very dissatisfied"),
}
GOOD_RATINGS = frozenset({Rating.VERY_SATISFIED, Rating.SATISFIED, Rating.BASICALLY_SATISFIED})


def is_good(rating: Rating) -> bool:
    """Counted as good in the satisfaction rate (好评率); anything below alerts the supervisors."""
    return rating in GOOD_RATINGS


def rating_due(case: Case) -> bool:
    """A case is rated once nothing more is being done on it, if it was served at all: a mediator
    accepted it, or it went to arbitration (an application withdrawn before anyone took it was not)."""
    return not case.is_open and (case.accepted_at is not None or case.arbitration is not None)


# --- The mediator's outcomes --------------------------------------------------------------------------

class MediatorOutcome(StrEnum):
    """What the mediator holding a case records from its card to end the mediation."""

    AGREEMENT = "agreement"          # the terms drafted, then signed and sealed: Outcome.AGREEMENT
    NO_AGREEMENT = "no_agreement"    # with a reason: Outcome.NO_AGREEMENT


# Why mediation ended without agreement (the mediator may add a few words, kept as the event's note).
NO_AGREEMENT_REASONS = ("employer_refused", "employer_absent", "too_far_apart", "worker_declined", "other")


def outcome_actions(viewer: Person, case: Case) -> list[MediatorOutcome]:
    """The outcome buttons the card offers this viewer: only the mediator holding the case, and only
    while the state machine lets mediation end (in END_MEDIATION's states)."""
    if viewer.role is not Role.MEDIATOR or viewer.id != case.mediator_id:
        return []
    # The moment only stamps the events decide would produce; none is written here.
    return [outcome for outcome in MediatorOutcome if isinstance(decide(case.state, Command(
        CommandKind.END_MEDIATION, actor_of(viewer), outcome=Outcome(outcome)), case.updated_at), Decision)]


# --- The way to arbitration ---------------------------------------------------------------------------

# The wording version of the two consents the application asks (PIPL Arts. 23 and 29), recorded on
# each consent's event.
CONSENT_WORDING = "2026-12"


def may_apply(case: Case, worker: Person, now: datetime) -> bool:
    """The worker may prepare an application: the machine lets them apply for arbitration now (mediation
    under way, ended without agreement, an agreement not performed), or the mediator referred the case
    and the application has not gone yet."""
    if case.worker_id != worker.id:
        return False
    if case.arbitration is Arbitration.APPLIED:
        return True
    return isinstance(decide(case.state, Command(CommandKind.REFER_TO_ARBITRATION, actor_of(worker)), now), Decision)


def id_consent_given(events: Iterable[CaseEvent]) -> bool | None:
    """The worker's latest answer to the identity number's consent (None: not asked)."""
    answers = [bool(event.payload.get("given")) for event in events if event.type == OutcomeEvent.ID_CONSENT]
    return answers[-1] if answers else None


class ApplicationAnswers(BaseModel):
    """What the worker answered for the application; the identity number is kept apart."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    born_on: date
    address: Text
    legal_representative: Name | None = None   # None: the worker does not know it
    employer_address: Text | None = None


class StoredApplication(BaseModel):
    case_id: int
    answers: ApplicationAnswers
    drafted_on: date
    signed_at: datetime | None = None
    sent_at: datetime | None = None


# --- Events and notices -------------------------------------------------------------------------------

class OutcomeEvent(StrEnum):
    """Case events of this module. The engine's EventType has no member for them yet; the store takes
    any type name, and the rates read ratings by this one."""

    AGREEMENT_DRAFTED = "agreement_drafted"      # the mediator recorded the terms; the papers can be printed
    TERM_PAYMENT = "term_payment_answered"       # the worker said whether one term was paid
    RATED = "rated"                              # the worker's rating; payload: rating, good
    RATING_COMMENTED = "rating_commented"        # the comment, as the event's note (deletable)
    ID_CONSENT = "id_number_consent"             # payload: given (bool), wording; the number is not here
    APPLICATION_DRAFTED = "application_drafted"  # the worker answered; payload: with_id_number
    APPLICATION_SIGNED = "application_signed"    # the worker read the draft and signed it
    TRANSFER_CONSENT = "application_transfer_consent"  # to passing it to the arbitration office (PIPL Art. 23)
    APPLICATION_SENT = "application_sent"        # the office's staff were sent it; payload: recipients


class OutcomeNotice(StrEnum):
    AGREEMENT_EFFECTIVE = "outcome.agreement_effective"  # worker: in effect, the confirmation date, the payments
    PAYMENT_QUESTION = "outcome.payment_question"        # worker: was this term paid? (buttons)
    PAYMENT_ANSWERED = "outcome.payment_answered"        # worker, at once: what they may do now
    PAYMENT_MISSED = "outcome.payment_missed"            # the mediator (or the centre): a term not paid
    RATING_QUESTION = "outcome.rating_question"          # worker: the five levels (buttons)
    RATED = "outcome.rated"                              # worker, at once: thanks, and a comment if they like
    LOW_RATING = "outcome.low_rating"                    # the supervisors: a rating below 基本满意
    AGREEMENT_READY = "outcome.agreement_ready"          # worker: the drafted agreement to read (papers button)
    NO_AGREEMENT = "outcome.no_agreement"                # worker: mediation ended, why; the application offered
    APPLICATION_OFFER = "outcome.application_offer"      # worker: a draft arbitration application (button)
    APPLICATION_TO_OFFICE = "outcome.application_to_office"  # office staff, holder: a signed application


class TermFacts(BaseModel):
    term_id: int
    position: int
    description: str
    kind: ClaimKind
    amount: Decimal | None = None
    due_on: date | None = None


class AgreementEffectiveParams(BaseModel):
    case_id: int
    number: str
    effective_on: date
    confirm_by: date
    provisional: bool            # counted through a year the calendar does not know
    payments: list[TermFacts]    # the terms whose payment will be asked about, with the day it is asked
    asked_on: list[date]


class PaymentQuestionParams(BaseModel):
    case_id: int
    number: str
    term: TermFacts


class PaymentAnsweredParams(BaseModel):
    case_id: int
    number: str
    term: TermFacts
    answer: Payment
    remedies: list[Remedy]


class PaymentMissedParams(BaseModel):
    case_id: int
    number: str
    term: TermFacts
    answer: Payment


class CaseParams(BaseModel):
    """A notice about a case that needs only its number (and, for no agreement, the reason's code)."""

    case_id: int
    number: str
    reason: str | None = None


class RatingParams(BaseModel):
    case_id: int
    number: str
    rating: Rating | None = None
    commented: bool = False      # the comment itself stays in the case's notes


# --- Stored agreements --------------------------------------------------------------------------------

class AgreementDraft(BaseModel):
    """What the mediator records of an agreement; the parties' names and phones come from the case."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    matters: list[Text] = Field(min_length=1, max_length=20)
    terms: list[AgreementTerm] = Field(min_length=1, max_length=30)
    employer_name: Name | None = None     # when the case has none, or names it otherwise
    employer_address: Text | None = None
    employer_contact: Name | None = None


class StoredTerm(BaseModel):
    id: int
    case_id: int
    position: int   # 1, 2, ... as printed
    term: AgreementTerm
    payment: Payment | None = None
    answered_at: datetime | None = None

    def facts(self) -> TermFacts:
        return TermFacts(term_id=self.id, position=self.position, description=self.term.description,
                         kind=self.term.kind, amount=self.term.amount, due_on=self.term.due_on)


class StoredAgreement(BaseModel):
    case_id: int
    draft: AgreementDraft
    terms: list[StoredTerm]
    made_on: date
    effective_on: date | None = None
    confirm_by: date | None = None
    created_by: int | None = None


class StoredRating(BaseModel):
    case_id: int
    asked_at: datetime
    rating: Rating | None = None
    rated_at: datetime | None = None


class OutcomeStore(Protocol):
    async def save_agreement(self, case_id: int, draft: AgreementDraft, *, made_on: date, by: int | None,
                             now: datetime) -> StoredAgreement:
        """The agreement as drafted now, its terms replacing an earlier draft's."""
        ...

    async def agreement(self, case_id: int) -> StoredAgreement | None: ...

    async def set_effective(self, case_id: int, effective_on: date, confirm_by: date, *, now: datetime) -> None: ...

    async def term(self, term_id: int) -> StoredTerm | None: ...

    async def answer_term(self, term_id: int, answer: Payment, *, at: datetime) -> None: ...

    async def ask_rating(self, case_id: int, *, at: datetime) -> bool:
        """Records that the rating was asked; False if it was asked before (it is asked once)."""
        ...

    async def rating(self, case_id: int) -> StoredRating | None: ...

    async def rate(self, case_id: int, rating: Rating, *, at: datetime) -> bool:
        """False if the case was rated already (or never asked)."""
        ...

    async def save_application(self, case_id: int, answers: ApplicationAnswers, *, drafted_on: date,
                               now: datetime) -> None:
        """The draft as answered now, replacing an earlier one (and its signature: it must be read again)."""
        ...

    async def application(self, case_id: int) -> StoredApplication | None: ...

    async def sign_application(self, case_id: int, *, at: datetime) -> None: ...

    async def application_sent(self, case_id: int, *, at: datetime) -> None: ...

    async def set_id_number(self, case_id: int, person_id: int, id_number: str, *, at: datetime) -> None: ...

    async def id_number(self, case_id: int) -> str | None: ...

    async def forget_id_number(self, case_id: int) -> None: ...


class OutcomeTransaction(Transaction, Protocol):
    outcomes: OutcomeStore


class OutcomeUnitOfWork(Protocol):
    def __call__(self) -> AbstractAsyncContextManager[OutcomeTransaction]: ...


class Calendars(Protocol):
    def current(self) -> WorkingCalendar: ...


class OutcomeRefusal(StrEnum):
    NO_AGREEMENT = "no_agreement"            # no terms recorded yet
    BAD_DATE = "bad_date"                    # in the future, or before the agreement was made
    NOT_ASKED = "not_asked"                  # a rating before the case closed, a comment before a rating
    ALREADY_RATED = "already_rated"
    ALREADY_ANSWERED = "already_answered"    # the same answer again, or a change after "paid"
    CANNOT_APPLY = "cannot_apply"            # arbitration is under way, or the case cannot go there now
    NO_ID_CONSENT = "no_id_consent"          # an identity number without the consent to it
    BAD_ID_NUMBER = "bad_id_number"          # not a valid number, or not the date of birth given
    CASE_NOT_READY = "case_not_ready"        # the case lacks what an application must name (a name, a phone)
    NOT_DRAFTED = "not_drafted"              # signing (or sending) before the draft is made (or signed)
    ALREADY_SENT = "already_sent"


@dataclass(frozen=True)
class Declined:
    reason: Refusal | OutcomeRefusal
    case: Case | None = None


@dataclass(frozen=True)
class Done:
    case: Case
    replies: list[int] = field(default_factory=list)  # outbox rows for the person who acted, sent at once
    agreement: StoredAgreement | None = None


OutcomeResult = Done | Declined


@dataclass(frozen=True)
class Papers:
    layout: Layout
    stem: str   # the files' name without its extension: the title and the case number


def agreement_document(case: Case, stored: StoredAgreement, *, centre: str, mediator: str) -> MediationAgreement:
    """The agreement to print: the parties as the case has them, the terms as the mediator recorded them."""
    fields, draft = case.fields, stored.draft

    def text(code: str) -> str:
        value = fields.get(code)
        return value if isinstance(value, str) and value.strip() else SIGNATURE_BLANK  # filled in by hand

    return MediationAgreement(
        number=case.number or str(case.id),
        worker=AgreementWorker(name=text("name"), phone=text("phone")),
        employer=AgreementEmployer(name=draft.employer_name or text("employer"), address=draft.employer_address,
                                   contact=draft.employer_contact),
        centre=centre or SIGNATURE_BLANK, mediator=mediator or SIGNATURE_BLANK, matters=draft.matters,
        terms=[t.term for t in stored.terms],
        made_on=stored.made_on, effective_on=stored.effective_on, confirm_by=stored.confirm_by,
    )


def _row(recipient: int, kind: OutcomeNotice, params: BaseModel, case: Case, *, immediate: bool = False
         ) -> Notification:
    return Notification(recipient_id=recipient, template=kind, params=params.model_dump(mode="json"),
                        case_id=case.id, immediate=immediate)


def _event(type: OutcomeEvent, actor: Person | None, now: datetime, note: str | None = None,
           **payload: object) -> NewEvent:
    return NewEvent(type=type, track=None, from_state=None, to_state=None,  # type: ignore[arg-type]
                    actor=actor_of(actor) if actor else SYSTEM, occurred_at=now, payload=payload, note=note)


def application_offer(case: Case) -> Notification:
    """The worker is offered a draft arbitration application (a referral, the Art. 14 date reached)."""
    return _row(case.worker_id, OutcomeNotice.APPLICATION_OFFER, CaseParams(case_id=case.id, number=case.number or ""),
                case)


class ArbitrationOffices(Protocol):
    """What the way to arbitration needs of the registry (bot.desk.RegistryCentres has it)."""

    def arbitration_offices(self, district: str | None) -> list[str]: ...

    def is_arbitration_office(self, centre_id: str) -> bool: ...

    def district_of(self, centre_id: str) -> str | None: ...


# The committee an application is addressed to, by the workplace's district (Art. 21), in the reader's words.
Committee = Callable[[str | None], str]


class OutcomeService:
    """The agreement, the payment follow-up, the way to arbitration and the rating. With a keeper, the
    case's clocks are counted again after mediation ends (the caller's `keeper.sync`); `offices` say who
    receives an application (without them, the supervisors)."""

    def __init__(self, uow: OutcomeUnitOfWork, clock: Clock, calendars: Calendars, zone: tzinfo,
                 keeper: _Keeper | None = None, offices: ArbitrationOffices | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self._calendars = calendars
        self._zone = zone
        self._keeper = keeper
        self._offices = offices

    async def outcomes_offered(self, mediator: Person, case_id: int) -> tuple[Case | None, list[MediatorOutcome]]:
        """The case as it is now and the outcomes its card offers this person."""
        async with self._uow() as tx:
            case = await tx.cases.get(case_id)
            return case, outcome_actions(mediator, case) if case is not None else []

    async def agreement_of(self, person: Person, case_id: int) -> StoredAgreement | None:
        """The agreement drafted on a case, for whoever may read its papers."""
        async with self._uow() as tx:
            case = await tx.cases.get(case_id)
            if case is None or not _may_read(person, case):
                return None
            return await tx.outcomes.agreement(case_id)

    async def no_agreement(self, mediator: Person, case_id: int, version: int, reason: str,
                           note: str | None = None) -> OutcomeResult:
        """Mediation ends without agreement, once: the worker is told why and offered a draft arbitration
        application, and asked to rate the service. `note`: the mediator's words (a deletable note)."""
        if reason not in NO_AGREEMENT_REASONS:
            return Declined(Refusal.BAD_OUTCOME)
        now = self._clock.now()
        async with self._uow() as tx:
            case = await tx.cases.get(case_id)
            if case is None:
                return Declined(Refusal.NOT_YOURS)
            if case.version != version:
                return Declined(Refusal.STALE, case)
            if MediatorOutcome.NO_AGREEMENT not in outcome_actions(mediator, case):
                refused = decide(case.state, Command(CommandKind.END_MEDIATION, actor_of(mediator),
                                                     outcome=Outcome.NO_AGREEMENT), now)
                return Declined(refused.reason if isinstance(refused, Refused) else Refusal.NOT_YOURS, case)
            ended = await change(tx, case, Command(CommandKind.END_MEDIATION, actor_of(mediator),
                                                   outcome=Outcome.NO_AGREEMENT, params={"reason_code": reason},
                                                   note=(note or "").strip()[:COMMENT_LIMIT] or None), self._clock)
            if isinstance(ended, Rejected):
                return Declined(ended.reason, ended.case)
            case = ended.case
            if self._keeper is not None:
                await self._keeper.sync(tx, case)
            params = CaseParams(case_id=case.id, number=case.number or "", reason=reason)
            await tx.outbox.add([_row(case.worker_id, OutcomeNotice.NO_AGREEMENT, params, case)], now=now)
            await self._ask_rating(tx, case)
            return Done(case)

    def _today(self) -> date:
        return self._clock.now().astimezone(self._zone).date()

    # The agreement ---------------------------------------------------------------------------------

    async def draft_agreement(self, mediator: Person, case_id: int, draft: AgreementDraft) -> OutcomeResult:
        """Record (or correct) the terms while the mediator holds the case, so the papers can be printed
        and signed; mediation goes on until they take effect."""
        now = self._clock.now()
        async with self._uow() as tx:
            case = await tx.cases.get(case_id)
            if case is None:
                return Declined(Refusal.NOT_YOURS)
            ending = decide(case.state, Command(CommandKind.END_MEDIATION, actor_of(mediator),
                                                outcome=Outcome.AGREEMENT), now)
            if isinstance(ending, Refused):  # whoever may end the mediation with an agreement may draft it
                return Declined(ending.reason, case)
            # Mediation is still under way (decide said so): an earlier draft has not taken effect.
            earlier = await tx.outcomes.agreement(case_id)
            stored = await tx.outcomes.save_agreement(case_id, draft, made_on=self._today(), by=mediator.id, now=now)
            await tx.cases.append(case, [_event(OutcomeEvent.AGREEMENT_DRAFTED, mediator, now,
                                                terms=len(draft.terms), corrected=earlier is not None)],
                                  recorded_at=now)
            ready = CaseParams(case_id=case.id, number=case.number or "")
            await tx.outbox.add([_row(case.worker_id, OutcomeNotice.AGREEMENT_READY, ready, case)], now=now)
            return Done(case, agreement=stored)

    async def papers(self, person: Person, case_id: int, centre_name: Callable[[str], str], locale: str
                     ) -> Papers | None:
        """The agreement laid out for printing, for the worker of the case or staff who may act on it (a
        view of the worker's details by staff is logged). Writing the files is slow (about half a second
        for the PDF's font): callers write them off the event loop."""
        async with self._uow() as tx:
            case = await tx.cases.get(case_id)
            if case is None or not _may_read(person, case):
                return None
            stored = await tx.outcomes.agreement(case_id)
            if stored is None:
                return None
            mediator = await tx.people.get(case.mediator_id) if case.mediator_id is not None else None
            if person.id != case.worker_id:
                await tx.access_log.record(person.id, case_id, "agreement papers", at=self._clock.now())
            document = agreement_document(case, stored, centre=centre_name(case.centre_id or ""),
                                          mediator=mediator.display_name if mediator else "")
            layout = agreement_layout(document, locale)
            return Papers(layout, f"{layout.title}-{document.number}")

    async def took_effect(self, mediator: Person, case_id: int, effective_on: date, *, version: int
                          ) -> OutcomeResult:
        """Every signature and seal is on the agreement since `effective_on`: mediation ends with the
        outcome "agreement", the payments are followed up, the worker is told the date for review
        and confirmation. `version`: the case's, as the mediator's button was drawn."""
        now = self._clock.now()
        calendar = self._calendars.current()
        async with self._uow() as tx:
            case = await tx.cases.get(case_id)
            if case is None:
                return Declined(Refusal.NOT_YOURS)
            if case.version != version:
                return Declined(Refusal.STALE, case)
            stored = await tx.outcomes.agreement(case_id)
            if stored is None:
                return Declined(OutcomeRefusal.NO_AGREEMENT, case)
            if not stored.made_on <= effective_on <= self._today():
                return Declined(OutcomeRefusal.BAD_DATE, case)
            confirm = confirmation_deadline(effective_on, calendar)
            payments = [term for term in stored.terms if term.term.amount is not None]
            ended = await change(tx, case, Command(
                CommandKind.END_MEDIATION, actor_of(mediator), outcome=Outcome.AGREEMENT,
                params={"effective_on": effective_on.isoformat(), "confirm_by": confirm.day.isoformat(),
                        "terms": len(stored.terms), "payments": len(payments),
                        "payment_order": any(t.term.kind in PAYMENT_ORDER_KINDS for t in payments)}), self._clock)
            if isinstance(ended, Rejected):
                return Declined(ended.reason, ended.case)
            case = ended.case
            await tx.outcomes.set_effective(case_id, effective_on, confirm.day, now=now)
            if payments:
                due = await change(tx, case, Command(CommandKind.SET_PAYMENT_DUE, actor_of(mediator)), self._clock)
                if isinstance(due, Rejected):  # the agreement was just recorded: nobody else can have acted
                    raise RuntimeError(f"case {case_id}: payment due refused ({due.reason})")
                case = due.case
            asked_on = []
            for term in payments:
                due_on = term.term.due_on
                if due_on is None:  # AgreementTerm requires a date with an amount
                    raise ValueError(f"term {term.id} has an amount and no due date")
                asked_on.append(payment_check_day(due_on, calendar).day)
                question = NewJob(kind=PAYMENT_JOB, due_at=payment_question_at(due_on, calendar, self._zone),
                                  unique_key=f"term:{term.id}:payment", case_id=case_id, payload={"term_id": term.id})
                await tx.jobs.schedule(question, now=now)
            if self._keeper is not None:
                await self._keeper.sync(tx, case)
            params = AgreementEffectiveParams(
                case_id=case_id, number=case.number or "", effective_on=effective_on, confirm_by=confirm.day,
                provisional=confirm.provisional, payments=[term.facts() for term in payments], asked_on=asked_on)
            await tx.outbox.add([_row(case.worker_id, OutcomeNotice.AGREEMENT_EFFECTIVE, params, case)], now=now)
            await self._ask_rating(tx, case)
            return Done(case, agreement=await tx.outcomes.agreement(case_id))

    # Payment ---------------------------------------------------------------------------------------

    async def ask_payment(self, job: Job) -> None:
        """The job on the working day after a due date: ask the worker, unless they said it was paid."""
        async with self._uow() as tx:
            term = await tx.outcomes.term(int(job.payload["term_id"]))
            if term is None or term.payment is Payment.PAID:
                return
            case = await tx.cases.get(term.case_id)
            if case is None:
                return
            params = PaymentQuestionParams(case_id=case.id, number=case.number or "", term=term.facts())
            await tx.outbox.add([_row(case.worker_id, OutcomeNotice.PAYMENT_QUESTION, params, case)],
                                now=self._clock.now())

    async def answer_payment(self, worker: Person, term_id: int, answer: Payment) -> OutcomeResult:
        """The worker's answer about one term: recorded, the case's payment track follows its terms, the
        worker is told what they may do, and the mediator when money did not come."""
        now = self._clock.now()
        if answer not in ANSWERS:
            return Declined(Refusal.BAD_OUTCOME)
        async with self._uow() as tx:
            term = await tx.outcomes.term(term_id)
            case = await tx.cases.get(term.case_id) if term is not None else None
            if term is None or case is None or case.worker_id != worker.id:
                return Declined(Refusal.NOT_YOURS)
            if answer not in TERM_STEPS[term.payment]:
                return Declined(OutcomeRefusal.ALREADY_ANSWERED, case)
            await tx.outcomes.answer_term(term_id, answer, at=now)
            await tx.cases.append(case, [_event(OutcomeEvent.TERM_PAYMENT, worker, now, term=term.position,
                                                kind=term.term.kind, answer=answer, before=term.payment)],
                                  recorded_at=now)
            stored = await tx.outcomes.agreement(case.id)
            track = payment_track(t.payment for t in stored.terms) if stored else answer
            if track is not case.payment:
                moved = await change(tx, case, Command(CommandKind.RECORD_PAYMENT, actor_of(worker), outcome=track,
                                                       params={"term": term.position}), self._clock)
                # A step the engine has no arrow for (a missed term paid late while a later one is not
                # due yet: not paid -> due) leaves the track where it is; the term's event says what happened.
                if not isinstance(moved, Rejected):
                    case = moved.case
            answered = PaymentAnsweredParams(case_id=case.id, number=case.number or "", term=term.facts(),
                                             answer=answer, remedies=list(remedies(term.term.kind, answer)))
            rows = [_row(worker.id, OutcomeNotice.PAYMENT_ANSWERED, answered, case, immediate=True)]
            if answer is not Payment.PAID:
                missed = PaymentMissedParams(case_id=case.id, number=case.number or "", term=term.facts(),
                                             answer=answer)
                rows += [_row(person_id, OutcomeNotice.PAYMENT_MISSED, missed, case)
                         for person_id in await _mediators_of(tx, case)]
            ids = await tx.outbox.add(rows, now=now)
            await self._ask_rating(tx, case)
            return Done(case, replies=[row_id for row_id, row in zip(ids, rows, strict=True) if row.immediate])

    # The way to arbitration ------------------------------------------------------------------------

    async def _applying(self, tx: OutcomeTransaction, worker: Person, case_id: int
                        ) -> Case | Declined:
        case = await tx.cases.get(case_id)
        if case is None or case.worker_id != worker.id:
            return Declined(Refusal.NOT_YOURS)
        stored = await tx.outcomes.application(case_id)
        if stored is not None and stored.sent_at is not None:
            return Declined(OutcomeRefusal.ALREADY_SENT, case)
        if not may_apply(case, worker, self._clock.now()):
            return Declined(OutcomeRefusal.CANNOT_APPLY, case)
        return case

    async def start_application(self, worker: Person, case_id: int) -> OutcomeResult:
        """Whether the worker may prepare an application for this case now (nothing is written)."""
        async with self._uow() as tx:
            case = await self._applying(tx, worker, case_id)
            return case if isinstance(case, Declined) else Done(case)

    async def consent_to_id_number(self, worker: Person, case_id: int, given: bool) -> OutcomeResult:
        """The separate consent to giving the identity number (sensitive, PIPL Art. 29), given or refused,
        as an event with its time; a refusal forgets a number given before."""
        now = self._clock.now()
        async with self._uow() as tx:
            case = await self._applying(tx, worker, case_id)
            if isinstance(case, Declined):
                return case
            await tx.cases.append(case, [_event(OutcomeEvent.ID_CONSENT, worker, now, given=given,
                                                wording=CONSENT_WORDING)], recorded_at=now)
            if not given:
                await tx.outcomes.forget_id_number(case_id)
            return Done(case)

    async def give_id_number(self, worker: Person, case_id: int, text: str, born_on: date) -> OutcomeResult:
        """The identity number, after its consent; it must be valid and say the date of birth given."""
        now = self._clock.now()
        async with self._uow() as tx:
            case = await self._applying(tx, worker, case_id)
            if isinstance(case, Declined):
                return case
            if not id_consent_given(await tx.cases.events(case_id)):
                return Declined(OutcomeRefusal.NO_ID_CONSENT, case)
            resident = read_resident_id(text)
            if resident is None or resident.born_on != born_on:
                return Declined(OutcomeRefusal.BAD_ID_NUMBER, case)
            await tx.outcomes.set_id_number(case_id, worker.id, resident.number, at=now)
            return Done(case)

    async def draft_application(self, worker: Person, case_id: int, answers: ApplicationAnswers,
                                committee: Committee, locale: str) -> Papers | Declined:
        """The draft application from the case, the answers and the identity number if given: stored
        (unsigned) and laid out for the worker to read."""
        now = self._clock.now()
        async with self._uow() as tx:
            case = await self._applying(tx, worker, case_id)
            if isinstance(case, Declined):
                return case
            id_number = await tx.outcomes.id_number(case_id) if id_consent_given(await tx.cases.events(case_id)) \
                else None
            try:
                layout = await self._application_layout(tx, case, answers, id_number, committee, locale)
            except CaseNotReady:
                return Declined(OutcomeRefusal.CASE_NOT_READY, case)
            await tx.outcomes.save_application(case_id, answers, drafted_on=self._today(), now=now)
            await tx.cases.append(case, [_event(OutcomeEvent.APPLICATION_DRAFTED, worker, now,
                                                with_id_number=id_number is not None)], recorded_at=now)
            return Papers(layout, f"{layout.title}-{case.number or case.id}")

    async def _application_layout(self, tx: OutcomeTransaction, case: Case, answers: ApplicationAnswers,
                                  id_number: str | None, committee: Committee, locale: str,
                                  drafted_on: date | None = None) -> Layout:
        stored = await tx.outcomes.agreement(case.id)
        employer_address = answers.employer_address or (stored.draft.employer_address if stored else None)
        details = ApplicationDetails(id_number=id_number, born_on=answers.born_on, address=answers.address,
                                     employer_address=employer_address,
                                     legal_representative=answers.legal_representative)
        application = application_from_case(case, details, await tx.cases.evidence(case.id),
                                            committee=committee(case.workplace_district),
                                            drafted_on=drafted_on or self._today(), locale=locale)
        return application_layout(application, locale)

    async def application_papers(self, person: Person, case_id: int, committee: Committee, locale: str
                                 ) -> Papers | None:
        """The drafted application for the worker, the mediator holding the case, the district's
        arbitration office, or a supervisor; the identity number only for the first three (a staff view
        is logged)."""
        async with self._uow() as tx:
            case = await tx.cases.get(case_id)
            stored = await tx.outcomes.application(case_id) if case is not None else None
            if case is None or stored is None:
                return None
            office = self._is_office(person, case)
            if not (office or _may_read(person, case)):
                return None
            shows_id = person.id in (case.worker_id, case.mediator_id) or office
            id_number = await tx.outcomes.id_number(case_id) if shows_id else None
            if person.id != case.worker_id:
                await tx.access_log.record(person.id, case_id, "arbitration application", at=self._clock.now())
            try:
                layout = await self._application_layout(tx, case, stored.answers, id_number, committee, locale,
                                                        stored.drafted_on)
            except CaseNotReady:
                return None
            return Papers(layout, f"{layout.title}-{case.number or case.id}")

    def _is_office(self, person: Person, case: Case) -> bool:
        """Staff of the arbitration office of the workplace's district."""
        centre = person.centre_id or ""
        return (self._offices is not None and person.role is Role.MEDIATOR and bool(centre)
                and self._offices.is_arbitration_office(centre)
                and self._offices.district_of(centre) == case.workplace_district)

    async def sign_application(self, worker: Person, case_id: int) -> OutcomeResult:
        now = self._clock.now()
        async with self._uow() as tx:
            case = await self._applying(tx, worker, case_id)
            if isinstance(case, Declined):
                return case
            stored = await tx.outcomes.application(case_id)
            if stored is None:
                return Declined(OutcomeRefusal.NOT_DRAFTED, case)
            if stored.signed_at is None:
                await tx.outcomes.sign_application(case_id, at=now)
                await tx.cases.append(case, [_event(OutcomeEvent.APPLICATION_SIGNED, worker, now)], recorded_at=now)
            return Done(case)

    async def send_application(self, worker: Person, case_id: int) -> OutcomeResult:
        """With the worker's separate consent to the transfer (PIPL Art. 23), recorded as an event with its
        time: the signed application goes to the arbitration office's staff (and the mediator holding the
        case); a case not yet referred is, by the worker's application (it ends a mediation under way)."""
        now = self._clock.now()
        async with self._uow() as tx:
            case = await self._applying(tx, worker, case_id)
            if isinstance(case, Declined):
                return case
            stored = await tx.outcomes.application(case_id)
            if stored is None or stored.signed_at is None:
                return Declined(OutcomeRefusal.NOT_DRAFTED, case)
            await tx.cases.append(case, [_event(OutcomeEvent.TRANSFER_CONSENT, worker, now, given=True,
                                                wording=CONSENT_WORDING)], recorded_at=now)
            if case.arbitration is not Arbitration.APPLIED:
                applied = await change(tx, case, Command(CommandKind.REFER_TO_ARBITRATION, actor_of(worker),
                                                         params={"by": "worker_application"}), self._clock)
                if isinstance(applied, Rejected):
                    return Declined(applied.reason, applied.case)
                case = applied.case
                if self._keeper is not None:
                    await self._keeper.sync(tx, case)
            recipients = await self._office_staff(tx, case)
            await tx.outcomes.application_sent(case_id, at=now)
            await tx.cases.append(case, [_event(OutcomeEvent.APPLICATION_SENT, worker, now,
                                                recipients=len(recipients))], recorded_at=now)
            params = CaseParams(case_id=case.id, number=case.number or "")
            await tx.outbox.add([_row(person_id, OutcomeNotice.APPLICATION_TO_OFFICE, params, case)
                                 for person_id in recipients], now=now)
            return Done(case)

    async def _office_staff(self, tx: OutcomeTransaction, case: Case) -> list[int]:
        """The district's arbitration office (the supervisors when it has nobody in chat), and the
        mediator holding the case."""
        offices = self._offices.arbitration_offices(case.workplace_district) if self._offices else []
        staff = [person.id for office in offices for person in await tx.people.staff_of_centre(office)]
        if not staff:
            staff = [person.id for person in await supervisors_of(tx.people, case)]
        holder = await tx.people.get(case.mediator_id) if case.mediator_id is not None else None
        if holder is not None and holder.role is Role.MEDIATOR and holder.id not in staff:
            staff.append(holder.id)
        return staff

    # Rating ----------------------------------------------------------------------------------------

    async def ask_rating_if_closed(self, case: Case) -> bool:
        """Ask the worker, once, to rate the service when nothing more is being done on the case. For every
        use case that can close a case (no agreement, a withdrawal, arbitration or inspection closed):
        called inside its unit of work, it joins that transaction. True if asked now."""
        async with self._uow() as tx:
            return await self._ask_rating(tx, case)

    async def _ask_rating(self, tx: OutcomeTransaction, case: Case) -> bool:
        if not rating_due(case) or not await tx.outcomes.ask_rating(case.id, at=self._clock.now()):
            return False
        params = RatingParams(case_id=case.id, number=case.number or "")
        await tx.outbox.add([_row(case.worker_id, OutcomeNotice.RATING_QUESTION, params, case)], now=self._clock.now())
        return True

    async def rate(self, worker: Person, case_id: int, rating: Rating) -> OutcomeResult:
        now = self._clock.now()
        async with self._uow() as tx:
            case = await tx.cases.get(case_id)
            if case is None or case.worker_id != worker.id:
                return Declined(Refusal.NOT_YOURS)
            asked = await tx.outcomes.rating(case_id)
            if asked is None:
                return Declined(OutcomeRefusal.NOT_ASKED, case)
            if not await tx.outcomes.rate(case_id, rating, at=now):
                return Declined(OutcomeRefusal.ALREADY_RATED, case)
            await tx.cases.append(case, [_event(OutcomeEvent.RATED, worker, now, rating=rating, good=is_good(rating))],
                                  recorded_at=now)
            params = RatingParams(case_id=case.id, number=case.number or "", rating=rating)
            rows = [_row(worker.id, OutcomeNotice.RATED, params, case, immediate=True)]
            if not is_good(rating):
                rows += [_row(supervisor.id, OutcomeNotice.LOW_RATING, params, case)
                         for supervisor in await supervisors_of(tx.people, case)]
            ids = await tx.outbox.add(rows, now=now)
            return Done(case, replies=[row_id for row_id, row in zip(ids, rows, strict=True) if row.immediate])

    async def comment(self, worker: Person, case_id: int, text: str) -> OutcomeResult:
        """The optional comment after a rating: the event's note, which a purge deletes."""
        now = self._clock.now()
        text = text.strip()[:COMMENT_LIMIT]
        async with self._uow() as tx:
            case = await tx.cases.get(case_id)
            if case is None or case.worker_id != worker.id:
                return Declined(Refusal.NOT_YOURS)
            rated = await tx.outcomes.rating(case_id)
            if rated is None or rated.rating is None or not text:
                return Declined(OutcomeRefusal.NOT_ASKED, case)
            await tx.cases.append(case, [_event(OutcomeEvent.RATING_COMMENTED, worker, now, note=text,
                                                rating=rated.rating)], recorded_at=now)
            if not is_good(rated.rating):  # the supervisors following up a low rating read it on the case
                params = RatingParams(case_id=case.id, number=case.number or "", rating=rated.rating, commented=True)
                await tx.outbox.add([_row(supervisor.id, OutcomeNotice.LOW_RATING, params, case)
                                     for supervisor in await supervisors_of(tx.people, case)], now=now)
            return Done(case)


class _Keeper(Protocol):
    async def sync(self, tx: Transaction, case: Case) -> object: ...


def _may_read(person: Person, case: Case) -> bool:
    """The worker, the mediator who holds or held it, a mediator of its centre, a supervisor."""
    if person.id == case.worker_id or person.role is Role.SUPERVISOR:
        return True
    return person.role is Role.MEDIATOR and (person.id == case.mediator_id
                                             or (case.centre_id is not None and person.centre_id == case.centre_id))


async def _mediators_of(tx: OutcomeTransaction, case: Case) -> Sequence[int]:
    """Who hears of a missed payment: the mediator who held the case while still a mediator, else the
    centre's mediators."""
    holder = await tx.people.get(case.mediator_id) if case.mediator_id is not None else None
    if holder is not None and holder.role is Role.MEDIATOR:
        return [holder.id]
    return [person.id for person in await tx.people.staff_of_centre(case.centre_id or "")]
