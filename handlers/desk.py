"""The mediator's desk in chat: the case card with its clocks and the actions its state allows the viewer
(accept, step aside, transfer, give back, refer to arbitration, hand to labour inspection, the platform
extension; the arbitration office's and the inspection liaison's steps on their own track), /queue and
/case. Roles and the case are re-read from the store on every press (DeskService); callback data only
names the case, the action, the version the card was drawn at and the answers to a step's questions."""

from __future__ import annotations

from collections.abc import Callable

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.case_service import Rejected
from bot.cases import CommandKind, Refusal
from bot.chat.outbound import edit_text, send_text
from bot.chat.telegram_html import escape
from bot.desk import REFUSAL_REASONS, Card, DeskResult, DeskService, Taken
from bot.notify import CardFacts
from bot.people import Person, Role
from bot.routing import render_reasons
from bot.routing.service import RoutingService
from bot.settings import Settings
from bot.tracks import QUESTIONS, Question
from handlers.case_texts import refusal_text, status_label
from handlers.clock_texts import reason_label, staff_deadline_line
from handlers.counter import counter_button
from handlers.employer import employer_button
from handlers.evidence import card_buttons as evidence_buttons
from handlers.intake.texts import alert_label, answer_text, kind_label, show_moment
from handlers.menu import MenuAction
from handlers.outcome_forms import outcome_buttons
from handlers.recovery import with_recovery_button
from handlers.relay import holder_buttons
from handlers.sessions import with_session_button

QUEUE_PAGE = 8
TRANSFER_CHOICES = 12
CentreName = Callable[[str, str], str]


class Desk(CallbackData, prefix="dk"):
    act: str   # o open, r refuse for the centre (choose why), or a step of ACTIONS
    id: int
    v: int = 0


class DeskTransfer(CallbackData, prefix="dx"):
    id: int
    v: int
    c: str     # the centre chosen


class DeskRefuse(CallbackData, prefix="dr"):
    id: int
    v: int
    why: str   # one of REFUSAL_REASONS


class DeskStep(CallbackData, prefix="ds"):
    """An answer to a step's question (a reason, who approved it, how many days)."""

    k: str        # the step (ACTIONS)
    id: int
    v: int
    a: str = ""   # the answers so far: each an index into its question's codes, dot-separated


class QueuePage(CallbackData, prefix="dq"):
    page: int


K = CommandKind
ACTIONS = {
    K.ACCEPT: "a", K.STEP_ASIDE: "s", K.TRANSFER: "t", K.PASS: "p",
    K.REFER_TO_ARBITRATION: "rf", K.HAND_TO_INSPECTION: "ho", K.EXTEND_MEDIATION: "em",
    K.RECEIVE_ARBITRATION: "ar", K.COMPLETE_ARBITRATION: "am", K.ACCEPT_ARBITRATION: "aa",
    K.REFUSE_ARBITRATION: "an", K.SUSPEND_ARBITRATION: "as", K.RESUME_ARBITRATION: "au",
    K.EXTEND_ARBITRATION: "ae", K.RESTART_ARBITRATION: "ax", K.CLOSE_ARBITRATION: "ac",
    K.FILE_INSPECTION: "if", K.EXTEND_INSPECTION: "ie", K.CLOSE_INSPECTION: "ic",
}
COMMANDS = {code: kind for kind, code in ACTIONS.items()}
# Pressed once, they act; the steps in QUESTIONS ask first; a transfer chooses its centre.
ONE_PRESS = frozenset(code for kind, code in ACTIONS.items() if kind not in QUESTIONS and kind is not K.TRANSFER)
ASKING = frozenset(ACTIONS[kind] for kind in QUESTIONS)


