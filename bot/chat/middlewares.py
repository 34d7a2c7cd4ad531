"""Outer middlewares: who is writing (from the store) and in which language to answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware

from bot.clock import Clock
from bot.people import Front, Person, Role, locale_for
from storage.people import PeopleRepository

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def front_of(data: dict[str, Any]) -> Front:
    """The front an update came through, from the bot that received it (one Bot per front)."""
    return data["fronts"].get(data["bot"].id, Front.TELEGRAM)


class PersonMiddleware(BaseMiddleware):
    """Loads (or creates) the sender's person record for every update: `person` and `role` in data.

    Roles always come from the store, never from what an update or a button claims.
    """

    def __init__(self, people: PeopleRepository, clock: Clock, supervisor_ids: frozenset[int]) -> None:
        self._people = people
        self._clock = clock
        self._supervisor_ids = supervisor_ids

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or user.is_bot:
            return await handler(event, data)
        front = front_of(data)
        person = await self._people.identify(
            front, user.id, display_name=user.full_name[:128], language_code=user.language_code,
            now=self._clock.now(),
        )
        if front is Front.TELEGRAM and user.id in self._supervisor_ids and person.role is not Role.SUPERVISOR:
            person = await self._people.set_role(front, user.id, Role.SUPERVISOR, None, now=self._clock.now())
        data["person"] = person
        data["role"] = person.role
        return await handler(event, data)


class PersonLocaleMiddleware(I18nMiddleware):
    """The person's saved language, else their app's language, else the service default."""

    def __init__(self, i18n: I18n) -> None:
        super().__init__(i18n)

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        person: Person | None = data.get("person")
        user: User | None = data.get("event_from_user")
        locale = locale_for(person, user.language_code if user else None, self.i18n.default_locale)
        data["locale"] = locale  # handlers that format dates and money take it by name
        return locale
