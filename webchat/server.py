"""The web chat's HTTP side: the page, its WebSocket, uploads and files, and the limits around them.

Socket protocol (JSON text frames; the page's side is read by `webchat.actions`).
Page -> server: {"type": "text", "text"} | {"type": "press", "message_id", "data"}
  | {"type": "location", "latitude", "longitude"} | {"type": "contact", "phone_number", "first_name"}
  | {"type": "older", "before": message_id} | {"type": "seen", "message_id"} (a visible page has shown the chat
  up to that message: read marks for the SMS port, paced apart from the person's actions).
  Photos and documents are POSTed to /upload (multipart: kind=photo|document, caption, then file).
Server -> page: {"type": "history", "messages": [view], "more"} on every (re)connection: the recent part
  of the chat, `more` when older messages are kept; {"type": "older", "messages", "more"} answers "older";
  then {"type": "message" | "edit", "message": view} | {"type": "delete", "message_id"}
  | {"type": "toast", "text", "alert"} | {"type": "error", "text"} | {"type": "signed_out", "reason"} (the
  identity may no longer act: revoked, or a staff session ended; the socket closes and the page reloads).
  A view is `webchat.view.message_view`.

Limits (docs/webchat.md lists them with their settings): connections in all and per client address,
a whole request within WEBCHAT_REQUEST_TIMEOUT, a bounded send queue per page, actions per identity,
new identities per client address, uploads at once and per visitor.
"""

from __future__ import annotations

import asyncio
import html
import ipaddress
import json
import logging
import re
import resource
import time
from collections.abc import AsyncIterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from socket import gethostbyname
from string import Template
from typing import Any
from urllib.parse import quote

from aiogram import Dispatcher
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiohttp import BodyPartReader, WSMsgType, hdrs, web

from bot.background import log_failure
from bot.chat.fronts import bot_commands, build_i18n
from bot.chat.images import image_shape
from bot.chat.telegram_html import CAPTION_LIMIT, MESSAGE_LIMIT
from bot.people import Front
from bot.ports import WebChatPeople, WebChatStores
from bot.settings import Settings
from webchat.actions import (
    Action,
    ContactAction,
    Invalid,
    LocationAction,
    OlderAction,
    PressAction,
    SeenAction,
    TextAction,
    read_action,
)
from webchat.evidence import serve_evidence
from webchat.front import Speaker, WebChatFront
from webchat.limits import ConnectionGuard, PressureLog, SlidingWindow
from webchat.network import ClientNetwork, OriginPolicy
from webchat.pages import PageLink, frame_of
from webchat.session import WebChatSession
from webchat.texts import LANGUAGE_CODES, choose_locale, demo_choices, page_texts, preset_places, visitor_name
from webchat.uploads import (
    FILE_SIZE_LIMIT,
    PHOTO_TYPES,
    FileStore,
    FileTooLarge,
    ReceivedFile,
    UploadGate,
    UploadRefused,
    fits_a_photo,
)
from webchat.visitors import (
    COOKIE_NAME,
    DEMO_BY_KEY,
    Admission,
    IdentityGate,
    LinkRedeemer,
    VisitorCookies,
    create_demo_people,
    identity_texts,
    redeemed_by_link,
)

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'self'"
)
SOCKET_FRAME_LIMIT = 64 * 1024
HEARTBEAT = 30.0  # seconds between pings; a page that does not answer is closed
CLOSE_GRACE = 5.0  # seconds a closed socket may take to flush before it is aborted
ACTIONS_PER_WINDOW = 20
PACE_WINDOW = 10.0  # seconds
NEW_VISITOR_WINDOW = 3600.0  # seconds: WEBCHAT_NEW_VISITORS_PER_ADDRESS counts per hour
UPLOAD_IDLE_TIMEOUT = 60.0  # seconds without a byte of an upload
UPLOAD_TIME_LIMIT = 600.0  # seconds for a whole upload
UPLOAD_CHUNK = 256 * 1024
FORM_FIELD_LIMIT = 16 * 1024  # bytes of an upload's kind or caption
SWEEP_INTERVAL = 60.0  # seconds between evictions of idle conversations and stale counters
FILE_DESCRIPTOR_RESERVE = 64  # open files the process needs besides connections (database, logs, uploads)


