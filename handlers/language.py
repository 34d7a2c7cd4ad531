"""/language: switch between Chinese and English; the choice is saved on the person."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.accounts import AccountService
from bot.chat.outbound import edit_text, send_text
from bot.people import Person
from bot.settings import SUPPORTED_LOCALES
from handlers.menu import MenuAction, menu_keyboard

# Each language is named in itself, so a person who cannot read the current one still finds theirs.
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


class LanguageChoice(CallbackData, prefix="lang"):
    code: str


def language_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in SUPPORTED_LOCALES:
        builder.button(text=LANGUAGE_NAMES[code], callback_data=LanguageChoice(code=code))
    return builder.as_markup()


def router() -> Router:
    r = Router(name="language")

    async def offer(bot: Bot, chat_id: int) -> None:
        await send_text(bot, chat_id, _("Choose your language:"), reply_markup=language_keyboard())

    @r.message(Command("language"))
    async def language_command(message: Message, bot: Bot) -> None:
        await offer(bot, message.chat.id)

    @r.callback_query(MenuAction.filter(F.action == "language"))
    async def language_button(callback: CallbackQuery, bot: Bot) -> None:
        await callback.answer()
        await offer(bot, callback.from_user.id)

    @r.callback_query(LanguageChoice.filter(F.code.in_(SUPPORTED_LOCALES)))
    async def chosen(
        callback: CallbackQuery, callback_data: LanguageChoice, person: Person, accounts: AccountService,
        i18n: I18n, bot: Bot,
    ) -> None:
        person = await accounts.set_locale(person, callback_data.code)
        with i18n.use_locale(callback_data.code):
            await callback.answer()
            confirmation = _("Language set: English. You can change it any time with /language.")
            if callback.message is not None and hasattr(callback.message, "text"):
                await edit_text(callback.message, confirmation)
            else:
                await send_text(bot, callback.from_user.id, confirmation)
            await send_text(bot, callback.from_user.id, _("Main menu:"), reply_markup=menu_keyboard(person.role))

    return r
