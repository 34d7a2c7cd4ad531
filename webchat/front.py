"""The web chat front behind the page: one Bot on the web chat session, people's open sockets, history.

Every change the bot makes in a web person's chat (and every message the person sends) is stored
first and then queued for that person's open pages, so a page that connects later, or reconnects,
gets the same conversation from the store. People with no open page are still written to.

Nothing here waits for a page (see `webchat.pages`), and no lock is held across a page: a page is
registered before its snapshot is read, so a change made meanwhile is queued behind the snapshot,
and every event carries the whole message, so one the snapshot already shows changes nothing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.types import Update

from bot.chat.errors import log_update_failure
from bot.chat.faithful_session import Delivery
from bot.chat.fronts import attach_front
from bot.chat.updates import UpdateFactory
from bot.people import Front
from bot.ports import HistoryPage, WebChatHistoryStore
from webchat.pages import PageLimits, PageLink, frame_of
from webchat.session import WebChatSession
from webchat.view import callback_data_of, message_view

log = logging.getLogger(__name__)

# The web chat's own bot identity: a Bot per front, so the core knows which front an update came by.
WEB_BOT_TOKEN = "7000:web-chat-front"
# What a (re)connecting page gets at once, and each page of older messages it asks for.
HISTORY_PAGE = 40
# A conversation nobody touched for this long, with no open page, leaves memory (the store keeps it).
IDLE_AFTER = 600.0  # seconds
DEFAULT_PAGE_LIMITS = PageLimits()
CASE_NUMBER = re.compile(r"\bLD-\d{4}-\d{6}\b")


def about_a_filed_case(message: dict[str, Any]) -> bool:
    """A bot message naming a case number (as `bot.cases.model.case_number` writes them)."""
    if not message.get("from", {}).get("is_bot"):
        return False
    return CASE_NUMBER.search(message.get("text") or message.get("caption") or "") is not None


def file_ids_of(message: dict[str, Any]) -> list[str]:
    return [*(size["file_id"] for size in message.get("photo", [])),
            *([message["document"]["file_id"]] if "document" in message else [])]


@dataclass(frozen=True)
class Speaker:
    """A person writing on the page, as the bot will see them."""

    user_id: int
    first_name: str
    language_code: str | None


class WebChatFront:
    def __init__(self, dispatcher: Dispatcher, session: WebChatSession, history: WebChatHistoryStore,
                 page_limits: PageLimits = DEFAULT_PAGE_LIMITS) -> None:
        self.dispatcher = dispatcher
        self.session = session
        self.history = history
        self.page_limits = page_limits
        self.bot = Bot(WEB_BOT_TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))
        self.updates = UpdateFactory(session)
        self._pages: dict[int, set[PageLink]] = {}
        self._press_chats: dict[str, int] = {}
        attach_front(dispatcher, self.bot, Front.WEB)
        dispatcher["conversations"][Front.WEB] = self.forget
        session.listeners.append(self.deliver)
        session.callback_answered = self._callback_answered

    def view(self, message: dict[str, Any]) -> dict[str, Any]:
        return message_view(message, bot_id=self.bot.id)

    # --- pages -----------------------------------------------------------------------------------
    def pages_open(self, chat_id: int) -> int:
        return len(self._pages.get(chat_id, ()))

    async def connect(self, chat_id: int, page: PageLink) -> None:
        """Register an open page and send it the recent part of the kept conversation."""
        await self.session.resume(chat_id)
        self._pages.setdefault(chat_id, set()).add(page)  # changes from now on queue up behind the snapshot
        page.start(frame_of(self._history_event("history", await self.history.recent(chat_id, HISTORY_PAGE))))

    async def older(self, chat_id: int, page: PageLink, before: int) -> None:
        """A page of the messages before `before`, for a page scrolling back."""
        page.send(frame_of(self._history_event("older", await self.history.recent(chat_id, HISTORY_PAGE,
                                                                                  before=before))))

    def _history_event(self, kind: str, history: HistoryPage) -> dict[str, Any]:
        return {"type": kind, "messages": [self.view(message) for message in history.messages],
                "more": history.more}

    def disconnect(self, chat_id: int, page: PageLink) -> None:
        pages = self._pages.get(chat_id, set())
        pages.discard(page)
        if not pages:
            self._pages.pop(chat_id, None)

    def push(self, chat_id: int, event: dict[str, Any]) -> None:
        """Queue an event for every open page of the chat."""
        pages = self._pages.get(chat_id)
        if pages:
            frame = frame_of(event)
            for page in list(pages):
                page.send(frame)

    def evict_idle(self, now: float) -> None:
        """Let conversations nobody has touched for IDLE_AFTER seconds, and that no page shows, leave memory."""
        self.session.evict_idle(now - IDLE_AFTER, keep=self._pages.keys())

    async def deliver(self, delivery: Delivery) -> None:
        """The session's listener: store the change, then show it on the person's open pages."""
        if delivery.kind == "delete":
            await self.history.delete(delivery.chat_id, delivery.message["message_id"])
            self.push(delivery.chat_id, {"type": "delete", "message_id": delivery.message["message_id"]})
            return
        await self.history.put(delivery.message)
        self.push(delivery.chat_id, {"type": delivery.kind, "message": self.view(delivery.message)})

    async def forget(self, chat_id: int, since: int) -> None:
        """Delete an abandoned draft's part of a person's web conversation (from message `since` on) with
        its files no case holds, and show their open pages what is left: what the privacy notice promises
        when consent is declined or a draft is cancelled. What the bot said there about a filed case (its
        number named: a notice, the case's card) stays, as does everything before the draft."""
        part = await self.history.messages(chat_id, since=since)
        gone = [message for message in part if not about_a_filed_case(message)]
        still_shown = {file_id for message in part if about_a_filed_case(message) for file_id in file_ids_of(message)}
        await self.history.delete_messages(chat_id, [message["message_id"] for message in gone])
        await self.session.forget_files(chat_id, {file_id for message in gone for file_id in file_ids_of(message)}
                                        - still_shown)
        self.push(chat_id, self._history_event("history", await self.history.recent(chat_id, HISTORY_PAGE)))

    async def _callback_answered(self, callback_id: str, text: str, alert: bool) -> None:
        chat_id = self._press_chats.pop(callback_id, None)
        if chat_id is not None and text:
            self.push(chat_id, {"type": "toast", "text": text, "alert": alert})

    # --- what people do --------------------------------------------------------------------------
    async def _feed(self, update: Update) -> None:
        try:
            await self.dispatcher.feed_update(self.bot, update)
        except Exception as error:  # the error handler has answered the person; the page keeps working
            log_update_failure(log, update.update_id, error)

    async def say(self, speaker: Speaker, **content: Any) -> None:
        """A message from the person: text, or contact / location / photo / document content."""
        await self.session.resume(speaker.user_id)
        update = self.updates.message(speaker.user_id, first_name=speaker.first_name,
                                      language_code=speaker.language_code, **content)
        sent = update.model_dump(mode="json", by_alias=True, exclude_none=True)["message"]
        await self.deliver(Delivery("message", speaker.user_id, sent))
        await self._feed(update)

    async def press(self, speaker: Speaker, message_id: int, data: str) -> bool:
        """A press of an inline button; False when the message has no such button (any more)."""
        await self.session.resume(speaker.user_id)
        message = await self.history.message(speaker.user_id, message_id)
        if message is None or data not in callback_data_of(message):
            return False
        update = self.updates.callback(speaker.user_id, data=data, message=message,
                                       first_name=speaker.first_name, language_code=speaker.language_code)
        callback_id = update.model_dump()["callback_query"]["id"]
        self._press_chats[callback_id] = speaker.user_id
        try:
            await self._feed(update)
        finally:
            self._press_chats.pop(callback_id, None)
            self.session.forget_callback(callback_id)
        return True
