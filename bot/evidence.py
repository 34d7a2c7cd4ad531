"""Evidence the project keeps itself, who may see it, and who saw the worker's details.

- A front's file id lives on that front's servers (Telegram's abroad), cannot be opened from the other
  front, and cannot be kept for the retention period; so every file on a case is downloaded into the
  evidence store: right after the commit that put it on the case, and by a job until it is stored. A
  download never runs inside a transaction (it would hold the database for as long as the network takes).
  A file the front will not hand over (beyond the Bot API's 20 MB) is marked so, and the worker is asked
  to send it smaller or bring it to the centre; a failure for now (network, 5xx) keeps the front's file id
  and the next job tries again, without end: evidence is never given up on.
- Only the mediator who holds the case sees the files, on their own front; each file shown is a view of
  the worker's data, written in the access log. The holder is told when the worker adds more.
- Supervisors (of the case's district, or of the city) list every view of the worker's details, paged.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Coroutine
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from bot.background import Backoff, log_failure
from bot.cases.machine import HELD_BY_MEDIATOR
from bot.cases.model import Case
from bot.clock import Clock
from bot.desk import Access, Centres, access, may_see_identity
from bot.intake.draft import EvidenceItem
from bot.jobs.model import Job, NewJob
from bot.outbox.model import Notification
from bot.people import Front, Person, Role
from bot.ports import Transaction

log = logging.getLogger(__name__)

FETCH_JOB = "evidence.fetch"
# The job behind the first download (made right after the commit) and each retry: 1 minute doubling to
# 6 hours, never given up (max_attempts is not consulted).
FETCH_RETRY = Backoff(first=timedelta(minutes=1), longest=timedelta(hours=6))
TOO_LARGE = "too_large"
VIEWS_PAGE = 10
# What the access log calls a view of the worker's name and phone (bot.desk writes it), and of a file.
IDENTITY_VIEW = "worker identity"
FILE_VIEW_PREFIX = "evidence:"


class FetchFailed(Exception):
    """The file could not be fetched now (network, 5xx, the front not running here): tried again later."""


class TooLargeToFetch(Exception):
    """The front will not hand the file to a bot (Telegram: beyond 20 MB)."""


class EvidenceFile(BaseModel):
    """A file on a case, as the evidence store knows it."""

    id: int
    case_id: int
    type: Literal["photo", "document"]
    name: str
    size: int | None = None
    file_id: str                    # the front's reference, kept until (and after) the bytes are stored
    file_unique_id: str
    front: Front                    # whose file id it is: the front of the person who sent it
    added_at: datetime
    stored_as: str | None = None    # its name in the evidence store; None: not fetched yet
    stored_size: int | None = None
    unavailable: str | None = None  # TOO_LARGE: the front will not hand it over

    @property
    def stored(self) -> bool:
        return self.stored_as is not None

    def item(self) -> EvidenceItem:
        """As the intake and /mycases know it."""
        return EvidenceItem(file_id=self.file_id, file_unique_id=self.file_unique_id, type=self.type, name=self.name,
                            size=self.size)


class DetailView(BaseModel):
    """One view of the worker's details by staff, as the access log has it."""

    staff_id: int
    name: str
    role: Role | None          # the person's role now (the log records who, not in which role)
    at: datetime
    what: str


class EvidenceStore(Protocol):
    async def of_case(self, case_id: int) -> list[EvidenceFile]:
        """The case's files, in the order they were added."""
        ...

    async def get(self, evidence_id: int) -> EvidenceFile | None: ...

    async def to_fetch(self, case_id: int) -> list[EvidenceFile]:
        """The case's files neither stored nor unavailable."""
        ...

    async def mark_stored(self, evidence_id: int, stored_as: str, size: int, *, at: datetime) -> bool:
        """False when it was stored before (by another attempt)."""
        ...

    async def mark_unavailable(self, evidence_id: int, reason: str, *, at: datetime) -> bool: ...

    async def views(self, case_id: int, *, offset: int, limit: int) -> tuple[list[DetailView], int]:
        """A page of the case's access log, newest first, and how many entries it has in all."""
        ...


class EvidenceTransaction(Transaction, Protocol):
    evidence: EvidenceStore


class EvidenceUnitOfWork(Protocol):
    def __call__(self) -> AbstractAsyncContextManager[EvidenceTransaction]: ...


class FileSource(Protocol):
    """The fronts' files, fetched through the bot of the front that received them."""

    async def download(self, front: Front, file_id: str) -> bytes:
        """The file's bytes; raises FetchFailed (try again later) or TooLargeToFetch."""
        ...


