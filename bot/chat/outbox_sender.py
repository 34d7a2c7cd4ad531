"""The outbox sender: delivers outbox rows to people, each on the front they came from (one Bot per
front) and in their own language at the moment of sending.

Two ways in. `deliver_now(ids)` is the handler's immediate path: right after the use case commits,
it leases the reply rows, sends them and marks them sent; whatever fails stays a row for the loop,
and nothing is raised into the handler. `run(stop)` is the loop: it leases due rows (an immediate
reply only after its grace, so only when the process died or the immediate send failed), sends them
paced (about 1 a second per chat, 30 a second per bot), and records every outcome on the row:
Telegram's flood control is waited out (`retry_after`, the whole bot held meanwhile); network errors,
5xx and undecodable answers are retried with backoff up to a maximum; a blocked bot (403) or a
refused request (400) is given up with its reason. `flush()` delivers everything due, for a graceful
shutdown and for tests.

Delivery is at least once, and exactly once whenever the Bot API really failed, because a row is
marked sent only after Telegram's answer and a lease keeps any other sender off it meanwhile. The
window where a message arrives twice is an attempt that did reach Telegram but whose answer was
lost: a 502 from a proxy in front of the Bot API (or a timeout) after Telegram delivered, or the
process dying between Telegram's answer and `mark_sent`. Those rows are retried and the person sees
the message again. A long text split into parts is one row: a failure on a later part sends the
earlier parts again too. A lease (2 minutes) far longer than a send (aiogram's timeout) keeps a slow
send from being taken over while it is still on its way.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Collection, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n

from bot.background import Backoff, log_failure, new_owner
from bot.chat.outbound import send_text
from bot.chat.telegram_html import EntityParseError
from bot.clock import Clock
from bot.outbox import OUTBOX_RETRY, OutboxMessage, OutboxStore, Pacer
from bot.outbox.pacing import Chat
from bot.people import Front, Person, locale_for

log = logging.getLogger(__name__)

# A template renders a row's params in the recipient's locale (inside that locale's i18n context,
# so `_()` translates too); the locale is passed for what is looked up by language (centre names).
# (params, locale) -> the text, or the text and its keyboard (a case card's buttons, say), or those and a
# file the notice carries (the text then is its caption).
Template = Callable[[dict[str, Any], str],
                    str | tuple[str, InlineKeyboardMarkup] | tuple[str, InlineKeyboardMarkup | None, "Attachment"]]
Sleep = Callable[[float], Awaitable[None]]
REASON_LIMIT = 120  # characters of a recorded reason


@dataclass(frozen=True)
class Attachment:
    """A file a notice carries (a relayed photo or document): by its id on the recipient's front, sent again
    by that id, or else a copy in the sender's file store (`stored_as`), uploaded. Never forwarded, so the
    sender's account is never part of it."""

    kind: str                     # "photo" or "document"
    file_id: str | None = None
    stored_as: str | None = None
    name: str = ""                # the upload's file name


class StoredFiles(Protocol):
    async def read(self, name: str) -> bytes | None: ...


async def send_file(bot: Bot, chat_id: int, attachment: Attachment, caption: str,
                    reply_markup: InlineKeyboardMarkup | None, files: StoredFiles | None) -> None:
    data = await files.read(attachment.stored_as) if files is not None and attachment.stored_as else None
    if data is not None:
        file: str | BufferedInputFile = BufferedInputFile(data, filename=attachment.name or attachment.kind)
    elif attachment.file_id is not None:
        file = attachment.file_id
    else:  # the copy is gone: retried up to the maximum, then given up with this reason
        raise LookupError(f"attachment {attachment.stored_as!r} not in the file store")
    if attachment.kind == "photo":
        await bot.send_photo(chat_id, file, caption=caption, reply_markup=reply_markup)
    else:
        await bot.send_document(chat_id, file, caption=caption, reply_markup=reply_markup)


class Recipients(Protocol):
    async def get(self, person_id: int) -> Person | None: ...


