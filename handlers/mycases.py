"""/mycases: a worker's cases with their status, each case's timeline, withdrawing a case with a
reason, and evidence added after filing. Every change is a recorded case event."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.case_service import CaseService, CaseView, Rejected
from bot.cases import Case, CaseEvent
from bot.cases.machine import Refusal
from bot.chat.outbound import edit_text, remove_keyboard, send_text
from bot.chat.outbox_sender import OutboxSender
from bot.chat.telegram_html import escape
from bot.deadlines import Deadline
from bot.evidence import EvidenceService
from bot.intake.draft import EVIDENCE_SIZE_LIMIT, EvidenceRefusal
from bot.people import Person
from bot.relay import Direction
from bot.routing.service import RoutingService
from bot.sessions import SessionService
from bot.settings import Settings
from handlers.case_step import CaseStep, enter_case_step, finish_case_step, step_case_id
from handlers.case_texts import event_text, refusal_text, status_label, withdraw_reason_label
from handlers.clock_texts import worker_deadline_line
from handlers.intake.texts import (
    evidence_from,
    evidence_label,
    evidence_refusal_text,
    kind_label,
    show_date,
    show_moment,
)
from handlers.menu import MenuAction
from handlers.relay import write_button
from handlers.sessions import session_summary

LISTED_CASES = 20
REASON_LIMIT = 500
WITHDRAW_REASONS = ("paid", "settled", "no_longer")


class MyCase(CallbackData, prefix="mc"):
    id: int
    act: str  # open, list, withdraw, evidence, done


class Withdraw(CallbackData, prefix="mw"):
    id: int
    why: str  # one of WITHDRAW_REASONS, "other" (typed) or "keep"
    v: int    # the case's version when the buttons were drawn: a stale button changes nothing


class WithdrawConfirmed(CallbackData, prefix="my"):
    """The second tap: the withdrawal with the reason chosen before."""

    id: int
    why: str  # one of WITHDRAW_REASONS
    v: int


def list_text(cases: list[Case], settings: Settings) -> str:
    lines = [_("<b>Your cases</b>")]
    lines += [f"<b>{case.number}</b> · {escape(kind_label(case.kind))} · {escape(status_label(case))}"
              f" · {show_date(case.created_at.astimezone(settings.zone).date())}" for case in cases[:LISTED_CASES]]
    lines.append(_("Tap a case to see its timeline, add evidence or withdraw it."))
    return "\n".join(lines)


def list_keyboard(cases: list[Case]) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(text=case.number or str(case.id),
                                    callback_data=MyCase(id=case.id, act="open").pack())
               for case in cases[:LISTED_CASES]]
    return InlineKeyboardMarkup(inline_keyboard=[buttons[index:index + 2] for index in range(0, len(buttons), 2)])


def case_text(case: Case, events: list[CaseEvent], evidence_count: int, settings: Settings,
              centre_name: Callable[[str], str], deadlines: Iterable[Deadline] = (), next_session: str | None = None
              ) -> str:
    lines = [
        _("<b>Case {number}</b>").format(number=case.number),
        _("Kind: {kind}").format(kind=escape(kind_label(case.kind))),
        _("Status: {status}").format(status=escape(status_label(case))),
        _("Mediation centre: {centre}").format(
            centre=escape(centre_name(case.centre_id)) if case.centre_id else _("to be assigned")),
        _("Evidence: {count} files").format(count=evidence_count),
    ]
    lines += [line for deadline in deadlines if (line := worker_deadline_line(deadline))]
    if next_session:
        lines.append(next_session)
    lines += ["", _("<b>Timeline</b>")]
    lines += [f"{show_moment(event.occurred_at, settings.zone)} — {event_text(event, centre_name)}"
              for event in events]
    return "\n".join(lines)


def case_keyboard(case: Case) -> InlineKeyboardMarkup:
    actions = []
    if case.is_open:
        actions.append(
            InlineKeyboardButton(text=_("📎 Add evidence"), callback_data=MyCase(id=case.id, act="evidence").pack()))
    if case.state.mediation_active:
        actions.append(
            InlineKeyboardButton(text=_("↩️ Withdraw"), callback_data=MyCase(id=case.id, act="withdraw").pack()))
    rows = [actions] if actions else []
    if case.is_open and case.mediator_id is not None:  # a mediator holds it: the worker may write to them
        rows.append([write_button(case.id, Direction.TO_MEDIATOR)])
    rows.append([InlineKeyboardButton(text=_("⬅️ All my cases"), callback_data=MyCase(id=case.id, act="list").pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def withdraw_keyboard(case: Case) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(text=withdraw_reason_label(code),
                                  callback_data=Withdraw(id=case.id, why=code, v=case.version).pack())]
            for code in WITHDRAW_REASONS]
    rows.append([InlineKeyboardButton(text=_("Another reason (type it)"),
                                      callback_data=Withdraw(id=case.id, why="other", v=case.version).pack())])
    rows.append([InlineKeyboardButton(text=_("Keep the case"),
                                      callback_data=Withdraw(id=case.id, why="keep", v=case.version).pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def confirm_withdraw_keyboard(case_id: int, reason_code: str, version: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=_("Yes, withdraw the case"),
                             callback_data=WithdrawConfirmed(id=case_id, why=reason_code, v=version).pack()),
        InlineKeyboardButton(text=_("No, keep the case"),
                             callback_data=Withdraw(id=case_id, why="keep", v=version).pack()),
    ]])


def done_keyboard(case_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=_("✅ Done"), callback_data=MyCase(id=case_id, act="done").pack())]])




def router() -> Router:
    r = Router(name="mycases")

    async def show_list(bot: Bot, chat_id: int, person: Person, cases: CaseService, settings: Settings) -> None:
        mine = await cases.cases_of(person)
        if not mine:
            await send_text(bot, chat_id, _("You have no cases yet. To file a complaint, send /new."))
            return
        await send_text(bot, chat_id, list_text(mine, settings), reply_markup=list_keyboard(mine))

    async def show_case(bot: Bot, chat_id: int, view: CaseView, settings: Settings, routing: RoutingService,
                        locale: str, person: Person, sessions: SessionService) -> None:
        upcoming = await sessions.upcoming(person, view.case.id)
        text = case_text(view.case, view.events, len(view.evidence), settings,
                         lambda centre_id: routing.centre_name(centre_id, locale), view.deadlines,
                         session_summary(upcoming, settings.zone) if upcoming else None)
        await send_text(bot, chat_id, text, reply_markup=case_keyboard(view.case))

    async def withdraw(bot: Bot, chat_id: int, person: Person, case_id: int, version: int | None,
                       reason_code: str | None, typed: str | None, cases: CaseService, outbox: OutboxSender) -> None:
        result = await cases.withdraw(person, case_id, version=version, reason_code=reason_code, typed_reason=typed)
        if isinstance(result, Rejected):
            await send_text(bot, chat_id, refusal_text(result.reason, result.case))
            return
        await outbox.deliver_now(result.replies)  # the worker's reply; the centre is told by the outbox

    @r.message(Command("mycases"))
    async def mycases_command(message: Message, bot: Bot, person: Person, cases: CaseService,
                              settings: Settings) -> None:
        await show_list(bot, message.chat.id, person, cases, settings)

    @r.callback_query(MenuAction.filter(F.action == "mycases"))
    async def mycases_button(callback: CallbackQuery, bot: Bot, person: Person, cases: CaseService,
                             settings: Settings) -> None:
        await callback.answer()
        await show_list(bot, callback.from_user.id, person, cases, settings)

    @r.callback_query(MyCase.filter(F.act == "list"))
    async def back_to_list(callback: CallbackQuery, bot: Bot, person: Person, cases: CaseService,
                           settings: Settings) -> None:
        await callback.answer()
        await show_list(bot, callback.from_user.id, person, cases, settings)

    @r.callback_query(MyCase.filter(F.act == "open"))
    async def open_case(callback: CallbackQuery, callback_data: MyCase, bot: Bot, person: Person,
                        cases: CaseService, settings: Settings, routing: RoutingService, locale: str,
                        sessions: SessionService) -> None:
        view = await cases.view(person, callback_data.id)
        if view is None:
            await callback.answer(_("This case was not found."))
            return
        await callback.answer()
        await show_case(bot, callback.from_user.id, view, settings, routing, locale, person, sessions)

    # --- withdraw ---------------------------------------------------------------------------------
    @r.callback_query(MyCase.filter(F.act == "withdraw"))
    async def ask_withdraw(callback: CallbackQuery, callback_data: MyCase, bot: Bot, person: Person,
                           cases: CaseService) -> None:
        view = await cases.view(person, callback_data.id)
        if view is None:
            await callback.answer(_("This case was not found."))
            return
        if not view.case.state.mediation_active:
            await callback.answer(refusal_text(Refusal.NOT_IN_THIS_STATE, view.case)[:200])
            return
        await callback.answer()
        await send_text(bot, callback.from_user.id, _(
            "Why do you want to withdraw case {number}? Withdrawing ends the mediation; you can file again "
            "later if you need to.").format(number=view.case.number), reply_markup=withdraw_keyboard(view.case))

    @r.callback_query(Withdraw.filter(F.why.in_(WITHDRAW_REASONS)))
    async def confirm_withdrawal(callback: CallbackQuery, callback_data: Withdraw, bot: Bot, person: Person,
                                 cases: CaseService) -> None:
        """A reason chosen: asked once more, since a withdrawal ends the mediation for good."""
        view = await cases.view(person, callback_data.id)
        if view is None:
            await callback.answer(_("This case was not found."))
            return
        await callback.answer()
        text = _("Withdraw case {number} (“{reason}”)? The mediation ends and this cannot be undone; you can "
                 "file a new complaint later if you need to.").format(
            number=view.case.number, reason=withdraw_reason_label(callback_data.why))
        keyboard = confirm_withdraw_keyboard(view.case.id, callback_data.why, callback_data.v)
        if isinstance(callback.message, Message):
            await edit_text(callback.message, text, reply_markup=keyboard)
        else:
            await send_text(bot, callback.from_user.id, text, reply_markup=keyboard)

    @r.callback_query(WithdrawConfirmed.filter(F.why.in_(WITHDRAW_REASONS)))
    async def withdraw_confirmed(callback: CallbackQuery, callback_data: WithdrawConfirmed, bot: Bot,
                                 person: Person, cases: CaseService, outbox: OutboxSender) -> None:
        await callback.answer()
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
        await withdraw(bot, callback.from_user.id, person, callback_data.id, callback_data.v, callback_data.why,
                       None, cases, outbox)

    @r.callback_query(Withdraw.filter(F.why == "other"))
    async def withdraw_typed(callback: CallbackQuery, callback_data: Withdraw, bot: Bot, person: Person,
                             cases: CaseService, state: FSMContext) -> None:
        view = await cases.view(person, callback_data.id)
        if view is None:
            await callback.answer(_("This case was not found."))
            return
        await callback.answer()
        await enter_case_step(state, CaseStep.withdraw_reason, view.case.id)
        await send_text(bot, callback.from_user.id, _(
            "Please type the reason in a few words. For example: {example}").format(
            example=escape(_("I found a new job and the boss paid half"))))

    @r.callback_query(Withdraw.filter(F.why == "keep"))
    async def keep_case(callback: CallbackQuery, bot: Bot) -> None:
        await callback.answer()
        if isinstance(callback.message, Message):
            await edit_text(callback.message, _("Kept: the case goes on."))

    @r.message(CaseStep.withdraw_reason, F.text & ~F.text.startswith("/"))
    async def typed_reason(message: Message, bot: Bot, state: FSMContext, person: Person, cases: CaseService,
                           outbox: OutboxSender) -> None:
        reason = message.text.strip()
        if not reason or len(reason) > REASON_LIMIT:
            await send_text(bot, message.chat.id, _(
                "Please give the reason in at most {limit} characters.").format(limit=REASON_LIMIT))
            return
        case_id = await step_case_id(state)
        if case_id is None:
            await send_text(bot, message.chat.id, _("This case was not found."))
        else:
            await withdraw(bot, message.chat.id, person, case_id, None, None, reason, cases, outbox)
        await finish_case_step(bot, message.chat.id, state)

    @r.message(CaseStep.withdraw_reason, ~F.text)
    async def reason_not_text(message: Message, bot: Bot) -> None:
        await send_text(bot, message.chat.id, _("Please type the reason in a few words."))

    # --- evidence after filing ----------------------------------------------------------------------
    @r.callback_query(MyCase.filter(F.act == "evidence"))
    async def ask_evidence(callback: CallbackQuery, callback_data: MyCase, bot: Bot, person: Person,
                           cases: CaseService, state: FSMContext) -> None:
        view = await cases.view(person, callback_data.id)
        if view is None or not view.case.is_open:
            await callback.answer(_("This case was not found.") if view is None else _("This case is closed."))
            return
        await callback.answer()
        await enter_case_step(state, CaseStep.evidence, view.case.id)
        await send_text(bot, callback.from_user.id, _(
            "Send photos or files for case {number} now (at most {limit} MB each). Tap “Done” when finished."
        ).format(number=view.case.number, limit=EVIDENCE_SIZE_LIMIT // (1024 * 1024)),
            reply_markup=done_keyboard(view.case.id))

    @r.message(CaseStep.evidence, F.photo | F.document)
    async def evidence_later(message: Message, bot: Bot, state: FSMContext, person: Person,
                             cases: CaseService, evidence: EvidenceService) -> None:
        case_id = await step_case_id(state)
        view = await cases.view(person, case_id) if case_id is not None else None
        if view is None:
            await send_text(bot, message.chat.id, _("This case was not found."))
            await finish_case_step(bot, message.chat.id, state)
            return
        number = len(view.evidence) + 1
        item = evidence_from(message, number)
        result = await cases.add_evidence(person, view.case.id, item)
        if isinstance(result, EvidenceRefusal):
            await send_text(bot, message.chat.id, evidence_refusal_text(result, item, number),
                            reply_markup=done_keyboard(view.case.id))
        elif isinstance(result, Rejected):  # closed meanwhile (withdrawn, say)
            await send_text(bot, message.chat.id, _("Case {number} is closed: evidence can no longer be added.")
                            .format(number=view.case.number))
            await finish_case_step(bot, message.chat.id, state)
        else:
            await send_text(bot, message.chat.id, _("📎 {name} is added to case {number}. Send more, or tap “Done”.")
                            .format(name=evidence_label(item, number), number=view.case.number),
                            reply_markup=done_keyboard(view.case.id))
            evidence.fetch_soon(view.case.id)  # into the evidence store; its job retries what fails

    @r.message(CaseStep.evidence, ~(F.text.startswith("/")))
    async def evidence_not_a_file(message: Message, bot: Bot, state: FSMContext) -> None:
        case_id = await step_case_id(state)
        await send_text(bot, message.chat.id, _("Please send photos or files, or tap “Done”."),
                        reply_markup=done_keyboard(case_id) if case_id is not None else None)

    @r.callback_query(MyCase.filter(F.act == "done"))
    async def evidence_done(callback: CallbackQuery, callback_data: MyCase, bot: Bot, state: FSMContext,
                            person: Person, cases: CaseService, settings: Settings, routing: RoutingService,
                            locale: str, sessions: SessionService) -> None:
        await callback.answer()
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
        view = await cases.view(person, callback_data.id)
        if view is not None:
            await show_case(bot, callback.from_user.id, view, settings, routing, locale, person, sessions)
        if await step_case_id(state) == callback_data.id:
            await finish_case_step(bot, callback.from_user.id, state)

    return r
