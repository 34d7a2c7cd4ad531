"""A failing handler: logged with the update id (no personal data), the person gets an apology."""

from __future__ import annotations

import contextlib
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.background import log_failure
from bot.chat.middlewares import front_of
from bot.chat.outbound import CallbackAnswers
from bot.people import locale_for
from bot.ports import PersonFinder, UpdateAlreadyHandled

log = logging.getLogger("bot.errors")


def log_update_failure(logger: logging.Logger, update_id: int, error: BaseException) -> None:
    """An update that failed: its id, the exception's type and frames. Not the exception's message,
    which can quote what the person wrote."""
    log_failure(logger, f"update {update_id}", error)


def error_handler(people: PersonFinder, i18n: I18n, default_locale: str, answers: CallbackAnswers):
    async def on_error(event: ErrorEvent, bot: Bot, **data: object) -> bool:
        update = event.update
        if update.callback_query and not answers.answered(update.callback_query.id):
            # Only a press nothing answered yet: Telegram refuses a second answer.
            with contextlib.suppress(TelegramAPIError):
                await bot.answer_callback_query(update.callback_query.id)
        if isinstance(event.exception, UpdateAlreadyHandled):
            log.info("update %s arrived again while it was being handled: written once", update.update_id)
            return True
        log_update_failure(log, update.update_id, event.exception)
        user = (update.message.from_user if update.message else
                update.callback_query.from_user if update.callback_query else None)
        if user is None:
            return True
        person = await people.find(front_of({"bot": bot, **data}), user.id)
        with i18n.context(), i18n.use_locale(locale_for(person, user.language_code, default_locale)):
            apology = _("Sorry, something went wrong on our side. What you entered so far is saved; "
                        "please try again in a moment.")
        try:
            await bot.send_message(user.id, apology)
        except TelegramAPIError as error:
            log.warning("could not apologise for update %s: %s", update.update_id, type(error).__name__)
        return True

    return on_error
