"""The decide table: every reachable state of a case x every command x every kind of actor, no database.

`expected` below is the specification, written from issue 9 and DOMAIN.md ("Rates") without calling the
machine. The table tests compare `decide` with it on every reachable combination of the tracks; the
hand-written rows pin the cases the rates depend on; a property test walks random command sequences.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import product
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
    NewEvent,
    Outcome,
    Payment,
    Refusal,
    Refused,
    Track,
    decide,
)
from bot.people import Role
from tests.conftest import NOW

K = CommandKind
WORKER_ID, STRANGER_ID, HOLDER_ID, COLLEAGUE_ID, OUTSIDER_ID, LIAISON_ID, SUPERVISOR_ID = 1, 2, 11, 12, 21, 31, 90
CENTRE, OTHER_CENTRE = "dxh-wujiashan", "dxh-jinyintan"

ACTORS: dict[str, Actor] = {
    "worker": Actor(WORKER_ID, Role.WORKER),
    "another worker": Actor(STRANGER_ID, Role.WORKER),
    "holding mediator": Actor(HOLDER_ID, Role.MEDIATOR, CENTRE),
    "mediator of the centre": Actor(COLLEAGUE_ID, Role.MEDIATOR, CENTRE),
    "mediator of another centre": Actor(OUTSIDER_ID, Role.MEDIATOR, OTHER_CENTRE),
    "inspection liaison": Actor(LIAISON_ID, Role.INSPECTION),
    "supervisor": Actor(SUPERVISOR_ID, Role.SUPERVISOR),
    "system": SYSTEM,
    # Still named on the case, but their role was taken away (the store says worker now).
    "holder no longer a mediator": Actor(HOLDER_ID, Role.WORKER, CENTRE),
}
ACTOR_NAMES = {actor: name for name, actor in ACTORS.items()}

# Every shape of every command: the valid ones and the malformed ones a forged or stale button sends.
VARIANTS: dict[CommandKind, list[dict[str, Any]]] = {
    K.ASSIGN: [{"centre_id": CENTRE}, {}],
    K.TRANSFER: [{"centre_id": OTHER_CENTRE}, {"centre_id": CENTRE}, {}],
    K.REASSIGN: [{"mediator_id": COLLEAGUE_ID}, {"mediator_id": HOLDER_ID}, {}],
    K.END_MEDIATION: [{"outcome": value} for value in [*Outcome, "bogus"]],
    K.RECORD_PAYMENT: [{"outcome": value} for value in
                       [Payment.PAID, Payment.PARTLY_PAID, Payment.NOT_PAID, Payment.DUE, "bogus"]],
    K.CLOSE_ARBITRATION: [{"outcome": value} for value in [*ArbitrationOutcome, "bogus"]],
}
COMMANDS = [Command(kind, actor, **shape) for kind in CommandKind for shape in VARIANTS.get(kind, [{}])
            for actor in ACTORS.values()]


# ---------------------------------------------------------------------------------------------
# The states: every reachable combination of the tracks.

HELD = frozenset({Mediation.ACCEPTED, Mediation.IN_MEDIATION})
BEFORE_OUTCOME = frozenset({Mediation.SUBMITTED, Mediation.ASSIGNED, *HELD})
ARBITRATION_TRACK = (  # (state, outcome, extension used): extended only once accepted, an outcome once closed
    [(None, None, False), (Arbitration.APPLIED, None, False), (Arbitration.NOT_ACCEPTED, None, False)]
    + [(state, None, extended) for state in (Arbitration.ACCEPTED, Arbitration.SUSPENDED) for extended in (False, True)]
    + [(Arbitration.CLOSED, outcome, extended) for outcome in ArbitrationOutcome for extended in (False, True)]
)
INSPECTION_TRACK = [None, *Inspection]

# The table's states were accepted earlier than the commands it gives (at NOW): a later accept must keep
# the first time, and a first accept must stamp NOW.
ACCEPTED_AT = NOW - timedelta(days=3)

SUBMITTED = CaseState(worker_id=WORKER_ID, version=7)
ASSIGNED = replace(SUBMITTED, mediation=Mediation.ASSIGNED, centre_id=CENTRE)
ACCEPTED = replace(ASSIGNED, mediation=Mediation.ACCEPTED, mediator_id=HOLDER_ID, accepted_at=ACCEPTED_AT)
IN_MEDIATION = replace(ACCEPTED, mediation=Mediation.IN_MEDIATION)
BACK_IN_QUEUE = replace(ASSIGNED, accepted_at=ACCEPTED_AT)  # passed back, or transferred, after an accept
WITHDRAWN_BEFORE_A_CENTRE = replace(SUBMITTED, mediation=Mediation.WITHDRAWN)
WITHDRAWN_AT_A_CENTRE = replace(ASSIGNED, mediation=Mediation.WITHDRAWN)


def ended(outcome: Outcome, **tracks: Any) -> CaseState:
    return replace(IN_MEDIATION, mediation=Mediation.ENDED, outcome=outcome, **tracks)


def ended_in_the_queue(outcome: Outcome, **tracks: Any) -> CaseState:
    """Withdrawn or referred while a case accepted before waited in a centre's queue: no mediator holds it."""
    return replace(BACK_IN_QUEUE, mediation=Mediation.ENDED, outcome=outcome, **tracks)


def with_and_without_the_extension(cases: list[CaseState]) -> list[CaseState]:
    """A platform-work mediation may be extended once a mediator accepted, and stays so whatever follows."""
    return [*cases, *(replace(case, mediation_extended=True) for case in cases if case.accepted_at is not None)]


def reachable_states() -> Iterator[CaseState]:
    under_way = with_and_without_the_extension([SUBMITTED, ASSIGNED, BACK_IN_QUEUE, ACCEPTED, IN_MEDIATION])
    for case, inspection in product(under_way, INSPECTION_TRACK):  # arbitration and payment need an ending
        yield replace(case, inspection=inspection)
    # Withdrawn (no mediator ever accepted) by the worker, or by an application for arbitration, which
    # opens that track.
    for case, (arbitration, arbitration_outcome, extended), inspection in product(
            [WITHDRAWN_BEFORE_A_CENTRE, WITHDRAWN_AT_A_CENTRE], ARBITRATION_TRACK, INSPECTION_TRACK):
        yield replace(case, arbitration=arbitration, arbitration_outcome=arbitration_outcome,
                      arbitration_extended=extended, inspection=inspection)
    endings = [ended(outcome) for outcome in Outcome]
    endings += [ended_in_the_queue(outcome) for outcome in (Outcome.WITHDRAWN, Outcome.REFERRED)]
    for case in with_and_without_the_extension(endings):
        payments = [None, *Payment] if case.outcome is Outcome.AGREEMENT else [None]
        # referral is the opening of arbitration, so "referred" always has an arbitration track
        arbitrations = ARBITRATION_TRACK[1:] if case.outcome is Outcome.REFERRED else ARBITRATION_TRACK
        for payment, (arbitration, arbitration_outcome, extended), inspection in product(
                payments, arbitrations, INSPECTION_TRACK):
            yield replace(case, payment=payment, arbitration=arbitration, arbitration_outcome=arbitration_outcome,
                          arbitration_extended=extended, inspection=inspection)


STATES = list(reachable_states())


# ---------------------------------------------------------------------------------------------
# The specification.

EventRow = tuple[EventType, Track | None, str | None, str | None, dict[str, Any]]


@dataclass(frozen=True)
class Allowed:
    events: tuple[EventRow, ...]
    state: CaseState


def is_system(actor: Actor) -> bool:
    return actor.person_id is None


def is_supervisor(actor: Actor) -> bool:
    return actor.role is Role.SUPERVISOR


