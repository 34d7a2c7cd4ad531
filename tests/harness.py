"""Drive the real dispatcher (built by the same factory as `python -m bot`) on the faithful session."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage, TelegramMethod

from bot.app import attach_front, build_dispatcher
from bot.chat.faithful_session import Delivery, FaithfulSession
from bot.chat.outbound import RetryAfterMiddleware
from bot.chat.updates import UpdateFactory
from bot.clock import Clock
from bot.people import Front
from bot.settings import Settings
from storage.db import Database

TEST_TOKEN = "42:faithful-test-token"


class ChatHarness:
    def __init__(self, dispatcher: Dispatcher, bot: Bot, session: FaithfulSession) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.session = session
        self.updates = UpdateFactory(session)
        self.deliveries: list[Delivery] = []
        self.sleeps: list[float] = []

        async def record(delivery: Delivery) -> None:
            self.deliveries.append(delivery)

        session.listeners.append(record)

    @classmethod
    def build(
        cls, settings: Settings, db: Database, clock: Clock, extra_routers: Iterable[Router] = (),
        front: Front = Front.TELEGRAM, session: FaithfulSession | None = None,
    ) -> ChatHarness:
        """`session`: the fake Telegram to talk to; pass another harness's to run two processes on one bot."""
        session = session or FaithfulSession()
        harness_sleeps: list[float] = []

        async def no_wait(seconds: float) -> None:
            harness_sleeps.append(seconds)

        session.middleware(RetryAfterMiddleware(sleep=no_wait))
        bot = Bot(TEST_TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))
        # The outbox paces by the clock; a fixed clock never reaches the next slot, so nothing waits.
        dispatcher = build_dispatcher(settings, db, clock=clock, extra_routers=extra_routers, pace=no_wait)
        attach_front(dispatcher, bot, front)
        harness = cls(dispatcher, bot, session)
        harness.sleeps = harness_sleeps
        return harness

    async def _feed(self, update: Any) -> list[TelegramMethod[Any]]:
        before = len(self.session.calls)
        await self.dispatcher.feed_update(self.bot, update)
        await self.dispatcher["evidence"].settle()  # downloads the update started in the background
        await self.dispatcher["outbox"].flush()  # the sender loop, as if it were prompt
        return self.session.calls[before:]

    async def send(self, user_id: int, text: str | None = None, *, language_code: str | None = "zh-hans",
                   **content: Any) -> list[TelegramMethod[Any]]:
        return await self._feed(self.updates.message(user_id, text=text, language_code=language_code, **content))

    async def press(self, user_id: int, data: str, *, message: dict[str, Any] | None = None,
                    language_code: str | None = "zh-hans") -> list[TelegramMethod[Any]]:
        return await self._feed(self.updates.callback(user_id, data=data, message=message,
                                                      language_code=language_code))

    def last_message(self, chat_id: int) -> dict[str, Any]:
        """The newest message the bot sent or edited in this chat, as the person sees it."""
        return next(d.message for d in reversed(self.deliveries) if d.chat_id == chat_id and d.kind != "delete")

    async def press_button(self, user_id: int, label_part: str, *, language_code: str | None = "zh-hans"):
        """Press the first button whose label contains `label_part` on the newest message that has it."""
        for delivery in reversed(self.deliveries):
            if delivery.chat_id != user_id:
                continue
            for row in delivery.message.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    if label_part in button["text"]:
                        return await self.press(user_id, button["callback_data"], message=delivery.message,
                                                language_code=language_code)
        raise AssertionError(f"no button with {label_part!r} in chat {user_id}")


def texts(calls: Iterable[TelegramMethod[Any]]) -> list[str]:
    return [call.text for call in calls if isinstance(call, SendMessage | EditMessageText)]


def callback_answers(calls: Iterable[TelegramMethod[Any]]) -> list[AnswerCallbackQuery]:
    return [call for call in calls if isinstance(call, AnswerCallbackQuery)]
