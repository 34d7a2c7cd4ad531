"""The chat state as the domain's `DraftSlot`: clearing it inside a use case's transaction removes the
draft in the same commit as the case filed from it (the chat state lives in the same database)."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext


class ChatDraftSlot:
    def __init__(self, state: FSMContext) -> None:
        self._state = state

    async def clear(self) -> None:
        await self._state.clear()
