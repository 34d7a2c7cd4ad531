"""Role filters for whole routers; the role is the one the store holds (see PersonMiddleware)."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import TelegramObject

from bot.people import Person, Role


class HasRole(Filter):
    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    async def __call__(self, event: TelegramObject, person: Person | None = None) -> bool:
        return person is not None and person.role in self.roles
