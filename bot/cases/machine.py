"""The case state machine: pure, no database. `decide(case, command, now)` says which events a command
produces and what the case looks like afterwards, or why the command is refused.

A case runs on parallel tracks, because the law lets them run side by side (Art. 9: labour inspection
may run while arbitration does):
- mediation: submitted -> assigned (to a centre) -> accepted (by a mediator) -> in mediation -> ended
  with an outcome (agreement / no agreement / referred to arbitration / withdrawn); a platform-work
  mediation may be extended once while a mediator holds it. A worker who
  withdraws (or goes to arbitration) before any mediator accepted ends in `withdrawn`: no mediation
  took place, so it is not a mediation ending for the success rate. Once a mediator accepted, the
  centre has received the application, and a case passed back to the queue or transferred still ends
  mediation when it is withdrawn. A transfer to another centre leaves the case assigned there.
- payment of an agreement: due -> paid / partly paid / not paid.
- arbitration: applied (received, materials completed: recorded, the state stays) -> accepted / not
  accepted; accepted <-> suspended; accepted (extended once; restarted, rules Art. 46: recorded) ->
  closed with an outcome.
- labour inspection: handed over -> filed -> (extended) -> closed.
The clocks these steps start and stop are computed from the events (bot/deadlines.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.people import Role


class Mediation(StrEnum):
    SUBMITTED = "submitted"        # filed, no centre yet
    ASSIGNED = "assigned"          # a centre holds it, waiting for a mediator
    ACCEPTED = "accepted"          # a mediator took it: the centre has received the application
    IN_MEDIATION = "in_mediation"  # both sides are being mediated
    ENDED = "ended"                # mediation ended with an outcome
    WITHDRAWN = "withdrawn"        # withdrawn before any mediator accepted


class Outcome(StrEnum):
    AGREEMENT = "agreement"
    NO_AGREEMENT = "no_agreement"
    REFERRED = "referred"          # referred to arbitration without agreement
    WITHDRAWN = "withdrawn"        # the worker withdrew after a mediator accepted


class Payment(StrEnum):
    DUE = "due"
    PAID = "paid"
    PARTLY_PAID = "partly_paid"
    NOT_PAID = "not_paid"


class Arbitration(StrEnum):
    APPLIED = "applied"
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class ArbitrationOutcome(StrEnum):
    AWARD = "award"
    MEDIATED = "mediated"
    WITHDRAWN = "withdrawn"


class Inspection(StrEnum):
    HANDED_OVER = "handed_over"
    FILED = "filed"
    EXTENDED = "extended"
    CLOSED = "closed"


class EventType(StrEnum):
    """What happened to a case; the rates count these (DOMAIN.md "Rates")."""

    SUBMITTED = "submitted"
    ASSIGNED = "assigned"
    TRANSFERRED = "transferred"
    ACCEPTED = "accepted"
    REASSIGNED = "reassigned"
    PASSED = "passed"                        # the holder gave the case back to the centre's queue
    STEPPED_ASIDE = "stepped_aside"          # a mediator of the centre will not take it; others still may
    MEDIATION_STARTED = "mediation_started"
    MEDIATION_ENDED = "mediation_ended"      # once per case; carries the outcome
    MEDIATION_EXTENDED = "mediation_extended"  # platform work: once, both sides agreed (who, how many days)
    WITHDRAWN = "withdrawn"                  # before a mediator accepted
    EVIDENCE_ADDED = "evidence_added"
    PAYMENT_DUE = "payment_due"
    PAYMENT_RECORDED = "payment_recorded"
    ARBITRATION_APPLIED = "arbitration_applied"
    ARBITRATION_RECEIVED = "arbitration_received"     # the office has the application: the 5 days start
    ARBITRATION_COMPLETED = "arbitration_completed"   # materials completed: the 5 days start again
    ARBITRATION_ACCEPTED = "arbitration_accepted"
    ARBITRATION_NOT_ACCEPTED = "arbitration_not_accepted"
    ARBITRATION_EXTENDED = "arbitration_extended"
    ARBITRATION_SUSPENDED = "arbitration_suspended"
    ARBITRATION_RESUMED = "arbitration_resumed"
    ARBITRATION_RESTARTED = "arbitration_restarted"   # rules Art. 46: claims changed, a party added
    ARBITRATION_CLOSED = "arbitration_closed"
    INSPECTION_HANDED_OVER = "inspection_handed_over"
    INSPECTION_FILED = "inspection_filed"
    INSPECTION_EXTENDED = "inspection_extended"
    INSPECTION_CLOSED = "inspection_closed"
    # The clocks (bot/deadlines.py), written by the system: not from a command.
    DEADLINE_RECOMPUTED = "deadline_recomputed"  # the calendar changed a stored due date
    DEADLINE_WARNED = "deadline_warned"          # a reminder before a limit went out
    DEADLINE_PASSED = "deadline_passed"          # a limit passed with its step not taken


class Track(StrEnum):
    MEDIATION = "mediation"
    PAYMENT = "payment"
    ARBITRATION = "arbitration"
    INSPECTION = "inspection"


class CommandKind(StrEnum):
    ASSIGN = "assign"
    TRANSFER = "transfer"
    ACCEPT = "accept"
    REASSIGN = "reassign"
    PASS = "pass"
    STEP_ASIDE = "step_aside"
    START_MEDIATION = "start_mediation"
    END_MEDIATION = "end_mediation"
    EXTEND_MEDIATION = "extend_mediation"
    WITHDRAW = "withdraw"
    ADD_EVIDENCE = "add_evidence"
    REFER_TO_ARBITRATION = "refer_to_arbitration"
    SET_PAYMENT_DUE = "set_payment_due"
    RECORD_PAYMENT = "record_payment"
    RECEIVE_ARBITRATION = "receive_arbitration"
    COMPLETE_ARBITRATION = "complete_arbitration"
    ACCEPT_ARBITRATION = "accept_arbitration"
    REFUSE_ARBITRATION = "refuse_arbitration"
    EXTEND_ARBITRATION = "extend_arbitration"
    SUSPEND_ARBITRATION = "suspend_arbitration"
    RESUME_ARBITRATION = "resume_arbitration"
    RESTART_ARBITRATION = "restart_arbitration"
    CLOSE_ARBITRATION = "close_arbitration"
    HAND_TO_INSPECTION = "hand_to_inspection"
    FILE_INSPECTION = "file_inspection"
    EXTEND_INSPECTION = "extend_inspection"
    CLOSE_INSPECTION = "close_inspection"


class Refusal(StrEnum):
    """Why a command was refused; handlers turn each into a sentence in the user's language."""

    NOT_IN_THIS_STATE = "not_in_this_state"    # a stale button, or a step out of order
    NOT_YOURS = "not_yours"                    # the actor may not do this to this case
    SAME_CENTRE = "same_centre"
    SAME_MEDIATOR = "same_mediator"
    ALREADY_EXTENDED = "already_extended"
    BAD_OUTCOME = "bad_outcome"
    NO_AGREEMENT_TO_PAY = "no_agreement_to_pay"
    CASE_CLOSED = "case_closed"
    STALE = "stale"                            # someone else changed the case first (see the store)