def is_the_worker(actor: Actor, case: CaseState) -> bool:
    return actor.person_id is not None and actor.person_id == case.worker_id


def holds(actor: Actor, case: CaseState) -> bool:
    """The mediator named on the case, while they are still a mediator."""
    return actor.person_id is not None and actor.person_id == case.mediator_id and actor.role is Role.MEDIATOR


def staffs_holding_centre(actor: Actor, case: CaseState) -> bool:
    return actor.role is Role.MEDIATOR and case.centre_id is not None and actor.centre_id == case.centre_id


def routes(actor: Actor, case: CaseState) -> bool:
    """Who moves a case between centres and mediators: the centre's mediators, a supervisor, the system."""
    return is_system(actor) or is_supervisor(actor) or staffs_holding_centre(actor, case)


def conducts(actor: Actor, case: CaseState) -> bool:
    """Who takes the steps of the mediation itself: the holding mediator, a supervisor, the system."""
    return is_system(actor) or is_supervisor(actor) or holds(actor, case)


def records_arbitration(actor: Actor) -> bool:
    """The arbitration office (a mediator; the service checks which centre), a supervisor, the system."""
    return is_system(actor) or is_supervisor(actor) or actor.role is Role.MEDIATOR


def reports_inspection(actor: Actor) -> bool:
    """The district's liaison or the mediator who handed it over (the service checks which), a supervisor,
    the system."""
    return is_system(actor) or is_supervisor(actor) or actor.role in (Role.INSPECTION, Role.MEDIATOR)


def is_open(case: CaseState) -> bool:
    return (case.mediation in BEFORE_OUTCOME or case.payment in (Payment.DUE, Payment.PARTLY_PAID)
            or case.arbitration in (Arbitration.APPLIED, Arbitration.ACCEPTED, Arbitration.SUSPENDED)
            or case.inspection in (Inspection.HANDED_OVER, Inspection.FILED, Inspection.EXTENDED))


PAYMENT_RESULTS = frozenset({Payment.PAID, Payment.PARTLY_PAID, Payment.NOT_PAID})
PAYMENT_NEXT = {Payment.DUE: PAYMENT_RESULTS, Payment.PARTLY_PAID: {Payment.PAID, Payment.NOT_PAID},
                Payment.NOT_PAID: {Payment.PAID, Payment.PARTLY_PAID}, Payment.PAID: set()}
ARBITRATION_STEPS = {  # kind: (from, to, event)
    # the application reached the office, its materials were completed: recorded, the 5 days (re)start
    K.RECEIVE_ARBITRATION: ({Arbitration.APPLIED}, Arbitration.APPLIED, EventType.ARBITRATION_RECEIVED),
    K.COMPLETE_ARBITRATION: ({Arbitration.APPLIED}, Arbitration.APPLIED, EventType.ARBITRATION_COMPLETED),
    K.ACCEPT_ARBITRATION: ({Arbitration.APPLIED}, Arbitration.ACCEPTED, EventType.ARBITRATION_ACCEPTED),
    K.REFUSE_ARBITRATION: ({Arbitration.APPLIED}, Arbitration.NOT_ACCEPTED, EventType.ARBITRATION_NOT_ACCEPTED),
    K.EXTEND_ARBITRATION: ({Arbitration.ACCEPTED}, Arbitration.ACCEPTED, EventType.ARBITRATION_EXTENDED),
    K.SUSPEND_ARBITRATION: ({Arbitration.ACCEPTED}, Arbitration.SUSPENDED, EventType.ARBITRATION_SUSPENDED),
    K.RESUME_ARBITRATION: ({Arbitration.SUSPENDED}, Arbitration.ACCEPTED, EventType.ARBITRATION_RESUMED),
    # rules Art. 46: claims changed, a party added: the 45 days start again, the state stays
    K.RESTART_ARBITRATION: ({Arbitration.ACCEPTED}, Arbitration.ACCEPTED, EventType.ARBITRATION_RESTARTED),
    K.CLOSE_ARBITRATION: ({Arbitration.ACCEPTED, Arbitration.SUSPENDED}, Arbitration.CLOSED,
                          EventType.ARBITRATION_CLOSED),
}
INSPECTION_STEPS = {
    K.FILE_INSPECTION: ({Inspection.HANDED_OVER}, Inspection.FILED, EventType.INSPECTION_FILED),
    K.EXTEND_INSPECTION: ({Inspection.FILED}, Inspection.EXTENDED, EventType.INSPECTION_EXTENDED),
    K.CLOSE_INSPECTION: ({Inspection.HANDED_OVER, Inspection.FILED, Inspection.EXTENDED}, Inspection.CLOSED,
                         EventType.INSPECTION_CLOSED),
}
MEDIATION_ENDING = EventType.MEDIATION_ENDED


def mediation_event(type: EventType, before: Mediation, after: Mediation, **payload: Any) -> EventRow:
    return (type, Track.MEDIATION, before, after, payload)


def was_accepted(case: CaseState) -> bool:
    """A mediator accepted the case once (the centre received the application): mediation took place."""
    return case.accepted_at is not None


def first_accept(case: CaseState) -> datetime:
    return case.accepted_at or NOW