@dataclass(frozen=True)
class Limits:
    guard: ConnectionGuard
    actions: SlidingWindow  # per identity, whatever the number of their pages
    new_visitors: SlidingWindow  # per client address
    uploads: UploadGate
    pressure: PressureLog

    def prune(self, now: float) -> None:
        for window in (self.actions, self.new_visitors, self.uploads.hourly):
            window.prune(now)


FRONT = web.AppKey("front", WebChatFront)
SETTINGS = web.AppKey("settings", Settings)
I18N = web.AppKey("i18n", I18n)
PEOPLE = web.AppKey("people", WebChatPeople)
COOKIES = web.AppKey("cookies", VisitorCookies)
FILES = web.AppKey("files", FileStore)
LIMITS = web.AppKey("limits", Limits)
ORIGINS = web.AppKey("origins", OriginPolicy)
GATE = web.AppKey("gate", IdentityGate)
SOCKETS = web.AppKey("sockets", dict[int, set[web.WebSocketResponse]])  # user id -> open sockets
SEEN_PACE = web.AppKey("seen_pace", SlidingWindow)
REDEEMER = web.AppKey("redeemer", LinkRedeemer)
SEEN_PER_WINDOW = 10  # read marks per identity per PACE_WINDOW; more are ignored


# --- in front of every request ---------------------------------------------------------------------
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


@web.middleware
async def forwarded_client(request: web.Request, handler: Any) -> web.StreamResponse:
    """Through a trusted proxy: the client's own address and scheme, and the per-address cap for it."""
    guard = request.app[LIMITS].guard
    forwarded = guard.network.forwarded(request.remote, request.headers.get(hdrs.X_FORWARDED_FOR),
                                        request.headers.get(hdrs.X_FORWARDED_PROTO))
    if forwarded is None:
        return await handler(request)
    changes = {"scheme": forwarded.scheme, "remote": forwarded.address}
    request = request.clone(**{name: value for name, value in changes.items() if value is not None})
    if forwarded.address is None:
        return await handler(request)
    if not guard.enter_forwarded(forwarded.address):
        return await _too_busy_from_your_network(request, status=503)
    try:
        return await handler(request)
    finally:
        guard.leave_forwarded(forwarded.address)


@web.middleware
async def allowed_host(request: web.Request, handler: Any) -> web.StreamResponse:
    """Only our own host names (WEBCHAT_ORIGINS): another name pointed at us (DNS rebinding) is refused."""
    if not request.app[ORIGINS].host_allowed(request.host):
        raise web.HTTPMisdirectedRequest(text="unknown host: WEBCHAT_ORIGINS lists the web chat's addresses")
    return await handler(request)


def _from_our_page(request: web.Request) -> bool:
    """Sockets and uploads only from a page of ours: another site's page must not act as our visitor."""
    return request.app[ORIGINS].origin_allowed(request.headers.get(hdrs.ORIGIN), request.host, request.scheme)