@dataclass(frozen=True)
class Actor:
    """Who gives a command, as the store knows them now (roles never come from a button)."""

    person_id: int | None            # None: the system (routing, a job)
    role: Role | None = None
    centre_id: str | None = None     # a mediator's centre


SYSTEM = Actor(person_id=None)


@dataclass(frozen=True)
class CaseState:
    """What decide needs of a case: its tracks, who holds it, and the version it was read at."""

    worker_id: int
    mediation: Mediation = Mediation.SUBMITTED
    outcome: Outcome | None = None
    centre_id: str | None = None
    mediator_id: int | None = None
    payment: Payment | None = None
    arbitration: Arbitration | None = None
    arbitration_outcome: ArbitrationOutcome | None = None
    arbitration_extended: bool = False
    inspection: Inspection | None = None
    accepted_at: datetime | None = None   # a mediator's first accept: the centre received the application
    mediation_extended: bool = False      # platform work: the one extension both sides may agree to
    version: int = 0

    @property
    def mediation_active(self) -> bool:
        return self.mediation in ACTIVE_MEDIATION

    @property
    def is_open(self) -> bool:
        """Something is still being done on the case: evidence may be added, the worker can follow it."""
        return (self.mediation_active or self.payment in (Payment.DUE, Payment.PARTLY_PAID)
                or self.arbitration in OPEN_ARBITRATION or self.inspection in OPEN_INSPECTION)