def expected(case: CaseState, command: Command) -> Allowed | Refusal:
    """What issue 9 and DOMAIN.md say `command` does to `case`."""
    kind, actor, mediation = command.kind, command.actor, case.mediation

    if kind is K.ASSIGN:
        if mediation is not Mediation.SUBMITTED:
            return Refusal.NOT_IN_THIS_STATE
        if not (is_system(actor) or is_supervisor(actor)):
            return Refusal.NOT_YOURS
        if not command.centre_id:
            return Refusal.NOT_IN_THIS_STATE
        return Allowed((mediation_event(EventType.ASSIGNED, mediation, Mediation.ASSIGNED,
                                        centre_id=command.centre_id),),
                       replace(case, mediation=Mediation.ASSIGNED, centre_id=command.centre_id))

    if kind is K.TRANSFER:  # not an ending: the case waits, assigned, at the other centre
        if mediation not in (Mediation.ASSIGNED, *HELD):
            return Refusal.NOT_IN_THIS_STATE
        if not routes(actor, case):
            return Refusal.NOT_YOURS
        if not command.centre_id or command.centre_id == case.centre_id:
            return Refusal.SAME_CENTRE
        return Allowed((mediation_event(EventType.TRANSFERRED, mediation, Mediation.ASSIGNED,
                                        from_centre=case.centre_id, centre_id=command.centre_id),),
                       replace(case, mediation=Mediation.ASSIGNED, centre_id=command.centre_id, mediator_id=None))

    if kind is K.STEP_ASIDE:  # a waiting case stays in the queue for the centre's other mediators
        if mediation is not Mediation.ASSIGNED:
            return Refusal.NOT_IN_THIS_STATE
        if not staffs_holding_centre(actor, case):
            return Refusal.NOT_YOURS
        return Allowed((mediation_event(EventType.STEPPED_ASIDE, mediation, Mediation.ASSIGNED),), case)

    if kind is K.ACCEPT:
        if mediation is not Mediation.ASSIGNED:
            return Refusal.NOT_IN_THIS_STATE
        if not staffs_holding_centre(actor, case):
            return Refusal.NOT_YOURS
        return Allowed((mediation_event(EventType.ACCEPTED, mediation, Mediation.ACCEPTED,
                                        mediator_id=actor.person_id),),
                       replace(case, mediation=Mediation.ACCEPTED, mediator_id=actor.person_id,
                               accepted_at=first_accept(case)))

    if kind is K.REASSIGN:  # to a named colleague, who then holds it
        if mediation not in (Mediation.ASSIGNED, *HELD):
            return Refusal.NOT_IN_THIS_STATE
        if not routes(actor, case):
            return Refusal.NOT_YOURS
        if command.mediator_id is None or command.mediator_id == case.mediator_id:
            return Refusal.SAME_MEDIATOR
        if mediation is Mediation.ASSIGNED:  # given from the queue: it is that mediator's accept
            return Allowed((mediation_event(EventType.ACCEPTED, mediation, Mediation.ACCEPTED,
                                            mediator_id=command.mediator_id, assigned_by=actor.person_id),),
                           replace(case, mediation=Mediation.ACCEPTED, mediator_id=command.mediator_id,
                                   accepted_at=first_accept(case)))
        return Allowed((mediation_event(EventType.REASSIGNED, mediation, mediation, from_mediator=case.mediator_id,
                                        mediator_id=command.mediator_id),),
                       replace(case, mediator_id=command.mediator_id))

    if kind in (K.PASS, K.START_MEDIATION, K.END_MEDIATION):
        sources = {Mediation.ACCEPTED} if kind is K.START_MEDIATION else HELD
        if mediation not in sources:
            return Refusal.NOT_IN_THIS_STATE
        if not conducts(actor, case):
            return Refusal.NOT_YOURS
        if kind is K.PASS:
            return Allowed((mediation_event(EventType.PASSED, mediation, Mediation.ASSIGNED,
                                            from_mediator=case.mediator_id),),
                           replace(case, mediation=Mediation.ASSIGNED, mediator_id=None))
        if kind is K.START_MEDIATION:
            return Allowed((mediation_event(EventType.MEDIATION_STARTED, mediation, Mediation.IN_MEDIATION),),
                           replace(case, mediation=Mediation.IN_MEDIATION))
        if command.outcome not in (Outcome.AGREEMENT, Outcome.NO_AGREEMENT):  # the others have their commands
            return Refusal.BAD_OUTCOME
        return Allowed((mediation_event(MEDIATION_ENDING, mediation, Mediation.ENDED, outcome=command.outcome),),
                       replace(case, mediation=Mediation.ENDED, outcome=Outcome(command.outcome)))

    if kind is K.EXTEND_MEDIATION:  # platform work: once, by both sides' agreement, while a mediator holds it
        if mediation not in HELD:
            return Refusal.NOT_IN_THIS_STATE
        if not conducts(actor, case):
            return Refusal.NOT_YOURS
        if case.mediation_extended:
            return Refusal.ALREADY_EXTENDED
        return Allowed((mediation_event(EventType.MEDIATION_EXTENDED, mediation, mediation),),
                       replace(case, mediation_extended=True))

    if kind is K.WITHDRAW:
        if not is_the_worker(actor, case):
            return Refusal.NOT_YOURS
        if mediation not in BEFORE_OUTCOME:
            return Refusal.NOT_IN_THIS_STATE
        # A mediator accepted once: mediation took place and ends, withdrawn, even if the case has since
        # gone back to a queue (passed, transferred). Otherwise no mediation took place: not an ending.
        if was_accepted(case):
            return Allowed((mediation_event(MEDIATION_ENDING, mediation, Mediation.ENDED, outcome=Outcome.WITHDRAWN),),
                           replace(case, mediation=Mediation.ENDED, outcome=Outcome.WITHDRAWN))
        return Allowed((mediation_event(EventType.WITHDRAWN, mediation, Mediation.WITHDRAWN),),
                       replace(case, mediation=Mediation.WITHDRAWN))

    if kind is K.ADD_EVIDENCE:
        if not (is_the_worker(actor, case) or holds(actor, case)):
            return Refusal.NOT_YOURS
        if not is_open(case):
            return Refusal.CASE_CLOSED
        return Allowed(((EventType.EVIDENCE_ADDED, None, None, None, {}),), case)

    if kind is K.REFER_TO_ARBITRATION:
        if case.arbitration not in (None, Arbitration.NOT_ACCEPTED):
            return Refusal.NOT_IN_THIS_STATE
        # withdrawn without applying: nothing to apply on; withdrawn by applying and not accepted: apply again
        if mediation is Mediation.WITHDRAWN and case.arbitration is None:
            return Refusal.NOT_IN_THIS_STATE
        if not (is_the_worker(actor, case) or conducts(actor, case)):
            return Refusal.NOT_YOURS
        events: list[EventRow] = []
        after = case
        # A mediation that took place ends, referred; an application no mediator accepted is withdrawn
        # (no mediation took place); an ended mediation stays ended.
        if mediation in BEFORE_OUTCOME and was_accepted(case):
            events.append(mediation_event(MEDIATION_ENDING, mediation, Mediation.ENDED, outcome=Outcome.REFERRED))
            after = replace(after, mediation=Mediation.ENDED, outcome=Outcome.REFERRED)
        elif mediation in BEFORE_OUTCOME:
            events.append(mediation_event(EventType.WITHDRAWN, mediation, Mediation.WITHDRAWN,
                                          reason_code="applied_for_arbitration"))
            after = replace(after, mediation=Mediation.WITHDRAWN)
        events.append((EventType.ARBITRATION_APPLIED, Track.ARBITRATION, case.arbitration, Arbitration.APPLIED, {}))
        return Allowed(tuple(events), replace(after, arbitration=Arbitration.APPLIED, arbitration_outcome=None,
                                              arbitration_extended=False))

    if kind is K.SET_PAYMENT_DUE:
        if case.outcome is not Outcome.AGREEMENT:
            return Refusal.NO_AGREEMENT_TO_PAY
        if case.payment is not None:
            return Refusal.NOT_IN_THIS_STATE
        if not conducts(actor, case):
            return Refusal.NOT_YOURS
        return Allowed(((EventType.PAYMENT_DUE, Track.PAYMENT, None, Payment.DUE, {}),),
                       replace(case, payment=Payment.DUE))

    if kind is K.RECORD_PAYMENT:
        if command.outcome not in PAYMENT_RESULTS:  # a malformed command, whatever the state
            return Refusal.BAD_OUTCOME
        if case.payment is None or command.outcome not in PAYMENT_NEXT[case.payment]:
            return Refusal.NOT_IN_THIS_STATE
        if not (is_the_worker(actor, case) or conducts(actor, case)):
            return Refusal.NOT_YOURS
        return Allowed(((EventType.PAYMENT_RECORDED, Track.PAYMENT, case.payment, command.outcome, {}),),
                       replace(case, payment=Payment(command.outcome)))

    if kind in ARBITRATION_STEPS:
        sources, target, event = ARBITRATION_STEPS[kind]
        if case.arbitration not in sources:
            return Refusal.NOT_IN_THIS_STATE
        if not records_arbitration(actor):
            return Refusal.NOT_YOURS
        if kind is K.EXTEND_ARBITRATION and case.arbitration_extended:  # Art. 43: once
            return Refusal.ALREADY_EXTENDED
        if kind is K.CLOSE_ARBITRATION:
            if command.outcome not in set(ArbitrationOutcome):
                return Refusal.BAD_OUTCOME
            return Allowed(((event, Track.ARBITRATION, case.arbitration, target, {"outcome": command.outcome}),),
                           replace(case, arbitration=target, arbitration_outcome=ArbitrationOutcome(command.outcome)))
        return Allowed(((event, Track.ARBITRATION, case.arbitration, target, {}),),
                       replace(case, arbitration=target,
                               arbitration_extended=case.arbitration_extended or kind is K.EXTEND_ARBITRATION))

    if kind is K.HAND_TO_INSPECTION:  # Art. 9: beside any other track, unless the worker withdrew
        if case.inspection is not None:
            return Refusal.NOT_IN_THIS_STATE
        # An application for arbitration no mediator accepted also leaves mediation withdrawn, but the
        # dispute goes on there: only a withdrawal with no arbitration closes the case.
        if mediation is Mediation.WITHDRAWN and case.arbitration is None:
            return Refusal.CASE_CLOSED
        if not (is_the_worker(actor, case) or routes(actor, case)):
            return Refusal.NOT_YOURS
        return Allowed(((EventType.INSPECTION_HANDED_OVER, Track.INSPECTION, None, Inspection.HANDED_OVER, {}),),
                       replace(case, inspection=Inspection.HANDED_OVER))

    sources, target, event = INSPECTION_STEPS[kind]
    if case.inspection not in sources:
        return Refusal.NOT_IN_THIS_STATE
    if not reports_inspection(actor):
        return Refusal.NOT_YOURS
    return Allowed(((event, Track.INSPECTION, case.inspection, target, {}),), replace(case, inspection=target))


