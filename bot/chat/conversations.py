"""Fronts that keep their own copy of a conversation (the web chat) register how to forget it, so that
what the privacy notice promises on a declined consent or a cancelled draft holds on every front."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from bot.people import Front, Person

ForgetChat = Callable[[int], Awaitable[None]]


async def forget_conversation(conversations: Mapping[Front, ForgetChat], person: Person) -> None:
    forget = conversations.get(person.front)
    if forget is not None:
        await forget(person.user_id)