ACTIVE_MEDIATION = frozenset({Mediation.SUBMITTED, Mediation.ASSIGNED, Mediation.ACCEPTED, Mediation.IN_MEDIATION})
HELD_BY_MEDIATOR = frozenset({Mediation.ACCEPTED, Mediation.IN_MEDIATION})
OPEN_ARBITRATION = frozenset({Arbitration.APPLIED, Arbitration.ACCEPTED, Arbitration.SUSPENDED})
OPEN_INSPECTION = frozenset({Inspection.HANDED_OVER, Inspection.FILED, Inspection.EXTENDED})


@dataclass(frozen=True)
class Command:
    kind: CommandKind
    actor: Actor = SYSTEM
    centre_id: str | None = None       # assign, transfer
    mediator_id: int | None = None     # reassign
    outcome: str | None = None         # end mediation, record payment, close arbitration
    params: dict[str, Any] = field(default_factory=dict)  # copied onto the event's payload
    note: str | None = None            # personal free text (a typed reason): kept apart from the log


@dataclass(frozen=True)
class NewEvent:
    type: EventType
    track: Track | None
    from_state: str | None
    to_state: str | None
    actor: Actor
    occurred_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    note: str | None = None


@dataclass(frozen=True)
class Decision:
    events: list[NewEvent]
    state: CaseState


@dataclass(frozen=True)
class Refused:
    reason: Refusal


def decide(case: CaseState, command: Command, now: datetime) -> Decision | Refused:
    """The events `command` produces on `case` at `now`, and the state after them; or a refusal."""
    rule = _RULES[command.kind]
    return rule(case, command, now)


# ---------------------------------------------------------------------------------------------
# One rule per command. Each checks the state and the actor, then says what happens.

def _event(case: CaseState, command: Command, now: datetime, type: EventType, track: Track | None,
           before: str | None, after: str | None, **payload: Any) -> NewEvent:
    return NewEvent(type=type, track=track, from_state=before, to_state=after, actor=command.actor,
                    occurred_at=now, payload={**command.params, **payload}, note=command.note)


def _is_staff_of_centre(actor: Actor, centre_id: str | None) -> bool:
    return actor.role is Role.MEDIATOR and centre_id is not None and actor.centre_id == centre_id


def _is_supervisor(actor: Actor) -> bool:
    return actor.role is Role.SUPERVISOR


def _may_manage(case: CaseState, actor: Actor) -> bool:
    """The holding mediator, a mediator of the holding centre, a supervisor, or the system."""
    return actor.person_id is None or _is_supervisor(actor) or _is_staff_of_centre(actor, case.centre_id)


def _assign(case: CaseState, command: Command, now: datetime) -> Decision | Refused:
    if case.mediation is not Mediation.SUBMITTED:
        return Refused(Refusal.NOT_IN_THIS_STATE)
    if command.actor.person_id is not None and not _is_supervisor(command.actor):
        return Refused(Refusal.NOT_YOURS)
    if not command.centre_id:
        return Refused(Refusal.NOT_IN_THIS_STATE)
    after = replace(case, mediation=Mediation.ASSIGNED, centre_id=command.centre_id)
    return Decision([_event(case, command, now, EventType.ASSIGNED, Track.MEDIATION, case.mediation,
                            after.mediation, centre_id=command.centre_id)], after)


def _transfer(case: CaseState, command: Command, now: datetime) -> Decision | Refused:
    if case.mediation not in (Mediation.ASSIGNED, *HELD_BY_MEDIATOR):
        return Refused(Refusal.NOT_IN_THIS_STATE)
    if not _may_manage(case, command.actor):
        return Refused(Refusal.NOT_YOURS)
    if not command.centre_id or command.centre_id == case.centre_id:
        return Refused(Refusal.SAME_CENTRE)
    after = replace(case, mediation=Mediation.ASSIGNED, centre_id=command.centre_id, mediator_id=None)
    return Decision([_event(case, command, now, EventType.TRANSFERRED, Track.MEDIATION, case.mediation,
                            after.mediation, from_centre=case.centre_id, centre_id=command.centre_id)], after)