def actual(case: CaseState, command: Command) -> Allowed | Refusal:
    result = decide(case, command, NOW)
    if isinstance(result, Refused):
        return result.reason
    assert isinstance(result, Decision)
    for event in result.events:  # every event is the command's, at the time it was decided
        assert (event.actor, event.occurred_at, event.note) == (command.actor, NOW, command.note)
    return Allowed(tuple(row(event) for event in result.events), result.state)


def row(event: NewEvent) -> EventRow:
    return (event.type, event.track, event.from_state, event.to_state, event.payload)


def describe(case: CaseState, command: Command) -> str:
    shape = command.centre_id or command.mediator_id or command.outcome or ""
    arbitration = f"{case.arbitration}{'+extended' if case.arbitration_extended else ''}" \
                  f"{'/' + case.arbitration_outcome if case.arbitration_outcome else ''}"
    return (f"{command.kind}({shape}) by {ACTOR_NAMES[command.actor]} on {case.mediation}/{case.outcome} "
            f"centre={case.centre_id} mediator={case.mediator_id} accepted_at={case.accepted_at} "
            f"{'extended ' if case.mediation_extended else ''}payment={case.payment} "
            f"arbitration={arbitration} inspection={case.inspection}")


def mismatches(rows: list[tuple[CaseState, Command]]) -> list[str]:
    found = []
    for case, command in rows:
        want, got = expected(case, command), actual(case, command)
        if want != got:
            found.append(f"{describe(case, command)}\n    expected {want}\n    decided  {got}")
    return found


def report(found: list[str]) -> str:
    return f"{len(found)} rows differ, first ones:\n" + "\n".join(found[:12])


# ---------------------------------------------------------------------------------------------
# The table.

@pytest.mark.parametrize("kind", list(CommandKind))
def test_every_state_by_every_actor_against_the_specification(kind: CommandKind) -> None:
    rows = [(case, command) for case in STATES for command in COMMANDS
            if command.kind is kind]
    found = mismatches(rows)
    assert not found, report(found)
    allowed = sum(isinstance(expected(case, command), Allowed) for case, command in rows)
    assert 0 < allowed < len(rows)  # each command is allowed somewhere and refused somewhere


def projection(case: CaseState) -> tuple:
    return (case.mediation, case.outcome, case.centre_id is None, case.mediator_id is None,
            case.accepted_at is None, case.mediation_extended, case.payment, case.arbitration,
            case.arbitration_outcome, case.arbitration_extended, case.inspection)


# Enough commands to reach every combination of the tracks from a filed case (the system's transfer,
# pass and reassign reach the accepted cases back in a queue).
WALK = [Command(K.ASSIGN, SYSTEM, centre_id=CENTRE), Command(K.ACCEPT, ACTORS["holding mediator"]),
        Command(K.WITHDRAW, ACTORS["worker"]), Command(K.REFER_TO_ARBITRATION, ACTORS["worker"]),
        Command(K.HAND_TO_INSPECTION, ACTORS["worker"])]
WALK += [Command(kind, SYSTEM, **shape) for kind in CommandKind for shape in VARIANTS.get(kind, [{}])
         if kind not in (K.ASSIGN, K.ACCEPT, K.WITHDRAW, K.REFER_TO_ARBITRATION, K.HAND_TO_INSPECTION)]


@pytest.mark.parametrize("step", ["machine", "specification"])
def test_the_table_holds_exactly_the_reachable_states(step: str) -> None:
    def successors(case: CaseState) -> Iterator[CaseState]:
        for command in WALK:
            if step == "machine":
                result = decide(case, command, NOW)
                if isinstance(result, Decision):
                    yield result.state
            elif isinstance(allowed := expected(case, command), Allowed):
                yield allowed.state

    seen = {SUBMITTED}
    queue = deque(seen)
    while queue:
        for after in successors(queue.popleft()):
            if after not in seen:
                seen.add(after)
                queue.append(after)
    assert {projection(case) for case in seen} == {projection(case) for case in STATES}
    assert len(STATES) == len({projection(case) for case in STATES})


# The same table as a reader would draw it: who may give each command on the main states, with
# nothing else open (the valid shape of each command; every other command is refused to everyone).
EVERYONE_WHO_ROUTES = {"holding mediator", "mediator of the centre", "supervisor", "system"}
WHO_CONDUCTS = {"holding mediator", "supervisor", "system"}
WHO_RECORDS_ARBITRATION = {"holding mediator", "mediator of the centre", "mediator of another centre", "supervisor",
                           "system"}
