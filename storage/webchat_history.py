"""The web chat's own records: each chat's recent messages and the files sent through it.

History is bounded per chat (the newest `HISTORY_LIMIT` messages), and pages read it a page at a
time; files are bounded by the upload store in `webchat.uploads`, which asks here for the oldest ones
to evict. A file a case holds as evidence (`case_evidence.file_id`) is the case's, never evicted.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from bot.ports import HISTORY_LIMIT, ChatRecord, HistoryPage, StoredFile
from storage.db import Database

# Message ids are per chat and far below this; a larger number from a page names no message.
MESSAGE_ID_LIMIT = 2**31


class WebChatHistory:
    """`bot.ports.WebChatHistoryStore` in the database."""

    def __init__(self, db: Database, limit: int = HISTORY_LIMIT) -> None:
        self._db = db
        self._limit = limit

    async def chat(self, chat_id: int) -> ChatRecord | None:
        async with self._db.read() as conn, conn.execute(
            "SELECT chat, last_message_id FROM webchat_chats WHERE chat_id = ?", (chat_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return ChatRecord(json.loads(row["chat"]), row["last_message_id"]) if row else None

    async def save_chat(self, chat: dict[str, Any]) -> None:
        """Remember a chat before its first message, so the bot can reach it after a restart."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO webchat_chats (chat_id, chat, last_message_id) VALUES (?, ?, 0)"
                " ON CONFLICT (chat_id) DO UPDATE SET chat = excluded.chat",
                (chat["id"], json.dumps(chat, ensure_ascii=False)),
            )

    async def put(self, message: dict[str, Any]) -> None:
        """A new or edited message; the oldest beyond the limit are dropped."""
        chat = message["chat"]
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO webchat_chats (chat_id, chat, last_message_id) VALUES (?, ?, ?)"
                " ON CONFLICT (chat_id) DO UPDATE SET chat = excluded.chat,"
                " last_message_id = max(last_message_id, excluded.last_message_id)",
                (chat["id"], json.dumps(chat, ensure_ascii=False), message["message_id"]),
            )
            await conn.execute(
                "INSERT INTO webchat_messages (chat_id, message_id, body) VALUES (?, ?, ?)"
                " ON CONFLICT (chat_id, message_id) DO UPDATE SET body = excluded.body",
                (chat["id"], message["message_id"], json.dumps(message, ensure_ascii=False)),
            )
            await conn.execute(
                "DELETE FROM webchat_messages WHERE chat_id = ? AND message_id <= ("
                " SELECT message_id FROM webchat_messages WHERE chat_id = ?"
                " ORDER BY message_id DESC LIMIT 1 OFFSET ?)",
                (chat["id"], chat["id"], self._limit),
            )

    async def delete(self, chat_id: int, message_id: int) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "DELETE FROM webchat_messages WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
            )

    async def delete_messages(self, chat_id: int, message_ids: Sequence[int]) -> None:
        """Delete these messages of the chat (part of it forgotten); its id counter stays."""
        async with self._db.transaction() as conn:
            await conn.executemany("DELETE FROM webchat_messages WHERE chat_id = ? AND message_id = ?",
                                   [(chat_id, message_id) for message_id in message_ids])

    async def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        if not 0 < message_id < MESSAGE_ID_LIMIT:
            return None
        async with self._db.read() as conn, conn.execute(
            "SELECT body FROM webchat_messages WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        ) as cursor:
            row = await cursor.fetchone()
        return json.loads(row["body"]) if row else None

    async def recent(self, chat_id: int, limit: int, *, before: int = MESSAGE_ID_LIMIT) -> HistoryPage:
        """The newest `limit` kept messages older than message `before`."""
        async with self._db.read() as conn, conn.execute(
            "SELECT body FROM webchat_messages WHERE chat_id = ? AND message_id < ?"
            " ORDER BY message_id DESC LIMIT ?", (chat_id, min(before, MESSAGE_ID_LIMIT), limit + 1)
        ) as cursor:
            rows = await cursor.fetchall()
        return HistoryPage([json.loads(row["body"]) for row in reversed(rows[:limit])], more=len(rows) > limit)

    async def messages(self, chat_id: int, *, since: int = 0) -> list[dict[str, Any]]:
        """The chat's kept messages (from message `since` on), oldest first."""
        async with self._db.read() as conn, conn.execute(
            "SELECT body FROM webchat_messages WHERE chat_id = ? AND message_id >= ? ORDER BY message_id",
            (chat_id, since),
        ) as cursor:
            return [json.loads(row["body"]) for row in await cursor.fetchall()]


class WebChatFiles:
    """`bot.ports.WebChatFileRecords` in the database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, stored: StoredFile, *, now: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO webchat_files (file_id, chat_id, name, content_type, size, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (stored.file_id, stored.chat_id, stored.name, stored.content_type, stored.size, now.isoformat()),
            )

    async def get(self, file_id: str) -> StoredFile | None:
        async with self._db.read() as conn, conn.execute(
            "SELECT file_id, chat_id, name, content_type, size FROM webchat_files WHERE file_id = ?", (file_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return StoredFile(**dict(row)) if row else None

    async def evictable_size(self) -> int:
        """Bytes of the files no case holds: what the store's limit bounds."""
        async with self._db.read() as conn, conn.execute(
            "SELECT coalesce(sum(size), 0) FROM webchat_files WHERE file_id NOT IN (SELECT file_id FROM case_evidence)"
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0])

    async def forget(self, chat_id: int, file_ids: Collection[str]) -> list[str]:
        """Forget those of these files of the chat that no filed case holds as evidence; their ids, to
        delete the bytes."""
        forgotten = []
        async with self._db.transaction() as conn:
            for file_id in file_ids:
                async with conn.execute(
                    "DELETE FROM webchat_files WHERE file_id = ? AND chat_id = ?"
                    " AND file_id NOT IN (SELECT file_id FROM case_evidence) RETURNING file_id", (file_id, chat_id)
                ) as cursor:
                    forgotten += [row[0] for row in await cursor.fetchall()]
        return forgotten

    async def remove_oldest(self, *, keep: str) -> StoredFile | None:
        """Forget the oldest file no case holds, other than `keep` (the one just added), and return it so
        its bytes can be deleted too."""
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT file_id, chat_id, name, content_type, size FROM webchat_files"
                " WHERE file_id <> ? AND file_id NOT IN (SELECT file_id FROM case_evidence)"
                " ORDER BY created_at, file_id LIMIT 1", (keep,)
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            await conn.execute("DELETE FROM webchat_files WHERE file_id = ?", (row["file_id"],))
        return StoredFile(**dict(row))
