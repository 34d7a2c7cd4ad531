"""The outbox's templates: each kind of notice (bot/notify.py) rendered from its parameters in the
recipient's language, when the sender delivers the row."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.cases.machine import Track
from bot.chat.outbox_sender import Template
from bot.chat.telegram_html import escape
from bot.intake.limitation import LimitationEstimate
from bot.notify import (
    AcceptedParams,
    CardFacts,
    ClockParams,
    FiledParams,
    ForTrackParams,
    JobsSilentParams,
    NoticeKind,
    StepParams,
    TransferredParams,
    UrgentParams,
    WithdrawnParams,
)
from bot.routing import RoutingDecision, render_reasons, render_summary
from bot.routing.registry import Centre
from bot.settings import Settings
from handlers.case_texts import withdraw_reason_label
from handlers.centre_texts import centre_contact_lines
from handlers.clock_texts import clock_text, step_text
from handlers.desk import card_text, new_case_card, open_keyboard
from handlers.intake.texts import alert_label, answer_text, kind_label, limitation_text, show_date, show_moment
from handlers.outcome_forms import application_keyboard

CentreName = Callable[[str, str], str]   # (centre id, locale) -> name


def routing_lines(decision: RoutingDecision | None, locale: str) -> list[str]:
    """Where the case goes and why, in plain words ("吴家山街道劳动争议调解中心 · 公交约 14 分钟 · 当前排队 3 件")."""
    if decision is None:
        return [_("Mediation centre: {centre}").format(
            centre=_("to be assigned; we will tell you here as soon as a centre takes your case"))]
    lines = [_("Mediation centre: {centre}").format(centre="<b>" + escape(render_summary(decision, locale)) + "</b>")]
    lines += ["  · " + escape(reason) for reason in render_reasons(decision, locale)]
    return lines


def filed_text(filed: FiledParams, locale: str) -> str:
    lines = [
        _("✅ Your complaint is filed. Case number: <b>{number}</b>").format(number=filed.number),
        *routing_lines(filed.routing, locale),
        "",
        _("<b>What happens next</b>"),
        "• " + _("A mediator of the centre will contact you, normally within 3 working days (by {date}).").format(
            date=show_date(filed.contact_by)),
        "• " + _("If there is no mediation agreement within 15 days of the centre receiving your case (by {date} "
                 "if it receives it today), you may apply for arbitration. Mediation can also go on if both "
                 "sides want.").format(date=show_date(filed.mediation_until)),
    ]
    if filed.platform_extension:
        lines.append("• " + _("For platform work, mediation normally ends within 15 days of acceptance; both "
                              "sides may agree to extend it once, by up to 15 days."))
    if filed.provisional:
        lines.append(_("(Dates next year are provisional until the official holiday calendar is published.)"))
    if filed.urgent:
        lines += ["", _("🚨 Your case is marked urgent and the district has been told at once.")]
    if filed.limitation:
        lines += ["", limitation_text(LimitationEstimate(**filed.limitation.model_dump()))]
    lines += ["", _("Follow your case, add evidence or withdraw it with /mycases.")]
    return "\n".join(lines)


def accepted_text(notice: AcceptedParams, centre: Callable[[str], Centre | None], locale: str) -> str:
    """For the worker: who took the case, where and when to find the centre, what happens next."""
    found = centre(notice.centre_id)
    lines = [_("👤 Your case {number} has a mediator: {mediator}.").format(
        number=notice.number, mediator=escape(notice.mediator) or _("a mediator of the centre"))]
    if found is not None:
        lines.append(_("Centre: {centre}").format(centre=escape(found.name.pick(locale))))
        lines += centre_contact_lines(found, locale)
    lines += ["", _("The mediator will contact you here to arrange a mediation session with your employer. "
                    "You can write to them in this chat, and add evidence with /mycases.")]
    return "\n".join(lines)


def transferred_text(notice: TransferredParams, centre_name: CentreName, locale: str) -> str:
    return _("↪️ Your case {number} is now with {centre}, which is better placed to mediate it. Its mediators "
             "will contact you; nothing you sent is lost.").format(
        number=notice.number, centre=escape(centre_name(notice.centre_id, locale)))


def not_acknowledged_text(facts: CardFacts, settings: Settings, locale: str) -> tuple[str, InlineKeyboardMarkup | None]:
    text, keyboard = new_case_card(facts.model_copy(update={"observing": False}), settings, locale)
    return _("⏰ No mediator has accepted this case in time.") + "\n" + text.split("\n", 1)[1], keyboard


def all_stepped_aside_text(facts: CardFacts, settings: Settings, locale: str) -> str:
    return _("⚠️ Every mediator of the centre stepped aside from case {number}: please assign or transfer it.").format(
        number=facts.number) + "\n\n" + card_text(facts, settings, locale)


def urgent_text(notice: UrgentParams, settings: Settings, centre_name: CentreName, locale: str) -> str:
    lines = [
        _("🚨 <b>Urgent case {number}</b>: {reasons}").format(
            number=notice.number, reasons=escape("; ".join(alert_label(reason) for reason in notice.alerts))),
        _("Kind: {kind}").format(kind=escape(kind_label(notice.kind))),
    ]
    if notice.employer:
        lines.append(_("Employer: {employer}").format(employer=escape(notice.employer)))
    if notice.workers_affected is not None:
        lines.append(_("Workers affected: {count}").format(count=notice.workers_affected))
    if notice.workplace is not None:
        lines.append(_("Workplace: {workplace}").format(workplace=answer_text("workplace", notice.workplace)))
    lines.append(_("Filed {moment}; centre: {centre}").format(
        moment=show_moment(notice.filed_at, settings.zone),
        centre=escape(centre_name(notice.centre_id, locale)) if notice.centre_id else _("to be assigned")))
    return "\n".join(lines)


def withdrawn_text(notice: WithdrawnParams, _locale: str) -> str:
    return _("Case {number} is withdrawn. If you need help again, send /new.").format(number=notice.number)


def withdrawn_to_centre_text(notice: WithdrawnParams, _locale: str) -> str:
    return _("↩️ Case {number} was withdrawn by the worker ({reason}).").format(
        number=notice.number,
        reason=withdraw_reason_label(notice.reason_code) if notice.reason_code else _("a reason of their own"))


def for_track_text(notice: ForTrackParams, settings: Settings, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    """The card to who records the track now opened: the arbitration office, the inspection liaison."""
    number = notice.card.number
    header = _("⚖️ Case {number} is referred to arbitration: please record the application's receipt and the "
               "decision on accepting it.").format(number=number) if notice.track is Track.ARBITRATION else \
        _("🔎 Case {number} is handed to labour inspection: please record what inspection reports (filing, "
          "extension, closure).").format(number=number)
    return header + "\n\n" + card_text(notice.card, settings, locale), open_keyboard(notice.card.case_id)


def clock_notice(notice: ClockParams) -> str | tuple[str, InlineKeyboardMarkup]:
    text = clock_text(notice)
    # The worker's note is the Art. 14 date: they may apply for arbitration, with a draft application.
    return (text, application_keyboard(notice.case_id)) if notice.to_worker else (text, open_keyboard(notice.case_id))


def jobs_silent_text(notice: JobsSilentParams, settings: Settings) -> str:
    since = (_("since {moment}").format(moment=show_moment(notice.last_run_at, settings.zone))
             if notice.last_run_at else _("since the service started"))
    return _("⚠️ Reminders and deadline checks have not run for an hour ({since}). Please tell the "
             "operator: nothing is lost, they run as soon as the job runner is back.").format(since=since)


def templates(settings: Settings, centre_name: CentreName, centre: Callable[[str], Centre | None]
              ) -> Mapping[str, Template]:
    """Every notice kind the outbox can hold, by its key."""
    return {
        NoticeKind.FILED: lambda params, locale: filed_text(FiledParams.model_validate(params), locale),
        NoticeKind.NEW_CASE: lambda params, locale: new_case_card(CardFacts.model_validate(params), settings, locale),
        NoticeKind.ACCEPTED: lambda params, locale: accepted_text(AcceptedParams.model_validate(params), centre,
                                                                 locale),
        NoticeKind.TRANSFERRED: lambda params, locale: transferred_text(TransferredParams.model_validate(params),
                                                                       centre_name, locale),
        NoticeKind.NOT_ACKNOWLEDGED: lambda params, locale: not_acknowledged_text(CardFacts.model_validate(params),
                                                                                 settings, locale),
        NoticeKind.ALL_STEPPED_ASIDE: lambda params, locale: all_stepped_aside_text(
            CardFacts.model_validate(params), settings, locale),
        NoticeKind.URGENT: lambda params, locale: urgent_text(UrgentParams.model_validate(params), settings,
                                                             centre_name, locale),
        NoticeKind.WITHDRAWN: lambda params, locale: withdrawn_text(WithdrawnParams.model_validate(params), locale),
        NoticeKind.WITHDRAWN_TO_CENTRE: lambda params, locale: withdrawn_to_centre_text(
            WithdrawnParams.model_validate(params), locale),
        NoticeKind.JOBS_SILENT: lambda params, _locale: jobs_silent_text(JobsSilentParams.model_validate(params),
                                                                        settings),
        NoticeKind.FOR_TRACK: lambda params, locale: for_track_text(ForTrackParams.model_validate(params), settings,
                                                                   locale),
        NoticeKind.STEP: lambda params, _locale: step_text(StepParams.model_validate(params)),
        NoticeKind.CLOCK: lambda params, _locale: clock_notice(ClockParams.model_validate(params)),
    }
