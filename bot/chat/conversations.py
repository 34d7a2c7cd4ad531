"""Fronts that keep their own copy of a conversation (the web chat) register how to forget part of it,
so that what the privacy notice promises on a declined consent or a cancelled draft holds on every front.

Only the abandoned draft's part is forgotten: the chat state remembers the id of the message the draft
began with, and the front forgets from there on what belongs to no filed case (see `WebChatFront.forget`).
What came before (a filed case's confirmation, a mediator's notices) stays.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from aiogram.fsm.context import FSMContext

from bot.people import Front, Person

# (chat id, id of the first message of the part to forget) -> None
ForgetChat = Callable[[int, int], Awaitable[None]]
# In the chat state beside the draft: the id of the message the draft's part of the conversation began with.
DRAFT_FROM_KEY = "draft_from"


async def mark_draft_start(state: FSMContext, message_id: int) -> None:
    """Remember where the draft's part of the conversation begins; a draft taken up again keeps its start."""
    if DRAFT_FROM_KEY not in await state.get_data():
        await state.update_data({DRAFT_FROM_KEY: message_id})


async def abandon_draft(state: FSMContext, conversations: Mapping[Front, ForgetChat], person: Person) -> None:
    """Clear the chat state and forget the draft's part of the person's conversation, on fronts that keep one."""
    started = (await state.get_data()).get(DRAFT_FROM_KEY)
    await state.clear()
    forget = conversations.get(person.front)
    if forget is not None and isinstance(started, int):
        await forget(person.user_id, started)
