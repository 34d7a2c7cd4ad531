"""The core's Telegram-faithful session, made to serve real people for a long time.

Beyond `FaithfulSession` it:
- resumes a chat from the stored history the first time the bot (or the person) touches it after a
  start, so message ids go on where they stopped and old messages can still be edited;
- keeps real files behind file ids (uploads, and photos or documents the bot sends), and lets the
  bot download them (`getFile` + `download`);
- tells the front about answered button presses (their toast), and keeps its own bookkeeping bounded:
  a conversation left idle leaves memory (`evict_idle`) and is resumed from the store when touched.
"""

from __future__ import annotations

import json
import mimetypes
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Collection
from typing import Any

from aiogram import Bot
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InputFile

from bot.chat.faithful_session import IMAGE_HEAD_BYTES, FaithfulSession, TelegramRefusal
from bot.ports import HISTORY_LIMIT, WebChatHistoryStore
from webchat.uploads import FileStore, UploadRefused

CALL_LOG_LIMIT = 200  # `calls` is for tests; a long-running front keeps only the latest
FILE_PATH_PREFIX = "webchat/"

CallbackAnswered = Callable[[str, str, bool], Awaitable[None]]


class WebChatSession(FaithfulSession):
    def __init__(self, history: WebChatHistoryStore, files: FileStore, **names: str) -> None:
        super().__init__(**names)
        self._history = history
        self._files = files
        self._pruned_below: dict[int, int] = {}
        self._used: dict[int, float] = {}  # chat id -> when it was last touched (monotonic seconds)
        self.callback_answered: CallbackAnswered | None = None

    async def open_chat(self, chat: dict[str, Any]) -> None:
        """Make a chat reachable by the bot, now and after a restart."""
        await self.resume(chat["id"])
        if chat["id"] not in self._chats:
            await self._history.save_chat(chat)
            self.register_chat(chat)

    async def resume(self, chat_id: int) -> None:
        """Load a stored chat into the session once per process (and again after `evict_idle`): its last id
        and its bot messages."""
        self._used[chat_id] = time.monotonic()
        if chat_id in self._chats:
            return
        record = await self._history.chat(chat_id)
        if record is None:
            return
        self.register_chat(record.chat)
        self._last_message_id[chat_id] = max(self._last_message_id.get(chat_id, 0), record.last_message_id)
        for message in await self._history.messages(chat_id):
            if message.get("from", {}).get("is_bot"):
                self._remember(message, _comparable(message))

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        chat_id = getattr(method, "chat_id", None)
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            chat_id = int(chat_id)
        if isinstance(chat_id, int):
            await self.resume(chat_id)
        try:
            return await super().make_request(bot, method, timeout)
        finally:
            del self.calls[:-CALL_LOG_LIMIT]

    def _remember(self, body: dict[str, Any], comparable: tuple[Any, ...]) -> None:
        super()._remember(body, comparable)
        chat_id = body["chat"]["id"]
        keep_from = body["message_id"] - HISTORY_LIMIT
        for old_id in range(self._pruned_below.get(chat_id, 1), keep_from):
            self._messages.pop((chat_id, old_id), None)
        self._pruned_below[chat_id] = max(self._pruned_below.get(chat_id, 1), keep_from)

    def evict_idle(self, before: float, *, keep: Collection[int]) -> None:
        """Drop from memory the chats last touched before `before` (monotonic seconds), except `keep`."""
        for chat_id in [chat_id for chat_id, used in self._used.items() if used < before and chat_id not in keep]:
            del self._used[chat_id]
            self._chats.pop(chat_id, None)
            last_id = self._last_message_id.pop(chat_id, 0)
            for message_id in range(self._pruned_below.pop(chat_id, 1), last_id + 1):
                self._messages.pop((chat_id, message_id), None)

    @property
    def chats_in_memory(self) -> int:
        return len(self._chats)

    async def forget_files(self, chat_id: int, file_ids: Collection[str]) -> None:
        await self._files.forget(chat_id, file_ids)

    # --- files ---------------------------------------------------------------------------------
    async def _file_for(
        self, bot: Bot, chat_id: int, reference: Any, files: dict[str, InputFile], field_name: str
    ) -> tuple[str, str, int, bytes]:
        """(file_id, name, size, head bytes) of what the bot sends: a new upload or a known file id."""
        if uploaded := await self._upload(bot, reference, files, field_name):
            name, data = uploaded
            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            try:
                stored = await self._files.keep(chat_id, name, content_type, data)
            except UploadRefused as refusal:
                raise TelegramRefusal("Bad Request: file must be non-empty" if not data
                                      else "Request Entity Too Large", 400 if not data else 413) from refusal
            return stored.file_id, stored.name, stored.size, data[:IMAGE_HEAD_BYTES]
        known = await self._files.find(reference) if isinstance(reference, str) else None
        if known is None:
            raise TelegramRefusal("Bad Request: wrong file identifier/HTTP URL specified")
        data = await self._files.read(known.file_id) or b""
        return known.file_id, known.name, known.size, data[:IMAGE_HEAD_BYTES]

    async def _api_getFile(self, bot: Bot, params: dict[str, Any], files: dict[str, InputFile]) -> Any:
        known = await self._files.find(str(params.get("file_id", "")))
        if known is None:
            raise TelegramRefusal("Bad Request: invalid file_id")
        return {"file_id": known.file_id, "file_unique_id": known.file_id, "file_size": known.size,
                "file_path": FILE_PATH_PREFIX + known.file_id}, None

    async def stream_content(
        self, url: str, headers: dict[str, Any] | None = None, timeout: int = 30, chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        """`bot.download(...)` of a web chat file: the bytes from the upload store."""
        _, _, file_id = url.rpartition(FILE_PATH_PREFIX)
        data = await self._files.read(file_id)
        if data is None:
            raise TelegramRefusal("Not Found: file not found", code=404)
        for start in range(0, len(data), chunk_size):
            yield data[start:start + chunk_size]

    # --- button presses ------------------------------------------------------------------------
    async def _api_answerCallbackQuery(
        self, bot: Bot, params: dict[str, Any], files: dict[str, InputFile]
    ) -> Any:
        result = await super()._api_answerCallbackQuery(bot, params, files)
        callback_id = params["callback_query_id"]
        # Answered queries can never be answered again: forgetting them keeps both sets small.
        self._open_callbacks.discard(callback_id)
        self._answered_callbacks.discard(callback_id)
        if self.callback_answered is not None:
            await self.callback_answered(callback_id, params.get("text") or "", bool(params.get("show_alert")))
        return result

    def forget_callback(self, callback_id: str) -> None:
        """A press the bot never answered: Telegram drops it after a while, so does the web chat."""
        self._open_callbacks.discard(callback_id)


def _comparable(message: dict[str, Any]) -> tuple[Any, ...]:
    """What Telegram compares to refuse an edit that changes nothing (see FaithfulSession)."""
    source = message.get("html") if message.get("html") is not None else message.get("text", message.get("caption"))
    parse_mode = "HTML" if message.get("html") is not None else None
    return source, parse_mode, json.dumps(message.get("reply_markup"), sort_keys=True)