def action_label(kind: CommandKind) -> str:
    return {
        K.ACCEPT: _("✅ Accept"),
        K.STEP_ASIDE: _("🙅 Not me"),
        K.TRANSFER: _("↪️ Transfer"),
        K.PASS: _("↩️ Back to the queue"),
        K.REFER_TO_ARBITRATION: _("⚖️ Refer to arbitration"),
        K.HAND_TO_INSPECTION: _("🔎 Hand to labour inspection"),
        K.EXTEND_MEDIATION: _("⏳ Extend (both sides agree)"),
        K.RECEIVE_ARBITRATION: _("📨 Application received"),
        K.COMPLETE_ARBITRATION: _("📎 Materials completed"),
        K.ACCEPT_ARBITRATION: _("✅ Accepted"),
        K.REFUSE_ARBITRATION: _("🚫 Not accepted"),
        K.SUSPEND_ARBITRATION: _("⏸ Suspend"),
        K.RESUME_ARBITRATION: _("▶️ Resume"),
        K.EXTEND_ARBITRATION: _("⏳ Extend"),
        K.RESTART_ARBITRATION: _("🔁 Period restarts"),
        K.CLOSE_ARBITRATION: _("🏁 Close"),
        K.FILE_INSPECTION: _("📂 Filed (立案)"),
        K.EXTEND_INSPECTION: _("⏳ Extended"),
        K.CLOSE_INSPECTION: _("🏁 Closed, reported back"),
    }[kind]


def question_text(kind: CommandKind, question: Question, number: str) -> str:
    """What a step asks, before it acts."""
    if question.param == "confirm":
        return {
            K.REFER_TO_ARBITRATION: _("Refer case {number} to arbitration? Mediation ends with the outcome "
                                      "\"referred\", and the arbitration office of the district takes it up."),
            K.HAND_TO_INSPECTION: _("Hand case {number} to labour inspection (Art. 9)? The district's inspection "
                                    "liaison records what inspection reports; mediation may go on."),
        }[kind].format(number=number)
    return {
        "days": _("Case {number}: extend by how many days? Both sides (or, in arbitration, the approval in writing) "
                  "must agree; at most 15."),
        "approved_by": _("Case {number}: who approved it in writing?"),
        "reason": _("Case {number}: why?"),
        "outcome": _("Case {number}: how did the arbitration close?"),
        "result": _("Case {number}: what did labour inspection report?"),
    }[question.param].format(number=number)


def answer_label(question: Question, code: str) -> str:
    if question.param == "confirm":
        return _("Yes")
    if question.param == "days":
        return _("{days} days").format(days=code)
    return reason_label(code)


def staff_field_label(code: str) -> str:
    """The card's labels speak of the worker (the intake's speak to them)."""
    return {
        "amount": _("Owed to the worker"),
        "period": _("Period owed"),
        "monthly_wage": _("Monthly wage"),
        "employer": _("Employer"),
        "platform": _("Platform"),
        "workers_affected": _("Workers affected"),
        "workplace": _("Workplace"),
    }.get(code, code)


def card_text(facts: CardFacts, settings: Settings, locale: str, *, status: str | None = None,
              identity: dict[str, str] | None = None) -> str:
    """The case card. The worker's identity only when `identity` is given (the holding mediator)."""
    lines = [_("📋 <b>Case {number}</b> · {kind}").format(number=facts.number, kind=escape(kind_label(facts.kind)))]
    if facts.observing:
        lines.append(_("👁 For your information: your office may view this case."))
    if facts.urgent:
        why = "、".join(alert_label(reason) for reason in facts.alerts) if locale.startswith("zh") else \
            "; ".join(alert_label(reason) for reason in facts.alerts)
        lines.append(_("🚨 Urgent: {why}").format(why=escape(why)) if why else _("🚨 Urgent."))
    if status:
        lines.append(_("Status: {status}").format(status=escape(status)))
    for code, value in facts.fields.items():
        lines.append(_("{key}: {val}").format(key=escape(staff_field_label(code)), val=answer_text(code, value)))
    if facts.street:
        lines.append(_("Street: {street}").format(street=escape(facts.street)))
    if identity:
        lines += [_("<b>Worker:</b> {name} · {phone}").format(name=escape(identity.get("name", "—")),
                                                              phone=escape(identity.get("phone", "—")))]
    lines.append(_("Evidence: {count} files").format(count=facts.evidence))
    lines.append(_("Filed {moment}").format(moment=show_moment(facts.filed_at, settings.zone)))
    if facts.acknowledge_by:
        lines.append(_("To be accepted by {moment}").format(moment=show_moment(facts.acknowledge_by, settings.zone)))
    lines += [line for deadline in facts.deadlines if (line := staff_deadline_line(deadline))]
    if facts.routing:
        separator = "；" if locale.startswith("zh") else "; "
        lines.append(_("Why here: {reasons}").format(
            reasons=escape(separator.join(render_reasons(facts.routing, locale)))))
    return "\n".join(lines)


