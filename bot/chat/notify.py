"""Telling people things outside the conversation they are in: each on the front they came from
(one Bot per front), in their own language. A person who cannot be reached does not stop the rest."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.utils.i18n import I18n

from bot.chat.outbound import send_text
from bot.people import Front, Person, locale_for

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self, bots: Mapping[Front, Bot], i18n: I18n, default_locale: str) -> None:
        self._bots = bots  # filled as fronts are attached
        self._i18n = i18n
        self._default_locale = default_locale

    async def tell(self, person: Person, render: Callable[[str], str]) -> bool:
        """Send `render(locale)` to the person; False when their front is not running or refuses."""
        bot = self._bots.get(person.front)
        if bot is None:
            log.warning("person %s is on the %s front, which is not running", person.id, person.front)
            return False
        locale = locale_for(person, None, self._default_locale)
        with self._i18n.context(), self._i18n.use_locale(locale):
            text = render(locale)
        try:
            await send_text(bot, person.user_id, text)
        except TelegramAPIError as error:
            log.warning("could not reach person %s: %s", person.id, type(error).__name__)
            return False
        return True
