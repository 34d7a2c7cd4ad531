"""Driving an intake through the real dispatcher, and reading back what the chat state holds."""

from __future__ import annotations

from typing import Any

from aiogram.fsm.storage.base import StorageKey

from bot.intake.draft import Draft
from tests.harness import ChatHarness, texts

STICKER = {"file_id": "s1", "file_unique_id": "s1", "type": "regular", "width": 1, "height": 1,
           "is_animated": False, "is_video": False}


def storage_key(chat: ChatHarness, user_id: int) -> StorageKey:
    return StorageKey(bot_id=chat.bot.id, chat_id=user_id, user_id=user_id)


async def chat_state(chat: ChatHarness, user_id: int) -> tuple[str | None, dict[str, Any]]:
    storage = chat.dispatcher.fsm.storage
    key = storage_key(chat, user_id)
    return await storage.get_state(key), await storage.get_data(key)


async def draft_of(chat: ChatHarness, user_id: int) -> Draft:
    _, data = await chat_state(chat, user_id)
    return Draft.model_validate(data["draft"])


class Worker:
    """One worker talking to the bot in one language."""

    def __init__(self, chat: ChatHarness, user_id: int, language_code: str = "en") -> None:
        self.chat = chat
        self.user_id = user_id
        self.language_code = language_code

    async def says(self, text: str | None = None, **content: Any) -> list[str]:
        return texts(await self.chat.send(self.user_id, text, language_code=self.language_code, **content))

    async def presses(self, label_part: str) -> list[str]:
        return texts(await self.chat.press_button(self.user_id, label_part, language_code=self.language_code))

    async def shares_contact(self, phone: str) -> list[str]:
        contact = {"phone_number": phone, "first_name": "User", "user_id": self.user_id}
        return await self.says(contact=contact)

    async def sends_photo(self, unique: str, size: int = 200_000) -> list[str]:
        photo = [{"file_id": f"small-{unique}", "file_unique_id": f"s-{unique}", "width": 90, "height": 90,
                  "file_size": 2_000},
                 {"file_id": f"photo-{unique}", "file_unique_id": f"u-{unique}", "width": 1280, "height": 960,
                  "file_size": size}]
        return await self.says(photo=photo)

    async def sends_document(self, name: str, size: int) -> list[str]:
        document = {"file_id": f"doc-{name}", "file_unique_id": f"u-{name}", "file_name": name, "file_size": size}
        return await self.says(document=document)

    async def pending(self) -> str | None:
        return (await draft_of(self.chat, self.user_id)).pending

    async def agrees_to_the_notice(self) -> None:
        await self.says("/new")
        await self.presses("I agree")

    def last(self) -> str:
        return self.chat.last_message(self.user_id)["text"]


def messages_with_buttons(chat: ChatHarness, user_id: int) -> list[dict[str, Any]]:
    """The bot's messages in the chat that still carry inline buttons, as the person sees them now."""
    latest: dict[int, dict[str, Any]] = {}
    for delivery in chat.deliveries:
        if delivery.chat_id == user_id and delivery.kind != "delete":
            latest[delivery.message["message_id"]] = delivery.message
    return [message for message in latest.values() if message.get("reply_markup", {}).get("inline_keyboard")]
