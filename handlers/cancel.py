"""/cancel: clears a half-filled form, after the person confirms."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.chat.conversations import ForgetChat, forget_conversation
from bot.chat.outbound import edit_text
from bot.people import Front, Person
from handlers.mycases import CaseStep, finish_case_step


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
    async def confirmed(callback: CallbackQuery, callback_data: CancelConfirm, state: FSMContext, person: Person,
                        conversations: dict[Front, ForgetChat]) -> None:
        await callback.answer()
        if callback_data.confirmed and await state.get_state() is not None:
            await state.clear()
            await forget_conversation(conversations, person)  # the draft's answers are in it too
            text = _("Cancelled: the draft is deleted.")
        elif callback_data.confirmed:
            text = _("There is nothing to cancel.")
        else:
            text = _("Kept: your draft is as you left it. Send your next answer to go on.")
        if callback.message is not None and hasattr(callback.message, "text"):
            await edit_text(callback.message, text)

    return r