def _accept(case: CaseState, command: Command, now: datetime) -> Decision | Refused:
    if case.mediation is not Mediation.ASSIGNED:
        return Refused(Refusal.NOT_IN_THIS_STATE)
    if not _is_staff_of_centre(command.actor, case.centre_id):
        return Refused(Refusal.NOT_YOURS)
    after = replace(case, mediation=Mediation.ACCEPTED, mediator_id=command.actor.person_id,
                    accepted_at=case.accepted_at or now)
    return Decision([_event(case, command, now, EventType.ACCEPTED, Track.MEDIATION, case.mediation,
                            after.mediation, mediator_id=command.actor.person_id)], after)


def _reassign(case: CaseState, command: Command, now: datetime) -> Decision | Refused:
    """To a named colleague of the same centre (the service checks the colleague's centre)."""
    if case.mediation not in (Mediation.ASSIGNED, *HELD_BY_MEDIATOR):
        return Refused(Refusal.NOT_IN_THIS_STATE)
    if not _may_manage(case, command.actor):
        return Refused(Refusal.NOT_YOURS)
    if command.mediator_id is None or command.mediator_id == case.mediator_id:
        return Refused(Refusal.SAME_MEDIATOR)
    if case.mediation is Mediation.ASSIGNED:  # given to a named mediator from the queue: their accept
        after = replace(case, mediation=Mediation.ACCEPTED, mediator_id=command.mediator_id,
                        accepted_at=case.accepted_at or now)
        return Decision([_event(case, command, now, EventType.ACCEPTED, Track.MEDIATION, case.mediation,
                                after.mediation, mediator_id=command.mediator_id,
                                assigned_by=command.actor.person_id)], after)
    after = replace(case, mediator_id=command.mediator_id)
    return Decision([_event(case, command, now, EventType.REASSIGNED, Track.MEDIATION, case.mediation,
                            after.mediation, from_mediator=case.mediator_id, mediator_id=command.mediator_id)],
                    after)


def _holder_or_manager(case: CaseState, actor: Actor) -> bool:
    """The mediator holding the case (still a mediator), a supervisor, or the system."""
    holder = actor.person_id is not None and actor.person_id == case.mediator_id and actor.role is Role.MEDIATOR
    return holder or _is_supervisor(actor) or actor.person_id is None


def _pass(case: CaseState, command: Command, now: datetime) -> Decision | Refused:
    """The holding mediator gives the case back to the centre's queue."""
    if case.mediation not in HELD_BY_MEDIATOR:
        return Refused(Refusal.NOT_IN_THIS_STATE)
    if not _holder_or_manager(case, command.actor):
        return Refused(Refusal.NOT_YOURS)
    after = replace(case, mediation=Mediation.ASSIGNED, mediator_id=None)
    return Decision([_event(case, command, now, EventType.PASSED, Track.MEDIATION, case.mediation,
                            after.mediation, from_mediator=case.mediator_id)], after)


def _step_aside(case: CaseState, command: Command, now: datetime) -> Decision | Refused:
    """A mediator of the centre will not take a waiting case (busy, a conflict of interest): recorded,
    the case stays in the queue for the others."""
    if case.mediation is not Mediation.ASSIGNED:
        return Refused(Refusal.NOT_IN_THIS_STATE)
    if not _is_staff_of_centre(command.actor, case.centre_id):
        return Refused(Refusal.NOT_YOURS)
    return Decision([_event(case, command, now, EventType.STEPPED_ASIDE, Track.MEDIATION, case.mediation,
                            case.mediation)], case)


def _start_mediation(case: CaseState, command: Command, now: datetime) -> Decision | Refused:
    if case.mediation is not Mediation.ACCEPTED:
        return Refused(Refusal.NOT_IN_THIS_STATE)
    if not _holder_or_manager(case, command.actor):
        return Refused(Refusal.NOT_YOURS)
    after = replace(case, mediation=Mediation.IN_MEDIATION)
    return Decision([_event(case, command, now, EventType.MEDIATION_STARTED, Track.MEDIATION, case.mediation,
                            after.mediation)], after)


def _ended(case: CaseState, command: Command, now: datetime, outcome: Outcome) -> tuple[NewEvent, CaseState]:
    after = replace(case, mediation=Mediation.ENDED, outcome=outcome)
    return _event(case, command, now, EventType.MEDIATION_ENDED, Track.MEDIATION, case.mediation,
                  after.mediation, outcome=outcome), after


