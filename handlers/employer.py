"""The employer of a case in chat, for the mediator who holds it: the contact details (typed one at a time,
the phone checked as a Chinese mobile or landline), the invitation to mediate and the employer's answer,
each on a day tapped (today, yesterday) or typed ("12月1日"). The worker is told each step in plain words
(`templates()`); the timeline lines are `employer_event_text`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.cases import Case, CaseEvent
from bot.chat.outbound import remove_keyboard, send_text
from bot.chat.outbox_sender import OutboxSender, Template
from bot.chat.telegram_html import escape
from bot.employer import (
    EmployerDeclined,
    EmployerEvent,
    EmployerField,
    EmployerNotice,
    EmployerRefusal,
    EmployerService,
    EmployerStep,
    EmployerView,
    StepParams,
)
from bot.people import Person
from bot.relay import holds
from bot.understanding.dates import parse_date
from handlers.case_step import enter_case_step, finish_case_step, step_case_id
from handlers.intake.texts import show_date

INPUT_KEY = "employer_input"   # which field or step the typed answer is for
DAYS_BACK = (0, 1)             # the days offered as buttons: today, yesterday


class EmployerOpen(CallbackData, prefix="eo"):
    case: int


class EmployerEdit(CallbackData, prefix="ee"):
    case: int
    f: str      # an EmployerField


class EmployerMark(CallbackData, prefix="em"):
    case: int
    s: str      # an EmployerStep
    d: int = -1  # days before today; -1: ask for the day


class EmployerInput(StatesGroup):
    typing = State()


# --- Words ------------------------------------------------------------------------------------------

def field_label(name: EmployerField) -> str:
    return {EmployerField.NAME: _("Employer's name"), EmployerField.ADDRESS: _("Address"),
            EmployerField.CONTACT: _("Contact person"), EmployerField.PHONE: _("Phone")}[name]


def step_label(step: EmployerStep) -> str:
    return {EmployerStep.INVITED: _("📨 Invited to mediate"), EmployerStep.AGREED: _("✅ Agreed to mediate"),
            EmployerStep.REFUSED: _("🚫 Refused mediation"), EmployerStep.NO_ANSWER: _("⌛ No answer by…")}[step]


def step_line(step: EmployerStep, on: date) -> str:
    day = show_date(on)
    return {
        EmployerStep.INVITED: _("The mediator invited the employer to mediate on {date}"),
        EmployerStep.AGREED: _("The employer agreed to mediate ({date})"),
        EmployerStep.REFUSED: _("The employer refused mediation ({date})"),
        EmployerStep.NO_ANSWER: _("The employer had not answered by {date}"),
    }[step].format(date=day)


def employer_event_text(event: CaseEvent) -> str | None:
    """A timeline line for this module's events (None: not one of them)."""
    if event.type == EmployerEvent.CONTACT_RECORDED:
        return _("The mediator recorded the employer's contact details")
    step, on = event.payload.get("step"), event.payload.get("on")
    if event.type == EmployerEvent.STEP and step in tuple(EmployerStep) and isinstance(on, str):
        return step_line(EmployerStep(step), date.fromisoformat(on))
    return None


def refusal_text(declined: EmployerDeclined) -> str:
    number = declined.case.number if declined.case else ""
    return {
        EmployerRefusal.NOT_YOURS: _("This case was not found."),
        EmployerRefusal.CLOSED: _("Case {number} is closed, or no longer yours: the employer can no longer be "
                                  "recorded on it.").format(number=number),
        EmployerRefusal.BAD_PHONE: _("That is not a phone number I can use. Please type a mobile (13800138000) or "
                                     "a landline with its area code (027-8888 8888)."),
        EmployerRefusal.BAD_TEXT: _("Please type it in words, in at most 120 characters."),
        EmployerRefusal.BAD_DATE: _("That day cannot be right: not in the future, nor before the case was filed."),
    }[declined.reason]


def view_text(view: EmployerView) -> str:
    """For the holding mediator only (the phone is personal data)."""
    contact, case = view.contact, view.case
    given = case.fields.get("employer")
    lines = [_("🏢 <b>The employer of case {number}</b>").format(number=case.number)]
    if not contact.name and isinstance(given, str) and given.strip():
        lines.append(_("As the worker named it: {name}").format(name=escape(given)))
    for name in EmployerField:
        value = getattr(contact, name.value)
        lines.append(_("{key}: {val}").format(key=field_label(name), val=escape(value) if value else "—"))
    if view.steps:
        lines += ["", _("<b>Invitation and answers</b>")]
        lines += ["• " + step_line(record.step, record.on) for record in view.steps]
    return "\n".join(lines)


