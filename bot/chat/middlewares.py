"""Outer middlewares: who is writing (from the store) and in which language to answer."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol, runtime_checkable

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update, User
from aiogram.utils.i18n import I18n, I18nMiddleware

from bot.clock import Clock
from bot.people import Front, Person, Role, locale_for
from bot.ports import ChatPeople, ProcessedUpdateLog, UpdateKey

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def front_of(data: dict[str, Any]) -> Front:
    """The front an update came through, from the bot that received it (one Bot per front)."""
    return data["fronts"].get(data["bot"].id, Front.TELEGRAM)


@runtime_checkable
class RemembersPerUpdate(Protocol):
    """A chat-state storage that can keep what it read for the length of one update."""

    def remembered_for_this_update(self) -> AbstractContextManager[None]: ...


# The services of one update, bound to its own unit of work: {"uow": ..., "intake": ..., "cases": ...}.
ServicesFor = Callable[[UpdateKey], dict[str, Any]]


class UpdateOnceMiddleware(BaseMiddleware):
    """Outermost: an update handled before (Telegram redelivers after a restart, a proxy retries a
    webhook) is dropped; every other update gets its own unit of work, whose first transaction records
    it as handled together with what the update changed, so two deliveries racing in two processes still
    act once. Updates that change no case are recorded when their handler returns."""

    def __init__(self, processed: ProcessedUpdateLog, services_for: ServicesFor, clock: Clock) -> None:
        self._processed = processed
        self._services_for = services_for
        self._clock = clock

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        key = UpdateKey(front=front_of(data), bot_id=data["bot"].id, update_id=event.update_id)
        if await self._processed.seen(key):
            log.info("update %s of the %s front arrived again: already handled", key.update_id, key.front)
            return UNHANDLED
        data.update(self._services_for(key))
        storage = data.get("fsm_storage")
        with storage.remembered_for_this_update() if isinstance(storage, RemembersPerUpdate) else nullcontext():
            result = await handler(event, data)
        await self._processed.record(key, at=self._clock.now())
        return result


class PersonMiddleware(BaseMiddleware):
    """Loads (or creates) the sender's person record for every update: `person` and `role` in data.

    Roles always come from the store, never from what an update or a button claims.
    """

    def __init__(self, people: ChatPeople, clock: Clock, supervisor_ids: frozenset[int]) -> None:
        self._people = people
        self._clock = clock
        self._supervisor_ids = supervisor_ids
        self._seeded = False  # only saves the query: the store remembers the seeding itself

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or user.is_bot:
            return await handler(event, data)
        if not self._seeded:
            # SUPERVISOR_IDS makes the first supervisors, once; after that roles live in the store.
            if not await self._people.seed_supervisors(self._supervisor_ids, now=self._clock.now()):
                await self._warn_of_unseeded()
            self._seeded = True
        person = await self._people.identify(
            front_of(data), user.id, display_name=user.full_name[:128], language_code=user.language_code,
            now=self._clock.now(),
        )
        data["person"] = person
        data["role"] = person.role
        return await handler(event, data)


    async def _warn_of_unseeded(self) -> None:
        supervisors = {person.user_id for person in await self._people.with_role(Role.SUPERVISOR)
                       if person.front is Front.TELEGRAM}
        if ignored := sorted(self._supervisor_ids - supervisors):
            log.warning("SUPERVISOR_IDS %s are not supervisors in the store: the setting only creates the first "
                        "supervisors; change roles in the store", ignored)


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
