"""How a filed case reads to the people in it: its status over all tracks, its timeline, and why a
command on it was refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from aiogram.utils.i18n import gettext as _

from bot.cases import (
    Arbitration,
    Case,
    CaseEvent,
    EventType,
    Inspection,
    Mediation,
    Outcome,
    Payment,
    Refusal,
)
from bot.chat.telegram_html import escape
from bot.outcomes import RATING_LABELS, OutcomeEvent, Rating
from handlers.counter import counter_event_text
from handlers.employer import employer_event_text
from handlers.followup import supervision_event_text
from handlers.intake.texts import show_date
from handlers.recovery import recovery_event_text
from handlers.relay import relay_event_text
from handlers.sessions import session_event_text


def mediation_label(case: Case) -> str:
    if case.mediation is Mediation.ENDED:
        return {
            Outcome.AGREEMENT: _("closed with an agreement"),
            Outcome.NO_AGREEMENT: _("closed without agreement"),
            Outcome.REFERRED: _("referred to arbitration"),
            Outcome.WITHDRAWN: _("withdrawn"),
        }[case.outcome or Outcome.NO_AGREEMENT]
    return {
        Mediation.SUBMITTED: _("filed, waiting for a centre"),
        Mediation.ASSIGNED: _("with a centre, waiting for a mediator"),
        Mediation.ACCEPTED: _("accepted by a mediator"),
        Mediation.IN_MEDIATION: _("in mediation"),
        Mediation.WITHDRAWN: _("withdrawn"),
    }[case.mediation]


def status_label(case: Case) -> str:
    """The mediation's state, and each other track the case is on."""
    parts = [mediation_label(case)]
    if case.payment is not None:
        parts.append({
            Payment.DUE: _("payment due"), Payment.PAID: _("paid"), Payment.PARTLY_PAID: _("partly paid"),
            Payment.NOT_PAID: _("not paid"),
        }[case.payment])
    if case.arbitration is not None:
        parts.append({
            Arbitration.APPLIED: _("arbitration applied for"), Arbitration.ACCEPTED: _("in arbitration"),
            Arbitration.NOT_ACCEPTED: _("arbitration not accepted"),
            Arbitration.SUSPENDED: _("arbitration suspended"), Arbitration.CLOSED: _("arbitration closed"),
        }[case.arbitration])
    if case.inspection is not None:
        parts.append(_("labour inspection closed") if case.inspection is Inspection.CLOSED
                     else _("with labour inspection"))
    return "; ".join(parts)


def withdraw_reason_label(code: str) -> str:
    return {
        "paid": _("The employer paid"),
        "settled": _("We settled it ourselves"),
        "no_longer": _("I no longer want to go on"),
    }.get(code, code)


def answer_label(answer: Payment) -> str:
    return {Payment.PAID: _("Paid in full"), Payment.PARTLY_PAID: _("Partly paid"),
            Payment.NOT_PAID: _("Not paid")}[answer]


def no_agreement_reason_label(code: str) -> str:
    """Why mediation ended without agreement (bot.outcomes.NO_AGREEMENT_REASONS)."""
    return {
        "employer_refused": _("the employer refused the claims"),
        "employer_absent": _("the employer did not take part"),
        "too_far_apart": _("the two sides could not agree on the amount"),
        "worker_declined": _("the worker did not accept the employer's offer"),
        "other": _("another reason"),
    }.get(code, code)


def rating_label(rating: Rating) -> str:
    return _(RATING_LABELS[rating])


def outcome_event_text(event: CaseEvent) -> str | None:
    """A timeline line for this module's events (None: not one of them)."""
    if event.type == OutcomeEvent.AGREEMENT_DRAFTED:
        return _("The mediator recorded the terms of an agreement")
    if event.type == OutcomeEvent.TERM_PAYMENT and event.payload.get("answer") in tuple(Payment):
        return _("Payment of term {position}: {answer}").format(position=event.payload.get("term"),
                                                                answer=answer_label(Payment(event.payload["answer"])))
    if event.type == OutcomeEvent.RATED and event.payload.get("rating") in tuple(Rating):
        return _("Rated: {rating}").format(rating=rating_label(Rating(event.payload["rating"])))
    if event.type == OutcomeEvent.RATING_COMMENTED:
        return _("Comment on the rating added")
    return mediation_end_text(event) or application_event_text(event)


def mediation_end_text(event: CaseEvent) -> str | None:
    """How mediation ended (a withdrawal reads on its own, below), and the payments it left."""
    if event.type == EventType.MEDIATION_ENDED and event.payload.get("outcome") == Outcome.AGREEMENT:
        effective = event.payload.get("effective_on")
        if effective:
            return _("Mediation ended with an agreement, in effect since {date}; joint review and confirmation may be "
                     "applied for by {confirm}").format(date=show_date(date.fromisoformat(effective)),
                                                        confirm=show_date(date.fromisoformat(
                                                            event.payload.get("confirm_by") or effective)))
        return _("Mediation ended with an agreement")
    if event.type == EventType.MEDIATION_ENDED and event.payload.get("outcome") == Outcome.NO_AGREEMENT:
        return _("Mediation ended without agreement: {reason}").format(
            reason=no_agreement_reason_label(str(event.payload.get("reason_code") or "other")))
    if event.type == EventType.MEDIATION_ENDED and event.payload.get("outcome") == Outcome.REFERRED:
        return _("Mediation ended: the case went to arbitration")
    if event.type == EventType.PAYMENT_DUE:
        return _("The agreed payments are followed up")
    if event.type == EventType.PAYMENT_RECORDED and event.to_state in tuple(Payment):
        return _("Payment under the agreement: {answer}").format(answer=answer_label(Payment(event.to_state)))
    return None