def _end_mediation(case: CaseState, command: Command, now: datetime) -> Decision | Refused:
    """Agreement or no agreement; withdrawal and referral have their own commands."""
    if case.mediation not in HELD_BY_MEDIATOR:
        return Refused(Refusal.NOT_IN_THIS_STATE)
    if not _holder_or_manager(case, command.actor):
        return Refused(Refusal.NOT_YOURS)
    if command.outcome not in (Outcome.AGREEMENT, Outcome.NO_AGREEMENT):
        return Refused(Refusal.BAD_OUTCOME)
    event, after = _ended(case, command, now, Outcome(command.outcome))
    return Decision([event], after)


def _extend_mediation(case: CaseState, command: Command, now: datetime) -> Decision | Refused:
    """New employment forms (人社厅发〔2024〕4号): both sides agree to extend the mediation once (the
    service checks the kind of dispute and the days)."""
    if case.mediation not in HELD_BY_MEDIATOR:
        return Refused(Refusal.NOT_IN_THIS_STATE)
    if not _holder_or_manager(case, command.actor):
        return Refused(Refusal.NOT_YOURS)
    if case.mediation_extended:
        return Refused(Refusal.ALREADY_EXTENDED)
    after = replace(case, mediation_extended=True)
    return Decision([_event(case, command, now, EventType.MEDIATION_EXTENDED, Track.MEDIATION, case.mediation,
                            case.mediation)], after)


def _withdraw(case: CaseState, command: Command, now: datetime) -> Decision | Refused:
    if command.actor.person_id != case.worker_id:
        return Refused(Refusal.NOT_YOURS)
    if not case.mediation_active:
        return Refused(Refusal.NOT_IN_THIS_STATE)
    if case.accepted_at is not None:
        event, after = _ended(case, command, now, Outcome.WITHDRAWN)
        return Decision([event], after)
    event, after = _withdrawn_unmediated(case, command, now)
    return Decision([event], after)


def _withdrawn_unmediated(case: CaseState, command: Command, now: datetime, **payload: Any
                          ) -> tuple[NewEvent, CaseState]:
    """No mediator ever accepted: the application is withdrawn, no mediation took place."""
    after = replace(case, mediation=Mediation.WITHDRAWN)
    return _event(case, command, now, EventType.WITHDRAWN, Track.MEDIATION, case.mediation, after.mediation,
                  **payload), after


def _add_evidence(case: CaseState, command: Command, now: datetime) -> Decision | Refused:
    actor = command.actor
    holder = actor.person_id == case.mediator_id and actor.role is Role.MEDIATOR
    if actor.person_id is None or not (actor.person_id == case.worker_id or holder):
        return Refused(Refusal.NOT_YOURS)
    if not case.is_open:
        return Refused(Refusal.CASE_CLOSED)
    return Decision([_event(case, command, now, EventType.EVIDENCE_ADDED, None, None, None)], case)


def _refer_to_arbitration(case: CaseState, command: Command, now: datetime) -> Decision | Refused:
    """An application for arbitration: it ends a mediation under way (outcome "referred"), withdraws an
    application no mediator accepted yet (no mediation took place), and after an ended mediation (no
    agreement, or an agreement not performed, Art. 15) only opens the track."""
    if case.arbitration not in (None, Arbitration.NOT_ACCEPTED):
        return Refused(Refusal.NOT_IN_THIS_STATE)
    if case.mediation is Mediation.WITHDRAWN and case.arbitration is None:  # withdrawn, not by applying
        return Refused(Refusal.NOT_IN_THIS_STATE)
    if command.actor.person_id != case.worker_id and not _holder_or_manager(case, command.actor):
        return Refused(Refusal.NOT_YOURS)
    events, after = [], case
    if case.mediation_active and case.accepted_at is not None:
        ended, after = _ended(case, command, now, Outcome.REFERRED)
        events.append(ended)
    elif case.mediation_active:
        ended, after = _withdrawn_unmediated(case, command, now, reason_code="applied_for_arbitration")
        events.append(ended)
    opened = replace(after, arbitration=Arbitration.APPLIED, arbitration_outcome=None, arbitration_extended=False)
    events.append(_event(case, command, now, EventType.ARBITRATION_APPLIED, Track.ARBITRATION, case.arbitration,
                         opened.arbitration))
    return Decision(events, opened)


