"""/cancel: clears a half-filled form, after the person confirms."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.chat.conversations import ForgetChat, abandon_draft
from bot.chat.outbound import edit_text
from bot.clock import Clock
from bot.people import Front, Person
from bot.settings import Settings
from handlers.case_step import CaseStep, finish_case_step
from handlers.intake.flow import filling_in_a_complaint, take_up_again, today_of


class CancelConfirm(CallbackData, prefix="cancel"):
    confirmed: bool


def confirm_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Yes, delete the draft"), callback_data=CancelConfirm(confirmed=True))
    builder.button(text=_("No, keep it"), callback_data=CancelConfirm(confirmed=False))
    return builder.as_markup()


def router() -> Router:
    r = Router(name="cancel")

    @r.message(Command("cancel"), StateFilter(CaseStep))
    async def cancel_case_step(message: Message, bot: Bot, state: FSMContext) -> None:
        """Stopping a withdrawal or adding evidence stops only that step, not a complaint being filled in."""
        await message.answer(_("Stopped: the case stays as it was."))
        await finish_case_step(bot, message.chat.id, state)

    @r.message(Command("cancel"))
    async def cancel(message: Message, state: FSMContext) -> None:
        if await state.get_state() is None:
            await message.answer(_("There is nothing to cancel."))
            return
        await message.answer(
            _("Delete what you have filled in so far? This cannot be undone."), reply_markup=confirm_keyboard()
        )

    @r.callback_query(CancelConfirm.filter())
    async def confirmed(callback: CallbackQuery, callback_data: CancelConfirm, bot: Bot, state: FSMContext,
                        person: Person, conversations: dict[Front, ForgetChat], clock: Clock, settings: Settings,
                        fronts: dict[int, Front]) -> None:
        await callback.answer()
        message = callback.message if callback.message is not None and hasattr(callback.message, "text") else None
        if not callback_data.confirmed:
            if not await filling_in_a_complaint(state):
                if message is not None:
                    await edit_text(message, _("Kept: your draft is as you left it. Send your next answer to go on."))
                return
            if message is not None:
                await edit_text(message, _("Kept: your draft is as you left it."))
            # The question (or the notice) comes back below it, to be answered right away.
            await take_up_again(bot, callback.from_user.id, state, today_of(clock, settings),
                                fronts.get(bot.id, Front.TELEGRAM))
            return
        if await state.get_state() is None:
            text = _("There is nothing to cancel.")
        else:
            # The draft's part of the conversation goes from the front's copy of the chat.
            await abandon_draft(state, conversations, person)
            text = _("Cancelled: the draft is deleted.")
        if message is not None:
            await edit_text(message, text)

    return r
