"""Jobs: work due at a time (a desk reminder, a statutory clock check), run by the job runner."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from bot.background import Backoff

# A failing job: 30 s doubling to 30 min, failed for good after 8 attempts (about 2 hours).
JOB_RETRY = Backoff(first=timedelta(seconds=30), longest=timedelta(minutes=30), max_attempts=8)


class JobStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class NewJob(BaseModel):
    """A job to schedule. Jobs with the same kind and `unique_key` are one job: scheduling it again
    while it is pending moves it (new due time and payload); once finished it stays finished."""

    kind: str
    due_at: datetime
    unique_key: str | None = None  # e.g. f"case:{case_id}:first-contact"; None: every call adds a job
    case_id: int | None = None
    payload: dict[str, Any] = Field(default_factory=dict)


class Job(BaseModel):
    id: int
    kind: str
    unique_key: str | None
    case_id: int | None
    due_at: datetime
    next_attempt_at: datetime
    payload: dict[str, Any]
    status: JobStatus
    attempts: int  # claims so far, this one included while it runs
    last_error: str | None
    lease_owner: str | None
    lease_until: datetime | None
    created_at: datetime
    done_at: datetime | None
