"""The web chat's HTTP side: the page, its WebSocket, uploads and files.

Socket protocol (JSON text frames).
Page -> server: {"type": "text", "text"} | {"type": "press", "message_id", "data"}
  | {"type": "location", "latitude", "longitude"} | {"type": "contact", "phone_number", "first_name"}.
  Photos and documents are POSTed to /upload (multipart: file, kind=photo|document, caption).
Server -> page: {"type": "history", "messages": [view]} on every (re)connection, then
  {"type": "message" | "edit", "message": view} | {"type": "delete", "message_id"}
  | {"type": "toast", "text", "alert"} | {"type": "error", "text"}. A view is `webchat.view.message_view`.
"""

from __future__ import annotations

import asyncio
import html
import ipaddress
import json
import logging
import math
import re
import time
from collections import deque
from pathlib import Path
from socket import gethostbyname
from string import Template
from typing import Any
from urllib.parse import quote, urlsplit

from aiogram import Dispatcher
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiohttp import BodyPartReader, WSMsgType, web

from bot.app import bot_commands, build_i18n
from bot.chat.images import image_shape
from bot.chat.telegram_html import CAPTION_LIMIT, MESSAGE_LIMIT
from bot.people import Front
from bot.settings import Settings
from storage.db import Database
from storage.people import PeopleRepository
from storage.webchat_history import WebChatFiles, WebChatHistory
from webchat.front import Speaker, WebChatFront
from webchat.session import IMAGE_HEAD_BYTES, WebChatSession
from webchat.texts import LANGUAGE_CODES, choose_locale, demo_choices, page_texts, preset_places, visitor_name
from webchat.uploads import FILE_SIZE_LIMIT, PHOTO_TYPES, FileStore, UploadRefused
from webchat.visitors import COOKIE_MAX_AGE, COOKIE_NAME, DEMO_BY_KEY, VisitorCookies, create_demo_people

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'self'"
)
SOCKET_FRAME_LIMIT = 64 * 1024
ACTIONS_PER_WINDOW = 20
PACE_WINDOW = 10.0  # seconds
PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{3,30}$")
NAME_LIMIT = 64

FRONT = web.AppKey("front", WebChatFront)
SETTINGS = web.AppKey("settings", Settings)
I18N = web.AppKey("i18n", I18n)
PEOPLE = web.AppKey("people", PeopleRepository)
COOKIES = web.AppKey("cookies", VisitorCookies)
FILES = web.AppKey("files", FileStore)


@web.middleware
async def security_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as refusal:
        response = refusal
        _protect(response)
        raise
    _protect(response)
    return response


