"""Last router: anything no journey understood gets a short helpful answer, never silence (a worker's
plain message with an open case a mediator holds is offered to that mediator); stale buttons are answered
so their spinner stops."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.chat.telegram_html import escape
from bot.people import Person, Role
from bot.relay import RelayService
from handlers.menu import menu_keyboard
from handlers.relay import offer_to_mediator

ECHO_LIMIT = 40


def router() -> Router:
    r = Router(name="fallback")

    @r.message(F.text)
    async def not_understood(message: Message, bot: Bot, person: Person, state: FSMContext,
                             relay: RelayService) -> None:
        # Only outside any step: a form's own free-text answers never reach this router anyway.
        if person.role is Role.WORKER and await state.get_state() is None \
                and await offer_to_mediator(bot, message, state, person, relay):
            return
        said = message.text if len(message.text) <= ECHO_LIMIT else message.text[:ECHO_LIMIT] + "…"
        await message.answer(
            _("I did not understand “{said}”. Choose from the menu below, or send /help.").format(said=escape(said)),
            reply_markup=menu_keyboard(person.role),
        )

    @r.message()
    async def not_text(message: Message, person: Person) -> None:
        await message.answer(
            _("I cannot use this kind of message here. Choose from the menu below, or send /help."),
            reply_markup=menu_keyboard(person.role),
        )

    @r.callback_query()
    async def stale_button(callback: CallbackQuery) -> None:
        await callback.answer(_("This button is no longer active. Send /start for the menu."))

    return r
