"""Both sides talking: the worker and the mediator who holds their case write to each other through the
bot, neither seeing the other's account (no Telegram id, username or web identity: only the mediator's
name and the worker's name as the case has it).

A message is relayed while the case is open and has a holder: it is kept in the case's messages (a
table a purge can empty), the case's event log records only that a message went one way or the other,
and the receiver is told by an outbox row carrying the text (a notice is rendered when it is sent, and
the text is what it says). A photo or document goes as its reference on the front it came from, which
the sender sends again: a Telegram file_id means nothing on the web chat and a web chat file token
nothing on Telegram: for a receiver on the other front the file is fetched first (outside any transaction,
as evidence is) into the project's own store, and the sender uploads that copy. Without such a store (or
when the file cannot be fetched now) a file crosses no front, and the sender is told.
"""

from __future__ import annotations

import secrets
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from bot.case_service import actor_of
from bot.cases.machine import NewEvent
from bot.cases.model import Case
from bot.clock import Clock
from bot.evidence import EvidenceFiles, FetchFailed, FileSource, TooLargeToFetch
from bot.intake.validation import clean_text
from bot.outbox.model import Notification
from bot.people import Front, Person, Role
from bot.ports import Transaction

TEXT_LIMIT = 3000      # characters of a relayed text (a Telegram message holds 4096 after markup)
CAPTION_LIMIT = 800    # of a file's caption (Telegram's captions hold 1024, the sender's name goes first)


class Direction(StrEnum):
    TO_MEDIATOR = "to_mediator"
    TO_WORKER = "to_worker"


class ContentKind(StrEnum):
    TEXT = "text"
    PHOTO = "photo"
    DOCUMENT = "document"


class Content(BaseModel):
    """What one message carries: a text, or a file with an optional caption."""

    model_config = ConfigDict(frozen=True)

    kind: ContentKind
    text: str = ""
    file_ref: str | None = None     # the file's id on `front`
    file_name: str | None = None
    front: Front                    # where the message came from
    stored_as: str | None = None    # the copy in the relayed-file store, for a receiver on the other front


class RelayEvent(StrEnum):
    MESSAGE_RELAYED = "message_relayed"   # payload: direction, kind; never the text


class RelayNotice(StrEnum):
    MESSAGE = "relay.message"             # the receiver: the message, with a button to reply


class RelayedParams(BaseModel):
    case_id: int
    number: str
    direction: Direction
    sender_name: str          # the mediator's display name, or the worker's name from the case ("" unknown)
    kind: ContentKind
    text: str = ""
    file_ref: str | None = None     # the file's id on the receiver's front, when it came from that front
    file_name: str | None = None
    stored_as: str | None = None    # else: the copy to upload


class NewMessage(BaseModel):
    case_id: int
    sender_id: int
    recipient_id: int
    direction: Direction
    content: Content
    sent_at: datetime


class StoredMessage(NewMessage):
    id: int


class RelayStore(Protocol):
    async def add(self, message: NewMessage) -> int: ...


class RelayTransaction(Transaction, Protocol):
    relay: RelayStore


class RelayUnitOfWork(Protocol):
    def __call__(self) -> AbstractAsyncContextManager[RelayTransaction]: ...


class RelayRefusal(StrEnum):
    NOT_YOURS = "not_yours"          # no such case, or the person is neither its worker nor its holder
    CLOSED = "closed"
    NO_MEDIATOR = "no_mediator"      # no mediator holds the case (yet, or any more)
    FILE_ACROSS_FRONTS = "file_across_fronts"  # the other side is on another front: a file cannot follow
    FILE_NOT_FETCHED = "file_not_fetched"      # ... and it could not be fetched for them just now
    FILE_TOO_LARGE = "file_too_large"          # ... beyond what the front hands a bot (Telegram: 20 MB)
    NO_CHAT = "no_chat"              # the worker was met at the counter and has no chat to write to
    EMPTY = "empty"
    TOO_LONG = "too_long"


@dataclass(frozen=True)
class Conversation:
    """A case one may write on, and to whom."""

    case: Case
    direction: Direction
    counterpart: str          # the other side's name as shown ("" unknown)
    recipient: Person


@dataclass(frozen=True)
class Relayed:
    case: Case
    direction: Direction
    counterpart: str
    rows: list[int] = field(default_factory=list)  # the receiver's notice: sent at once by the handler


@dataclass(frozen=True)
class RelayDeclined:
    reason: RelayRefusal
    case: Case | None = None


def worker_name(case: Case) -> str:
    name = case.fields.get("name")
    return name.strip() if isinstance(name, str) else ""


def holder_id(case: Case) -> int | None:
    """Who the worker talks to: the mediator who took the case, while it is open."""
    return case.mediator_id if case.is_open else None


def holds(person: Person, case: Case) -> bool:
    """The mediator who took the case, while it is open: who talks to the worker and records the employer."""
    return person.role is Role.MEDIATOR and person.id == holder_id(case)


def check_content(content: Content) -> RelayRefusal | None:
    text = content.text.strip()
    if content.kind is ContentKind.TEXT:
        if not text:
            return RelayRefusal.EMPTY
        return RelayRefusal.TOO_LONG if len(text) > TEXT_LIMIT else None
    if not content.file_ref:
        return RelayRefusal.EMPTY
    return RelayRefusal.TOO_LONG if len(text) > CAPTION_LIMIT else None


