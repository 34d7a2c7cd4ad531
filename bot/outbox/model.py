"""Notifications as rows: what a use case asks to tell someone, and the row the sender delivers."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from bot.background import Backoff

# An immediate reply is sent by the handler right after the commit; the sender loop leaves it alone
# this long, so it takes the row only when the process died or the immediate send failed.
IMMEDIATE_GRACE = timedelta(seconds=30)
# Network errors and 5xx: 5 s doubling to 10 min, given up after 10 attempts (about half an hour).
OUTBOX_RETRY = Backoff(first=timedelta(seconds=5), longest=timedelta(minutes=10), max_attempts=10)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    GAVE_UP = "gave_up"


class Notification(BaseModel):
    """What a use case wants someone told, written in its transaction. `params` are JSON values the
    template renders in the recipient's language when the message is sent; keep personal data out
    of them where the template can look it up then."""

    recipient_id: int
    template: str
    params: dict[str, Any] = Field(default_factory=dict)
    case_id: int | None = None
    immediate: bool = False  # the reply to the person who just acted, which the handler sends itself

    def deliver_after(self, now: datetime) -> datetime:
        return now + IMMEDIATE_GRACE if self.immediate else now


class OutboxMessage(BaseModel):
    id: int
    case_id: int | None
    recipient_id: int
    template: str
    params: dict[str, Any]
    created_at: datetime
    deliver_after: datetime
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    sent_at: datetime | None
    lease_owner: str | None
    lease_until: datetime | None