WHO_REPORTS_INSPECTION = {*WHO_RECORDS_ARBITRATION, "inspection liaison"}
WHO_MAY_ALLOWED = {
    "submitted": (SUBMITTED, {
        K.ASSIGN: {"supervisor", "system"},
        K.WITHDRAW: {"worker"},
        K.ADD_EVIDENCE: {"worker"},
        K.REFER_TO_ARBITRATION: {"worker", "supervisor", "system"},
        K.HAND_TO_INSPECTION: {"worker", "supervisor", "system"},
    }),
    **{label: (case, {
        K.TRANSFER: EVERYONE_WHO_ROUTES,
        K.ACCEPT: {"holding mediator", "mediator of the centre"},
        K.STEP_ASIDE: {"holding mediator", "mediator of the centre"},
        K.REASSIGN: EVERYONE_WHO_ROUTES,
        K.WITHDRAW: {"worker"},
        K.ADD_EVIDENCE: {"worker"},
        K.REFER_TO_ARBITRATION: {"worker", "supervisor", "system"},
        K.HAND_TO_INSPECTION: {"worker", *EVERYONE_WHO_ROUTES},
    }) for label, case in [("assigned", ASSIGNED), ("back in the queue after an accept", BACK_IN_QUEUE)]},
    "accepted": (ACCEPTED, {
        K.TRANSFER: EVERYONE_WHO_ROUTES,
        K.REASSIGN: EVERYONE_WHO_ROUTES,
        K.PASS: WHO_CONDUCTS,
        K.START_MEDIATION: WHO_CONDUCTS,
        K.END_MEDIATION: WHO_CONDUCTS,
        K.EXTEND_MEDIATION: WHO_CONDUCTS,
        K.WITHDRAW: {"worker"},
        K.ADD_EVIDENCE: {"worker", "holding mediator"},
        K.REFER_TO_ARBITRATION: {"worker", *WHO_CONDUCTS},
        K.HAND_TO_INSPECTION: {"worker", *EVERYONE_WHO_ROUTES},
    }),
    "in mediation": (IN_MEDIATION, {
        K.TRANSFER: EVERYONE_WHO_ROUTES,
        K.REASSIGN: EVERYONE_WHO_ROUTES,
        K.PASS: WHO_CONDUCTS,
        K.END_MEDIATION: WHO_CONDUCTS,
        K.EXTEND_MEDIATION: WHO_CONDUCTS,
        K.WITHDRAW: {"worker"},
        K.ADD_EVIDENCE: {"worker", "holding mediator"},
        K.REFER_TO_ARBITRATION: {"worker", *WHO_CONDUCTS},
        K.HAND_TO_INSPECTION: {"worker", *EVERYONE_WHO_ROUTES},
    }),
    "withdrawn before a centre": (WITHDRAWN_BEFORE_A_CENTRE, {}),
    "withdrawn at a centre": (WITHDRAWN_AT_A_CENTRE, {}),
    "withdrawn by an application for arbitration": (replace(WITHDRAWN_BEFORE_A_CENTRE,
                                                            arbitration=Arbitration.APPLIED), {
        **dict.fromkeys([K.RECEIVE_ARBITRATION, K.COMPLETE_ARBITRATION, K.ACCEPT_ARBITRATION,
                         K.REFUSE_ARBITRATION], WHO_RECORDS_ARBITRATION),
        K.ADD_EVIDENCE: {"worker"},
        K.HAND_TO_INSPECTION: {"worker", "supervisor", "system"},
    }),
    "agreement": (ended(Outcome.AGREEMENT), {
        K.REFER_TO_ARBITRATION: {"worker", *WHO_CONDUCTS},
        K.SET_PAYMENT_DUE: WHO_CONDUCTS,
        K.HAND_TO_INSPECTION: {"worker", *EVERYONE_WHO_ROUTES},
    }),
    "no agreement": (ended(Outcome.NO_AGREEMENT), {
        K.REFER_TO_ARBITRATION: {"worker", *WHO_CONDUCTS},
        K.HAND_TO_INSPECTION: {"worker", *EVERYONE_WHO_ROUTES},
    }),
    "withdrawn after accept": (ended(Outcome.WITHDRAWN), {
        K.REFER_TO_ARBITRATION: {"worker", *WHO_CONDUCTS},
        K.HAND_TO_INSPECTION: {"worker", *EVERYONE_WHO_ROUTES},
    }),
    "referred, applied": (ended(Outcome.REFERRED, arbitration=Arbitration.APPLIED), {
        **dict.fromkeys([K.RECEIVE_ARBITRATION, K.COMPLETE_ARBITRATION, K.ACCEPT_ARBITRATION,
                         K.REFUSE_ARBITRATION], WHO_RECORDS_ARBITRATION),
        K.ADD_EVIDENCE: {"worker", "holding mediator"},
        K.HAND_TO_INSPECTION: {"worker", *EVERYONE_WHO_ROUTES},
    }),
    "in arbitration": (ended(Outcome.REFERRED, arbitration=Arbitration.ACCEPTED), {
        **dict.fromkeys([K.EXTEND_ARBITRATION, K.SUSPEND_ARBITRATION, K.RESTART_ARBITRATION, K.CLOSE_ARBITRATION],
                        WHO_RECORDS_ARBITRATION),
        K.ADD_EVIDENCE: {"worker", "holding mediator"},
        K.HAND_TO_INSPECTION: {"worker", *EVERYONE_WHO_ROUTES},
    }),
    "handed to inspection in mediation": (replace(IN_MEDIATION, inspection=Inspection.HANDED_OVER), {
        K.TRANSFER: EVERYONE_WHO_ROUTES,
        K.REASSIGN: EVERYONE_WHO_ROUTES,
        K.PASS: WHO_CONDUCTS,
        K.END_MEDIATION: WHO_CONDUCTS,
        K.EXTEND_MEDIATION: WHO_CONDUCTS,
        K.WITHDRAW: {"worker"},
        K.ADD_EVIDENCE: {"worker", "holding mediator"},
        K.REFER_TO_ARBITRATION: {"worker", *WHO_CONDUCTS},
        K.FILE_INSPECTION: WHO_REPORTS_INSPECTION,
        K.CLOSE_INSPECTION: WHO_REPORTS_INSPECTION,
    }),
}


@pytest.mark.parametrize("label", list(WHO_MAY_ALLOWED))
def test_who_may_do_what_on_the_main_states(label: str) -> None:
    case, allowed = WHO_MAY_ALLOWED[label]
    for kind in CommandKind:
        shape = VARIANTS.get(kind, [{}])[0]
        commands = [Command(kind, actor, **shape) for actor in ACTORS.values()]
        deciding = {ACTOR_NAMES[command.actor] for command in commands
                    if isinstance(decide(case, command, NOW), Decision)}
        assert deciding == allowed.get(kind, set()), (label, kind)


# ---------------------------------------------------------------------------------------------
# Hand-written rows: the cases the rates and the buttons depend on.

def step(case: CaseState, command: Command) -> Decision:
    result = decide(case, command, NOW)
    assert isinstance(result, Decision), (describe(case, command), result)
    return result


def refusal(case: CaseState, command: Command) -> Refusal | None:
    result = decide(case, command, NOW)
    return result.reason if isinstance(result, Refused) else None


def kinds(decision: Decision) -> list[tuple[EventType, Track | None, str | None, str | None]]:
    return [(event.type, event.track, event.from_state, event.to_state) for event in decision.events]


@pytest.mark.parametrize("held", [ACCEPTED, IN_MEDIATION])
def test_a_transfer_leaves_the_case_assigned_at_the_new_centre_and_is_no_ending(held: CaseState) -> None:
    moved = step(held, Command(K.TRANSFER, ACTORS["mediator of the centre"], centre_id=OTHER_CENTRE))
    assert kinds(moved) == [(EventType.TRANSFERRED, Track.MEDIATION, held.mediation, Mediation.ASSIGNED)]
    assert moved.events[0].payload == {"from_centre": CENTRE, "centre_id": OTHER_CENTRE}
    assert moved.state == replace(held, mediation=Mediation.ASSIGNED, centre_id=OTHER_CENTRE, mediator_id=None)
    assert moved.state.outcome is None
    # The new centre's mediators take it; the old centre no longer holds it.
    assert refusal(moved.state, Command(K.ACCEPT, ACTORS["holding mediator"])) is Refusal.NOT_YOURS
    assert refusal(moved.state, Command(K.END_MEDIATION, ACTORS["holding mediator"],
                                        outcome=Outcome.AGREEMENT)) is Refusal.NOT_IN_THIS_STATE
    taken = step(moved.state, Command(K.ACCEPT, ACTORS["mediator of another centre"]))
    assert (taken.state.mediation, taken.state.centre_id, taken.state.mediator_id) == (
        Mediation.ACCEPTED, OTHER_CENTRE, OUTSIDER_ID)


def test_a_transfer_to_the_same_centre_is_refused() -> None:
    assert refusal(ASSIGNED, Command(K.TRANSFER, SYSTEM, centre_id=CENTRE)) is Refusal.SAME_CENTRE


def test_the_first_accept_stamps_its_time_and_later_ones_keep_it() -> None:
    accepted = step(ASSIGNED, Command(K.ACCEPT, ACTORS["holding mediator"])).state
    assert accepted.accepted_at == NOW
    passed = step(accepted, Command(K.PASS, ACTORS["holding mediator"])).state
    moved = step(passed, Command(K.TRANSFER, SYSTEM, centre_id=OTHER_CENTRE)).state
    assert (moved.mediation, moved.mediator_id, moved.accepted_at) == (Mediation.ASSIGNED, None, NOW)
    later = decide(moved, Command(K.ACCEPT, ACTORS["mediator of another centre"]), NOW + timedelta(days=5))
    assert isinstance(later, Decision)
    assert (later.state.mediator_id, later.state.accepted_at) == (OUTSIDER_ID, NOW)
    assert later.events[0].occurred_at == NOW + timedelta(days=5)


