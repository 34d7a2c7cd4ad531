"""What the background workers (the outbox sender, the job runner) share: who holds a lease, and
how long to wait before trying again."""

from __future__ import annotations

import logging
import os
import socket
import traceback
import uuid
from datetime import timedelta

from pydantic import BaseModel, Field


def new_owner(role: str) -> str:
    """A lease owner unique to this worker of this process, readable in the tables ("outbox@host:pid:ab12")."""
    return f"{role}@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def log_failure(logger: logging.Logger, what: str, error: BaseException) -> None:
    """A failure in the background: what failed, the exception's type and frames. Not its message,
    which can quote personal data."""
    frames = "".join(traceback.format_tb(error.__traceback__))
    logger.error("%s failed with %s\n%s", what, type(error).__name__, frames)


class Backoff(BaseModel, frozen=True):
    """Exponential backoff with a cap, and a number of attempts after which one gives up."""

    first: timedelta = timedelta(seconds=5)
    factor: float = Field(2.0, ge=1)
    longest: timedelta = timedelta(minutes=10)
    max_attempts: int = Field(10, ge=1)

    def delay(self, attempts: int) -> timedelta:
        """How long to wait after the `attempts`-th failed attempt (1 for the first)."""
        exponent = min(max(attempts - 1, 0), 64)  # past the cap long before; keeps the float finite
        seconds = self.first.total_seconds() * self.factor**exponent
        return timedelta(seconds=min(seconds, self.longest.total_seconds()))

    def gives_up(self, attempts: int) -> bool:
        return attempts >= self.max_attempts