def _protect(response: web.StreamResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")


def same_origin(request: web.Request) -> bool:
    """The page's own origin only: another site's page must not talk or upload as our visitor."""
    origin = urlsplit(request.headers.get("Origin", ""))
    return origin.scheme in ("http", "https") and bool(origin.netloc) and origin.netloc.lower() == request.host.lower()


async def build_webchat(dispatcher: Dispatcher, settings: Settings, db: Database) -> web.Application:
    """The web chat app on its own Bot (attached as the web front); demo people created in demo mode."""
    clock = dispatcher["clock"]
    people = PeopleRepository(db)
    history = WebChatHistory(db)
    files = FileStore(settings.database_path.parent / "uploads", WebChatFiles(db), clock)
    front = WebChatFront(dispatcher, WebChatSession(history, files), history)
    if settings.demo_on:
        await create_demo_people(people, clock)
        for person in DEMO_BY_KEY.values():
            await front.session.open_chat({"id": person.user_id, "type": "private", "first_name": person.name})

    app = web.Application(middlewares=[security_headers], client_max_size=FILE_SIZE_LIMIT + 64 * 1024)
    app[FRONT] = front
    app[SETTINGS] = settings
    app[I18N] = build_i18n(settings)
    app[PEOPLE] = people
    app[COOKIES] = VisitorCookies(settings.webchat_secret)
    app[FILES] = files
    app.router.add_get("/", page)
    app.router.add_get("/socket", socket)
    app.router.add_post("/upload", upload)
    app.router.add_get("/files/{file_id}", file)
    app.router.add_static("/static", str(STATIC))
    return app


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(gethostbyname(host)).is_loopback
    except (OSError, ValueError):
        return False


async def run_webchat(dispatcher: Dispatcher, settings: Settings, db: Database) -> None:
    """Serve the web chat until cancelled."""
    runner = web.AppRunner(await build_webchat(dispatcher, settings, db), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.webchat_host, settings.webchat_port).start()
        log.info("web chat: open http://%s:%s/%s", settings.webchat_host, settings.webchat_port,
                 "  (demo mode: pick a person)" if settings.demo_on else "")
        if settings.demo_on and not _is_loopback(settings.webchat_host):
            # Anyone who can open the page can act as the demo mediator or supervisor.
            log.warning("DEMO mode is on and the web chat listens on %s, beyond this machine: anyone can "
                        "act as staff. Set DEMO=false for a real deployment.", settings.webchat_host)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


# --- who is asking ---------------------------------------------------------------------------------
def _user_id(request: web.Request) -> int | None:
    """The acting person's web user id: the demo person named by ?as=, else the signed cookie."""
    if request.app[SETTINGS].demo_on:
        demo = DEMO_BY_KEY.get(request.query.get("as", ""))
        return demo.user_id if demo else None
    return request.app[COOKIES].user_id(request.cookies.get(COOKIE_NAME))


async def _locale(request: web.Request, user_id: int | None) -> str:
    person = await request.app[PEOPLE].find(Front.WEB, user_id) if user_id is not None else None
    return choose_locale(request.query.get("lang"), person, request.headers.get("Accept-Language"),
                         request.app[SETTINGS].default_locale)


async def _speaker(request: web.Request) -> Speaker | None:
    user_id = _user_id(request)
    if user_id is None:
        return None
    locale = await _locale(request, user_id)
    demo = next((person for person in DEMO_BY_KEY.values() if person.user_id == user_id), None)
    name = demo.name if demo else visitor_name(request.app[I18N], locale)
    return Speaker(user_id, name, LANGUAGE_CODES[locale])


# --- the page --------------------------------------------------------------------------------------
def _page_template() -> Template:
    return Template((STATIC / "page.html").read_text(encoding="utf-8"))


def _json_for_script(data: Any) -> str:
    """JSON that cannot end the <script> element it sits in."""
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace(
        "&", "\\u0026")


async def page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    i18n = request.app[I18N]
    new_cookie = None
    user_id = _user_id(request)
    if user_id is None and not settings.demo_on:
        user_id, new_cookie = request.app[COOKIES].new_value()
    locale = await _locale(request, user_id)
    config: dict[str, Any] = {
        "lang": locale,
        "texts": page_texts(i18n, locale),
        "places": preset_places(i18n, locale),
        "fileLimit": FILE_SIZE_LIMIT,
        "demo": settings.demo_on,
        "as": request.query.get("as", "") if settings.demo_on else "",
        "commands": [{"command": command.command, "description": command.description}
                     for command in bot_commands(i18n, locale)],
    }
    if settings.demo_on:
        choices = demo_choices(i18n, locale)
        config["people"] = choices
        config["me"] = next((choice for choice in choices if choice["key"] == config["as"]), None)
    texts = config["texts"]
    body = _page_template().substitute(
        lang=html.escape("zh-Hans" if locale == "zh_CN" else locale), title=html.escape(texts["title"]),
        config=_json_for_script(config),
    )
    response = web.Response(text=body, content_type="text/html", charset="utf-8",
                            headers={"Cache-Control": "no-store"})
    if new_cookie is not None:
        response.set_cookie(COOKIE_NAME, new_cookie, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Strict",
                            secure=request.secure, path="/")
    return response


# --- the socket ------------------------------------------------------------------------------------
async def socket(request: web.Request) -> web.WebSocketResponse:
    if not same_origin(request):
        raise web.HTTPForbidden(text="origin not allowed")
    speaker = await _speaker(request)
    if speaker is None:
        raise web.HTTPForbidden(text="unknown visitor: reload the page")
    front = request.app[FRONT]
    connection = web.WebSocketResponse(max_msg_size=SOCKET_FRAME_LIMIT, heartbeat=30)
    await connection.prepare(request)
    await front.connect(speaker.user_id, connection)
    pace = ActionPace()
    try:
        async for frame in connection:
            if frame.type is not WSMsgType.TEXT:
                continue
            try:
                action = json.loads(frame.data)
            except ValueError:
                continue
            if not isinstance(action, dict):
                continue
            if not pace.allows(time.monotonic()):
                with request.app[I18N].context(), request.app[I18N].use_locale(_locale_of(speaker)):
                    await connection.send_json({"type": "toast", "alert": False,
                                                "text": _("Slow down a little: wait a moment, then try again.")})
                continue
            await _act(request, speaker, action, connection)
    finally:
        front.disconnect(speaker.user_id, connection)
    return connection


class ActionPace:
    """At most ACTIONS_PER_WINDOW actions per page in any PACE_WINDOW seconds: a person types and taps far
    slower, so more is a stuck script or an attack, and it must not crowd out everyone else."""

    def __init__(self) -> None:
        self._recent: deque[float] = deque()

    def allows(self, now: float) -> bool:
        while self._recent and now - self._recent[0] >= PACE_WINDOW:
            self._recent.popleft()
        if len(self._recent) >= ACTIONS_PER_WINDOW:
            return False
        self._recent.append(now)
        return True


def _coordinate(value: Any, limit: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value) if -limit <= value <= limit else None


async def _act(request: web.Request, speaker: Speaker, action: dict[str, Any],
               connection: web.WebSocketResponse) -> None:
    front = request.app[FRONT]
    kind = action.get("type")
    with request.app[I18N].context(), request.app[I18N].use_locale(_locale_of(speaker)):
        if kind == "text" and isinstance(action.get("text"), str):
            text = action["text"].strip()
            if len(text) > MESSAGE_LIMIT:
                await connection.send_json({"type": "error", "text": _("The message is too long.")})
            elif text:
                await front.say(speaker, text=text)
        elif kind == "press" and isinstance(action.get("message_id"), int) and isinstance(action.get("data"), str):
            if not await front.press(speaker, action["message_id"], action["data"]):
                await connection.send_json({"type": "toast", "alert": False,
                                            "text": _("This button is no longer active.")})
        elif kind == "location":
            latitude, longitude = _coordinate(action.get("latitude"), 90), _coordinate(action.get("longitude"), 180)
            if latitude is None or longitude is None:
                await connection.send_json({"type": "error", "text": _("These coordinates are not valid.")})
            else:
                await front.say(speaker, location={"latitude": latitude, "longitude": longitude})
        elif kind == "contact":
            phone = str(action.get("phone_number", "")).strip()
            name = str(action.get("first_name", "")).strip()[:NAME_LIMIT] or speaker.first_name
            if not PHONE.match(phone):
                await connection.send_json({"type": "error", "text": _("This phone number is not valid.")})
            else:
                # Sharing one's own contact: Telegram includes the sender's user id, so does the web chat.
                await front.say(speaker, contact={"phone_number": phone, "first_name": name,
                                                  "user_id": speaker.user_id})


def _locale_of(speaker: Speaker) -> str:
    return next(locale for locale, code in LANGUAGE_CODES.items() if code == speaker.language_code)


# --- files -----------------------------------------------------------------------------------------
async def upload(request: web.Request) -> web.Response:
    """A photo or document from the page; the bot receives it as a message carrying a file id."""
    if not same_origin(request):
        raise web.HTTPForbidden(text="origin not allowed")
    speaker = await _speaker(request)
    if speaker is None:
        raise web.HTTPForbidden(text="unknown visitor: reload the page")
    fields: dict[str, str] = {}
    data, name, content_type = bytearray(), "file", "application/octet-stream"
    async for part in await request.multipart():
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "file":
            name, content_type = part.filename or name, part.headers.get("Content-Type", content_type)
            while chunk := await part.read_chunk():
                data.extend(chunk)
                if len(data) > FILE_SIZE_LIMIT:  # refused while streaming, before it is all in memory
                    raise web.HTTPRequestEntityTooLarge(max_size=FILE_SIZE_LIMIT, actual_size=len(data))
        elif part.name in ("kind", "caption"):
            fields[part.name] = (await part.text())[:CAPTION_LIMIT]
    try:
        stored = await request.app[FILES].keep(speaker.user_id, name, content_type, bytes(data))
    except UploadRefused as refusal:
        raise web.HTTPBadRequest(text=str(refusal)) from refusal
    described = {"file_id": stored.file_id, "file_unique_id": stored.file_id, "file_size": stored.size}
    caption = {"caption": fields["caption"].strip()} if fields.get("caption", "").strip() else {}
    shape = image_shape(bytes(data[:IMAGE_HEAD_BYTES]))
    if fields.get("kind") == "photo" and shape is not None:
        photo = [{**described, "width": shape.width, "height": shape.height}]
        await request.app[FRONT].say(speaker, photo=photo, **caption)
    else:
        document = {**described, "file_name": stored.name, "mime_type": _mime(content_type)}
        await request.app[FRONT].say(speaker, document=document, **caption)
    return web.json_response({"ok": True, "file_id": stored.file_id})


def _mime(content_type: str) -> str:
    return content_type if re.fullmatch(r"[\w.+-]+/[\w.+-]+", content_type) else "application/octet-stream"


async def file(request: web.Request) -> web.Response:
    """A file by its id (an unguessable token): images inline, everything else as a download."""
    store = request.app[FILES]
    stored = await store.find(request.match_info["file_id"])
    data = await store.read(stored.file_id) if stored else None
    if stored is None or data is None:
        raise web.HTTPNotFound()
    shape = image_shape(data)
    headers = {"Cache-Control": "private, max-age=86400"}
    if shape is not None:
        return web.Response(body=data, content_type=PHOTO_TYPES[shape.kind], headers=headers)
    headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(stored.name)}"
    return web.Response(body=data, content_type="application/octet-stream", headers=headers)
