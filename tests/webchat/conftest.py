"""A running web chat app (demo mode unless a test says otherwise) and a socket client for it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_dispatcher
from bot.clock import Clock
from bot.settings import Settings
from storage.db import Database
from webchat.front import WebChatFront
from webchat.server import FRONT, build_webchat

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


async def serve_webchat(settings: Settings, db: Database, clock: Clock) -> TestClient:
    dispatcher = build_dispatcher(settings, db, clock=clock)
    client = TestClient(TestServer(await build_webchat(dispatcher, settings, db)))
    await client.start_server()
    return client


@pytest.fixture
async def webchat(app_settings: Settings, db: Database, clock: Clock) -> AsyncIterator[WebChat]:
    client = await serve_webchat(app_settings, db, clock)
    yield WebChat(client)
    await client.close()
