"""A fake SMS gateway on loopback: records what it accepts, or answers as a broken one would."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


class FakeGateway:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.status = 200          # what it answers
        self.server: TestServer | None = None

    async def _sms(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.headers.append(dict(request.headers))
        if self.status != 200:
            return web.json_response({"error": "unavailable"}, status=self.status)
        self.received.append(body)
        return web.json_response({"accepted": True, "id": f"gw-{len(self.received)}"})

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/sms", self._sms)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return str(self.server.make_url("/sms"))

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.close()
