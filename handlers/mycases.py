"""/mycases: a worker's cases with their status, each case's timeline, withdrawing a case with a
reason, and evidence added after filing. Every change is a recorded case event."""

from __future__ import annotations

from collections.abc import Callable

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.cases import CLOSED_STATUSES, Case, CaseEvent, CaseStatus, InvalidTransition
from bot.chat.notify import Notifier
from bot.chat.outbound import edit_text, remove_keyboard, send_text
from bot.chat.telegram_html import escape
from bot.clock import Clock
from bot.intake.draft import EVIDENCE_COUNT_LIMIT, EVIDENCE_SIZE_LIMIT, EvidenceRefusal
from bot.people import Person
from bot.routing.service import RoutingService
from bot.settings import Settings
from handlers.intake_texts import (
    evidence_from,
    evidence_refusal_text,
    kind_label,
    show_date,
    show_moment,
    status_label,
)
from handlers.menu import MenuAction
from storage.cases import CaseNotFound, CaseRepository
from storage.people import PeopleRepository

LISTED_CASES = 20
REASON_LIMIT = 500
# A step on a case keeps what the chat was doing before (an open complaint draft) to return to it.
STEP_KEY = "case_step"
WITHDRAW_REASONS = ("paid", "settled", "no_longer")


class CaseStep(StatesGroup):
    withdraw_reason = State()
    evidence = State()


class MyCase(CallbackData, prefix="mc"):
    id: int
    act: str  # open, list, withdraw, evidence, done


class Withdraw(CallbackData, prefix="mw"):
    id: int
    why: str  # one of WITHDRAW_REASONS, "other" (typed) or "keep"


async def enter_case_step(state: FSMContext, step: State, case_id: int) -> None:
    data = await state.get_data()
    resume = data[STEP_KEY]["resume"] if STEP_KEY in data else await state.get_state()
    await state.update_data({STEP_KEY: {"case_id": case_id, "resume": resume}})
    await state.set_state(step)


async def leave_case_step(state: FSMContext) -> bool:
    """Back to what the chat was doing before the case step; True when that is an open draft."""
    data = await state.get_data()
    if STEP_KEY not in data:
        return False
    step = data.pop(STEP_KEY)
    await state.set_data(data)
    await state.set_state(step["resume"])
    return step["resume"] is not None


async def finish_case_step(bot: Bot, chat_id: int, state: FSMContext) -> None:
    """Leave the case step and, if a complaint was being filled in, say how to go on with it."""
    if await leave_case_step(state):
        await send_text(bot, chat_id, _("Your complaint draft is still open: send /new to go on with it."))


async def step_case_id(state: FSMContext) -> int | None:
    return (await state.get_data()).get(STEP_KEY, {}).get("case_id")


async def own_case(cases: CaseRepository, person: Person, case_id: int) -> Case | None:
    """The case, if it is this worker's: a button cannot open someone else's."""
    try:
        case = await cases.get(case_id)
    except CaseNotFound:
        return None
    return case if case.worker_id == person.id else None


def withdraw_reason_label(code: str) -> str:
    return {
        "paid": _("The employer paid"),
        "settled": _("We settled it ourselves"),
        "no_longer": _("I no longer want to go on"),
    }.get(code, code)


def event_text(event: CaseEvent, centre_name: Callable[[str], str]) -> str:
    if event.type == "withdrawn":
        code = event.payload.get("reason_code")
        reason = withdraw_reason_label(code) if code else escape(event.reason or "")
        return _("Withdrawn: {reason}").format(reason=reason)
    if event.type == "evidence_added":
        return _("Evidence added: {name}").format(name=escape(str(event.payload.get("name", ""))))
    if event.type == "assigned" and event.payload.get("centre_id"):
        return _("Sent to {centre}").format(centre=escape(centre_name(str(event.payload["centre_id"]))))
    labels = {
        "submitted": _("Complaint filed"),
        "assigned": _("Sent to a mediation centre"),
    }
    if event.type in labels:
        return labels[event.type]
    return status_label(event.to_status) if event.to_status else _("Case updated")


