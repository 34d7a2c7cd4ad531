"""A person's own account: the consents they give (PIPL: who, to what, which wording, when) and the
language they choose. Each change is one unit of work, so it is recorded with the update that made it
and a redelivered update records nothing twice."""

from __future__ import annotations

from bot.clock import Clock
from bot.people import Person
from bot.ports import AccountUnitOfWork


class AccountService:
    def __init__(self, uow: AccountUnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def record_consent(self, person: Person, purpose: str, notice_version: str) -> None:
        async with self._uow() as tx:
            await tx.people.record_consent(person, purpose, notice_version, at=self._clock.now())

    async def set_locale(self, person: Person, locale: str) -> Person:
        async with self._uow() as tx:
            return await tx.people.set_locale(person, locale, now=self._clock.now())