def application_event_text(event: CaseEvent) -> str | None:
    """The steps of the worker's arbitration application."""
    if event.type == OutcomeEvent.ID_CONSENT:
        return _("Consent given to asking for the ID number") if event.payload.get("given") else \
            _("Consent to the ID number refused: it was not asked for")
    return {
        OutcomeEvent.APPLICATION_DRAFTED: _("A draft arbitration application was prepared"),
        OutcomeEvent.APPLICATION_SIGNED: _("The worker signed the arbitration application"),
        OutcomeEvent.TRANSFER_CONSENT: _("Consent given to passing the application to the arbitration office"),
        OutcomeEvent.APPLICATION_SENT: _("The application was sent to the arbitration office"),
    }.get(event.type)


def event_text(event: CaseEvent, centre_name: Callable[[str], str]) -> str:
    if (supervision := supervision_event_text(event)) is not None:
        return supervision
    if (session := session_event_text(event)) is not None:
        return session
    if (outcome := outcome_event_text(event) or relay_event_text(event) or employer_event_text(event)
                    or counter_event_text(event)
                    or recovery_event_text(event)) is not None:
        return outcome
    if event.type in (EventType.WITHDRAWN, EventType.MEDIATION_ENDED) and (
            event.type == EventType.WITHDRAWN or event.payload.get("outcome") == Outcome.WITHDRAWN):
        code = event.payload.get("reason_code")
        reason = withdraw_reason_label(code) if code else escape(event.note or "")
        return _("Withdrawn: {reason}").format(reason=reason)
    if event.type == EventType.EVIDENCE_ADDED:
        return _("Evidence added: {name}").format(name=escape(str(event.payload.get("name", ""))))
    if event.type in (EventType.ASSIGNED, EventType.TRANSFERRED) and event.payload.get("centre_id"):
        return _("Sent to {centre}").format(centre=escape(centre_name(str(event.payload["centre_id"]))))
    labels = {
        EventType.SUBMITTED: _("Complaint filed"),
        EventType.ASSIGNED: _("Sent to a mediation centre"),
        EventType.ACCEPTED: _("A mediator took the case"),
        EventType.REASSIGNED: _("Another mediator of the centre took the case"),
        EventType.PASSED: _("Back in the centre's queue for another mediator"),
        EventType.MEDIATION_STARTED: _("Mediation began"),
        EventType.MEDIATION_EXTENDED: _("Mediation extended, both sides agreeing"),
        EventType.ARBITRATION_APPLIED: _("Referred to arbitration"),
        EventType.ARBITRATION_RECEIVED: _("The arbitration office received the application"),
        EventType.ARBITRATION_COMPLETED: _("The application's materials were completed"),
        EventType.ARBITRATION_ACCEPTED: _("Arbitration accepted the case"),
        EventType.ARBITRATION_NOT_ACCEPTED: _("Arbitration did not accept the case"),
        EventType.ARBITRATION_EXTENDED: _("The arbitration period was extended"),
        EventType.ARBITRATION_SUSPENDED: _("Arbitration suspended"),
        EventType.ARBITRATION_RESUMED: _("Arbitration resumed"),
        EventType.ARBITRATION_RESTARTED: _("The arbitration period started again"),
        EventType.ARBITRATION_CLOSED: _("Arbitration closed"),
        EventType.INSPECTION_HANDED_OVER: _("Handed to labour inspection"),
        EventType.INSPECTION_FILED: _("Labour inspection opened a case"),
        EventType.INSPECTION_EXTENDED: _("Labour inspection extended its investigation"),
        EventType.INSPECTION_CLOSED: _("Labour inspection closed its case and reported back"),
        EventType.DEADLINE_RECOMPUTED: _("A due date was counted again with the published holidays"),
        EventType.DEADLINE_WARNED: _("The staff were reminded of a coming time limit"),
        EventType.DEADLINE_PASSED: _("A time limit passed; the supervisors were told"),
    }
    return labels.get(event.type, _("Case updated"))


def refusal_text(reason: Refusal, case: Case | None) -> str:
    """Why a command on a case was not carried out, in words the person can act on."""
    number = case.number if case else ""
    if reason is Refusal.STALE:
        return _("Case {number} was changed meanwhile; here is how it stands now.").format(number=number)
    if reason is Refusal.NOT_YOURS or case is None:
        return _("This case was not found.")
    if reason is Refusal.CASE_CLOSED:
        return _("This case is closed.")
    return _("Case {number} can no longer be changed that way: it is {status}.").format(
        number=number, status=escape(status_label(case)))