def list_text(cases: list[Case], settings: Settings) -> str:
    lines = [_("<b>Your cases</b>")]
    lines += [f"<b>{case.number}</b> · {escape(kind_label(case.kind))} · {escape(status_label(case.status))}"
              f" · {show_date(case.created_at.astimezone(settings.zone).date())}" for case in cases[:LISTED_CASES]]
    lines.append(_("Tap a case to see its timeline, add evidence or withdraw it."))
    return "\n".join(lines)


def list_keyboard(cases: list[Case]) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(text=case.number or str(case.id),
                                    callback_data=MyCase(id=case.id, act="open").pack())
               for case in cases[:LISTED_CASES]]
    return InlineKeyboardMarkup(inline_keyboard=[buttons[index:index + 2] for index in range(0, len(buttons), 2)])


def case_text(case: Case, events: list[CaseEvent], evidence_count: int, settings: Settings,
              centre_name: Callable[[str], str]) -> str:
    lines = [
        _("<b>Case {number}</b>").format(number=case.number),
        _("Kind: {kind}").format(kind=escape(kind_label(case.kind))),
        _("Status: {status}").format(status=escape(status_label(case.status))),
        _("Mediation centre: {centre}").format(
            centre=escape(centre_name(case.centre_id)) if case.centre_id else _("to be assigned")),
        _("Evidence: {count} files").format(count=evidence_count),
        "",
        _("<b>Timeline</b>"),
    ]
    lines += [f"{show_moment(event.at, settings.zone)} — {event_text(event, centre_name)}" for event in events]
    return "\n".join(lines)