def view_keyboard(case: Case) -> InlineKeyboardMarkup:
    edits = [InlineKeyboardButton(text="✏️ " + field_label(name), callback_data=EmployerEdit(
        case=case.id, f=name).pack()) for name in EmployerField]
    steps = [InlineKeyboardButton(text=step_label(step), callback_data=EmployerMark(case=case.id, s=step).pack())
             for step in EmployerStep]
    return InlineKeyboardMarkup(inline_keyboard=[edits[:2], edits[2:], steps[:2], steps[2:]])


def day_keyboard(case_id: int, step: EmployerStep) -> InlineKeyboardMarkup:
    labels = {0: _("Today"), 1: _("Yesterday")}
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=labels[days], callback_data=EmployerMark(case=case_id, s=step, d=days).pack())
         for days in DAYS_BACK],
        [InlineKeyboardButton(text=_("Cancel"), callback_data=EmployerOpen(case=case_id).pack())]])


def employer_button(case: Case, viewer: Person) -> list[InlineKeyboardButton]:
    """The card's button for the mediator holding an open case."""
    return [InlineKeyboardButton(text=_("🏢 The employer"), callback_data=EmployerOpen(case=case.id).pack())] \
        if holds(viewer, case) else []


# --- The worker's notice ----------------------------------------------------------------------------

def step_notice_text(notice: StepParams) -> str:
    employer = escape(notice.employer) if notice.employer else _("the employer")
    day = show_date(notice.on)
    return {
        EmployerStep.INVITED: _(
            "📨 Case {number}: on {date} your mediator invited {employer} to take part in mediation. You will be "
            "told their answer."),
        EmployerStep.AGREED: _(
            "✅ Case {number}: {employer} agreed to mediation ({date}). Your mediator will arrange a meeting "
            "with you."),
        EmployerStep.REFUSED: _(
            "🚫 Case {number}: {employer} refused mediation ({date}). Mediation needs both sides, so you may now "
            "apply to the labour dispute arbitration committee (Labour Dispute Mediation and Arbitration Law, "
            "Art. 5). Your mediator can help you prepare the application."),
        EmployerStep.NO_ANSWER: _(
            "⌛ Case {number}: {employer} had not answered the invitation to mediate by {date}. Your mediator "
            "will try again; if the employer will not take part, you may apply for arbitration (Art. 5)."),
    }[notice.step].format(number=notice.number, employer=employer, date=day)


def templates() -> Mapping[str, Template]:
    return {EmployerNotice.STEP: lambda params, _locale: step_notice_text(StepParams.model_validate(params))}


# --- Handlers ---------------------------------------------------------------------------------------

async def leave_typing(bot: Bot, chat_id: int, state: FSMContext) -> None:
    data = await state.get_data()
    data.pop(INPUT_KEY, None)
    await state.set_data(data)
    await finish_case_step(bot, chat_id, state)