@dataclass
class _Outgoing:
    message: OutboxMessage
    person: Person
    bot: Bot

    @property
    def chat(self) -> Chat:
        return (self.person.front, self.person.user_id)  # a private chat's id is its person's


def failure_reason(error: Exception) -> tuple[str, bool] | None:
    """(a short reason to record, whether trying again is pointless) for what Telegram or the way to
    it answered, or the text Telegram would refuse; None for anything else. Never the message's text."""
    if isinstance(error, TelegramForbiddenError):
        return "blocked", True
    if isinstance(error, TelegramBadRequest):
        return f"bad request: {error.message}"[:REASON_LIMIT], True
    if isinstance(error, TelegramMigrateToChat):
        return "chat migrated", True
    if isinstance(error, TelegramServerError):
        return f"server error: {error.message}"[:REASON_LIMIT], False
    if isinstance(error, ClientDecodeError):
        return "undecodable answer (a proxy's error page?)", False
    if isinstance(error, TelegramNetworkError):
        return "network error", False
    if isinstance(error, EntityParseError):  # refused before sending: the same text always will be
        return "not valid Telegram HTML", True
    return None


class OutboxSender:
    def __init__(
        self, store: OutboxStore, recipients: Recipients, bots: Mapping[Front, Bot], templates: Mapping[str, Template],
        i18n: I18n, default_locale: str, clock: Clock, *, owner: str | None = None, sleep: Sleep = asyncio.sleep,
        pacer: Pacer | None = None, retry: Backoff = OUTBOX_RETRY, lease: timedelta = timedelta(minutes=2),
        batch: int = 30, max_in_flight: int = 8, poll_interval: float = 1.0, files: StoredFiles | None = None,
    ) -> None:
        """`files`: where the copies of attachments for another front are kept (a relayed file)."""
        self._store = store
        self._recipients = recipients
        self._bots = bots  # filled as fronts are attached
        self._templates = templates
        self._i18n = i18n
        self._default_locale = default_locale
        self._clock = clock
        self.owner = owner or new_owner("outbox")
        self._sleep = sleep
        self._pacer = pacer or Pacer(clock)
        self._retry = retry
        self._lease = lease
        self._batch = batch
        self._max_in_flight = max_in_flight
        self._poll_interval = poll_interval
        self._files = files

    async def deliver_now(self, ids: Collection[int]) -> int:
        """Send these rows at once (the reply to the person who just acted); the number delivered.
        Never raises: what fails is left to the loop."""
        try:
            now = self._clock.now()
            return await self._deliver(await self._store.claim(ids, now, self.owner, self._lease), now)
        except Exception as error:
            log_failure(log, f"outbox: immediate delivery of {sorted(ids)} (the loop will retry)", error)
            return 0

    async def flush(self) -> int:
        """Deliver every row that is due now; the number delivered."""
        delivered = 0
        while True:
            claimed, sent = await self._round()
            delivered += sent
            if claimed < self._batch:
                return delivered

    async def run(self, stop: asyncio.Event) -> None:
        """The loop: deliver what is due, until `stop` is set."""
        log.info("outbox sender %s running", self.owner)
        while not stop.is_set():
            try:
                claimed, _ = await self._round()
            except Exception as error:
                log_failure(log, "outbox: a round (trying again)", error)
                claimed = 0
            if claimed < self._batch:  # nothing more due right now
                with suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._poll_interval)

    async def _round(self) -> tuple[int, int]:
        now = self._clock.now()
        messages = await self._store.claim_due(now, self.owner, self._lease, self._batch)
        return len(messages), await self._deliver(messages, now)

    async def _deliver(self, messages: list[OutboxMessage], claimed_at: datetime) -> int:
        """Send leased rows paced: in order within a chat, one send at a time per chat, at most
        `max_in_flight` at once. Rows that could not start within half their lease go back."""
        queues: dict[Chat, deque[_Outgoing]] = {}
        for message in messages:
            if outgoing := await self._address(message):
                queues.setdefault(outgoing.chat, deque()).append(outgoing)
        deadline = claimed_at + self._lease / 2
        sending: dict[asyncio.Task[bool], Chat] = {}
        delivered = 0
        while queues:
            free = [chat for chat in queues if chat not in sending.values()]
            if not free or len(sending) >= self._max_in_flight:
                delivered += await self._one_finished(sending)
                continue
            chat = min(free, key=self._pacer.ready_at)
            if (ready := self._pacer.ready_at(chat)) > deadline:
                for outgoing in queues.pop(chat):
                    await self._store.release(outgoing.message.id, self.owner, ready)
                continue
            slot = self._pacer.reserve(chat)
            if (wait := (slot - self._clock.now()).total_seconds()) > 0:
                await self._sleep(wait)
            if self._pacer.is_held(chat[0]):  # flood control came back meanwhile: not now
                continue
            outgoing = queues[chat].popleft()
            if not queues[chat]:
                del queues[chat]
            sending[asyncio.create_task(self._send(outgoing))] = chat
        while sending:
            delivered += await self._one_finished(sending)
        return delivered

    @staticmethod
    async def _one_finished(sending: dict[asyncio.Task[bool], Chat]) -> int:
        done, _ = await asyncio.wait(sending, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            del sending[task]
        return sum(task.result() for task in done)

    async def _address(self, message: OutboxMessage) -> _Outgoing | None:
        """Who the row goes to and through which bot; None when that failed (recorded on the row)."""
        person = await self._recipients.get(message.recipient_id)
        if person is None:
            await self._failed(message, "no such recipient", final=True)
            return None
        if not person.has_chat:  # taken at the counter: the case's timeline tells them once they claim it
            await self._failed(message, "no chat: a worker met at the counter or by phone", final=True)
            return None
        bot = self._bots.get(person.front)
        if bot is None:
            await self._failed(message, f"the {person.front} front is not running", final=False)
            return None
        return _Outgoing(message, person, bot)

    async def _send(self, outgoing: _Outgoing) -> bool:
        """One attempt, its outcome recorded; True when delivered. Never raises."""
        message, person = outgoing.message, outgoing.person
        try:
            template = self._templates.get(message.template)
            if template is None:  # a row of a newer version, during a rolling deploy
                await self._failed(message, f"no template {message.template!r}"[:REASON_LIMIT], final=False)
                return False
            try:
                locale = locale_for(person, None, self._default_locale)
                with self._i18n.context(), self._i18n.use_locale(locale):
                    rendered = template(message.params, locale)
                text, markup, *attached = (rendered, None) if isinstance(rendered, str) else rendered
                if attached:
                    await send_file(outgoing.bot, person.user_id, attached[0], text, markup, self._files)
                else:
                    await send_text(outgoing.bot, person.user_id, text, reply_markup=markup)
            except TelegramRetryAfter as flood:
                until = self._clock.now() + timedelta(seconds=max(flood.retry_after, 1))
                self._pacer.hold(person.front, until)
                log.warning("outbox: flood control on the %s front, holding it %s s", person.front,
                            flood.retry_after)
                await self._store.retry_later(message.id, self.owner, until, f"flood control: {flood.retry_after} s")
                return False
            except Exception as error:
                if (known := failure_reason(error)) is None:
                    # A bad token, a template that fails on these params, a bug: retried up to the maximum.
                    log_failure(log, f"outbox: row {message.id}", error)
                    known = (type(error).__name__, False)
                reason, final = known
                await self._failed(message, reason, final=final)
                return False
            await self._store.mark_sent(message.id, self._clock.now())
            return True
        except Exception as error:
            log_failure(log, f"outbox: recording row {message.id}'s outcome (its lease will run out)", error)
            return False

    async def _failed(self, message: OutboxMessage, reason: str, *, final: bool) -> None:
        attempts = message.attempts + 1
        if final or self._retry.gives_up(attempts):
            log.warning("outbox: gave up row %s after %s attempts: %s", message.id, attempts, reason)
            await self._store.give_up(message.id, self.owner, reason)
        else:
            log.info("outbox: row %s failed (%s), retrying", message.id, reason)
            await self._store.retry_later(message.id, self.owner, self._clock.now() + self._retry.delay(attempts),
                                          reason)
