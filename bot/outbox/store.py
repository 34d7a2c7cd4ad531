"""The port the outbox's users and its sender need; storage/outbox.py implements it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from bot.outbox.model import Notification, OutboxMessage


class OutboxStore(Protocol):
    async def add(self, notifications: Sequence[Notification], *, now: datetime) -> list[int]:
        """Write the rows (inside the caller's transaction when there is one); their ids, in order."""
        ...

    async def claim_due(self, now: datetime, owner: str, lease: timedelta, limit: int) -> list[OutboxMessage]:
        """Lease up to `limit` pending rows whose time has come and whose lease is free or expired,
        oldest first. A row is leased to one owner at a time."""
        ...

    async def claim(self, ids: Collection[int], now: datetime, owner: str, lease: timedelta) -> list[OutboxMessage]:
        """Lease these rows whatever their time (the handler's immediate path), if still pending and free."""
        ...

    async def mark_sent(self, message_id: int, now: datetime) -> None:
        """Delivered: recorded even when the lease has passed to someone else, because it is true."""
        ...

    async def retry_later(self, message_id: int, owner: str, at: datetime, reason: str) -> None:
        """A failed attempt, counted: pending again from `at`, the lease released."""
        ...

    async def give_up(self, message_id: int, owner: str, reason: str) -> None:
        """A failed attempt that will not be repeated (the person blocked the bot, say)."""
        ...

    async def release(self, message_id: int, owner: str, at: datetime) -> None:
        """Hand back a leased row that was not attempted, to be taken again from `at`."""
        ...

    async def get(self, message_id: int) -> OutboxMessage | None: ...