def open_keyboard(case_id: int) -> InlineKeyboardMarkup:
    """A notice about a case opens its live card, with the buttons the reader may press now."""
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
        text=_("📋 Open the case"), callback_data=Desk(act="o", id=case_id).pack())]])


def question_keyboard(kind: CommandKind, case_id: int, version: int, question: Question,
                      answers: str) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(text=answer_label(question, code), callback_data=DeskStep(
        k=ACTIONS[kind], id=case_id, v=version, a=f"{answers}.{index}" if answers else str(index)).pack())]
        for index, code in enumerate(question.codes)]
    rows.append([InlineKeyboardButton(text=_("Cancel"), callback_data=Desk(act="o", id=case_id).pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def read_answers(kind: CommandKind, packed: str) -> list[str] | None:
    """The codes the indexes stand for, or None if they are not answers to this step's questions."""
    questions = QUESTIONS.get(kind, ())
    picked = packed.split(".") if packed else []
    if len(picked) > len(questions) or not all(index.isdigit() for index in picked):
        return None
    if any(int(index) >= len(question.codes) for index, question in zip(picked, questions, strict=False)):
        return None
    return [question.codes[int(index)] for index, question in zip(picked, questions, strict=False)]


def card_keyboard(case_id: int, version: int, actions: list[CommandKind]) -> InlineKeyboardMarkup | None:
    buttons = [InlineKeyboardButton(text=action_label(kind), callback_data=Desk(act=ACTIONS[kind], id=case_id,
                                                                                 v=version).pack())
               for kind in actions]
    if CommandKind.ACCEPT in actions:  # a waiting case: the centre may also refuse it
        buttons.append(InlineKeyboardButton(text=_("🚫 Not for our centre"),
                                            callback_data=Desk(act="r", id=case_id, v=version).pack()))
    return InlineKeyboardMarkup(inline_keyboard=[buttons[i:i + 2] for i in range(0, len(buttons), 2)]) \
        if buttons else None


def new_case_card(facts: CardFacts, settings: Settings, locale: str) -> tuple[str, InlineKeyboardMarkup | None]:
    """The card as the outbox sends it when a case reaches a centre: buttons for its mediators."""
    actions = [] if facts.observing else [CommandKind.ACCEPT, CommandKind.STEP_ASIDE, CommandKind.TRANSFER]
    return (_("📥 New case for your centre.") + "\n" + card_text(facts, settings, locale),
            card_keyboard(facts.case_id, facts.version, actions))


def live_card(card: Card, viewer: Person, settings: Settings, locale: str) -> tuple[str, InlineKeyboardMarkup | None]:
    identity = None
    if card.identity:
        identity = {code: str(card.case.fields[code]) for code in ("name", "phone") if code in card.case.fields}
    text = card_text(card.facts, settings, locale, status=status_label(card.case), identity=identity)
    keyboard = card_keyboard(card.case.id, card.case.version, card.actions(viewer))
    # The holder's own: talking to the worker, the employer.
    if held := holder_buttons(card.case, viewer) + employer_button(card.case, viewer):
        keyboard = InlineKeyboardMarkup(inline_keyboard=[*(keyboard.inline_keyboard if keyboard else []), held])
    if card.identity:  # the mediator holding the case schedules its sessions
        keyboard = with_session_button(keyboard, card.case.id)
        keyboard = with_recovery_button(keyboard, card.case.id)  # and hands its worker a recovery code
    if outcomes := outcome_buttons(card, viewer):  # the holder's outcomes (agreement or not); the timeline
        keyboard = InlineKeyboardMarkup(inline_keyboard=[*(keyboard.inline_keyboard if keyboard else []), outcomes])
    if evidence := [[button] for button in evidence_buttons(card, viewer)]:  # the files; who saw the details
        keyboard = InlineKeyboardMarkup(inline_keyboard=[*(keyboard.inline_keyboard if keyboard else []), *evidence])
    return text, keyboard


def taken_text(taken: Taken, settings: Settings) -> str:
    who = escape(taken.by.display_name) if taken.by and taken.by.display_name else _("someone else")
    when = show_moment(taken.first.occurred_at, settings.zone) if taken.first else ""
    return _("Case {number} was changed first by {who} ({when}); here is how it stands now.").format(
        number=taken.case.number, who=who, when=when)


def queue_text(own: list, waiting: list, page: int) -> tuple[str, list[list[InlineKeyboardButton]]]:
    listed = [(case, True) for case in own] + [(case, False) for case in waiting]
    shown = listed[page * QUEUE_PAGE:(page + 1) * QUEUE_PAGE]
    lines = [_("<b>Your desk</b>: {own} of your own, {waiting} waiting for a mediator").format(
        own=len(own), waiting=len(waiting))]
    rows = []
    for case, mine in shown:
        mark = "🚨 " if case.urgent else ""
        lines.append(f"{mark}<b>{case.number}</b> · {escape(kind_label(case.kind))} · "
                     + (_("yours") if mine else _("waiting")))
        rows.append([InlineKeyboardButton(text=f"{mark}{case.number}", callback_data=Desk(act="o", id=case.id).pack())])
    if not listed:
        lines.append(_("Nothing waiting. New cases of your centre reach you here."))
    pager = []
    if page > 0:
        pager.append(InlineKeyboardButton(text=_("⬅️ Newer"), callback_data=QueuePage(page=page - 1).pack()))
    if (page + 1) * QUEUE_PAGE < len(listed):
        pager.append(InlineKeyboardButton(text=_("More ➡️"), callback_data=QueuePage(page=page + 1).pack()))
    if pager:
        rows.append(pager)
    rows.append([counter_button()])
    return "\n".join(lines), rows


def refusal_label(code: str) -> str:
    return {
        "jurisdiction": _("Not our jurisdiction"),
        "conflict": _("Conflict of interest"),
        "capacity": _("We cannot take it now"),
    }[code]


def refuse_keyboard(case_id: int, version: int) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(text=refusal_label(code), callback_data=DeskRefuse(id=case_id, v=version,
                                                                                    why=code).pack())]
            for code in REFUSAL_REASONS]
    rows.append([InlineKeyboardButton(text=_("Cancel"), callback_data=Desk(act="o", id=case_id).pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def transfer_keyboard(card: Card, routing: RoutingService, locale: str) -> InlineKeyboardMarkup:
    """Centres that take cases, the case's own district first; the current centre left out."""
    district = card.case.workplace_district
    centres = [centre for centre in routing.registry.centres
               if centre.accepts_cases and centre.id != card.case.centre_id]
    centres.sort(key=lambda centre: (centre.district != district, centre.id))
    rows = [[InlineKeyboardButton(text=centre.name.pick(locale)[:60], callback_data=DeskTransfer(
        id=card.case.id, v=card.case.version, c=centre.id).pack())] for centre in centres[:TRANSFER_CHOICES]]
    rows.append([InlineKeyboardButton(text=_("Cancel"), callback_data=Desk(act="o", id=card.case.id).pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def router() -> Router:
    r = Router(name="desk")

    async def show(bot: Bot, chat_id: int, card: Card, person: Person, settings: Settings, locale: str,
                   message: Message | None = None, note: str | None = None) -> None:
        text, keyboard = live_card(card, person, settings, locale)
        if note:
            text = f"{note}\n\n{text}"
        if message is not None:
            await edit_text(message, text, reply_markup=keyboard)
        else:
            await send_text(bot, chat_id, text, reply_markup=keyboard)

    async def show_queue(bot: Bot, chat_id: int, person: Person, desk: DeskService, page: int,
                         message: Message | None = None) -> None:
        queue = await desk.queue(person)
        text, rows = queue_text(queue.own, queue.waiting, page)
        keyboard = InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
        if message is not None:
            await edit_text(message, text, reply_markup=keyboard)
        else:
            await send_text(bot, chat_id, text, reply_markup=keyboard)

    @r.message(Command("queue"))
    async def queue_command(message: Message, bot: Bot, person: Person, desk: DeskService) -> None:
        if person.role is not Role.MEDIATOR:
            await message.answer(_("The queue is for mediators. /help lists what you can do."))
            return
        await show_queue(bot, message.chat.id, person, desk, 0)

    @r.callback_query(MenuAction.filter(F.action == "queue"))
    async def queue_button(callback: CallbackQuery, bot: Bot, person: Person, desk: DeskService) -> None:
        await callback.answer()
        await show_queue(bot, callback.from_user.id, person, desk, 0)

    @r.callback_query(QueuePage.filter())
    async def queue_page(callback: CallbackQuery, callback_data: QueuePage, bot: Bot, person: Person,
                         desk: DeskService) -> None:
        await callback.answer()
        message = callback.message if isinstance(callback.message, Message) else None
        await show_queue(bot, callback.from_user.id, person, desk, max(callback_data.page, 0), message)

    @r.message(Command("case"))
    async def case_command(message: Message, command: CommandObject, bot: Bot, person: Person, desk: DeskService,
                           settings: Settings, locale: str) -> None:
        number = (command.args or "").strip()
        card = await desk.card_by_number(person, number) if number and person.is_staff else None
        if card is None:
            await message.answer(_("No case {number} that you may see. Send it as /case LD-2026-000123.").format(
                number=escape(number[:40])) if number else _("Send the case number: /case LD-2026-000123."))
            return
        await show(bot, message.chat.id, card, person, settings, locale)

    @r.callback_query(Desk.filter(F.act == "o"))
    async def open_card(callback: CallbackQuery, callback_data: Desk, bot: Bot, person: Person, desk: DeskService,
                        settings: Settings, locale: str) -> None:
        card = await desk.card(person, callback_data.id)
        if card is None:
            await callback.answer(_("This case was not found."))
            return
        await callback.answer()
        await show(bot, callback.from_user.id, card, person, settings, locale)

    @r.callback_query(Desk.filter(F.act == "t"))
    async def choose_centre(callback: CallbackQuery, callback_data: Desk, bot: Bot, person: Person,
                            desk: DeskService, routing: RoutingService, locale: str) -> None:
        card = await desk.card(person, callback_data.id)
        if card is None or CommandKind.TRANSFER not in card.actions(person):
            await callback.answer(_("This case was not found.") if card is None else
                                  refusal_text_short(card.case.number))
            return
        await callback.answer()
        await send_text(bot, callback.from_user.id, _("Transfer case {number} to which centre?").format(
            number=card.case.number), reply_markup=transfer_keyboard(card, routing, locale))

    @r.callback_query(Desk.filter(F.act == "r"))
    async def ask_refusal(callback: CallbackQuery, callback_data: Desk, bot: Bot, person: Person,
                          desk: DeskService) -> None:
        card = await desk.card(person, callback_data.id)
        if card is None or CommandKind.ACCEPT not in card.actions(person):
            await callback.answer(_("This case was not found.") if card is None else
                                  refusal_text_short(card.case.number))
            return
        await callback.answer()
        await send_text(bot, callback.from_user.id, _(
            "Why can your centre not mediate case {number}? It is then routed to another centre.").format(
            number=card.case.number), reply_markup=refuse_keyboard(card.case.id, callback_data.v))

    @r.callback_query(DeskRefuse.filter(F.why.in_(REFUSAL_REASONS)))
    async def refused(callback: CallbackQuery, callback_data: DeskRefuse, bot: Bot, person: Person,
                      desk: DeskService, settings: Settings, locale: str) -> None:
        result = await desk.refuse(person, callback_data.id, callback_data.v, callback_data.why)
        await answered(callback, bot, person, desk, settings, locale, callback_data.id, CommandKind.TRANSFER, result)

    async def act(callback: CallbackQuery, bot: Bot, person: Person, desk: DeskService,
                  settings: Settings, locale: str, case_id: int, version: int, kind: CommandKind,
                  centre_id: str | None = None, answers: list[str] | None = None) -> None:
        result = await desk.act(person, case_id, version, kind, centre_id, answers=answers)
        await answered(callback, bot, person, desk, settings, locale, case_id, kind, result)

    async def offered(callback: CallbackQuery, person: Person, desk: DeskService, case_id: int,
                      kind: CommandKind) -> Card | None:
        """The card, if it offers this step to this person now; else the press is answered with why not."""
        card = await desk.card(person, case_id)
        if card is not None and kind in card.actions(person):
            return card
        await callback.answer(_("This case was not found.") if card is None else
                              refusal_text(Refusal.NOT_IN_THIS_STATE, card.case)[:200], show_alert=True)
        return None

    @r.callback_query(Desk.filter(F.act.in_(ASKING)))
    async def ask(callback: CallbackQuery, callback_data: Desk, bot: Bot, person: Person,
                  desk: DeskService) -> None:
        kind = COMMANDS[callback_data.act]
        card = await offered(callback, person, desk, callback_data.id, kind)
        if card is None:
            return
        await callback.answer()
        first = QUESTIONS[kind][0]
        await send_text(bot, callback.from_user.id, question_text(kind, first, card.case.number or ""),
                        reply_markup=question_keyboard(kind, card.case.id, callback_data.v, first, ""))

    @r.callback_query(DeskStep.filter(F.k.in_(ASKING)))
    async def answer(callback: CallbackQuery, callback_data: DeskStep, bot: Bot, person: Person,
                     desk: DeskService, settings: Settings, locale: str) -> None:
        kind = COMMANDS[callback_data.k]
        answers = read_answers(kind, callback_data.a)
        if answers is None:
            await callback.answer(refusal_text(Refusal.BAD_OUTCOME, None), show_alert=True)
            return
        questions = QUESTIONS[kind]
        if len(answers) == len(questions):
            await act(callback, bot, person, desk, settings, locale, callback_data.id, callback_data.v, kind,
                      answers=answers)
            return
        card = await offered(callback, person, desk, callback_data.id, kind)
        if card is None:
            return
        await callback.answer()
        following = questions[len(answers)]
        text = question_text(kind, following, card.case.number or "")
        keyboard = question_keyboard(kind, card.case.id, callback_data.v, following, callback_data.a)
        if isinstance(callback.message, Message):
            await edit_text(callback.message, text, reply_markup=keyboard)
        else:
            await send_text(bot, callback.from_user.id, text, reply_markup=keyboard)

    async def answered(callback: CallbackQuery, bot: Bot, person: Person, desk: DeskService, settings: Settings,
                       locale: str, case_id: int, kind: CommandKind, result: DeskResult) -> None:
        message = callback.message if isinstance(callback.message, Message) else None
        if isinstance(result, Taken):
            await callback.answer()
            card = await desk.card(person, case_id)
            if card is not None:
                await show(bot, callback.from_user.id, card, person, settings, locale, message,
                           note=taken_text(result, settings))
            return
        if isinstance(result, Rejected):
            await callback.answer(refusal_text(result.reason, result.case)[:200], show_alert=True)
            return
        await callback.answer(done_text(kind))
        card = await desk.card(person, case_id)
        if card is not None and kind is not CommandKind.TRANSFER:
            await show(bot, callback.from_user.id, card, person, settings, locale, message)
        elif message is not None:
            await edit_text(message, done_text(kind))

    @r.callback_query(Desk.filter(F.act.in_(ONE_PRESS)))
    async def pressed(callback: CallbackQuery, callback_data: Desk, bot: Bot, person: Person, desk: DeskService,
                      settings: Settings, locale: str) -> None:
        await act(callback, bot, person, desk, settings, locale, callback_data.id, callback_data.v,
                  COMMANDS[callback_data.act])

    @r.callback_query(DeskTransfer.filter())
    async def transfer(callback: CallbackQuery, callback_data: DeskTransfer, bot: Bot, person: Person,
                       desk: DeskService, settings: Settings, locale: str) -> None:
        await act(callback, bot, person, desk, settings, locale, callback_data.id, callback_data.v,
                  CommandKind.TRANSFER, callback_data.c)

    return r


def refusal_text_short(number: str | None) -> str:
    return _("Case {number} cannot be transferred now.").format(number=number or "")


def done_text(kind: CommandKind) -> str:
    return {
        K.ACCEPT: _("Accepted: the case is yours. The worker is told."),
        K.STEP_ASIDE: _("Noted: the case stays in the queue for your colleagues."),
        K.TRANSFER: _("Transferred: the other centre and the worker are told."),
        K.PASS: _("Back in the centre's queue."),
        K.REFER_TO_ARBITRATION: _("Referred: the arbitration office and the worker are told."),
        K.HAND_TO_INSPECTION: _("Handed over: the inspection liaison and the worker are told."),
    }.get(kind, _("Recorded; the worker is told."))