@pytest.mark.parametrize("queued", [ASSIGNED, BACK_IN_QUEUE])
def test_reassigning_a_queued_case_to_a_named_mediator_is_their_accept(queued: CaseState) -> None:
    given = step(queued, Command(K.REASSIGN, ACTORS["supervisor"], mediator_id=COLLEAGUE_ID))
    assert kinds(given) == [(EventType.ACCEPTED, Track.MEDIATION, Mediation.ASSIGNED, Mediation.ACCEPTED)]
    assert given.events[0].payload == {"mediator_id": COLLEAGUE_ID, "assigned_by": SUPERVISOR_ID}
    assert given.state == replace(queued, mediation=Mediation.ACCEPTED, mediator_id=COLLEAGUE_ID,
                                  accepted_at=queued.accepted_at or NOW)
    by_system = step(queued, Command(K.REASSIGN, SYSTEM, mediator_id=COLLEAGUE_ID))
    assert by_system.events[0].payload == {"mediator_id": COLLEAGUE_ID, "assigned_by": None}


@pytest.mark.parametrize("held", [ACCEPTED, IN_MEDIATION])
def test_reassigning_a_held_case_changes_only_the_mediator(held: CaseState) -> None:
    moved = step(held, Command(K.REASSIGN, ACTORS["mediator of the centre"], mediator_id=COLLEAGUE_ID))
    assert kinds(moved) == [(EventType.REASSIGNED, Track.MEDIATION, held.mediation, held.mediation)]
    assert moved.events[0].payload == {"from_mediator": HOLDER_ID, "mediator_id": COLLEAGUE_ID}
    assert moved.state == replace(held, mediator_id=COLLEAGUE_ID)


@pytest.mark.parametrize("unaccepted", [SUBMITTED, ASSIGNED])
def test_withdrawal_before_accept_is_withdrawn_not_a_mediation_ending(unaccepted: CaseState) -> None:
    gone = step(unaccepted, Command(K.WITHDRAW, ACTORS["worker"]))
    assert kinds(gone) == [(EventType.WITHDRAWN, Track.MEDIATION, unaccepted.mediation, Mediation.WITHDRAWN)]
    assert gone.events[0].payload == {}
    assert (gone.state.mediation, gone.state.outcome) == (Mediation.WITHDRAWN, None)


@pytest.mark.parametrize("accepted", [ACCEPTED, IN_MEDIATION, BACK_IN_QUEUE])
def test_withdrawal_after_accept_ends_mediation_withdrawn(accepted: CaseState) -> None:
    gone = step(accepted, Command(K.WITHDRAW, ACTORS["worker"]))
    assert kinds(gone) == [(EventType.MEDIATION_ENDED, Track.MEDIATION, accepted.mediation, Mediation.ENDED)]
    assert gone.events[0].payload == {"outcome": Outcome.WITHDRAWN}
    assert (gone.state.mediation, gone.state.outcome) == (Mediation.ENDED, Outcome.WITHDRAWN)


@pytest.mark.parametrize("away", [Command(K.PASS, ACTORS["holding mediator"]),
                                  Command(K.TRANSFER, ACTORS["holding mediator"], centre_id=OTHER_CENTRE)],
                         ids=["passed back", "transferred"])
def test_withdrawal_after_a_mediator_accepted_and_the_case_went_back_to_a_queue_is_still_an_ending(
        away: Command) -> None:
    held = step(step(ASSIGNED, Command(K.ACCEPT, ACTORS["holding mediator"])).state,
                Command(K.START_MEDIATION, ACTORS["holding mediator"])).state
    queued = step(held, away).state
    assert queued.mediation is Mediation.ASSIGNED
    gone = step(queued, Command(K.WITHDRAW, ACTORS["worker"]))
    assert kinds(gone) == [(EventType.MEDIATION_ENDED, Track.MEDIATION, Mediation.ASSIGNED, Mediation.ENDED)]
    assert (gone.state.mediation, gone.state.outcome) == (Mediation.ENDED, Outcome.WITHDRAWN)


@pytest.mark.parametrize("accepted", [BACK_IN_QUEUE, ACCEPTED, IN_MEDIATION])
def test_referral_after_an_accept_ends_mediation_referred_then_applies(accepted: CaseState) -> None:
    referred = step(accepted, Command(K.REFER_TO_ARBITRATION, ACTORS["worker"]))
    assert kinds(referred) == [
        (EventType.MEDIATION_ENDED, Track.MEDIATION, accepted.mediation, Mediation.ENDED),
        (EventType.ARBITRATION_APPLIED, Track.ARBITRATION, None, Arbitration.APPLIED),
    ]
    assert referred.events[0].payload == {"outcome": Outcome.REFERRED}
    assert (referred.state.mediation, referred.state.outcome, referred.state.arbitration) == (
        Mediation.ENDED, Outcome.REFERRED, Arbitration.APPLIED)


@pytest.mark.parametrize("unaccepted", [SUBMITTED, ASSIGNED])
def test_applying_for_arbitration_before_any_accept_withdraws_the_application(unaccepted: CaseState) -> None:
    """No mediation took place, so it is no ending for the success rate; arbitration opens all the same."""
    applied = step(unaccepted, Command(K.REFER_TO_ARBITRATION, ACTORS["worker"]))
    assert kinds(applied) == [
        (EventType.WITHDRAWN, Track.MEDIATION, unaccepted.mediation, Mediation.WITHDRAWN),
        (EventType.ARBITRATION_APPLIED, Track.ARBITRATION, None, Arbitration.APPLIED),
    ]
    assert applied.events[0].payload == {"reason_code": "applied_for_arbitration"}
    assert applied.state == replace(unaccepted, mediation=Mediation.WITHDRAWN, arbitration=Arbitration.APPLIED)
    assert refusal(applied.state, Command(K.WITHDRAW, ACTORS["worker"])) is Refusal.NOT_IN_THIS_STATE
    assert refusal(applied.state, Command(K.REFER_TO_ARBITRATION, ACTORS["worker"])) is Refusal.NOT_IN_THIS_STATE
    assert isinstance(decide(applied.state, Command(K.ADD_EVIDENCE, ACTORS["worker"]), NOW), Decision)


def test_a_withdrawn_case_cannot_be_referred() -> None:
    for withdrawn in (WITHDRAWN_BEFORE_A_CENTRE, WITHDRAWN_AT_A_CENTRE):
        assert refusal(withdrawn, Command(K.REFER_TO_ARBITRATION, ACTORS["worker"])) is Refusal.NOT_IN_THIS_STATE


@pytest.mark.parametrize("command", [
    Command(K.PASS), Command(K.START_MEDIATION), Command(K.END_MEDIATION, outcome=Outcome.AGREEMENT),
    Command(K.REFER_TO_ARBITRATION)], ids=lambda command: command.kind)
def test_the_holder_stops_holding_when_no_longer_a_mediator(command: Command) -> None:
    former = replace(command, actor=ACTORS["holder no longer a mediator"])
    assert refusal(ACCEPTED, former) is Refusal.NOT_YOURS
    assert isinstance(decide(ACCEPTED, replace(command, actor=ACTORS["holding mediator"]), NOW), Decision)


def test_a_former_holder_may_not_set_or_record_a_payment() -> None:
    due = ended(Outcome.AGREEMENT, payment=Payment.DUE)
    assert refusal(ended(Outcome.AGREEMENT), Command(K.SET_PAYMENT_DUE, ACTORS["holder no longer a mediator"])) \
        is Refusal.NOT_YOURS
    assert refusal(due, Command(K.RECORD_PAYMENT, ACTORS["holder no longer a mediator"], outcome=Payment.PAID)) \
        is Refusal.NOT_YOURS


