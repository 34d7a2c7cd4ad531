"""The outbox: every notification a use case causes is a row written in its transaction, and a
sender (bot/chat/outbox_sender.py) delivers it, in the recipient's language, at least once."""

from bot.outbox.model import IMMEDIATE_GRACE, OUTBOX_RETRY, Notification, OutboxMessage, OutboxStatus
from bot.outbox.pacing import Pacer, PacingRules
from bot.outbox.store import OutboxStore

__all__ = [
    "IMMEDIATE_GRACE", "OUTBOX_RETRY", "Notification", "OutboxMessage", "OutboxStatus", "OutboxStore", "Pacer",
    "PacingRules",
]