class EvidenceFiles(Protocol):
    """The project's own file store for evidence (files on disk, on the district's server)."""

    async def keep(self, name: str, data: bytes) -> None: ...

    async def read(self, name: str) -> bytes | None: ...


# --- Jobs and notices -----------------------------------------------------------------------------

def fetch_job(case_id: int, attempt: int, now: datetime) -> NewJob:
    """The `attempt`-th check that the case's files are stored (each run schedules the next one)."""
    return NewJob(kind=FETCH_JOB, due_at=now + FETCH_RETRY.delay(attempt),
                  unique_key=f"{FETCH_JOB}:{case_id}:{attempt}", case_id=case_id, payload={"attempt": attempt})


async def expect_files(tx: Transaction, case_id: int, now: datetime) -> None:
    """Written with the evidence it follows: its files are fetched until stored, even after a crash."""
    await tx.jobs.schedule(fetch_job(case_id, 1, now), now=now)


async def evidence_recorded(tx: Transaction, case: Case, item: EvidenceItem, count: int, now: datetime) -> None:
    """Evidence added after filing (`CaseService.add_evidence`), in the transaction that records it: the
    holder is told, and the file is fetched until stored."""
    await tx.outbox.add(evidence_added(case, item.type, count), now=now)
    await expect_files(tx, case.id, now)


class EvidenceNotice(StrEnum):
    ADDED = "evidence.added"          # the holder: the worker added evidence after filing
    TOO_LARGE = "evidence.too_large"  # the worker: a file the bot cannot fetch; send it smaller or bring it


class EvidenceNoticeParams(BaseModel):
    case_id: int
    number: str
    type: Literal["photo", "document"]
    count: int                  # files on the case now
    position: int | None = None  # the file's place among them (for TOO_LARGE)


def evidence_added(case: Case, item_type: Literal["photo", "document"], count: int) -> list[Notification]:
    """The mediator holding the case is told; a case waiting at a centre shows the files on its card."""
    if case.mediator_id is None or case.mediation not in HELD_BY_MEDIATOR:
        return []
    params = EvidenceNoticeParams(case_id=case.id, number=case.number, type=item_type, count=count)
    return [Notification(recipient_id=case.mediator_id, template=EvidenceNotice.ADDED,
                         params=params.model_dump(mode="json"), case_id=case.id)]


# --- Who may see what -----------------------------------------------------------------------------

def may_see_files(person: Person, case: Case) -> bool:
    """The files carry the worker's personal data as much as their name and phone: the holder alone, while
    their centre holds the case."""
    return may_see_identity(person, case) and person.centre_id == case.centre_id


def may_list_views(person: Person, seen: Access) -> bool:
    """Supervisors whose scope (district, or the city) includes the case (`seen`: their access to it)."""
    return person.role is Role.SUPERVISOR and seen is Access.READ


def file_view(evidence_id: int) -> str:
    return f"{FILE_VIEW_PREFIX}{evidence_id}"


def viewed_file(what: str) -> int | None:
    """The evidence id a file view names, or None for another kind of view."""
    if not what.startswith(FILE_VIEW_PREFIX):
        return None
    number = what.removeprefix(FILE_VIEW_PREFIX)
    return int(number) if number.isdigit() else None


def stored_name(item: EvidenceFile) -> str:
    return f"case-{item.case_id}-evidence-{item.id}"


# --- Results --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseFiles:
    case: Case
    files: list[EvidenceFile]


@dataclass(frozen=True)
class OpenedFile:
    item: EvidenceFile
    position: int        # 1, 2, ... among the case's files: how a photo without a name is called
    data: bytes


@dataclass(frozen=True)
class ViewsPage:
    case: Case
    views: list[DetailView]
    positions: dict[int, int]   # evidence id -> its place among the case's files, for "what" of a file view
    page: int
    total: int

    @property
    def more(self) -> bool:
        return (self.page + 1) * VIEWS_PAGE < self.total


