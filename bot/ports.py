"""What the services need of the store, as Protocols: storage implements them, services never see SQL.

A use case opens one unit of work (`async with uow() as tx:`); every store it uses inside the block
writes in that one transaction, committed when the block ends. No network call is made inside it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.cases.machine import Decision, NewEvent
from bot.cases.model import Case, CaseEvent, DisputeKind
from bot.intake.draft import EvidenceItem
from bot.jobs.store import JobStore
from bot.outbox.store import OutboxStore
from bot.people import Front, Person, Role
from bot.routing.registry import Registry


@dataclass(frozen=True)
class NewCase:
    worker_id: int
    kind: DisputeKind
    fields: dict[str, Any]
    urgent: bool
    year: int                       # of submission, local time: the case number's year
    draft_id: str
    workplace_street: str | None
    workplace_district: str | None
    observers: list[str]


class CaseStore(Protocol):
    async def get(self, case_id: int) -> Case | None: ...

    async def by_draft(self, worker_id: int, draft_id: str) -> Case | None: ...

    async def of_worker(self, worker_id: int) -> list[Case]: ...

    async def create(self, new: NewCase, first: NewEvent, *, recorded_at: datetime) -> Case:
        """The case with its number and its first event."""
        ...

    async def apply(self, case: Case, decision: Decision, *, recorded_at: datetime) -> Case | None:
        """The decision's state and events, if the case is still at the version it was read at;
        None when someone changed it first (nothing is written then)."""
        ...

    async def append(self, case: Case, events: Sequence[NewEvent], *, recorded_at: datetime) -> None:
        """Events that change no track (evidence added, say)."""
        ...

    async def events(self, case_id: int) -> list[CaseEvent]: ...

    async def last_event(self, case_id: int) -> CaseEvent | None: ...

    async def add_evidence(self, case_id: int, item: EvidenceItem, *, added_by: int, at: datetime) -> None: ...

    async def evidence(self, case_id: int) -> list[EvidenceItem]: ...

    async def add_alerts(self, case_id: int, reasons: Sequence[str], *, at: datetime) -> None: ...

    async def alerts(self, case_id: int) -> list[str]: ...

    async def count_with_employer(self, employer_key: str, *, since: datetime) -> int: ...

    async def by_number(self, number: str) -> Case | None: ...

    async def held_by(self, mediator_id: int) -> list[Case]: ...

    async def waiting_at(self, centre_id: str) -> list[Case]: ...


class AccessLog(Protocol):
    async def record(self, staff_id: int, case_id: int, what: str, *, at: datetime) -> None: ...


class DraftSlot(Protocol):
    """Where the chat keeps the draft being submitted: cleared inside the submit transaction, so a
    filed draft is never offered again (the chat state lives in the same database)."""

    async def clear(self) -> None: ...


class StaffDirectory(Protocol):
    async def get(self, person_id: int) -> Person | None: ...

    async def staff_of_centre(self, centre_id: str) -> list[Person]: ...

    async def with_role(self, role: Role) -> list[Person]: ...


class Transaction(Protocol):
    cases: CaseStore
    people: StaffDirectory
    outbox: OutboxStore
    access_log: AccessLog
    jobs: JobStore


class UnitOfWork(Protocol):
    def __call__(self) -> AbstractAsyncContextManager[Transaction]: ...


@dataclass(frozen=True)
class UpdateKey:
    """An update as its front numbers it: handled once, whichever process it reaches."""

    front: str
    bot_id: int
    update_id: int


class UpdateAlreadyHandled(Exception):
    """The update that opened this unit of work was handled before (it was delivered again): nothing
    of it is written a second time."""


class ProcessedUpdateLog(Protocol):
    async def seen(self, key: UpdateKey) -> bool: ...

    async def record(self, key: UpdateKey, *, at: datetime) -> bool: ...


# --- Staff (bot/staff.py) --------------------------------------------------------------------------

@dataclass(frozen=True)
class Invite:
    """A one-time code that makes whoever uses it staff: a mediator of a centre, a district's supervisor
    (district None: the whole city) or inspection liaison. The store keeps only a hash of the code."""

    id: int
    role: Role
    centre_id: str | None
    district: str | None
    created_by: int | None       # None: an operator at the command line
    created_at: datetime
    expires_at: datetime
    used_by: int | None = None
    used_at: datetime | None = None


@dataclass(frozen=True)
class NewInvite:
    code_hash: str
    role: Role
    centre_id: str | None
    district: str | None
    created_by: int | None
    created_at: datetime
    expires_at: datetime


class StaffPeople(StaffDirectory, Protocol):
    """People as a staff use case reads and changes them; reads inside a transaction see its writes."""

    async def get(self, person_id: int) -> Person | None: ...

    async def find(self, front: Front, user_id: int) -> Person | None: ...

    async def set_role(self, front: Front, user_id: int, role: Role, centre_id: str | None, *, now: datetime,
                       display_name: str = "", district: str | None = None) -> Person:
        """Creates the person when the front's user id is new."""
        ...

    async def staff(self, centre_id: str | None = None) -> list[Person]:
        """Everyone with a staff role (of one centre's mediators, if given), oldest first."""
        ...


