"""An aiogram session that answers like Telegram without a network.

It records every call, keeps each chat's messages, and enforces what Telegram enforces, failing
with Telegram's own descriptions through aiogram's normal response handling (so handlers see the
same `TelegramBadRequest` they would see in production). Tests drive the dispatcher through it, and
the web chat front serves people with it: listeners receive every delivered message and edit.
"""

from __future__ import annotations

import json
import mimetypes
import re
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InputFile

from bot.chat.images import image_shape
from bot.chat.telegram_html import CAPTION_LIMIT, MESSAGE_LIMIT, EntityParseError, parse_html, utf16_length

CALLBACK_DATA_LIMIT = 64
# Enough of a file's head to find a photo's dimensions (JPEG frames may follow a large EXIF block).
IMAGE_HEAD_BYTES = 256 * 1024
CALLBACK_ANSWER_LIMIT = 200
DOWNLOAD_LIMIT = 20 * 1024 * 1024  # what getFile hands a bot
HOSTED_PATH_PREFIX = "hosted/"  # file_path of a file a person sent (see `host_file`)
COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly"
    " the same as a current content and reply markup of the message"
)


class TelegramRefusal(Exception):
    """What Telegram would answer instead of a result; `page` is a non-JSON body in its place (what a
    proxy in front of the Bot API answers when it fails)."""

    def __init__(
        self, description: str, code: int = 400, retry_after: int | None = None, page: str | None = None
    ) -> None:
        super().__init__(description)
        self.description = description
        self.code = code
        self.retry_after = retry_after
        self.page = page


BLOCKED = "Forbidden: bot was blocked by the user"
PROXY_BAD_GATEWAY = "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>"


def proxy_bad_gateway() -> TelegramRefusal:
    """A reverse proxy's 502 page: aiogram cannot decode it and raises ClientDecodeError."""
    return TelegramRefusal("Bad Gateway", 502, page=PROXY_BAD_GATEWAY)


@dataclass
class Fault:
    """What goes wrong with one call: a refusal, or (None) a connection that times out. With
    `after_delivery` Telegram did the work first and only the answer is lost on the way back."""

    refusal: TelegramRefusal | None
    after_delivery: bool = False


@dataclass
class Delivery:
    """One change a person sees in their chat: a new message, an edit or a deletion."""

    kind: str  # "message", "edit", "delete"
    chat_id: int
    message: dict[str, Any]


@dataclass
class StoredMessage:
    body: dict[str, Any]
    comparable: tuple[Any, ...] = field(default=())


Listener = Callable[[Delivery], Awaitable[None]]