def _set_payment_due(case: CaseState, command: Command, now: datetime) -> Decision | Refused:
    if case.outcome is not Outcome.AGREEMENT:
        return Refused(Refusal.NO_AGREEMENT_TO_PAY)
    if case.payment is not None:
        return Refused(Refusal.NOT_IN_THIS_STATE)
    if not _holder_or_manager(case, command.actor):
        return Refused(Refusal.NOT_YOURS)
    after = replace(case, payment=Payment.DUE)
    return Decision([_event(case, command, now, EventType.PAYMENT_DUE, Track.PAYMENT, None, after.payment)], after)


_PAYMENT_STEPS = {
    Payment.DUE: frozenset({Payment.PAID, Payment.PARTLY_PAID, Payment.NOT_PAID}),
    Payment.PARTLY_PAID: frozenset({Payment.PAID, Payment.NOT_PAID}),
    Payment.NOT_PAID: frozenset({Payment.PAID, Payment.PARTLY_PAID}),  # paid late, after all
}


def _record_payment(case: CaseState, command: Command, now: datetime) -> Decision | Refused:
    if command.outcome not in (Payment.PAID, Payment.PARTLY_PAID, Payment.NOT_PAID):
        return Refused(Refusal.BAD_OUTCOME)
    if case.payment is None or command.outcome not in _PAYMENT_STEPS.get(case.payment, ()):
        return Refused(Refusal.NOT_IN_THIS_STATE)
    if command.actor.person_id != case.worker_id and not _holder_or_manager(case, command.actor):
        return Refused(Refusal.NOT_YOURS)
    after = replace(case, payment=Payment(command.outcome))
    return Decision([_event(case, command, now, EventType.PAYMENT_RECORDED, Track.PAYMENT, case.payment,
                            after.payment)], after)


def _arbitration_step(source: frozenset[Arbitration], target: Arbitration, type: EventType, *,
                      once: bool = False):
    """A step of the arbitration track, recorded by the arbitration office (or a supervisor)."""

    def rule(case: CaseState, command: Command, now: datetime) -> Decision | Refused:
        if case.arbitration not in source:
            return Refused(Refusal.NOT_IN_THIS_STATE)
        if not _records_arbitration(command.actor):
            return Refused(Refusal.NOT_YOURS)
        if once and case.arbitration_extended:
            return Refused(Refusal.ALREADY_EXTENDED)
        after = replace(case, arbitration=target, arbitration_extended=case.arbitration_extended or once)
        return Decision([_event(case, command, now, type, Track.ARBITRATION, case.arbitration, target)], after)

    return rule


def _records_arbitration(actor: Actor) -> bool:
    # Which centre is the arbitration office is registry data: the service checks it, decide the role.
    return actor.person_id is None or actor.role in (Role.MEDIATOR, Role.SUPERVISOR)


def _close_arbitration(case: CaseState, command: Command, now: datetime) -> Decision | Refused:
    if case.arbitration not in (Arbitration.ACCEPTED, Arbitration.SUSPENDED):
        return Refused(Refusal.NOT_IN_THIS_STATE)
    if not _records_arbitration(command.actor):
        return Refused(Refusal.NOT_YOURS)
    if command.outcome not in tuple(ArbitrationOutcome):
        return Refused(Refusal.BAD_OUTCOME)
    after = replace(case, arbitration=Arbitration.CLOSED, arbitration_outcome=ArbitrationOutcome(command.outcome))
    return Decision([_event(case, command, now, EventType.ARBITRATION_CLOSED, Track.ARBITRATION, case.arbitration,
                            after.arbitration, outcome=command.outcome)], after)


def _hand_to_inspection(case: CaseState, command: Command, now: datetime) -> Decision | Refused:
    """Art. 9: unpaid wages and compensation may also go to labour inspection, beside any other track."""
    if case.inspection is not None:
        return Refused(Refusal.NOT_IN_THIS_STATE)
    if case.mediation is Mediation.WITHDRAWN and case.arbitration is None:
        return Refused(Refusal.CASE_CLOSED)
    if command.actor.person_id != case.worker_id and not _may_manage(case, command.actor):
        return Refused(Refusal.NOT_YOURS)
    after = replace(case, inspection=Inspection.HANDED_OVER)
    return Decision([_event(case, command, now, EventType.INSPECTION_HANDED_OVER, Track.INSPECTION, None,
                            after.inspection)], after)