class StaffStore(Protocol):
    async def add_invite(self, invite: NewInvite) -> Invite: ...

    async def invite_by_hash(self, code_hash: str) -> Invite | None: ...

    async def use_invite(self, invite_id: int, person_id: int, *, at: datetime) -> bool:
        """Marks the invite used by this person, unless someone used it first (then False)."""
        ...

    async def failed_joins(self, person_id: int, *, since: datetime) -> list[datetime]:
        """When this person's failed /join attempts after `since` were made, oldest first."""
        ...

    async def record_failed_join(self, person_id: int, *, at: datetime, forget_before: datetime) -> None:
        """One more failed attempt; attempts before `forget_before` count no more and may go."""
        ...

    async def record_change(self, person: Person, *, by: int | None, invite_id: int | None, at: datetime) -> None:
        """The person's staff role as it is now, and who changed it (None: an operator) or which invite."""
        ...

    async def held_cases(self, mediator_id: int) -> list[int]:
        """Ids of the cases this mediator holds in mediation (accepted, in mediation), oldest first."""
        ...

    async def held_counts(self, mediator_ids: Sequence[int]) -> dict[int, int]:
        """How many cases each of these mediators holds in mediation (absent: none)."""
        ...


class StaffTransaction(Transaction, Protocol):
    people: StaffPeople
    staff: StaffStore


class StaffUnitOfWork(Protocol):
    def __call__(self) -> AbstractAsyncContextManager[StaffTransaction]: ...


class CentreSource(Protocol):
    """The centres registry in use now (it can be reloaded while the bot runs)."""

    @property
    def registry(self) -> Registry: ...


# --- Accounts (bot/accounts.py) --------------------------------------------------------------------

class AccountPeople(StaffDirectory, Protocol):
    """What a person's own account keeps: the consents they gave and the language they chose."""

    async def record_consent(self, person: Person, purpose: str, notice_version: str, *, at: datetime) -> None: ...

    async def set_locale(self, person: Person, locale: str, *, now: datetime) -> Person:
        """The person as stored after the change."""
        ...


class AccountTransaction(Transaction, Protocol):
    people: AccountPeople


class AccountUnitOfWork(Protocol):
    def __call__(self) -> AbstractAsyncContextManager[AccountTransaction]: ...


# --- The chat fronts (bot/chat, webchat) -----------------------------------------------------------

class PersonFinder(Protocol):
    async def find(self, front: Front, user_id: int) -> Person | None: ...


class ChatPeople(PersonFinder, Protocol):
    """People as the chat's middlewares meet them: whoever writes is known from their first message on."""

    async def identify(self, front: Front, user_id: int, *, display_name: str, language_code: str | None,
                       now: datetime) -> Person:
        """The stored person for this identity, created as a worker on first contact."""
        ...

    async def seed_supervisors(self, user_ids: Iterable[int], *, now: datetime) -> bool:
        """Make these Telegram users supervisors, once in the life of the store: True if it ran now."""
        ...

    async def with_role(self, role: Role) -> list[Person]: ...


class WebChatPeople(PersonFinder, Protocol):
    async def set_role(self, front: Front, user_id: int, role: Role, centre_id: str | None, *, now: datetime,
                       display_name: str = "") -> Person:
        """Creates the person when the front's user id is new (the demo people)."""
        ...


# A web chat's history keeps its newest HISTORY_LIMIT messages (and the session no more in memory).
HISTORY_LIMIT = 300


@dataclass(frozen=True)
class ChatRecord:
    chat: dict[str, Any]
    last_message_id: int


@dataclass(frozen=True)
class HistoryPage:
    messages: list[dict[str, Any]]  # oldest first
    more: bool  # older messages are kept too


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    chat_id: int
    name: str
    content_type: str
    size: int


class WebChatHistoryStore(Protocol):
    """Each web chat's recent messages (Bot API message dicts), kept across restarts."""

    async def chat(self, chat_id: int) -> ChatRecord | None: ...

    async def save_chat(self, chat: dict[str, Any]) -> None:
        """Remember a chat before its first message, so the bot can reach it after a restart."""
        ...

    async def put(self, message: dict[str, Any]) -> None:
        """A new or edited message; the oldest beyond the limit are dropped."""
        ...

    async def delete(self, chat_id: int, message_id: int) -> None: ...

    async def delete_messages(self, chat_id: int, message_ids: Sequence[int]) -> None: ...

    async def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None: ...

    async def recent(self, chat_id: int, limit: int, *, before: int = ...) -> HistoryPage:
        """The newest `limit` kept messages older than message `before` (default: the newest)."""
        ...

    async def messages(self, chat_id: int, *, since: int = 0) -> list[dict[str, Any]]:
        """The chat's kept messages (from message `since` on), oldest first."""
        ...


class WebChatFileRecords(Protocol):
    """What is known of the files sent through the web chat (their bytes are on disk): a file a case
    holds as evidence is the case's, never forgotten or evicted."""

    async def add(self, stored: StoredFile, *, now: datetime) -> None: ...

    async def get(self, file_id: str) -> StoredFile | None: ...

    async def evictable_size(self) -> int:
        """Bytes of the files no case holds."""
        ...

    async def forget(self, chat_id: int, file_ids: Collection[str]) -> list[str]:
        """Forget those of these files of the chat no case holds; the ids forgotten."""
        ...

    async def remove_oldest(self, *, keep: str) -> StoredFile | None:
        """Forget the oldest file no case holds, other than `keep`, and return it."""
        ...


@dataclass(frozen=True)
class WebChatStores:
    """What the web chat keeps, as the wiring hands it over."""

    people: WebChatPeople
    history: WebChatHistoryStore
    files: WebChatFileRecords