# --- the app ---------------------------------------------------------------------------------------
async def build_webchat(dispatcher: Dispatcher, settings: Settings, stores: WebChatStores) -> web.Application:
    """The web chat app on its own Bot (attached as the web front); demo people created in demo mode."""
    clock = dispatcher["clock"]
    files = FileStore(settings.database_path.parent / "uploads", stores.files, clock,
                      store_limit=settings.webchat_upload_store_mb * 1024 * 1024)
    files.discard_incoming()
    front = WebChatFront(dispatcher, WebChatSession(stores.history, files), stores.history)
    if settings.demo_on:
        await create_demo_people(stores.people, clock)
        for person in DEMO_BY_KEY.values():
            await front.session.open_chat({"id": person.user_id, "type": "private", "first_name": person.name})

    pressure = PressureLog(time.monotonic)
    guard = ConnectionGuard(ClientNetwork(settings.webchat_trusted_proxies), pressure,
                            total=settings.webchat_max_connections,
                            per_address=settings.webchat_connections_per_address)
    app = web.Application(middlewares=[security_headers, forwarded_client, allowed_host])
    app[FRONT] = front
    app[SETTINGS] = settings
    app[I18N] = build_i18n(settings)
    app[PEOPLE] = stores.people
    app[COOKIES] = VisitorCookies(settings.webchat_secret, clock, settings.webchat_cookie_days)
    app[FILES] = files
    app[LIMITS] = Limits(guard, SlidingWindow(ACTIONS_PER_WINDOW, PACE_WINDOW),
                         SlidingWindow(settings.webchat_new_visitors_per_address, NEW_VISITOR_WINDOW),
                         UploadGate(settings.webchat_uploads_at_once), pressure)
    app[ORIGINS] = OriginPolicy(settings.webchat_origins, allow_loopback=settings.demo_on)
    identities = dispatcher["web_identities"]
    app[GATE] = IdentityGate(identities, stores.people, clock, timedelta(hours=settings.staff_session_hours))
    app[SOCKETS] = {}
    app[SEEN_PACE] = SlidingWindow(SEEN_PER_WINDOW, PACE_WINDOW)
    app[REDEEMER] = dispatcher["web_recovery"]
    identities.on_revoked.append(lambda user_id: _end_sockets(app, user_id, Admission.REVOKED))
    app.router.add_get("/", page)
    app.router.add_get("/socket", socket)
    app.router.add_post("/upload", upload)
    app.router.add_get("/files/{file_id}", file)
    serve_evidence(app, dispatcher, settings, _admitted_user_id, stores.people)
    app.router.add_static("/static", str(STATIC))
    app.cleanup_ctx.append(_housekeeping)
    return app