def _reports_inspection(actor: Actor) -> bool:
    # Which liaison (the workplace's district) and which mediator (the one who handed the case over) is
    # store data: the service checks it, decide the role.
    return actor.person_id is None or actor.role in (Role.INSPECTION, Role.MEDIATOR, Role.SUPERVISOR)


def _inspection_step(source: frozenset[Inspection], target: Inspection, type: EventType):
    """A step of labour inspection, as its liaison or the mediator who handed it over reports it (or a
    supervisor, or the system)."""

    def rule(case: CaseState, command: Command, now: datetime) -> Decision | Refused:
        if case.inspection not in source:
            return Refused(Refusal.NOT_IN_THIS_STATE)
        if not _reports_inspection(command.actor):
            return Refused(Refusal.NOT_YOURS)
        after = replace(case, inspection=target)
        return Decision([_event(case, command, now, type, Track.INSPECTION, case.inspection, target)], after)

    return rule


_RULES = {
    CommandKind.ASSIGN: _assign,
    CommandKind.TRANSFER: _transfer,
    CommandKind.ACCEPT: _accept,
    CommandKind.REASSIGN: _reassign,
    CommandKind.PASS: _pass,
    CommandKind.STEP_ASIDE: _step_aside,
    CommandKind.START_MEDIATION: _start_mediation,
    CommandKind.END_MEDIATION: _end_mediation,
    CommandKind.EXTEND_MEDIATION: _extend_mediation,
    CommandKind.WITHDRAW: _withdraw,
    CommandKind.ADD_EVIDENCE: _add_evidence,
    CommandKind.REFER_TO_ARBITRATION: _refer_to_arbitration,
    CommandKind.SET_PAYMENT_DUE: _set_payment_due,
    CommandKind.RECORD_PAYMENT: _record_payment,
    CommandKind.RECEIVE_ARBITRATION: _arbitration_step(
        frozenset({Arbitration.APPLIED}), Arbitration.APPLIED, EventType.ARBITRATION_RECEIVED),
    CommandKind.COMPLETE_ARBITRATION: _arbitration_step(
        frozenset({Arbitration.APPLIED}), Arbitration.APPLIED, EventType.ARBITRATION_COMPLETED),
    CommandKind.ACCEPT_ARBITRATION: _arbitration_step(
        frozenset({Arbitration.APPLIED}), Arbitration.ACCEPTED, EventType.ARBITRATION_ACCEPTED),
    CommandKind.REFUSE_ARBITRATION: _arbitration_step(
        frozenset({Arbitration.APPLIED}), Arbitration.NOT_ACCEPTED, EventType.ARBITRATION_NOT_ACCEPTED),
    CommandKind.EXTEND_ARBITRATION: _arbitration_step(
        frozenset({Arbitration.ACCEPTED}), Arbitration.ACCEPTED, EventType.ARBITRATION_EXTENDED, once=True),
    CommandKind.SUSPEND_ARBITRATION: _arbitration_step(
        frozenset({Arbitration.ACCEPTED}), Arbitration.SUSPENDED, EventType.ARBITRATION_SUSPENDED),
    CommandKind.RESUME_ARBITRATION: _arbitration_step(
        frozenset({Arbitration.SUSPENDED}), Arbitration.ACCEPTED, EventType.ARBITRATION_RESUMED),
    CommandKind.RESTART_ARBITRATION: _arbitration_step(
        frozenset({Arbitration.ACCEPTED}), Arbitration.ACCEPTED, EventType.ARBITRATION_RESTARTED),
    CommandKind.CLOSE_ARBITRATION: _close_arbitration,
    CommandKind.HAND_TO_INSPECTION: _hand_to_inspection,
    CommandKind.FILE_INSPECTION: _inspection_step(
        frozenset({Inspection.HANDED_OVER}), Inspection.FILED, EventType.INSPECTION_FILED),
    CommandKind.EXTEND_INSPECTION: _inspection_step(
        frozenset({Inspection.FILED}), Inspection.EXTENDED, EventType.INSPECTION_EXTENDED),
    CommandKind.CLOSE_INSPECTION: _inspection_step(
        frozenset({Inspection.HANDED_OVER, Inspection.FILED, Inspection.EXTENDED}), Inspection.CLOSED,
        EventType.INSPECTION_CLOSED),
}
