"""aiogram chat state kept in the same SQLite file, so a half-filled form survives a restart.

Every `StorageKey` field is part of the row key. Rows carry the chat-state schema version they
were written with; when flows rename states or reshape data, an upgrade step is added to
`ChatStateUpgrades` and old drafts are brought forward the first time they are read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey

from storage.db import Database

# The chat state read (and written) during the update being handled, by storage key: aiogram reads the
# same row several times per update (the state filter, the handler's data, each set_state/update_data).
# Updates of one chat run one after another (event isolation), so within one update the row is ours.
_read_during_update: ContextVar[dict[tuple[Any, ...], tuple[str | None, str]] | None] = ContextVar(
    "chat_state_read_during_update", default=None)

# (state, data) -> (state, data): one step from version N to N+1.
ChatStateUpgrade = Callable[[str | None, dict[str, Any]], tuple[str | None, dict[str, Any]]]


def rename_states(renames: Mapping[str, str]) -> ChatStateUpgrade:
    """An upgrade step for a rename of states (old full name -> new full name)."""

    def upgrade(state: str | None, data: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
        return (renames.get(state, state) if state else state), data

    return upgrade


# The upgrades shipped with the code, oldest first. The current version is their count.
ChatStateUpgrades: list[ChatStateUpgrade] = []


def _key(key: StorageKey) -> tuple[Any, ...]:
    return (key.bot_id, key.chat_id, key.user_id, key.thread_id or 0, key.business_connection_id or "",
            key.destiny)


_WHERE = ("bot_id = ? AND chat_id = ? AND user_id = ? AND thread_id = ? AND business_connection_id = ?"
          " AND destiny = ?")


class SQLiteStorage(BaseStorage):
    def __init__(self, db: Database, upgrades: Sequence[ChatStateUpgrade] | None = None) -> None:
        self._db = db
        self._upgrades = list(ChatStateUpgrades if upgrades is None else upgrades)

    @property
    def version(self) -> int:
        return len(self._upgrades)

    @contextmanager
    def remembered_for_this_update(self) -> Iterator[None]:
        """Within the block (one update), a row read or written once is not read from the file again."""
        token = _read_during_update.set({})
        try:
            yield
        finally:
            _read_during_update.reset(token)

    async def _load(self, key: StorageKey) -> tuple[str | None, dict[str, Any]]:
        remembered = _read_during_update.get()
        if remembered is not None and (known := remembered.get(_key(key))) is not None:
            return known[0], json.loads(known[1])
        async with self._db.read() as conn, conn.execute(
            f"SELECT state, data, version FROM chat_state WHERE {_WHERE}", _key(key)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            self._remember(key, None, {})
            return None, {}
        state, data, version = row["state"], json.loads(row["data"]), row["version"]
        self._remember(key, state, data)
        if version < self.version:
            for upgrade in self._upgrades[version:]:
                state, data = upgrade(state, data)
            await self._save(key, state, data)
        return state, data

    @staticmethod
    def _remember(key: StorageKey, state: str | None, data: Mapping[str, Any]) -> None:
        remembered = _read_during_update.get()
        if remembered is not None:
            remembered[_key(key)] = (state, json.dumps(dict(data), ensure_ascii=False))

    async def _save(self, key: StorageKey, state: str | None, data: Mapping[str, Any]) -> None:
        self._remember(key, state, data)
        async with self._db.transaction() as conn:
            if state is None and not data:
                await conn.execute(f"DELETE FROM chat_state WHERE {_WHERE}", _key(key))
                return
            await conn.execute(
                "INSERT INTO chat_state (bot_id, chat_id, user_id, thread_id, business_connection_id, destiny,"
                " state, data, version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (bot_id, chat_id, user_id, thread_id, business_connection_id, destiny)"
                " DO UPDATE SET state = excluded.state, data = excluded.data, version = excluded.version,"
                " updated_at = excluded.updated_at",
                (*_key(key), state, json.dumps(dict(data), ensure_ascii=False), self.version,
                 datetime.now(UTC).isoformat()),
            )

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        _, data = await self._load(key)
        await self._save(key, state.state if isinstance(state, State) else state, data)

    async def get_state(self, key: StorageKey) -> str | None:
        state, _ = await self._load(key)
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        state, _ = await self._load(key)
        await self._save(key, state, data)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, data = await self._load(key)
        return data

    async def close(self) -> None:
        """The database is owned and closed by the application, not by the storage."""
