"""Files sent through the web chat, kept on disk so that a file_id means something.

A file id is a random, unguessable token; the bytes live in one file per id under the upload
directory, the metadata in the store. The whole store is bounded: when it grows beyond its limit
the oldest files are deleted (as Telegram's file ids also stop working one day).
"""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

from bot.clock import Clock
from storage.webchat_history import StoredFile, WebChatFiles

# Telegram lets a bot download files up to 20 MB; the web chat accepts no more than a bot could use.
FILE_SIZE_LIMIT = 20 * 1024 * 1024
STORE_SIZE_LIMIT = 2 * 1024 * 1024 * 1024
PHOTO_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif"}


class UploadRefused(Exception):
    """The file cannot be kept (too large, empty)."""


class FileStore:
    def __init__(self, directory: Path, files: WebChatFiles, clock: Clock,
                 store_limit: int = STORE_SIZE_LIMIT) -> None:
        self._directory = directory
        self._files = files
        self._clock = clock
        self._store_limit = store_limit
        self._lock = asyncio.Lock()

    def path(self, file_id: str) -> Path:
        return self._directory / file_id

    async def keep(self, chat_id: int, name: str, content_type: str, data: bytes) -> StoredFile:
        if not data:
            raise UploadRefused("empty file")
        if len(data) > FILE_SIZE_LIMIT:
            raise UploadRefused("file too large")
        stored = StoredFile(secrets.token_urlsafe(18), chat_id, _safe_name(name), content_type, len(data))
        async with self._lock:
            self._directory.mkdir(parents=True, exist_ok=True)
            await asyncio.to_thread(self.path(stored.file_id).write_bytes, data)
            await self._files.add(stored, now=self._clock.now())
            while await self._files.total_size() > self._store_limit:
                evicted = await self._files.remove_oldest()
                if evicted is None:
                    break
                self.path(evicted.file_id).unlink(missing_ok=True)
        return stored

    async def forget_chat(self, chat_id: int) -> None:
        """Delete the chat's files, except those a filed case holds as evidence."""
        async with self._lock:
            for file_id in await self._files.forget_chat(chat_id):
                self.path(file_id).unlink(missing_ok=True)

    async def find(self, file_id: str) -> StoredFile | None:
        if not _is_token(file_id):
            return None
        stored = await self._files.get(file_id)
        return stored if stored is not None and self.path(file_id).is_file() else None

    async def read(self, file_id: str) -> bytes | None:
        stored = await self.find(file_id)
        return await asyncio.to_thread(self.path(file_id).read_bytes) if stored else None


def _is_token(file_id: str) -> bool:
    # Ids come from URLs and from the bot; only our own token shape may become a path on disk.
    return 0 < len(file_id) <= 64 and all(char.isalnum() or char in "-_" for char in file_id)


def _safe_name(name: str) -> str:
    """A file name to show and offer for download: no path, no control characters, bounded."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(char for char in base if char.isprintable()).strip()
    return cleaned[:120] or "file"
