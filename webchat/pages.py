"""One open page: a bounded queue of frames for it, sent in order by the page's own writer.

Nobody else ever waits for a page: a delivery puts a frame in the queue and goes on. A page whose
queue overflows, or that does not take a frame within the send timeout (it stopped reading), is cut
off: its connection is aborted, not closed, because a close waits for the very buffer that does not
drain. The page reconnects and gets the recent history again.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

SEND_QUEUE_LIMIT = 1024 * 1024  # characters of JSON waiting for one page
SEND_TIMEOUT = 20.0  # seconds a page has to take one frame


@dataclass(frozen=True)
class PageLimits:
    queue_limit: int = SEND_QUEUE_LIMIT
    send_timeout: float = SEND_TIMEOUT


def frame_of(event: dict[str, Any]) -> str:
    """An event as the text frame every page of the chat receives (serialised once for all of them)."""
    return json.dumps(event, ensure_ascii=False)


class PageLink:
    def __init__(self, socket: web.WebSocketResponse, transport: asyncio.Transport | None, limits: PageLimits,
                 on_cut_off: Callable[[], None]) -> None:
        self._socket = socket
        self._transport = transport
        self._limits = limits
        self._on_cut_off = on_cut_off
        self._frames: deque[str] = deque()
        self._queued = 0
        self._started = False
        self._wake = asyncio.Event()
        self.cut_off = False

    def send(self, frame: str) -> None:
        """Queue a frame; never waits. Beyond the queue's limit the page is cut off."""
        if self.cut_off:
            return
        if self._queued + len(frame) > self._limits.queue_limit:
            self._cut_off()
            return
        self._frames.append(frame)
        self._queued += len(frame)
        if self._started:
            self._wake.set()

    def start(self, first: str) -> None:
        """Send `first` (the history snapshot) before whatever was queued while it was read."""
        self._frames.appendleft(first)
        self._queued += len(first)
        self._started = True
        self._wake.set()

    async def run(self) -> None:
        """The writer: frames in order, each within the send timeout."""
        while not self.cut_off:
            await self._wake.wait()
            self._wake.clear()
            while self._frames and not self.cut_off:
                frame = self._frames.popleft()
                self._queued -= len(frame)
                try:
                    async with asyncio.timeout(self._limits.send_timeout):
                        await self._socket.send_str(frame)
                except TimeoutError:
                    self._cut_off()
                except (ConnectionError, RuntimeError):  # the page went away; its socket handler ends
                    return

    def _cut_off(self) -> None:
        self.cut_off = True
        self._frames.clear()
        self._queued = 0
        self._wake.set()
        if self._transport is not None:
            self._transport.abort()
        self._on_cut_off()
