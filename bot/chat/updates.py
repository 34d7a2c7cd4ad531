"""Incoming updates built the way Telegram builds them, for fronts without Telegram (web chat, tests)."""

from __future__ import annotations

import itertools
import secrets
import time
from typing import Any

from aiogram.types import Update

from bot.chat.faithful_session import FaithfulSession

_last_update_id = 0


def new_update_id() -> int:
    """Handled updates are recorded by id, so an id counted from 1 again after a restart would be taken
    for a redelivery and dropped. So: the millisecond in the high bits and 20 random bits below (63 bits
    in all, an SQL BIGINT), increasing within a process, apart across restarts and (almost surely)
    across processes, without asking the store."""
    global _last_update_id
    _last_update_id = max((time.time_ns() // 1_000_000) << 20 | secrets.randbits(20), _last_update_id + 1)
    return _last_update_id


class UpdateFactory:
    """Makes updates from one person's actions and tells the session about their chat."""

    def __init__(self, session: FaithfulSession) -> None:
        self._session = session
        self._callback_ids = itertools.count(1)

    def _user_and_chat(self, user_id: int, first_name: str, language_code: str | None) -> tuple[dict, dict]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        chat = {"id": user_id, "type": "private", "first_name": first_name}
        self._session.register_chat(chat)
        return user, chat

    def message(
        self, user_id: int, *, text: str | None = None, first_name: str = "User", language_code: str | None = None,
        **content: Any,
    ) -> Update:
        """A message from a person in their private chat; `content` carries contact, location, photo..."""
        user, chat = self._user_and_chat(user_id, first_name, language_code)
        message: dict[str, Any] = {
            "message_id": self._session.next_message_id(chat["id"]),
            "date": int(time.time()), "chat": chat, "from": user, **content,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split(maxsplit=1)[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return Update.model_validate({"update_id": new_update_id(), "message": message})

    def callback(
        self, user_id: int, *, data: str, message: dict[str, Any] | None, first_name: str = "User",
        language_code: str | None = None,
    ) -> Update:
        """A press of an inline button under `message` (None for a message Telegram no longer has)."""
        user, chat = self._user_and_chat(user_id, first_name, language_code)
        callback_id = f"{user_id}-{next(self._callback_ids)}"
        self._session.register_callback(callback_id)
        query: dict[str, Any] = {"id": callback_id, "from": user, "chat_instance": str(chat["id"]), "data": data}
        if message is not None:
            query["message"] = {key: value for key, value in message.items() if key != "html"}
        return Update.model_validate({"update_id": new_update_id(), "callback_query": query})