class EvidenceService:
    def __init__(self, uow: EvidenceUnitOfWork, clock: Clock, centres: Centres, source: FileSource,
                 files: EvidenceFiles) -> None:
        self._uow = uow
        self._clock = clock
        self._centres = centres
        self._source = source
        self._files = files
        self._started: set[asyncio.Task[Any]] = set()

    # --- fetching -----------------------------------------------------------------------------
    async def fetch(self, case_id: int) -> int:
        """Download the case's files not stored yet; how many were stored now. Call it outside any
        transaction: a file that cannot be fetched now waits for the case's next job."""
        async with self._uow() as tx:
            waiting = await tx.evidence.to_fetch(case_id)
        stored = 0
        for item in waiting:
            try:
                data = await self._source.download(item.front, item.file_id)
            except TooLargeToFetch:
                await self._too_large(item)
                continue
            except FetchFailed as failure:
                log.warning("evidence %s of case %s not fetched yet (%s); its job tries again", item.id, case_id,
                            failure)
                continue
            name = stored_name(item)
            try:
                await self._files.keep(name, data)
            except OSError as error:  # the disk: the front still has the file, and the job tries again
                log_failure(log, f"evidence {item.id} of case {case_id}: keeping the file", error)
                continue
            async with self._uow() as tx:
                stored += await tx.evidence.mark_stored(item.id, name, len(data), at=self._clock.now())
        return stored

    async def _too_large(self, item: EvidenceFile) -> None:
        async with self._uow() as tx:
            case = await tx.cases.get(item.case_id)
            if case is None or not await tx.evidence.mark_unavailable(item.id, TOO_LARGE, at=self._clock.now()):
                return
            files = await tx.evidence.of_case(case.id)
            position = next(number for number, held in enumerate(files, start=1) if held.id == item.id)
            params = EvidenceNoticeParams(case_id=case.id, number=case.number, type=item.type, count=len(files),
                                          position=position)
            await tx.outbox.add([Notification(recipient_id=case.worker_id, template=EvidenceNotice.TOO_LARGE,
                                              params=params.model_dump(mode="json"), case_id=case.id)],
                                now=self._clock.now())

    async def retry(self, job: Job) -> None:
        """The job runner's handler, run inside its transaction: while files wait, the next check is
        written with this run, and the download starts in a task of its own, outside the transaction."""
        if job.case_id is None:
            return
        async with self._uow() as tx:
            if not await tx.evidence.to_fetch(job.case_id):
                return
            now = self._clock.now()
            await tx.jobs.schedule(fetch_job(job.case_id, int(job.payload.get("attempt", 1)) + 1, now), now=now)
        self._start(self.fetch(job.case_id))

    def fetch_soon(self, case_id: int) -> None:
        """`fetch` in the background: the person's next message need not wait for a download (up to 20 MB);
        if the process stops first, the case's job fetches what is left."""
        self._start(self.fetch(case_id))

    def _start(self, work: Coroutine[Any, Any, Any]) -> None:
        # A fresh context: the task must not see itself inside the runner's transaction.
        task = asyncio.get_running_loop().create_task(work, context=contextvars.Context())
        self._started.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._started.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log_failure(log, "evidence: a download", error)

    async def settle(self) -> None:
        """Wait for the downloads started in the background (tests, and shutdown)."""
        while self._started:
            await asyncio.gather(*list(self._started), return_exceptions=True)

    # --- the holder's view ----------------------------------------------------------------------
    async def files(self, viewer: Person, case_id: int) -> CaseFiles | None:
        """The case's files, for the mediator who holds it; None for anyone else."""
        async with self._uow() as tx:
            case = await tx.cases.get(case_id)
            if case is None or not may_see_files(viewer, case):
                return None
            return CaseFiles(case, await tx.evidence.of_case(case_id))

    async def open(self, viewer: Person, evidence_id: int) -> OpenedFile | None:
        """A stored file with its bytes, for the holder of its case, the view written in the access log;
        None (and nothing logged) for anyone else, or while the file is not stored."""
        async with self._uow() as tx:
            item = await tx.evidence.get(evidence_id)
            case = await tx.cases.get(item.case_id) if item is not None else None
            if item is None or case is None or item.stored_as is None or not may_see_files(viewer, case):
                return None
            files = await tx.evidence.of_case(case.id)
        data = await self._files.read(item.stored_as)
        if data is None:
            log.error("evidence %s of case %s is marked stored but its file is missing", item.id, case.id)
            return None
        async with self._uow() as tx:
            await tx.access_log.record(viewer.id, case.id, file_view(item.id), at=self._clock.now())
        position = next(number for number, held in enumerate(files, start=1) if held.id == item.id)
        return OpenedFile(item, position, data)

    # --- the supervisors' list ------------------------------------------------------------------
    async def views(self, viewer: Person, case_id: int, page: int) -> ViewsPage | None:
        async with self._uow() as tx:
            case = await tx.cases.get(case_id)
            if case is None or not may_list_views(viewer, access(viewer, case, self._centres)):
                return None
            page = max(page, 0)
            views, total = await tx.evidence.views(case_id, offset=page * VIEWS_PAGE, limit=VIEWS_PAGE)
            files = await tx.evidence.of_case(case_id)
        return ViewsPage(case, views, {item.id: number for number, item in enumerate(files, start=1)}, page, total)