class FaithfulSession(BaseSession):
    def __init__(self, *, bot_name: str = "半小时调解", bot_username: str = "half_hour_mediation_bot") -> None:
        super().__init__()
        self.calls: list[TelegramMethod[Any]] = []
        self.listeners: list[Listener] = []
        self._bot_name = bot_name
        self._bot_username = bot_username
        self._chats: dict[int, dict[str, Any]] = {}
        self._messages: dict[tuple[int, int], StoredMessage] = {}
        self._last_message_id: dict[int, int] = {}
        self._open_callbacks: set[str] = set()
        self._answered_callbacks: set[str] = set()
        self._faults: list[Fault] = []
        self._blocked: set[int] = set()
        self._files: dict[str, tuple[str, int, bytes]] = {}  # file_id -> (name, size, leading bytes)
        self._hosted: dict[str, bytes] = {}  # file_id -> the bytes of a file a person sent
        self._download_faults: list[BaseException] = []

    # --- what the front (or a test) tells the session about the outside world -----------------
    def register_chat(self, chat: dict[str, Any]) -> None:
        """A chat becomes known when its person writes to the bot, as on Telegram."""
        self._chats[chat["id"]] = chat

    def register_callback(self, callback_id: str) -> None:
        self._open_callbacks.add(callback_id)

    def next_message_id(self, chat_id: int) -> int:
        """Message ids are per chat and shared by the person's and the bot's messages."""
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    def inject_flood(self, retry_after: int) -> None:
        """The next call is refused with 429 Too Many Requests, as under flood control."""
        self.inject_fault(TelegramRefusal(f"Too Many Requests: retry after {retry_after}", 429, retry_after))

    def inject_fault(self, refusal: TelegramRefusal | None, *, after_delivery: bool = False) -> None:
        """The next call fails with `refusal`, or times out when it is None (aiogram's
        TelegramNetworkError); faults queue up, one per call."""
        self._faults.append(Fault(refusal, after_delivery))

    def host_file(self, file_id: str, data: bytes) -> None:
        """A file a person sent the bot (a photo or document in their message): getFile and a download
        of its file_path hand it over, as Telegram does up to DOWNLOAD_LIMIT."""
        self._hosted[file_id] = data

    def fail_next_download(self, error: BaseException) -> None:
        """The next file download fails with `error` (aiohttp's, as a real connection raises); queued."""
        self._download_faults.append(error)

    def block(self, chat_id: int) -> None:
        """The person blocked the bot: whatever is sent to them is refused with 403."""
        self._blocked.add(chat_id)

    @property
    def unanswered_callbacks(self) -> set[str]:
        return self._open_callbacks - self._answered_callbacks

    # --- BaseSession ---------------------------------------------------------------------------
    async def close(self) -> None:
        """Nothing to release: there is no connection."""

    async def stream_content(
        self, url: str, headers: dict[str, Any] | None = None, timeout: int = 30, chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        """A download of a hosted file's file_path (`bot.download_file`)."""
        if self._download_faults:
            raise self._download_faults.pop(0)
        _, found, file_id = url.rpartition(HOSTED_PATH_PREFIX)
        data = self._hosted.get(file_id) if found else None
        if data is None:
            raise TelegramRefusal("Not Found: file not found", code=404)
        for start in range(0, len(data), chunk_size):
            yield data[start:start + chunk_size]

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        self.calls.append(method)
        files: dict[str, InputFile] = {}
        params = {
            key: prepared
            for key, value in method.model_dump(warnings=False).items()
            if (prepared := self.prepare_value(value, bot=bot, files=files, _dumps_json=False)) is not None
        }
        fault = self._faults.pop(0) if self._faults else None
        delivery: Delivery | None = None
        try:
            if fault is not None and not fault.after_delivery:
                self._fail(bot, method, fault)
            handler = getattr(self, f"_api_{method.__api_method__}", None)
            if handler is None:
                raise TelegramRefusal(f"Not Found: method {method.__api_method__} is not served here", 404)
            result, delivery = await handler(bot, params, files)
        except TelegramRefusal as refusal:
            self._fail(bot, method, Fault(refusal))
        if fault is not None:  # the work is done, the answer never arrives
            await self._tell_listeners(delivery)
            self._fail(bot, method, fault)
        response = self.check_response(bot, method, 200, json.dumps({"ok": True, "result": result}))
        await self._tell_listeners(delivery)
        return response.result  # type: ignore[return-value]

    def _fail(self, bot: Bot, method: TelegramMethod[Any], fault: Fault) -> NoReturn:
        """Raise what aiogram raises for this failure, through its own response handling."""
        refusal = fault.refusal
        if refusal is None:
            raise TelegramNetworkError(method=method, message="Request timeout error")
        body: dict[str, Any] = {"ok": False, "error_code": refusal.code, "description": refusal.description}
        if refusal.retry_after is not None:
            body["parameters"] = {"retry_after": refusal.retry_after}
        self.check_response(bot, method, refusal.code, refusal.page or json.dumps(body))
        raise AssertionError("check_response raises for every refusal") from refusal

    async def _tell_listeners(self, delivery: Delivery | None) -> None:
        if delivery is not None:
            for listener in list(self.listeners):
                await listener(delivery)

    # --- checks ----------------------------------------------------------------------------------
    def _chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            chat_id = int(chat_id)
        if chat_id not in self._chats:
            raise TelegramRefusal("Bad Request: chat not found")
        if chat_id in self._blocked:
            raise TelegramRefusal(BLOCKED, 403)
        return self._chats[chat_id]

    @staticmethod
    def _visible(text: str, parse_mode: str | None) -> str:
        if parse_mode is None:
            return text
        if str(parse_mode).upper() != "HTML":
            raise TelegramRefusal(f"Bad Request: unsupported parse_mode {parse_mode!r} (this bot speaks HTML)")
        try:
            return parse_html(text)
        except EntityParseError as error:
            raise TelegramRefusal(str(error)) from error

    def _check_text(self, params: dict[str, Any]) -> str:
        visible = self._visible(params.get("text", ""), params.get("parse_mode"))
        if not visible.strip():
            raise TelegramRefusal("Bad Request: message text is empty")
        if utf16_length(visible) > MESSAGE_LIMIT:
            raise TelegramRefusal("Bad Request: message is too long")
        return visible

    def _check_caption(self, params: dict[str, Any]) -> str:
        visible = self._visible(params.get("caption", ""), params.get("parse_mode"))
        if utf16_length(visible) > CAPTION_LIMIT:
            raise TelegramRefusal("Bad Request: message caption is too long")
        return visible

    @staticmethod
    def _check_markup(params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if not markup:
            return None
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise TelegramRefusal("Bad Request: text buttons are unallowed in the inline keyboard")
                if "callback_data" in button:
                    size = len(button["callback_data"].encode("utf-8"))
                    if not 1 <= size <= CALLBACK_DATA_LIMIT:
                        raise TelegramRefusal("Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _stored(self, params: dict[str, Any]) -> StoredMessage:
        chat = self._chat(params)
        key = (chat["id"], int(params.get("message_id", 0)))
        if key not in self._messages:
            raise TelegramRefusal("Bad Request: message to edit not found")
        return self._messages[key]

    # --- methods -----------------------------------------------------------------------------------
    def _new_message(self, bot: Bot, chat: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
        message_id = self.next_message_id(chat["id"])
        body = {
            "message_id": message_id, "date": int(time.time()), "chat": chat,
            "from": {"id": bot.id, "is_bot": True, "first_name": self._bot_name, "username": self._bot_username},
            **content,
        }
        return body

    def _remember(self, body: dict[str, Any], comparable: tuple[Any, ...]) -> None:
        self._messages[(body["chat"]["id"], body["message_id"])] = StoredMessage(body, comparable)

    async def _api_getMe(self, bot: Bot, params: dict[str, Any], files: dict[str, InputFile]) -> Any:
        me = {"id": bot.id, "is_bot": True, "first_name": self._bot_name, "username": self._bot_username}
        return me, None

    async def _api_sendMessage(self, bot: Bot, params: dict[str, Any], files: dict[str, InputFile]) -> Any:
        chat = self._chat(params)
        visible = self._check_text(params)
        markup = self._check_markup(params)
        content: dict[str, Any] = {"text": visible, "html": params["text"] if params.get("parse_mode") else None}
        if markup:
            content["reply_markup"] = markup
        body = self._new_message(bot, chat, content)
        self._remember(body, (params["text"], params.get("parse_mode"), json.dumps(markup, sort_keys=True)))
        return _telegram_body(body), Delivery("message", chat["id"], body)

    async def _api_editMessageText(self, bot: Bot, params: dict[str, Any], files: dict[str, InputFile]) -> Any:
        stored = self._stored(params)
        visible = self._check_text(params)
        markup = self._check_markup(params)
        comparable = (params["text"], params.get("parse_mode"), json.dumps(markup, sort_keys=True))
        if comparable == stored.comparable:
            raise TelegramRefusal(NOT_MODIFIED)
        body = {**stored.body, "text": visible, "html": params["text"] if params.get("parse_mode") else None,
                "edit_date": int(time.time())}
        body.pop("reply_markup", None)
        if markup:
            body["reply_markup"] = markup
        self._remember(body, comparable)
        return _telegram_body(body), Delivery("edit", body["chat"]["id"], body)

    async def _api_editMessageReplyMarkup(
        self, bot: Bot, params: dict[str, Any], files: dict[str, InputFile]
    ) -> Any:
        stored = self._stored(params)
        markup = self._check_markup(params)
        comparable = (*stored.comparable[:-1], json.dumps(markup, sort_keys=True))
        if comparable == stored.comparable:
            raise TelegramRefusal(NOT_MODIFIED)
        body = {**stored.body, "edit_date": int(time.time())}
        body.pop("reply_markup", None)
        if markup:
            body["reply_markup"] = markup
        self._remember(body, comparable)
        return _telegram_body(body), Delivery("edit", body["chat"]["id"], body)

    async def _api_deleteMessage(self, bot: Bot, params: dict[str, Any], files: dict[str, InputFile]) -> Any:
        chat = self._chat(params)
        key = (chat["id"], int(params["message_id"]))
        if self._messages.pop(key, None) is None:
            raise TelegramRefusal("Bad Request: message to delete not found")
        return True, Delivery("delete", chat["id"], {"message_id": key[1]})

    @staticmethod
    async def _upload(
        bot: Bot, reference: Any, files: dict[str, InputFile], field_name: str
    ) -> tuple[str, bytes] | None:
        """(name, bytes) of a file uploaded with this request; None when `reference` is a file id."""
        if not (isinstance(reference, str) and reference.startswith("attach://")):
            return None
        upload = files[reference.removeprefix("attach://")]
        return upload.filename or field_name, b"".join([chunk async for chunk in upload.read(bot)])

    async def _file_for(
        self, bot: Bot, chat_id: int, reference: Any, files: dict[str, InputFile], field_name: str
    ) -> tuple[str, str, int, bytes]:
        """(file_id, name, size, leading bytes) of a file the bot sends: a new upload or a known file id."""
        if uploaded := await self._upload(bot, reference, files, field_name):
            name, data = uploaded
            if not data:
                raise TelegramRefusal("Bad Request: file must be non-empty")
            file_id = f"{field_name}-{chat_id}-{len(self.calls)}"
            self._files[file_id] = (name, len(data), data[:IMAGE_HEAD_BYTES])
            return file_id, *self._files[file_id]
        if isinstance(reference, str) and reference in self._files:
            return reference, *self._files[reference]
        raise TelegramRefusal("Bad Request: wrong file identifier/HTTP URL specified")

    async def _send_file(
        self, bot: Bot, params: dict[str, Any], files: dict[str, InputFile], field_name: str
    ) -> Any:
        chat = self._chat(params)
        visible_caption = self._check_caption(params)
        markup = self._check_markup(params)
        file_id, name, size, head = await self._file_for(bot, chat["id"], params.get(field_name), files, field_name)
        described = {"file_id": file_id, "file_unique_id": file_id, "file_size": size}
        if field_name == "photo":
            shape = image_shape(head)
            if shape is None:
                raise TelegramRefusal("Bad Request: IMAGE_PROCESS_FAILED")
            content: dict[str, Any] = {"photo": [{**described, "width": shape.width, "height": shape.height}]}
        else:
            content = {"document": {**described, "file_name": name,
                                    "mime_type": mimetypes.guess_type(name)[0] or "application/octet-stream"}}
        if visible_caption:
            content["caption"] = visible_caption
        if markup:
            content["reply_markup"] = markup
        body = self._new_message(bot, chat, content)
        self._remember(body, (params.get("caption"), params.get("parse_mode"), json.dumps(markup, sort_keys=True)))
        return _telegram_body(body), Delivery("message", chat["id"], body)

    async def _api_sendPhoto(self, bot: Bot, params: dict[str, Any], files: dict[str, InputFile]) -> Any:
        return await self._send_file(bot, params, files, "photo")

    async def _api_sendDocument(self, bot: Bot, params: dict[str, Any], files: dict[str, InputFile]) -> Any:
        return await self._send_file(bot, params, files, "document")

    async def _api_getFile(self, bot: Bot, params: dict[str, Any], files: dict[str, InputFile]) -> Any:
        file_id = str(params.get("file_id", ""))
        data = self._hosted.get(file_id)
        if data is None:
            raise TelegramRefusal("Bad Request: invalid file_id")
        if len(data) > DOWNLOAD_LIMIT:
            raise TelegramRefusal("Bad Request: file is too big")
        return {"file_id": file_id, "file_unique_id": file_id, "file_size": len(data),
                "file_path": HOSTED_PATH_PREFIX + file_id}, None

    async def _api_answerCallbackQuery(
        self, bot: Bot, params: dict[str, Any], files: dict[str, InputFile]
    ) -> Any:
        callback_id = params["callback_query_id"]
        if callback_id not in self._open_callbacks or callback_id in self._answered_callbacks:
            raise TelegramRefusal("Bad Request: query is too old and response timeout expired or query ID is invalid")
        if len(params.get("text", "")) > CALLBACK_ANSWER_LIMIT:
            raise TelegramRefusal("Bad Request: MESSAGE_TOO_LONG")
        self._answered_callbacks.add(callback_id)
        return True, None

    async def _api_setMyCommands(self, bot: Bot, params: dict[str, Any], files: dict[str, InputFile]) -> Any:
        commands = params.get("commands", [])
        if len(commands) > 100:
            raise TelegramRefusal("Bad Request: too many commands")
        for command in commands:
            if not COMMAND_NAME.match(command.get("command", "")):
                raise TelegramRefusal("Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise TelegramRefusal("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        return True, None

    async def _accept(self, bot: Bot, params: dict[str, Any], files: dict[str, InputFile]) -> Any:
        return True, None

    _api_sendChatAction = _accept
    _api_deleteWebhook = _accept
    _api_deleteMyCommands = _accept
    _api_setChatMenuButton = _accept


def _telegram_body(body: dict[str, Any]) -> dict[str, Any]:
    """The message as Telegram returns it: without the web chat's extra `html` field, and with
    `reply_markup` only for an inline keyboard (Telegram's Message never carries a reply keyboard)."""
    returned = {key: value for key, value in body.items() if key != "html"}
    if "inline_keyboard" not in returned.get("reply_markup", {"inline_keyboard": []}):
        del returned["reply_markup"]
    return returned
