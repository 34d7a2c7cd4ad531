"""Files sent through the web chat, kept on disk so that a file_id means something.

A file id is a random, unguessable token; the bytes live in one file per id under the upload
directory, the metadata in the store. Uploads stream to disk as they arrive; only a photo's head
stays in memory. The files no case holds are bounded: beyond the limit the oldest are deleted (as
Telegram's file ids also stop working one day). A case's evidence is the case's and is never evicted.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from collections.abc import AsyncIterable, AsyncIterator, Collection
from dataclasses import dataclass
from pathlib import Path

from bot.chat.faithful_session import IMAGE_HEAD_BYTES
from bot.chat.images import ImageShape
from bot.clock import Clock
from bot.ports import StoredFile, WebChatFileRecords
from webchat.limits import SlidingWindow

# Telegram lets a bot download files up to 20 MB; the web chat accepts no more than a bot could use.
FILE_SIZE_LIMIT = 20 * 1024 * 1024
STORE_SIZE_LIMIT = 2 * 1024 * 1024 * 1024
PHOTO_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif"}
# Telegram refuses a photo whose width and height add up to more than 10000 or whose ratio exceeds 20.
PHOTO_SIDES_LIMIT = 10_000
PHOTO_RATIO_LIMIT = 20
WRITE_BATCH = 1024 * 1024  # bytes gathered before a write to disk
INCOMING_PREFIX = ".incoming-"  # a file still arriving; never a file id (ids have no dot)
UPLOADS_PER_VISITOR_AT_ONCE = 2
UPLOADS_PER_VISITOR_PER_HOUR = 60


class UploadRefused(Exception):
    """The file cannot be kept (empty, missing)."""


class FileTooLarge(UploadRefused):
    """Beyond FILE_SIZE_LIMIT."""


@dataclass(frozen=True)
class ReceivedFile:
    stored: StoredFile
    head: bytes  # the first IMAGE_HEAD_BYTES, enough to tell a photo's shape


def fits_a_photo(shape: ImageShape | None) -> bool:
    """A picture Telegram would take as a photo: real sides, not absurd ones a forged header claims."""
    if shape is None or shape.width <= 0 or shape.height <= 0:
        return False
    return (shape.width + shape.height <= PHOTO_SIDES_LIMIT
            and max(shape.width, shape.height) <= PHOTO_RATIO_LIMIT * min(shape.width, shape.height))


class FileStore:
    def __init__(self, directory: Path, files: WebChatFileRecords, clock: Clock,
                 store_limit: int = STORE_SIZE_LIMIT) -> None:
        self._directory = directory
        self._files = files
        self._clock = clock
        self._store_limit = store_limit
        self._lock = asyncio.Lock()

    def path(self, file_id: str) -> Path:
        return self._directory / file_id

    async def receive(self, chat_id: int, name: str, content_type: str, chunks: AsyncIterable[bytes]) -> ReceivedFile:
        """Stream a file to disk and keep it; refused (and nothing kept) when empty or too large."""
        file_id = secrets.token_urlsafe(18)
        incoming = self._directory / f"{INCOMING_PREFIX}{file_id}"
        self._directory.mkdir(parents=True, exist_ok=True)
        head, size = bytearray(), 0
        try:
            with incoming.open("wb") as target:
                batch = bytearray()
                async for chunk in chunks:
                    size += len(chunk)
                    if size > FILE_SIZE_LIMIT:  # refused while streaming, before it is all on disk
                        raise FileTooLarge(f"more than {FILE_SIZE_LIMIT} bytes")
                    if len(head) < IMAGE_HEAD_BYTES:
                        head.extend(chunk[:IMAGE_HEAD_BYTES - len(head)])
                    batch.extend(chunk)
                    if len(batch) >= WRITE_BATCH:
                        await asyncio.to_thread(target.write, bytes(batch))
                        batch.clear()
                await asyncio.to_thread(target.write, bytes(batch))
            if not size:
                raise UploadRefused("empty file")
        except BaseException:
            incoming.unlink(missing_ok=True)
            raise
        stored = StoredFile(file_id, chat_id, _safe_name(name), content_type, size)
        async with self._lock:
            incoming.replace(self.path(file_id))
            await self._files.add(stored, now=self._clock.now())
            while await self._files.evictable_size() > self._store_limit:
                evicted = await self._files.remove_oldest(keep=file_id)
                if evicted is None:
                    break
                self.path(evicted.file_id).unlink(missing_ok=True)
        return ReceivedFile(stored, bytes(head))

    async def keep(self, chat_id: int, name: str, content_type: str, data: bytes) -> StoredFile:
        """A file the bot sends, already in memory."""
        return (await self.receive(chat_id, name, content_type, _one_chunk(data))).stored

    def discard_incoming(self) -> None:
        """Delete what was still arriving when the process stopped."""
        for leftover in self._directory.glob(f"{INCOMING_PREFIX}*"):
            leftover.unlink(missing_ok=True)

    async def forget(self, chat_id: int, file_ids: Collection[str]) -> None:
        """Delete these files of the chat, except those a filed case holds as evidence."""
        async with self._lock:
            for file_id in await self._files.forget(chat_id, file_ids):
                self.path(file_id).unlink(missing_ok=True)

    async def find(self, file_id: str) -> StoredFile | None:
        if not _is_token(file_id):
            return None
        stored = await self._files.get(file_id)
        return stored if stored is not None and self.path(file_id).is_file() else None

    async def read(self, file_id: str) -> bytes | None:
        stored = await self.find(file_id)
        return await asyncio.to_thread(self.path(file_id).read_bytes) if stored else None

    async def head(self, file_id: str) -> bytes:
        """The first IMAGE_HEAD_BYTES of a kept file, to tell a photo from anything else."""
        def read_head() -> bytes:
            with self.path(file_id).open("rb") as source:
                return source.read(IMAGE_HEAD_BYTES)

        return await asyncio.to_thread(read_head)


class UploadGate:
    """How many uploads may be in progress, in all and per visitor, and how many a visitor may send an
    hour: each one holds a connection and a file on disk for as long as it lasts."""

    def __init__(self, at_once: int, per_visitor_at_once: int = UPLOADS_PER_VISITOR_AT_ONCE,
                 per_visitor_per_hour: int = UPLOADS_PER_VISITOR_PER_HOUR) -> None:
        self._at_once = at_once
        self._per_visitor_at_once = per_visitor_at_once
        self._running: Counter[int] = Counter()
        self.hourly = SlidingWindow(per_visitor_per_hour, 3600.0)

    def enter(self, visitor: int, now: float) -> bool:
        """Admit an upload (to be `leave`-d when it ends); False when a limit is reached."""
        if self._running.total() >= self._at_once or self._running[visitor] >= self._per_visitor_at_once:
            return False
        if not self.hourly.allows(visitor, now):
            return False
        self._running[visitor] += 1
        return True

    def leave(self, visitor: int) -> None:
        self._running[visitor] -= 1
        if self._running[visitor] <= 0:
            del self._running[visitor]


async def _one_chunk(data: bytes) -> AsyncIterator[bytes]:
    yield data


def _is_token(file_id: str) -> bool:
    # Ids come from URLs and from the bot; only our own token shape may become a path on disk.
    return 0 < len(file_id) <= 64 and all(char.isalnum() or char in "-_" for char in file_id)


def _safe_name(name: str) -> str:
    """A file name to show and offer for download: no path, no control characters, bounded."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(char for char in base if char.isprintable()).strip()
    return cleaned[:120] or "file"