def router() -> Router:
    r = Router(name="employer")

    async def show(bot: Bot, chat_id: int, result: EmployerView | EmployerDeclined) -> None:
        if isinstance(result, EmployerDeclined):
            await send_text(bot, chat_id, refusal_text(result))
            return
        await send_text(bot, chat_id, view_text(result), reply_markup=view_keyboard(result.case))

    async def declined(callback: CallbackQuery, result: EmployerDeclined) -> None:
        await callback.answer(refusal_text(result)[:200], show_alert=True)

    @r.callback_query(EmployerOpen.filter())
    async def open_view(callback: CallbackQuery, callback_data: EmployerOpen, bot: Bot, person: Person,
                        state: FSMContext, employers: EmployerService) -> None:
        result = await employers.view(person, callback_data.case)
        if isinstance(result, EmployerDeclined):
            await declined(callback, result)
            return
        await callback.answer()
        if await state.get_state() == EmployerInput.typing.state:  # "Cancel" under a question
            await leave_typing(bot, callback.from_user.id, state)
        await show(bot, callback.from_user.id, result)

    @r.callback_query(EmployerEdit.filter(F.f.in_(tuple(EmployerField))))
    async def ask_field(callback: CallbackQuery, callback_data: EmployerEdit, bot: Bot, person: Person,
                        state: FSMContext, employers: EmployerService) -> None:
        result = await employers.view(person, callback_data.case)
        if isinstance(result, EmployerDeclined):
            await declined(callback, result)
            return
        await callback.answer()
        await enter_case_step(state, EmployerInput.typing, result.case.id)
        await state.update_data({INPUT_KEY: callback_data.f})
        await send_text(bot, callback.from_user.id, _(
            "Case {number}: type the employer's “{field}” (/cancel to stop).").format(
            number=result.case.number, field=field_label(EmployerField(callback_data.f))),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
                text=_("Cancel"), callback_data=EmployerOpen(case=result.case.id).pack())]]))

    async def stepped(bot: Bot, chat_id: int, result: EmployerView | EmployerDeclined, outbox: OutboxSender) -> None:
        if isinstance(result, EmployerView):
            await outbox.deliver_now(result.rows)
            await send_text(bot, chat_id, _("Recorded; the worker is told."))
        await show(bot, chat_id, result)

    @r.callback_query(EmployerMark.filter(F.s.in_(tuple(EmployerStep))))
    async def mark(callback: CallbackQuery, callback_data: EmployerMark, bot: Bot, person: Person,
                   state: FSMContext, employers: EmployerService, outbox: OutboxSender) -> None:
        step = EmployerStep(callback_data.s)
        if callback_data.d >= 0:
            result = await employers.record_step(person, callback_data.case, step,
                                                 employers.today() - timedelta(days=callback_data.d))
        else:
            result = await employers.view(person, callback_data.case)
        if isinstance(result, EmployerDeclined):  # a day that cannot be: the buttons stay for another
            await declined(callback, result)
            return
        await callback.answer()
        if callback_data.d < 0:
            await enter_case_step(state, EmployerInput.typing, callback_data.case)
            await state.update_data({INPUT_KEY: step.value})
            await send_text(bot, callback.from_user.id, _(
                "Case {number}: “{step}” on which day? Tap one, or type the date (for example 12月1日).").format(
                number=result.case.number, step=step_label(step)), reply_markup=day_keyboard(callback_data.case, step))
            return
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
        if await state.get_state() == EmployerInput.typing.state:
            await leave_typing(bot, callback.from_user.id, state)
        await stepped(bot, callback.from_user.id, result, outbox)

    @r.message(EmployerInput.typing, Command("cancel"))
    async def cancel_typing(message: Message, bot: Bot, state: FSMContext) -> None:
        await send_text(bot, message.chat.id, _("Stopped: the case stays as it was."))
        await leave_typing(bot, message.chat.id, state)

    @r.message(EmployerInput.typing, F.text & ~F.text.startswith("/"))
    async def typed(message: Message, bot: Bot, person: Person, state: FSMContext, employers: EmployerService,
                    outbox: OutboxSender) -> None:
        case_id = await step_case_id(state)
        what = (await state.get_data()).get(INPUT_KEY)
        if case_id is None or what is None:
            await leave_typing(bot, message.chat.id, state)
            return
        if what in tuple(EmployerStep):
            on = parse_date(message.text, employers.today())
            if on is None:
                await send_text(bot, message.chat.id, _("Please type a date such as 12月1日 or 2026-12-01, or tap a "
                                                        "button."))
                return
            result = await employers.record_step(person, case_id, EmployerStep(what), on)
            await stepped(bot, message.chat.id, result, outbox)
        else:
            result = await employers.record(person, case_id, EmployerField(what), message.text)
            await show(bot, message.chat.id, result)
        # A value it could take (a valid phone, a possible day) keeps the question open for another try.
        if not (isinstance(result, EmployerDeclined) and result.reason in (
                EmployerRefusal.BAD_PHONE, EmployerRefusal.BAD_TEXT, EmployerRefusal.BAD_DATE)):
            await leave_typing(bot, message.chat.id, state)

    @r.message(EmployerInput.typing, ~F.text.startswith("/"))
    async def not_typed(message: Message, bot: Bot) -> None:
        await send_text(bot, message.chat.id, _("Please type it as text, or send /cancel."))

    return r
