"""What every front shares with the dispatcher: the message catalogs, its bot attached as a front, and
the commands it offers."""

from __future__ import annotations

from aiogram import Bot, Dispatcher
from aiogram.types import BotCommand
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.i18n import LOCALES_DIR
from bot.people import Front
from bot.settings import Settings


def build_i18n(settings: Settings) -> I18n:
    return I18n(path=LOCALES_DIR, default_locale=settings.default_locale, domain="messages")


def attach_front(dispatcher: Dispatcher, bot: Bot, front: Front) -> None:
    dispatcher["fronts"][bot.id] = front
    dispatcher["bots"][front] = bot
    bot.session.middleware(dispatcher["callback_answers"])


def bot_commands(i18n: I18n, locale: str) -> list[BotCommand]:
    with i18n.context(), i18n.use_locale(locale):
        return [
            BotCommand(command="start", description=_("Main menu")),
            BotCommand(command="new", description=_("File a complaint")),
            BotCommand(command="mycases", description=_("My cases")),
            BotCommand(command="recover", description=_("Get my cases back on a new phone")),
            BotCommand(command="help", description=_("What this bot can do")),
            BotCommand(command="language", description=_("中文 / English")),
            BotCommand(command="cancel", description=_("Stop filling in a form")),
        ]