def _event(actor: Person, now: datetime, direction: Direction, kind: ContentKind) -> NewEvent:
    return NewEvent(type=RelayEvent.MESSAGE_RELAYED, track=None, from_state=None, to_state=None,  # type: ignore[arg-type]
                    actor=actor_of(actor), occurred_at=now, payload={"direction": direction, "kind": kind})


class RelayService:
    """`source` and `files`: where a file for the other front is fetched from and kept; without them a file
    crosses no front."""

    def __init__(self, uow: RelayUnitOfWork, clock: Clock, source: FileSource | None = None,
                 files: EvidenceFiles | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self._source = source
        self._files = files

    async def conversation(self, person: Person, case_id: int) -> Conversation | RelayDeclined:
        """Whether this person may write on this case now, and to whom (re-read from the store)."""
        async with self._uow() as tx:
            return await _conversation(tx, person, case_id)

    async def open_conversations(self, worker: Person) -> list[Conversation]:
        """The worker's open cases a mediator holds, newest first: where a plain message could go."""
        async with self._uow() as tx:
            found = []
            for case in await tx.cases.of_worker(worker.id):
                talk = await _conversation(tx, worker, case.id, case)
                if isinstance(talk, Conversation):
                    found.append(talk)
            return found

    async def relay(self, sender: Person, case_id: int, content: Content) -> Relayed | RelayDeclined:
        content = content.model_copy(update={"text": clean_text(content.text)})  # no direction overrides
        talk = await self.conversation(sender, case_id)
        if isinstance(talk, RelayDeclined):
            return talk
        if (problem := check_content(content)) is not None:
            return RelayDeclined(problem, talk.case)
        if content.kind is not ContentKind.TEXT and talk.recipient.front is not content.front:
            copied = await self._copy_for_the_other_front(content)
            if isinstance(copied, RelayRefusal):
                return RelayDeclined(copied, talk.case)
            content = copied
        now = self._clock.now()
        async with self._uow() as tx:
            talk = await _conversation(tx, sender, case_id)  # again: the case may have changed meanwhile
            if isinstance(talk, RelayDeclined):
                return talk
            case = talk.case
            await tx.relay.add(NewMessage(case_id=case.id, sender_id=sender.id, recipient_id=talk.recipient.id,
                                          direction=talk.direction, content=content, sent_at=now))
            await tx.cases.append(case, [_event(sender, now, talk.direction, content.kind)], recorded_at=now)
            sender_name = sender.display_name.strip() if talk.direction is Direction.TO_WORKER else worker_name(case)
            same_front = talk.recipient.front is content.front
            params = RelayedParams(case_id=case.id, number=case.number or "", direction=talk.direction,
                                   sender_name=sender_name, kind=content.kind, text=content.text,
                                   file_ref=content.file_ref if same_front else None, file_name=content.file_name,
                                   stored_as=None if same_front else content.stored_as)
            rows = await tx.outbox.add([Notification(recipient_id=talk.recipient.id, template=RelayNotice.MESSAGE,
                                                     params=params.model_dump(mode="json"), case_id=case.id)], now=now)
            return Relayed(case, talk.direction, talk.counterpart, rows=rows)

    async def _copy_for_the_other_front(self, content: Content) -> Content | RelayRefusal:
        """The file fetched from the sender's front into the relayed-file store (a network call: never
        inside a transaction)."""
        if self._source is None or self._files is None or not content.file_ref:
            return RelayRefusal.FILE_ACROSS_FRONTS
        try:
            data = await self._source.download(content.front, content.file_ref)
        except TooLargeToFetch:
            return RelayRefusal.FILE_TOO_LARGE
        except FetchFailed:
            return RelayRefusal.FILE_NOT_FETCHED
        name = f"relay-{secrets.token_urlsafe(18)}"  # from the store, never from a person
        await self._files.keep(name, data)
        return content.model_copy(update={"stored_as": name})


async def _conversation(tx: RelayTransaction, person: Person, case_id: int, case: Case | None = None
                        ) -> Conversation | RelayDeclined:
    case = case or await tx.cases.get(case_id)
    if case is None:
        return RelayDeclined(RelayRefusal.NOT_YOURS)
    holder = holder_id(case)
    if person.id == case.worker_id:
        if not case.is_open:
            return RelayDeclined(RelayRefusal.CLOSED, case)
        mediator = await tx.people.get(holder) if holder is not None else None
        if mediator is None or mediator.role is not Role.MEDIATOR:
            return RelayDeclined(RelayRefusal.NO_MEDIATOR, case)
        return Conversation(case, Direction.TO_MEDIATOR, mediator.display_name.strip(), mediator)
    if person.role is not Role.MEDIATOR or person.id != case.mediator_id:
        return RelayDeclined(RelayRefusal.NOT_YOURS, case)
    if holder is None:
        return RelayDeclined(RelayRefusal.CLOSED, case)
    worker = await tx.people.get(case.worker_id)
    if worker is None:
        return RelayDeclined(RelayRefusal.NOT_YOURS, case)
    if not worker.has_chat:
        return RelayDeclined(RelayRefusal.NO_CHAT, case)
    return Conversation(case, Direction.TO_WORKER, worker_name(case), worker)

