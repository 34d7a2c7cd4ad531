"""Everything the bot says goes out through here: long texts split, edits that never repeat,
flood control (retry_after) waited out."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.methods import AnswerCallbackQuery, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InlineKeyboardMarkup, Message

from bot.chat.telegram_html import parse_html, split_html

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


class RetryAfterMiddleware(BaseRequestMiddleware):
    """Waits out Telegram's flood control and tries again, a bounded number of times."""

    def __init__(self, sleep: Sleep = asyncio.sleep, attempts: int = 4, longest_wait: float = 60) -> None:
        self._sleep = sleep
        self._attempts = attempts
        self._longest_wait = longest_wait

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Any:
        for attempt in range(1, self._attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as flood:
                if attempt == self._attempts or flood.retry_after > self._longest_wait:
                    raise
                log.warning("flood control on %s: waiting %s s", method.__api_method__, flood.retry_after)
                await self._sleep(flood.retry_after)
        raise AssertionError("the loop returns or raises")


class CallbackAnswers(BaseRequestMiddleware):
    """Remembers which button presses were answered, so a failing handler's apology answers a press
    only if nothing answered it yet (Telegram refuses a second answer). A press lives seconds: the
    newest few thousand are enough, in each process.

    An answer Telegram refuses (too late, or answered already by another process) only stops a
    spinner that has stopped anyway: it is logged and the update goes on, instead of failing it."""

    def __init__(self, remembered: int = 4096) -> None:
        self._answered: OrderedDict[str, None] = OrderedDict()
        self._remembered = remembered

    def answered(self, callback_id: str) -> bool:
        return callback_id in self._answered

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Any:
        if not isinstance(method, AnswerCallbackQuery):
            return await make_request(bot, method)
        try:
            result = await make_request(bot, method)
        except TelegramBadRequest as refused:
            log.info("a button answer was refused: %s", refused.message)
            result = True
        self._answered[method.callback_query_id] = None
        while len(self._answered) > self._remembered:
            self._answered.popitem(last=False)
        return result


async def send_text(
    bot: Bot, chat_id: int, text: str, reply_markup: Any = None
) -> Message:
    """Send a Telegram-HTML text of any length; the keyboard goes with the last part."""
    parts = split_html(text)
    for part in parts[:-1]:
        await bot.send_message(chat_id, part)
    return await bot.send_message(chat_id, parts[-1], reply_markup=reply_markup)


async def edit_text(message: Message, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> None:
    """Edit a bot message in place, skipping edits that would change nothing.

    Telegram refuses an edit that leaves text and keyboard as they are ("message is not
    modified"); the visible text and the keyboard are compared first.
    """
    same_text = (message.text or "") == parse_html(text)
    same_markup = (message.reply_markup or None) == (reply_markup or None)
    if same_text and same_markup:
        return
    try:
        await message.edit_text(text, reply_markup=reply_markup)
    except TelegramBadRequest as error:
        # The stored copy of the message can be older than what the person sees.
        if "message is not modified" not in error.message:
            raise


async def remove_keyboard(message: Message) -> None:
    """Take the buttons off a message the person has answered; a second tap finds them gone already."""
    if message.reply_markup is None:
        return
    try:
        await message.edit_reply_markup(reply_markup=None)
    except TelegramBadRequest as error:
        if "message is not modified" not in error.message:
            raise
