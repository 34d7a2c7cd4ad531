"""The statutory clocks in words: a line per clock on the case card, the same in plain words for the
worker, the steps of arbitration and labour inspection as the worker is told them, and the reminders."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.cases import ArbitrationOutcome, EventType
from bot.clocks import Limit
from bot.deadlines import ClockStatus, Deadline, Stage
from bot.notify import ClockParams, StepParams
from handlers.intake.texts import show_date


def provisional_mark(deadline: Deadline) -> str:
    return " " + _("(provisional: that year's holidays are not published yet)") if deadline.provisional else ""


def clock_name(clock: Limit) -> str:
    return {
        Limit.MEDIATION_PERIOD: _("15-day mediation period (Art. 14)"),
        Limit.PLATFORM_MEDIATION_CLOSE: _("platform-work mediation limit"),
        Limit.ACCEPTANCE_DECISION: _("decision on accepting the arbitration application"),
        Limit.ARBITRATION_CLOSE: _("arbitration limit (Art. 43)"),
        Limit.INSPECTION_CLOSE: _("labour inspection limit"),
    }.get(clock, str(clock))


def staff_deadline_line(deadline: Deadline) -> str | None:
    """The clock on the case card; None for one nobody needs to see any more (the Art. 14 date once mediation ended)."""
    name, due = clock_name(deadline.clock), show_date(deadline.due_on)
    if deadline.status is ClockStatus.SUSPENDED:
        return _("⏸ {name}: suspended since {date}; those days do not count").format(
            name=name, date=show_date(deadline.suspended_on or deadline.started_on))
    if deadline.status is ClockStatus.STOPPED:
        if deadline.held is None:
            return None
        text = _("✔️ {name}: done on {date}, within the limit of {due}") if deadline.held else \
            _("❗ {name}: done on {date}, after the limit of {due}")
        return text.format(name=name, date=show_date(deadline.stopped_on or deadline.due_on), due=due)
    extra = []
    if deadline.extension_days:
        extra.append(_("extended by {days} days").format(days=deadline.extension_days))
    if deadline.suspended_days:
        extra.append(_("{days} suspended days not counted").format(days=deadline.suspended_days))
    if deadline.clock is Limit.MEDIATION_PERIOD:
        line = _("📅 {name}: {date}; after it the worker may apply for arbitration").format(name=name, date=due)
    else:
        line = _("⏳ {name}: by {date}").format(name=name, date=due)
    return " · ".join([line, *extra]) + provisional_mark(deadline)


def worker_deadline_line(deadline: Deadline) -> str | None:
    """The clock in plain words for the worker (their timeline, their notices); None once it stopped."""
    if deadline.status is ClockStatus.STOPPED:
        return None
    if deadline.status is ClockStatus.SUSPENDED:
        return _("Your arbitration is suspended; the days do not count until it goes on.")
    due = show_date(deadline.due_on)
    text = {
        Limit.MEDIATION_PERIOD: _("If there is no agreement by {date}, you may apply for arbitration; mediation can "
                                  "also go on if both sides want."),
        Limit.PLATFORM_MEDIATION_CLOSE: _("Mediation of your platform-work case should end by {date}."),
        Limit.ACCEPTANCE_DECISION: _("The arbitration committee decides whether to accept your application within 5 "
                                     "working days of receiving it complete: by {date}."),
        Limit.ARBITRATION_CLOSE: _("The arbitration tribunal must close your case by {date}."),
        Limit.INSPECTION_CLOSE: _("Labour inspection must finish its investigation by {date}."),
    }[deadline.clock].format(date=due)
    return text + provisional_mark(deadline)


def reason_label(code: str) -> str:
    """A reason, an approver, an outcome or a result recorded on a step."""
    return {
        "not_labour_dispute": _("it is not a labour dispute the committee can hear"),
        "not_jurisdiction": _("it belongs to another arbitration committee"),
        "not_eligible": _("a party is not one the law allows"),
        "party_unable": _("a party cannot take part for now (death, incapacity, ...)"),
        "awaiting_other_case": _("it waits for the result of another case"),
        "force_majeure": _("force majeure"),
        "claims_changed": _("the claims were changed"),
        "party_added": _("a party was added"),
        "counterclaim": _("a counterclaim was joined"),
        "jurisdiction_transferred": _("the case was transferred here from another committee"),
        "complex": _("the case is complex"),
        "committee_chair": _("the committee's chair"),
        "institute_head": _("the institute's head, entrusted by the chair"),
        "department_head": _("the head of the labour department"),
        "rectified": _("the employer was made to put it right"),
        "no_violation": _("no violation was found"),
        "not_filed": _("inspection did not open a case"),
        "other": _("another reason"),
        ArbitrationOutcome.AWARD: _("an award was made"),
        ArbitrationOutcome.MEDIATED: _("settled by mediation in arbitration"),
        ArbitrationOutcome.WITHDRAWN: _("the application was withdrawn"),
    }.get(code, code)


def step_text(notice: StepParams) -> str:
    """For the worker: a step of their case, why, and the date that matters now."""
    number, why = notice.number, reason_label(notice.code) if notice.code else ""
    text = {
        EventType.ARBITRATION_APPLIED: _("⚖️ Your case {number} is referred to arbitration. The arbitration office "
                                         "will contact you about your written application."),
        EventType.ARBITRATION_RECEIVED: _("The arbitration office has received your application (case {number})."),
        EventType.ARBITRATION_COMPLETED: _("The materials of your application are complete (case {number}); the "
                                           "decision on accepting it is counted from today."),
        EventType.ARBITRATION_ACCEPTED: _("✅ The arbitration committee accepted your application (case {number})."),
        EventType.ARBITRATION_NOT_ACCEPTED: _("The arbitration committee did not accept your application (case "
                                              "{number}): {why}. You may take the dispute to the people's court "
                                              "(law Art. 29)."),
        EventType.ARBITRATION_EXTENDED: _("The arbitration of case {number} was extended, because {why}."),
        EventType.ARBITRATION_SUSPENDED: _("The arbitration of case {number} is suspended: {why}. The days it is "
                                           "suspended do not count."),
        EventType.ARBITRATION_RESUMED: _("The arbitration of case {number} goes on."),
        EventType.ARBITRATION_RESTARTED: _("The arbitration period of case {number} starts again: {why}."),
        EventType.ARBITRATION_CLOSED: _("The arbitration of case {number} is closed: {why}."),
        EventType.INSPECTION_HANDED_OVER: _("🔎 Your case {number} was handed to labour inspection (劳动保障监察), "
                                            "which can order the employer to pay. We will tell you what it reports."),
        EventType.INSPECTION_FILED: _("Labour inspection opened a case on your complaint {number}."),
        EventType.INSPECTION_EXTENDED: _("Labour inspection extended its investigation of case {number}."),
        EventType.INSPECTION_CLOSED: _("Labour inspection reports on case {number}: {why}. It has closed its case."),
        EventType.MEDIATION_EXTENDED: _("Both sides agreed to extend the mediation of case {number}."),
    }.get(notice.step, _("Case {number} was updated.")).format(number=number, why=why)
    line = worker_deadline_line(notice.deadline) if notice.deadline else None
    return f"{text}\n{line}" if line else text


def clock_text(notice: ClockParams) -> str:
    """A reminder before a limit, a limit passed, or the Art. 14 date reached."""
    deadline, number = notice.deadline, notice.number
    if deadline.clock is Limit.MEDIATION_PERIOD:
        if notice.to_worker:
            text = _("📅 Case {number}: 15 days have passed since the centre received your application. Without an "
                     "agreement you may now apply for arbitration; mediation can also go on if both sides want.")
            return text.format(number=number)
        return _("📅 Case {number}: 15 days since the centre received it, without an agreement: the worker may now "
                 "apply for arbitration; mediation may go on if both sides agree.").format(number=number)
    name, due = clock_name(deadline.clock), show_date(deadline.due_on)
    if notice.stage is Stage.PASSED:
        return _("⚠️ Case {number}: the {name} ended on {date} and the step is not recorded.").format(
            number=number, name=name, date=due) + provisional_mark(deadline)
    left = 3 if notice.stage is Stage.THREE_DAYS else 1
    return _("⏰ Case {number}: the {name} ends on {date}, in {days} working day(s).").format(
        number=number, name=name, date=due, days=left) + provisional_mark(deadline)