@pytest.mark.parametrize("case", [SUBMITTED, ASSIGNED, BACK_IN_QUEUE, IN_MEDIATION])
def test_the_system_never_adds_evidence(case: CaseState) -> None:
    assert refusal(case, Command(K.ADD_EVIDENCE, SYSTEM)) is Refusal.NOT_YOURS


@pytest.mark.parametrize("case", [IN_MEDIATION, ended(Outcome.AGREEMENT),
                                  ended(Outcome.AGREEMENT, payment=Payment.DUE)])
@pytest.mark.parametrize("outcome", [Payment.DUE, "bogus", None])
def test_a_payment_result_that_is_no_result_is_a_bad_outcome_in_any_state(case: CaseState, outcome: Any) -> None:
    assert refusal(case, Command(K.RECORD_PAYMENT, ACTORS["worker"], outcome=outcome)) is Refusal.BAD_OUTCOME


@pytest.mark.parametrize("outcome", [Outcome.AGREEMENT, Outcome.NO_AGREEMENT, Outcome.WITHDRAWN])
def test_referral_after_mediation_ended_only_opens_arbitration(outcome: Outcome) -> None:
    """Art. 15: an agreement not performed goes to arbitration; mediation does not end a second time."""
    case = ended(outcome, payment=Payment.NOT_PAID) if outcome is Outcome.AGREEMENT else ended(outcome)
    referred = step(case, Command(K.REFER_TO_ARBITRATION, ACTORS["worker"]))
    assert kinds(referred) == [(EventType.ARBITRATION_APPLIED, Track.ARBITRATION, None, Arbitration.APPLIED)]
    assert referred.state == replace(case, arbitration=Arbitration.APPLIED)


def test_a_second_application_after_arbitration_refused_to_accept_only_reopens_arbitration() -> None:
    refused = step(ended(Outcome.REFERRED, arbitration=Arbitration.APPLIED), Command(K.REFUSE_ARBITRATION)).state
    again = step(refused, Command(K.REFER_TO_ARBITRATION, ACTORS["worker"]))
    assert kinds(again) == [(EventType.ARBITRATION_APPLIED, Track.ARBITRATION, Arbitration.NOT_ACCEPTED,
                             Arbitration.APPLIED)]
    assert refusal(again.state, Command(K.REFER_TO_ARBITRATION, ACTORS["worker"])) is Refusal.NOT_IN_THIS_STATE


def test_arbitration_is_extended_only_once_even_across_a_suspension() -> None:
    accepted = ended(Outcome.REFERRED, arbitration=Arbitration.ACCEPTED)
    extended = step(accepted, Command(K.EXTEND_ARBITRATION, ACTORS["supervisor"], params={"days": 15}))
    assert kinds(extended) == [(EventType.ARBITRATION_EXTENDED, Track.ARBITRATION, Arbitration.ACCEPTED,
                                Arbitration.ACCEPTED)]
    assert extended.events[0].payload == {"days": 15}
    assert extended.state == replace(accepted, arbitration_extended=True)
    assert refusal(extended.state, Command(K.EXTEND_ARBITRATION)) is Refusal.ALREADY_EXTENDED
    suspended = step(extended.state, Command(K.SUSPEND_ARBITRATION)).state
    resumed = step(suspended, Command(K.RESUME_ARBITRATION)).state
    assert refusal(resumed, Command(K.EXTEND_ARBITRATION)) is Refusal.ALREADY_EXTENDED
    closed = step(resumed, Command(K.CLOSE_ARBITRATION, outcome=ArbitrationOutcome.AWARD))
    assert closed.events[0].payload == {"outcome": ArbitrationOutcome.AWARD}
    assert (closed.state.arbitration, closed.state.arbitration_outcome, closed.state.arbitration_extended) == (
        Arbitration.CLOSED, ArbitrationOutcome.AWARD, True)


@pytest.mark.parametrize("held", [ACCEPTED, IN_MEDIATION])
def test_a_platform_mediation_is_extended_once_and_the_extension_outlives_a_pass(held: CaseState) -> None:
    extended = step(held, Command(K.EXTEND_MEDIATION, ACTORS["holding mediator"],
                                  params={"days": 10, "agreed_by": ["worker", "employer"]}))
    assert kinds(extended) == [(EventType.MEDIATION_EXTENDED, Track.MEDIATION, held.mediation, held.mediation)]
    assert extended.events[0].payload == {"days": 10, "agreed_by": ["worker", "employer"]}
    assert extended.state == replace(held, mediation_extended=True)
    assert refusal(extended.state, Command(K.EXTEND_MEDIATION, ACTORS["holding mediator"])) is Refusal.ALREADY_EXTENDED
    passed = step(extended.state, Command(K.PASS, ACTORS["holding mediator"])).state
    taken = step(passed, Command(K.ACCEPT, ACTORS["mediator of the centre"])).state
    assert taken.mediation_extended
    assert refusal(taken, Command(K.EXTEND_MEDIATION, ACTORS["mediator of the centre"])) is Refusal.ALREADY_EXTENDED
    assert refusal(passed, Command(K.EXTEND_MEDIATION, ACTORS["supervisor"])) is Refusal.NOT_IN_THIS_STATE


def test_receipt_completion_and_a_restart_are_recorded_and_leave_the_arbitration_state() -> None:
    applied = ended(Outcome.REFERRED, arbitration=Arbitration.APPLIED)
    for kind, event in ((K.RECEIVE_ARBITRATION, EventType.ARBITRATION_RECEIVED),
                        (K.COMPLETE_ARBITRATION, EventType.ARBITRATION_COMPLETED)):
        recorded = step(applied, Command(kind, ACTORS["mediator of another centre"]))
        assert kinds(recorded) == [(event, Track.ARBITRATION, Arbitration.APPLIED, Arbitration.APPLIED)]
        assert recorded.state == applied
    accepted = step(applied, Command(K.ACCEPT_ARBITRATION)).state
    assert refusal(accepted, Command(K.RECEIVE_ARBITRATION)) is Refusal.NOT_IN_THIS_STATE
    restarted = step(accepted, Command(K.RESTART_ARBITRATION, params={"reason": "claims_changed"}))
    assert kinds(restarted) == [(EventType.ARBITRATION_RESTARTED, Track.ARBITRATION, Arbitration.ACCEPTED,
                                 Arbitration.ACCEPTED)]
    assert restarted.events[0].payload == {"reason": "claims_changed"} and restarted.state == accepted
    suspended = step(accepted, Command(K.SUSPEND_ARBITRATION)).state
    assert refusal(suspended, Command(K.RESTART_ARBITRATION)) is Refusal.NOT_IN_THIS_STATE


def test_the_inspection_liaison_reports_inspection_and_nothing_else() -> None:
    liaison = ACTORS["inspection liaison"]
    handed = replace(IN_MEDIATION, inspection=Inspection.HANDED_OVER)
    filed = step(handed, Command(K.FILE_INSPECTION, liaison)).state
    extended = step(filed, Command(K.EXTEND_INSPECTION, liaison, params={"approved_by": "department_head"}))
    assert extended.events[0].payload == {"approved_by": "department_head"}
    closed = step(extended.state, Command(K.CLOSE_INSPECTION, liaison, params={"result": "rectified"})).state
    assert closed.inspection is Inspection.CLOSED
    for command in (Command(K.ACCEPT_ARBITRATION, liaison), Command(K.HAND_TO_INSPECTION, liaison),
                    Command(K.END_MEDIATION, liaison, outcome=Outcome.AGREEMENT)):
        case = ended(Outcome.REFERRED, arbitration=Arbitration.APPLIED) \
            if command.kind is K.ACCEPT_ARBITRATION else IN_MEDIATION
        assert refusal(case, command) is Refusal.NOT_YOURS, command.kind