async def _housekeeping(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(_sweep(app))
    yield
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task


async def _sweep(app: web.Application) -> None:
    """Idle conversations leave memory and stale counters are dropped, once a minute."""
    while True:
        await asyncio.sleep(SWEEP_INTERVAL)
        now = time.monotonic()
        app[FRONT].evict_idle(now)
        app[LIMITS].prune(now)
        app[SEEN_PACE].prune(now)
        await close_ended_sessions(app)


async def close_ended_sessions(app: web.Application) -> None:
    """Open pages whose identity may no longer act (a staff session that ran out while the page sat
    open, say) are closed, so they show no more case cards."""
    if app[SETTINGS].demo_on:
        return
    for user_id in list(app[SOCKETS]):
        if (admission := await app[GATE].admits(user_id, renew=False)) is not Admission.ADMITTED:
            _end_sockets(app, user_id, admission)


class WebChatRunner(web.AppRunner):
    """aiohttp's runner with the web chat's connection limits. aiohttp's keep-alive timer runs from the
    moment a connection opens, so with WEBCHAT_REQUEST_TIMEOUT as its timeout a connection that has not
    sent a whole request by then (idle, half-sent headers, a byte now and then) is closed, as is an idle
    one after a response. The connection guard caps connections before their first byte is read."""

    def __init__(self, app: web.Application, **kwargs: Any) -> None:
        kwargs.setdefault("access_log", None)
        super().__init__(app, keepalive_timeout=app[SETTINGS].webchat_request_timeout, **kwargs)

    async def setup(self) -> None:
        await super().setup()
        if self.server is None:
            raise RuntimeError("aiohttp made no server")
        self.app[LIMITS].guard.install(self.server)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(gethostbyname(host)).is_loopback
    except (OSError, ValueError):
        return False


def _reserve_file_descriptors(guard: ConnectionGuard) -> None:
    """Room for every allowed connection: past the process's open-file limit, accepting fails with
    "out of system resource" for everyone. Raise the limit as far as allowed, else lower the cap."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = guard.total + FILE_DESCRIPTOR_RESERVE
    if soft != resource.RLIM_INFINITY and soft < needed:
        raised = needed if hard == resource.RLIM_INFINITY else min(hard, needed)
        with suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
    if soft != resource.RLIM_INFINITY and soft < needed:
        guard.total = max(1, soft - FILE_DESCRIPTOR_RESERVE)
        log.warning("web chat: at most %s connections, since the process may open only %s files "
                    "(raise `ulimit -n` for WEBCHAT_MAX_CONNECTIONS)", guard.total, soft)


async def run_webchat(dispatcher: Dispatcher, settings: Settings, stores: WebChatStores) -> None:
    """Serve the web chat until cancelled."""
    app = await build_webchat(dispatcher, settings, stores)
    _reserve_file_descriptors(app[LIMITS].guard)
    runner = WebChatRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.webchat_host, settings.webchat_port).start()
        log.info("web chat: open http://%s:%s/%s", settings.webchat_host, settings.webchat_port,
                 "  (demo mode: pick a person)" if settings.demo_on else "")
        if settings.demo_on and not _is_loopback(settings.webchat_host):
            # Anyone who can open the page can act as the demo mediator or supervisor.
            log.warning("DEMO mode is on and the web chat listens on %s, beyond this machine: anyone can "
                        "act as staff. Set DEMO=false for a real deployment.", settings.webchat_host)
        if not settings.demo_on and not settings.webchat_origins:
            log.error("WEBCHAT_ORIGINS is not set: the web chat refuses every request. Set it to the "
                      "address people open, e.g. WEBCHAT_ORIGINS=https://chat.example.gov.cn")
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


async def _admitted_user_id(request: web.Request) -> int | None:
    """The acting person's web user id, if that identity may act now (not signed out, expired or revoked)."""
    user_id = _user_id(request)
    if user_id is None or await _admission(request, user_id) is not Admission.ADMITTED:
        return None
    return user_id


async def _locale(request: web.Request, user_id: int | None) -> str:
    person = await request.app[PEOPLE].find(Front.WEB, user_id) if user_id is not None else None
    return choose_locale(request.query.get("lang"), person, request.headers.get("Accept-Language"),
                         request.app[SETTINGS].default_locale)


async def _speaker(request: web.Request) -> Speaker | None:
    user_id = await _admitted_user_id(request)
    if user_id is None:
        return None
    locale = await _locale(request, user_id)
    demo = next((person for person in DEMO_BY_KEY.values() if person.user_id == user_id), None)
    name = demo.name if demo else visitor_name(request.app[I18N], locale)
    return Speaker(user_id, name, LANGUAGE_CODES[locale])


def _renewed_cookie(request: web.Request) -> str | None:
    """A fresh value for the visitor's cookie when theirs is due for renewal (visitors only)."""
    if request.app[SETTINGS].demo_on:
        return None
    cookies = request.app[COOKIES]
    cookie = cookies.read(request.cookies.get(COOKIE_NAME))
    return cookies.value_for(cookie.user_id) if cookie is not None and cookie.renew else None


def _set_visitor_cookie(request: web.Request, response: web.StreamResponse, value: str) -> None:
    # Secure whenever the page was reached over HTTPS, also through a TLS-terminating trusted proxy.
    response.set_cookie(COOKIE_NAME, value, max_age=request.app[COOKIES].max_age, httponly=True, samesite="Strict",
                        secure=request.secure, path="/")


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
    new_cookie = _renewed_cookie(request)
    user_id = _user_id(request)
    admission = await _admission(request, user_id) if user_id is not None else Admission.ADMITTED
    if admission is not Admission.ADMITTED:  # revoked or signed out: this browser starts afresh
        user_id, new_cookie = None, None
    if user_id is None and not settings.demo_on:
        limits = request.app[LIMITS]
        if not limits.new_visitors.allows(request.remote, time.monotonic()):
            limits.pressure.refused("new visitors over the per-address limit")
            return await _too_busy_from_your_network(request, status=429)
        user_id, new_cookie = request.app[COOKIES].new_value()
    locale = await _locale(request, user_id)
    notice = None
    if "code" in request.query:
        signed_in, notice = await redeemed_by_link(request.app[REDEEMER], user_id, request.query["code"],
                                                   display_name=visitor_name(i18n, locale),
                                                   staff_ok=not settings.demo_on)
        if signed_in is not None:  # a staff sign-in link: the page is that member of staff's from now
            user_id, new_cookie = signed_in.user_id, request.app[COOKIES].value_for(signed_in.user_id)
            await request.app[GATE].store.start_session(signed_in.id, at=request.app[FRONT].dispatcher["clock"].now())
    elif admission is Admission.SIGNED_OUT:
        notice = "signed_out"
    config: dict[str, Any] = {
        "lang": locale,
        "texts": {**page_texts(i18n, locale), **identity_texts(i18n, locale)},
        "notice": notice,  # a key of texts to show once, or None
        "staff": not settings.demo_on and await request.app[GATE].is_staff(user_id),
        "places": preset_places(i18n, locale),
        "fileLimit": FILE_SIZE_LIMIT,
        "messageLimit": MESSAGE_LIMIT,
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
        _set_visitor_cookie(request, response, new_cookie)
    return response


async def _too_busy_from_your_network(request: web.Request, *, status: int) -> web.Response:
    """What a person is told when their address is over a limit (a new identity, or a connection)."""
    with request.app[I18N].context(), request.app[I18N].use_locale(await _locale(request, None)):
        text = _("Too many people have just opened the chat from your network. Please try again in a few "
                 "minutes.")
    return web.Response(status=status, text=text, charset="utf-8", headers={"Retry-After": "60",
                                                                           "Cache-Control": "no-store"})


# --- the socket ------------------------------------------------------------------------------------
async def socket(request: web.Request) -> web.WebSocketResponse:
    if not _from_our_page(request):
        raise web.HTTPForbidden(text="origin not allowed")
    speaker = await _speaker(request)
    if speaker is None:
        raise web.HTTPForbidden(text="unknown visitor: reload the page")
    front, limits = request.app[FRONT], request.app[LIMITS]
    connection = web.WebSocketResponse(max_msg_size=SOCKET_FRAME_LIMIT, heartbeat=HEARTBEAT)
    if renewed := _renewed_cookie(request):
        _set_visitor_cookie(request, connection, renewed)
    await connection.prepare(request)
    transport = request.transport
    link = PageLink(connection, transport, front.page_limits,
                    on_cut_off=lambda: limits.pressure.refused("pages cut off for not reading"))
    writer = asyncio.create_task(link.run())
    sockets = request.app[SOCKETS].setdefault(speaker.user_id, set())
    sockets.add(connection)
    try:
        await front.connect(speaker.user_id, link)
        async for frame in connection:
            if frame.type is WSMsgType.TEXT:
                # Every action asks again: a session ended or a revocation since the last one bites now.
                if (admission := await _admission(request, speaker.user_id)) is not Admission.ADMITTED:
                    _end_sockets(request.app, speaker.user_id, admission)  # this one too: the loop ends with it
                    continue
                await _take(request, speaker, link, frame.data)
    finally:
        sockets.discard(connection)
        if not sockets:
            request.app[SOCKETS].pop(speaker.user_id, None)
        front.disconnect(speaker.user_id, link)
        writer.cancel()
        if transport is not None:
            # A close waits for the peer to take what is buffered; one that never reads is aborted.
            asyncio.get_running_loop().call_later(CLOSE_GRACE, transport.abort)
    return connection


async def _take(request: web.Request, speaker: Speaker, link: PageLink, frame: str) -> None:
    """One frame from the page. Nothing a page sends may end its socket (the person would lose the
    conversation), so a failure is logged without what was said and the person told."""
    action = read_action(frame)
    if action is None:
        return
    if isinstance(action, SeenAction):  # not an action of the person's: paced apart, and silently
        if request.app[SEEN_PACE].allows(speaker.user_id, time.monotonic()):
            await request.app[GATE].store.mark_seen(speaker.user_id, action.message_id,
                                                    at=request.app[FRONT].dispatcher["clock"].now())
        return
    i18n = request.app[I18N]
    with i18n.context(), i18n.use_locale(_locale_of(speaker)):
        if not request.app[LIMITS].actions.allows(speaker.user_id, time.monotonic()):
            _toast(link, _("Slow down a little: wait a moment, then try again."))
            return
        try:
            await _act(request, speaker, action, link)
        except Exception as error:
            log_failure(log, f"web chat action {type(action).__name__}", error)
            _error(link, _("Sorry, something went wrong on our side. What you entered so far is saved; "
                           "please try again in a moment."))


async def _admission(request: web.Request, user_id: int) -> Admission:
    """Demo people are who the picker says; everyone else as the identity gate finds them now."""
    if request.app[SETTINGS].demo_on:
        return Admission.ADMITTED
    return await request.app[GATE].admits(user_id)


def _end_sockets(app: web.Application, user_id: int, why: Admission) -> None:
    """The identity may no longer act: each of its open pages is told (it reloads) and closed."""
    frame = {"type": "signed_out", "reason": str(why)}
    for connection in list(app[SOCKETS].get(user_id, ())):
        task = asyncio.create_task(_say_and_close(connection, frame))
        _CLOSING.add(task)
        task.add_done_callback(_CLOSING.discard)


_CLOSING: set[asyncio.Task[None]] = set()  # closes under way (a task nobody holds may be collected)


async def _say_and_close(connection: web.WebSocketResponse, frame: dict[str, Any]) -> None:
    with suppress(Exception):  # the page may be gone already, or never read: it is closed either way
        async with asyncio.timeout(CLOSE_GRACE):
            await connection.send_json(frame)
            await connection.close()


def _toast(link: PageLink, text: str) -> None:
    link.send(frame_of({"type": "toast", "alert": False, "text": text}))


def _error(link: PageLink, text: str) -> None:
    link.send(frame_of({"type": "error", "text": text}))


async def _act(request: web.Request, speaker: Speaker, action: Action | Invalid, link: PageLink) -> None:
    front = request.app[FRONT]
    match action:
        case TextAction():
            text = action.text.strip()
            if text == "/logout" and not request.app[SETTINGS].demo_on and await request.app[GATE].sign_out(
                    speaker.user_id):
                _end_sockets(request.app, speaker.user_id, Admission.SIGNED_OUT)
            elif len(text) > MESSAGE_LIMIT:
                _error(link, _("The message is too long."))
            elif text:
                await front.say(speaker, text=text)
        case PressAction():
            if not await front.press(speaker, action.message_id, action.data):
                _toast(link, _("This button is no longer active."))
        case LocationAction():
            await front.say(speaker, location={"latitude": action.latitude, "longitude": action.longitude})
        case ContactAction():
            # Sharing one's own contact: Telegram includes the sender's user id, so does the web chat.
            await front.say(speaker, contact={"phone_number": action.phone_number,
                                              "first_name": action.first_name or speaker.first_name,
                                              "user_id": speaker.user_id})
        case OlderAction():
            await front.older(speaker.user_id, link, action.before)
        case Invalid(kind=kind) if kind is PressAction:
            _toast(link, _("This button is no longer active."))
        case Invalid(kind=kind) if kind is LocationAction:
            _error(link, _("These coordinates are not valid."))
        case Invalid(kind=kind) if kind is ContactAction:
            _error(link, _("This phone number is not valid."))


def _locale_of(speaker: Speaker) -> str:
    return next(locale for locale, code in LANGUAGE_CODES.items() if code == speaker.language_code)


# --- files -----------------------------------------------------------------------------------------
async def upload(request: web.Request) -> web.Response:
    """A photo or document from the page, streamed to disk; the bot receives it as a message carrying
    a file id."""
    if not _from_our_page(request):
        raise web.HTTPForbidden(text="origin not allowed")
    speaker = await _speaker(request)
    if speaker is None:
        raise web.HTTPForbidden(text="unknown visitor: reload the page")
    limits = request.app[LIMITS]
    if not limits.uploads.enter(speaker.user_id, time.monotonic()):
        limits.pressure.refused("uploads over the limits")
        raise web.HTTPTooManyRequests(text="too many uploads: try again in a moment", headers={"Retry-After": "30"})
    try:
        async with asyncio.timeout(UPLOAD_TIME_LIMIT):
            received, fields = await _receive_upload(request, speaker)
    except TimeoutError as timeout:
        raise web.HTTPRequestTimeout() from timeout
    except FileTooLarge as refusal:
        raise web.HTTPRequestEntityTooLarge(max_size=FILE_SIZE_LIMIT, actual_size=FILE_SIZE_LIMIT + 1) from refusal
    except UploadRefused as refusal:
        raise web.HTTPBadRequest(text=str(refusal)) from refusal
    finally:
        limits.uploads.leave(speaker.user_id)
    stored = received.stored
    described = {"file_id": stored.file_id, "file_unique_id": stored.file_id, "file_size": stored.size}
    caption = {"caption": fields["caption"].strip()} if fields.get("caption", "").strip() else {}
    shape = image_shape(received.head)
    if fields.get("kind") == "photo" and shape is not None and fits_a_photo(shape):
        photo = [{**described, "width": shape.width, "height": shape.height}]
        await request.app[FRONT].say(speaker, photo=photo, **caption)
    else:
        document = {**described, "file_name": stored.name, "mime_type": _mime(stored.content_type)}
        await request.app[FRONT].say(speaker, document=document, **caption)
    return web.json_response({"ok": True, "file_id": stored.file_id})


async def _receive_upload(request: web.Request, speaker: Speaker) -> tuple[ReceivedFile, dict[str, str]]:
    fields: dict[str, str] = {}
    received = None
    async for part in await request.multipart():
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "file" and received is None:
            content_type = part.headers.get(hdrs.CONTENT_TYPE, "application/octet-stream")
            received = await request.app[FILES].receive(speaker.user_id, part.filename or "file", content_type,
                                                        _chunks(part))
        elif part.name in ("kind", "caption"):
            fields[part.name] = (await _form_field(part))[:CAPTION_LIMIT]
    if received is None:
        raise UploadRefused("no file")
    return received, fields


async def _chunks(part: BodyPartReader) -> AsyncIterator[bytes]:
    while True:
        async with asyncio.timeout(UPLOAD_IDLE_TIMEOUT):
            chunk = await part.read_chunk(UPLOAD_CHUNK)
        if not chunk:
            return
        yield chunk


async def _form_field(part: BodyPartReader) -> str:
    """A small text part, read only as far as such a part may go."""
    data = bytearray()
    while chunk := await part.read_chunk(FORM_FIELD_LIMIT):
        data.extend(chunk)
        if len(data) > FORM_FIELD_LIMIT:
            raise web.HTTPRequestEntityTooLarge(max_size=FORM_FIELD_LIMIT, actual_size=len(data))
    return data.decode("utf-8", "replace")


def _mime(content_type: str) -> str:
    return content_type if re.fullmatch(r"[\w.+-]+/[\w.+-]+", content_type) else "application/octet-stream"


async def file(request: web.Request) -> web.StreamResponse:
    """A file by its id (an unguessable token), streamed from disk: photos inline, everything else as a
    download."""
    store = request.app[FILES]
    stored = await store.find(request.match_info["file_id"])
    if stored is None:
        raise web.HTTPNotFound()
    shape = image_shape(await store.head(stored.file_id))
    headers = {"Cache-Control": "private, max-age=86400"}
    if shape is not None and fits_a_photo(shape):
        headers[hdrs.CONTENT_TYPE] = PHOTO_TYPES[shape.kind]
    else:
        headers[hdrs.CONTENT_TYPE] = "application/octet-stream"
        headers[hdrs.CONTENT_DISPOSITION] = f"attachment; filename*=UTF-8''{quote(stored.name)}"
    return web.FileResponse(store.path(stored.file_id), headers=headers)
