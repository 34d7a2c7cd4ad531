"""Updates already handled, by (front, bot id, update id), so a redelivered update acts once."""

from __future__ import annotations

from datetime import datetime

from bot.ports import UpdateKey
from storage.db import Database


class ProcessedUpdates:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def seen(self, key: UpdateKey) -> bool:
        async with self._db.read() as conn, conn.execute(
            "SELECT 1 FROM processed_updates WHERE front = ? AND bot_id = ? AND update_id = ?",
            (key.front, key.bot_id, key.update_id),
        ) as cursor:
            return await cursor.fetchone() is not None

    async def record(self, key: UpdateKey, *, at: datetime) -> bool:
        """True if this records it; False if it was recorded before (by a use case, or another process)."""
        async with self._db.transaction() as conn, conn.execute(
            "INSERT INTO processed_updates (front, bot_id, update_id, processed_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (front, bot_id, update_id) DO NOTHING RETURNING update_id",
            (key.front, key.bot_id, key.update_id, at.isoformat()),
        ) as cursor:
            return await cursor.fetchone() is not None