def test_a_second_press_on_a_card_drawn_before_the_first_is_refused() -> None:
    """Two mediators of the centre press Accept on the same card: one wins, the other's press is stale."""
    won = step(ASSIGNED, Command(K.ACCEPT, ACTORS["holding mediator"])).state
    assert refusal(won, Command(K.ACCEPT, ACTORS["mediator of the centre"])) is Refusal.NOT_IN_THIS_STATE
    agreed = step(won, Command(K.END_MEDIATION, ACTORS["holding mediator"], outcome=Outcome.AGREEMENT)).state
    for again in (Outcome.AGREEMENT, Outcome.NO_AGREEMENT):
        assert refusal(agreed, Command(K.END_MEDIATION, ACTORS["holding mediator"], outcome=again)) \
            is Refusal.NOT_IN_THIS_STATE
    assert refusal(agreed, Command(K.WITHDRAW, ACTORS["worker"])) is Refusal.NOT_IN_THIS_STATE
    passed = step(step(won, Command(K.START_MEDIATION, ACTORS["holding mediator"])).state,
                  Command(K.PASS, ACTORS["holding mediator"])).state
    assert refusal(passed, Command(K.START_MEDIATION, ACTORS["holding mediator"])) is Refusal.NOT_IN_THIS_STATE


OUT_OF_ORDER = [
    (SUBMITTED, Command(K.ACCEPT, ACTORS["holding mediator"])),
    (ASSIGNED, Command(K.START_MEDIATION, ACTORS["system"])),
    (ASSIGNED, Command(K.END_MEDIATION, ACTORS["system"], outcome=Outcome.AGREEMENT)),
    (ended(Outcome.AGREEMENT), Command(K.RECORD_PAYMENT, ACTORS["worker"], outcome=Payment.PAID)),
    (ended(Outcome.AGREEMENT, payment=Payment.PAID), Command(K.RECORD_PAYMENT, outcome=Payment.NOT_PAID)),
    (ended(Outcome.REFERRED, arbitration=Arbitration.APPLIED), Command(K.SUSPEND_ARBITRATION)),
    (ended(Outcome.REFERRED, arbitration=Arbitration.APPLIED), Command(K.CLOSE_ARBITRATION, outcome="award")),
    (IN_MEDIATION, Command(K.FILE_INSPECTION)),
    (replace(IN_MEDIATION, inspection=Inspection.EXTENDED), Command(K.EXTEND_INSPECTION)),
    (replace(IN_MEDIATION, inspection=Inspection.CLOSED), Command(K.HAND_TO_INSPECTION, ACTORS["worker"])),
]


@pytest.mark.parametrize(("case", "command"), OUT_OF_ORDER, ids=[describe(*row) for row in OUT_OF_ORDER])
def test_a_step_out_of_order_is_refused(case: CaseState, command: Command) -> None:
    assert refusal(case, command) is Refusal.NOT_IN_THIS_STATE


def test_the_note_stays_off_the_payload_and_params_go_onto_it() -> None:
    ending = step(IN_MEDIATION, Command(K.END_MEDIATION, ACTORS["holding mediator"], outcome=Outcome.NO_AGREEMENT,
                                        params={"sessions": 2}, note="雇主拒绝出席"))
    [event] = ending.events
    assert event.payload == {"sessions": 2, "outcome": Outcome.NO_AGREEMENT}
    assert event.note == "雇主拒绝出席"


def test_a_whole_case_ends_mediation_once() -> None:
    case, events = SUBMITTED, []
    for command in [Command(K.ASSIGN, SYSTEM, centre_id=CENTRE), Command(K.ACCEPT, ACTORS["holding mediator"]),
                    Command(K.START_MEDIATION, ACTORS["holding mediator"]),
                    Command(K.END_MEDIATION, ACTORS["holding mediator"], outcome=Outcome.AGREEMENT),
                    Command(K.SET_PAYMENT_DUE, SYSTEM),
                    Command(K.RECORD_PAYMENT, ACTORS["worker"], outcome=Payment.NOT_PAID),
                    Command(K.REFER_TO_ARBITRATION, ACTORS["worker"]), Command(K.ACCEPT_ARBITRATION),
                    Command(K.CLOSE_ARBITRATION, outcome=ArbitrationOutcome.MEDIATED),
                    Command(K.RECORD_PAYMENT, ACTORS["worker"], outcome=Payment.PAID)]:
        decision = step(case, command)
        case, events = decision.state, events + decision.events
    assert [event.type for event in events].count(EventType.MEDIATION_ENDED) == 1
    assert (case.mediation, case.outcome, case.payment, case.arbitration, case.arbitration_outcome) == (
        Mediation.ENDED, Outcome.AGREEMENT, Payment.PAID, Arbitration.CLOSED, ArbitrationOutcome.MEDIATED)
    assert refusal(case, Command(K.ADD_EVIDENCE, ACTORS["worker"])) is Refusal.CASE_CLOSED


# ---------------------------------------------------------------------------------------------
# Random walks.

TRACK_OF: dict[Track, Callable[[CaseState], Any]] = {
    Track.MEDIATION: lambda case: case.mediation, Track.PAYMENT: lambda case: case.payment,
    Track.ARBITRATION: lambda case: case.arbitration, Track.INSPECTION: lambda case: case.inspection,
}
FINAL = (Mediation.ENDED, Mediation.WITHDRAWN)


@given(st.data())
def test_random_commands_keep_the_tracks_consistent_and_end_mediation_once(data: st.DataObject) -> None:
    case, endings = SUBMITTED, 0
    for _ in range(data.draw(st.integers(min_value=1, max_value=30), label="length")):
        possible = [command for command in COMMANDS if isinstance(decide(case, command, NOW), Decision)]
        pool = possible if possible and data.draw(st.booleans(), label="allowed only") else COMMANDS
        command = data.draw(st.sampled_from(pool), label="command")
        result = decide(case, command, NOW)
        assert actual(case, command) == expected(case, command), describe(case, command)
        if isinstance(result, Refused):
            continue
        tracks = {track: state(case) for track, state in TRACK_OF.items()}
        for event in result.events:
            # mediation took place exactly when a mediator accepted once
            if event.type is EventType.MEDIATION_ENDED:
                assert case.accepted_at is not None, describe(case, command)
            if event.type is EventType.WITHDRAWN:
                assert case.accepted_at is None, describe(case, command)
            if event.track is None:
                assert (event.from_state, event.to_state) == (None, None)
                continue
            assert event.from_state == tracks[event.track], describe(case, command)
            tracks[event.track] = event.to_state
            endings += event.type is EventType.MEDIATION_ENDED
        assert tracks == {track: state(result.state) for track, state in TRACK_OF.items()}
        assert endings <= 1
        if case.mediation in FINAL:
            assert (result.state.mediation, result.state.outcome) == (case.mediation, case.outcome)
        if case.accepted_at is not None:  # the first accept's time, kept whatever happens after
            assert result.state.accepted_at == case.accepted_at
        elif any(event.type is EventType.ACCEPTED for event in result.events):
            assert result.state.accepted_at == NOW
        else:
            assert result.state.accepted_at is None
        if result.state.mediation in HELD:
            assert result.state.accepted_at is not None
        assert result.state.worker_id == WORKER_ID
        case = result.state
