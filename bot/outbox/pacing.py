"""How fast the bot may talk: about one message a second to a chat and 30 a second per bot, as
Telegram asks, and nothing to a bot's chats while Telegram's flood control holds it.

The pacer hands out start times ("slots"); whoever reserves one waits until it comes. It lives in
one process: two replicas pace separately (a shared store would take this over).
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from bot.clock import Clock

Chat = tuple[Hashable, int]  # (the bot's key: its front, the chat id)
FORGET_AFTER = 4096  # chats remembered before those whose slots have passed are dropped


class PacingRules(BaseModel, frozen=True):
    per_chat_interval: timedelta = timedelta(seconds=1)
    per_bot_per_second: int = Field(30, ge=1)

    @property
    def per_bot_interval(self) -> timedelta:
        return timedelta(seconds=1) / self.per_bot_per_second


class Pacer:
    def __init__(self, clock: Clock, rules: PacingRules | None = None) -> None:
        self._clock = clock
        self._rules = rules or PacingRules()
        self._chat_free: dict[Chat, datetime] = {}
        self._bot_free: dict[Hashable, datetime] = {}
        self._held: dict[Hashable, datetime] = {}

    def ready_at(self, chat: Chat) -> datetime:
        """The earliest moment a message to `chat` may start, without reserving it."""
        now, bot = self._clock.now(), chat[0]
        return max(now, self._chat_free.get(chat, now), self._bot_free.get(bot, now), self._held.get(bot, now))

    def reserve(self, chat: Chat) -> datetime:
        """Book the next slot for `chat`; the caller starts its message then, not before."""
        slot = self.ready_at(chat)
        if len(self._chat_free) >= FORGET_AFTER:
            self._chat_free = {key: free for key, free in self._chat_free.items() if free > slot}
        self._chat_free[chat] = slot + self._rules.per_chat_interval
        self._bot_free[chat[0]] = slot + self._rules.per_bot_interval
        return slot

    def is_held(self, bot: Hashable) -> bool:
        held = self._held.get(bot)
        return held is not None and held > self._clock.now()

    def hold(self, bot: Hashable, until: datetime) -> None:
        """Telegram's flood control: nothing goes to this bot's chats before `until`."""
        self._held[bot] = max(until, self._held.get(bot, until))