def case_keyboard(case: Case) -> InlineKeyboardMarkup:
    rows = []
    if case.status not in CLOSED_STATUSES:
        rows.append([
            InlineKeyboardButton(text=_("📎 Add evidence"), callback_data=MyCase(id=case.id, act="evidence").pack()),
            InlineKeyboardButton(text=_("↩️ Withdraw"), callback_data=MyCase(id=case.id, act="withdraw").pack()),
        ])
    rows.append([InlineKeyboardButton(text=_("⬅️ All my cases"), callback_data=MyCase(id=case.id, act="list").pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def withdraw_keyboard(case: Case) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(text=withdraw_reason_label(code),
                                  callback_data=Withdraw(id=case.id, why=code).pack())]
            for code in WITHDRAW_REASONS]
    rows.append([InlineKeyboardButton(text=_("Another reason (type it)"),
                                      callback_data=Withdraw(id=case.id, why="other").pack())])
    rows.append([InlineKeyboardButton(text=_("Keep the case"), callback_data=Withdraw(id=case.id, why="keep").pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def done_keyboard(case_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=_("✅ Done"), callback_data=MyCase(id=case_id, act="done").pack())]])


def router() -> Router:
    r = Router(name="mycases")

    async def show_list(bot: Bot, chat_id: int, person: Person, cases: CaseRepository, settings: Settings) -> None:
        mine = await cases.of_worker(person.id)
        if not mine:
            await send_text(bot, chat_id, _("You have no cases yet. To file a complaint, send /new."))
            return
        await send_text(bot, chat_id, list_text(mine, settings), reply_markup=list_keyboard(mine))

    async def show_case(bot: Bot, chat_id: int, case: Case, cases: CaseRepository, settings: Settings,
                        routing: RoutingService, locale: str) -> None:
        text = case_text(case, await cases.events(case.id), len(await cases.evidence(case.id)), settings,
                         lambda centre_id: routing.centre_name(centre_id, locale))
        await send_text(bot, chat_id, text, reply_markup=case_keyboard(case))

    async def withdraw_case(bot: Bot, chat_id: int, case: Case, reason: str, reason_code: str | None,
                            person: Person, cases: CaseRepository, clock: Clock, people: PeopleRepository,
                            notifier: Notifier) -> None:
        try:
            case = await cases.transition(
                case.id, to_status=CaseStatus.WITHDRAWN, actor_id=person.id, at=clock.now(), type="withdrawn",
                reason=reason, payload={"reason_code": reason_code} if reason_code else {},
            )
        except InvalidTransition:
            await send_text(bot, chat_id, _("Case {number} can no longer be withdrawn: it is {status}.").format(
                number=case.number, status=escape(status_label(case.status))))
            return
        await send_text(bot, chat_id, _("Case {number} is withdrawn. If you need help again, send /new.").format(
            number=case.number))
        if case.centre_id:
            for mediator in await people.staff_of_centre(case.centre_id):
                # The worker's own words may name people: the centre hears only the kind of reason.
                await notifier.tell(mediator, lambda _locale: _(
                    "↩️ Case {number} was withdrawn by the worker ({reason}).").format(
                    number=case.number,
                    reason=withdraw_reason_label(reason_code) if reason_code else _("a reason of their own")))

    @r.message(Command("mycases"))
    async def mycases_command(message: Message, bot: Bot, person: Person, cases: CaseRepository,
                              settings: Settings) -> None:
        await show_list(bot, message.chat.id, person, cases, settings)

    @r.callback_query(MenuAction.filter(F.action == "mycases"))
    async def mycases_button(callback: CallbackQuery, bot: Bot, person: Person, cases: CaseRepository,
                             settings: Settings) -> None:
        await callback.answer()
        await show_list(bot, callback.from_user.id, person, cases, settings)

    @r.callback_query(MyCase.filter(F.act == "list"))
    async def back_to_list(callback: CallbackQuery, bot: Bot, person: Person, cases: CaseRepository,
                             settings: Settings) -> None:
        await callback.answer()
        await show_list(bot, callback.from_user.id, person, cases, settings)

    @r.callback_query(MyCase.filter(F.act == "open"))
    async def open_case(callback: CallbackQuery, callback_data: MyCase, bot: Bot, person: Person,
                        cases: CaseRepository, settings: Settings, routing: RoutingService, locale: str) -> None:
        case = await own_case(cases, person, callback_data.id)
        if case is None:
            await callback.answer(_("This case was not found."))
            return
        await callback.answer()
        await show_case(bot, callback.from_user.id, case, cases, settings, routing, locale)

    # --- withdraw ---------------------------------------------------------------------------------
    @r.callback_query(MyCase.filter(F.act == "withdraw"))
    async def ask_withdraw(callback: CallbackQuery, callback_data: MyCase, bot: Bot, person: Person,
                           cases: CaseRepository) -> None:
        case = await own_case(cases, person, callback_data.id)
        if case is None:
            await callback.answer(_("This case was not found."))
            return
        await callback.answer()
        await send_text(bot, callback.from_user.id, _(
            "Why do you want to withdraw case {number}? Withdrawing ends the mediation; you can file again "
            "later if you need to.").format(number=case.number), reply_markup=withdraw_keyboard(case))

    @r.callback_query(Withdraw.filter(F.why.in_(WITHDRAW_REASONS)))
    async def withdraw_with_reason(callback: CallbackQuery, callback_data: Withdraw, bot: Bot, person: Person,
                                   cases: CaseRepository, clock: Clock, people: PeopleRepository,
                                   notifier: Notifier) -> None:
        case = await own_case(cases, person, callback_data.id)
        if case is None:
            await callback.answer(_("This case was not found."))
            return
        await callback.answer()
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
        await withdraw_case(bot, callback.from_user.id, case, callback_data.why, callback_data.why, person, cases,
                            clock, people, notifier)

    @r.callback_query(Withdraw.filter(F.why == "other"))
    async def withdraw_typed(callback: CallbackQuery, callback_data: Withdraw, bot: Bot, person: Person,
                             cases: CaseRepository, state: FSMContext) -> None:
        case = await own_case(cases, person, callback_data.id)
        if case is None:
            await callback.answer(_("This case was not found."))
            return
        await callback.answer()
        await enter_case_step(state, CaseStep.withdraw_reason, case.id)
        await send_text(bot, callback.from_user.id, _(
            "Please type the reason in a few words. For example: {example}").format(
            example=escape(_("I found a new job and the boss paid half"))))

    @r.callback_query(Withdraw.filter(F.why == "keep"))
    async def keep_case(callback: CallbackQuery, bot: Bot) -> None:
        await callback.answer()
        if isinstance(callback.message, Message):
            await edit_text(callback.message, _("Kept: the case goes on."))

    @r.message(CaseStep.withdraw_reason, F.text & ~F.text.startswith("/"))
    async def typed_reason(message: Message, bot: Bot, state: FSMContext, person: Person, cases: CaseRepository,
                           clock: Clock, people: PeopleRepository, notifier: Notifier) -> None:
        reason = message.text.strip()
        if not reason or len(reason) > REASON_LIMIT:
            await send_text(bot, message.chat.id, _(
                "Please give the reason in at most {limit} characters.").format(limit=REASON_LIMIT))
            return
        case_id = await step_case_id(state)
        case = await own_case(cases, person, case_id) if case_id is not None else None
        if case is None:
            await send_text(bot, message.chat.id, _("This case was not found."))
        else:
            await withdraw_case(bot, message.chat.id, case, reason, None, person, cases, clock, people, notifier)
        await finish_case_step(bot, message.chat.id, state)

    @r.message(CaseStep.withdraw_reason, ~F.text)
    async def reason_not_text(message: Message, bot: Bot) -> None:
        await send_text(bot, message.chat.id, _("Please type the reason in a few words."))

    # --- evidence after filing ----------------------------------------------------------------------
    @r.callback_query(MyCase.filter(F.act == "evidence"))
    async def ask_evidence(callback: CallbackQuery, callback_data: MyCase, bot: Bot, person: Person,
                           cases: CaseRepository, state: FSMContext) -> None:
        case = await own_case(cases, person, callback_data.id)
        if case is None or case.status in CLOSED_STATUSES:
            await callback.answer(_("This case was not found.") if case is None else _("This case is closed."))
            return
        await callback.answer()
        await enter_case_step(state, CaseStep.evidence, case.id)
        await send_text(bot, callback.from_user.id, _(
            "Send photos or files for case {number} now (at most {limit} MB each). Tap “Done” when finished."
        ).format(number=case.number, limit=EVIDENCE_SIZE_LIMIT // (1024 * 1024)), reply_markup=done_keyboard(case.id))

    @r.message(CaseStep.evidence, F.photo | F.document)
    async def evidence_later(message: Message, bot: Bot, state: FSMContext, person: Person, cases: CaseRepository,
                             clock: Clock) -> None:
        case_id = await step_case_id(state)
        case = await own_case(cases, person, case_id) if case_id is not None else None
        if case is None or case.status in CLOSED_STATUSES:  # withdrawn meanwhile, say
            await send_text(bot, message.chat.id, _("Case {number} is closed: evidence can no longer be added.")
                            .format(number=case.number) if case else _("This case was not found."))
            await finish_case_step(bot, message.chat.id, state)
            return
        held = len(await cases.evidence(case.id))
        item = evidence_from(message, held + 1)
        if held >= EVIDENCE_COUNT_LIMIT:
            refusal: EvidenceRefusal | None = EvidenceRefusal.TOO_MANY
        elif item.size is not None and item.size > EVIDENCE_SIZE_LIMIT:
            refusal = EvidenceRefusal.TOO_LARGE
        else:
            refusal = None
        if refusal is not None:
            await send_text(bot, message.chat.id, evidence_refusal_text(refusal, item),
                            reply_markup=done_keyboard(case.id))
            return
        await cases.add_evidence(case.id, item, actor_id=person.id, at=clock.now())
        added = _("📎 {name} is added to case {number}. Send more, or tap “Done”.").format(
            name=escape(item.name), number=case.number)
        await send_text(bot, message.chat.id, added, reply_markup=done_keyboard(case.id))

    @r.message(CaseStep.evidence, ~(F.text.startswith("/")))
    async def evidence_not_a_file(message: Message, bot: Bot, state: FSMContext) -> None:
        case_id = await step_case_id(state)
        await send_text(bot, message.chat.id, _("Please send photos or files, or tap “Done”."),
                        reply_markup=done_keyboard(case_id) if case_id is not None else None)

    @r.callback_query(MyCase.filter(F.act == "done"))
    async def evidence_done(callback: CallbackQuery, callback_data: MyCase, bot: Bot, state: FSMContext,
                            person: Person, cases: CaseRepository, settings: Settings, routing: RoutingService,
                            locale: str) -> None:
        await callback.answer()
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
        case = await own_case(cases, person, callback_data.id)
        if case is not None:
            await show_case(bot, callback.from_user.id, case, cases, settings, routing, locale)
        if await step_case_id(state) == callback_data.id:
            await finish_case_step(bot, callback.from_user.id, state)

    return r
