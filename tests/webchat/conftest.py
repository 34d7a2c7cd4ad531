"""A running web chat app (demo mode unless a test says otherwise) and a socket client for it.

The app runs on the production runner (`WebChatRunner`: request timeout, connection guard), on loopback.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse, web
from aiohttp.test_utils import BaseTestServer, TestClient, TestServer, unused_port

from bot.app import build_dispatcher, webchat_stores
from bot.clock import Clock
from bot.settings import Settings
from storage.db import Database
from webchat.front import WebChatFront
from webchat.server import FRONT, WebChatRunner, build_webchat

FRAME_TIMEOUT = 5


def origin_of(client: TestClient) -> str:
    return f"http://{client.server.host}:{client.server.port}"


class Page:
    """One open socket, as a page holds it: frames in arrival order."""

    def __init__(self, socket: ClientWebSocketResponse) -> None:
        self.socket = socket
        self.frames: list[dict[str, Any]] = []

    async def send(self, **action: Any) -> None:
        await self.socket.send_str(json.dumps(action))

    async def next(self) -> dict[str, Any]:
        frame = json.loads(await asyncio.wait_for(self.socket.receive_str(), FRAME_TIMEOUT))
        self.frames.append(frame)
        return frame

    async def until(self, matches: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        while True:
            frame = await self.next()
            if matches(frame):
                return frame


def text_of(view: dict[str, Any]) -> str:
    """The visible text of a view's rich text."""
    def flat(nodes: list[Any]) -> str:
        return "".join(node if isinstance(node, str) else flat(node["children"]) for node in nodes)

    return flat(view["text"])


def bot_said(part: str) -> Callable[[dict[str, Any]], bool]:
    return lambda frame: frame["type"] in ("message", "edit") and not frame["message"]["mine"] \
        and part in text_of(frame["message"])


class WebChat:
    def __init__(self, client: TestClient) -> None:
        self.client = client

    @property
    def front(self) -> WebChatFront:
        return self.client.server.app[FRONT]

    async def open(self, path: str = "/socket?as=zhang&lang=en", **headers: str) -> Page:
        socket = await self.client.ws_connect(path, headers={"Origin": origin_of(self.client), **headers})
        return Page(socket)


class WebChatTestServer(TestServer):
    async def _make_runner(self, **kwargs: Any) -> web.BaseRunner:
        return WebChatRunner(self.app, **kwargs)


async def serve_webchat(settings: Settings, db: Database, clock: Clock, *, port: int | None = None) -> TestClient:
    dispatcher = build_dispatcher(settings, db, clock=clock)
    server: BaseTestServer = WebChatTestServer(await build_webchat(dispatcher, settings, webchat_stores(db)), port=port)
    client = TestClient(server)
    await client.start_server()
    return client


async def serve_public(settings: Settings, db: Database, clock: Clock, **changes: Any) -> TestClient:
    """The web chat as deployed (no demo), its public origin being this loopback address."""
    port = unused_port()
    public = settings.model_copy(update={"demo": False, "webchat_origins": [f"http://127.0.0.1:{port}"],
                                         "webchat_secret": "test secret", **changes})
    return await serve_webchat(public, db, clock, port=port)


@pytest.fixture
async def webchat(app_settings: Settings, db: Database, clock: Clock) -> AsyncIterator[WebChat]:
    client = await serve_webchat(app_settings, db, clock)
    yield WebChat(client)
    await client.close()


# --- raw connections, for clients no browser would be -----------------------------------------------
async def raw_connection(port: int, *, source: str = "127.0.0.1",
                         receive_buffer: int | None = None) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A TCP connection to the test server from `source` (any address of 127.0.0.0/8 is this machine's);
    with a small `receive_buffer` a client that stops reading soon stops the server's writes."""
    connection = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer is not None:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    connection.bind((source, 0))
    connection.setblocking(False)
    await asyncio.get_running_loop().sock_connect(connection, ("127.0.0.1", port))
    return await asyncio.open_connection(sock=connection, limit=4096)


async def open_unread_socket(client: TestClient, path: str, **headers: str) -> asyncio.StreamWriter:
    """A WebSocket that completes its handshake and then never reads another byte."""
    reader, writer = await raw_connection(client.server.port, receive_buffer=4096)
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{client.server.port}", "Upgrade: websocket",
             "Connection: Upgrade", f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}",
             "Sec-WebSocket-Version: 13", f"Origin: {origin_of(client)}", *(f"{name}: {value}" for name, value in
                                                                             headers.items())]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    response = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), FRAME_TIMEOUT)
    assert response.startswith(b"HTTP/1.1 101"), response
    return writer


async def eventually(condition: Callable[[], bool], timeout: float = FRAME_TIMEOUT) -> None:
    """Wait (bounded) until the server has done what the test waits for."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


def bot_message(chat_id: int, message_id: int, text: str) -> dict[str, Any]:
    """A message of the bot as the web chat stores it."""
    return {"message_id": message_id, "date": 1_790_000_000, "text": text, "html": None,
            "chat": {"id": chat_id, "type": "private", "first_name": "Visitor"},
            "from": {"id": 7000, "is_bot": True, "first_name": "半小时调解"}}
