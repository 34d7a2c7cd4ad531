"""Reaching a web chat worker who is away: a notice nobody's page has shown SMS_AFTER_MINUTES after it
was sent is announced by one short text message to the phone the worker gave on the case, through the
district's SMS gateway (SMS_GATEWAY_URL; off by default). No personal detail is in it: the case number
and the chat's address. At most one text per case per unread burst: once a page shows the chat again,
a later notice may be announced again.

The job (SMS_UNREAD_JOB, every CHECK_EVERY) writes the texts in its unit of work; the sender loop sends
them outside any transaction, so a gateway that is down or slow never holds up the chat: a failed send
is retried with backoff (SMS_RETRY), a refusal (4xx) is given up at once.

The gateway's JSON contract (README, "Text messages"): `POST SMS_GATEWAY_URL` with
`Authorization: Bearer SMS_GATEWAY_TOKEN` (when set) and `{"to": "+8613800000000", "text": "...",
"reference": "sms-17"}`; any 2xx means accepted; 429 and 5xx are retried; other 4xx are refusals.
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.request
from contextlib import AbstractAsyncContextManager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.background import Backoff, log_failure
from bot.clock import Clock
from bot.i18n import N_, translations
from bot.jobs.model import Job, NewJob
from bot.ports import Transaction
from bot.recovery import NewSms, SmsQueue

log = logging.getLogger(__name__)

SMS_UNREAD_JOB = "sms.unread"
CHECK_EVERY = timedelta(minutes=5)
LOOKBACK = timedelta(days=1)  # notices older than this (beyond the wait) are not announced any more
SMS_RETRY = Backoff(first=timedelta(seconds=30), longest=timedelta(minutes=30), max_attempts=12)
SEND_TIMEOUT = 10.0  # seconds for the gateway to answer one request
POLL_SECONDS = 5.0
BATCH = 20
UNREAD_SMS = N_("Your case {number} has a new message. Open {address} to read it.")


# --- The gateway ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Accepted:
    pass


@dataclass(frozen=True)
class Failed:
    reason: str          # short, never the text or the phone
    retry: bool          # False: the gateway refused it (a 4xx): sending it again would not help


SendResult = Accepted | Failed


class SmsGateway(Protocol):
    async def send(self, phone: str, text: str, *, reference: str) -> SendResult: ...


class HttpSmsGateway:
    """The JSON-over-HTTP gateway of the module's docstring. Requests run in a thread (the standard
    library's client), each within SEND_TIMEOUT."""

    def __init__(self, url: str, token: str | None = None, timeout: float = SEND_TIMEOUT) -> None:
        self._url = url
        self._token = token
        self._timeout = timeout

    def _post(self, body: bytes) -> int:
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        request = urllib.request.Request(self._url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # the configured gateway's URL
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    async def send(self, phone: str, text: str, *, reference: str) -> SendResult:
        body = json.dumps({"to": phone, "text": text, "reference": reference}, ensure_ascii=False).encode("utf-8")
        try:
            status = await asyncio.wait_for(asyncio.to_thread(self._post, body), self._timeout + 1)
        except (OSError, TimeoutError) as error:  # refused, reset, unreachable, timed out
            return Failed(f"network: {type(error).__name__}", retry=True)
        if 200 <= status < 300:
            return Accepted()
        return Failed(f"http {status}", retry=status == 429 or status >= 500)


# --- The store ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UnreadNotice:
    case_id: int
    person_id: int
    number: str
    phone: str | None


@dataclass(frozen=True)
class OutgoingSms:
    id: int
    person_id: int
    case_id: int | None
    purpose: str
    phone: str
    text: str
    attempts: int


class SmsStore(SmsQueue, Protocol):
    async def skip(self, sms: NewSms, *, now: datetime) -> None: ...

    async def unread(self, *, sent_before: datetime, sent_after: datetime) -> list[UnreadNotice]: ...

    async def claim_due(self, now: datetime, *, lease: timedelta, limit: int) -> list[OutgoingSms]:
        """Pending texts that are due, each held for `lease` so no other sender takes it meanwhile."""
        ...

    async def sent(self, sms_id: int, *, at: datetime) -> None: ...

    async def retry_later(self, sms_id: int, *, at: datetime, error: str) -> None: ...

    async def give_up(self, sms_id: int, *, error: str) -> None: ...


class SmsTransaction(Transaction, Protocol):
    sms: SmsStore


class SmsUnitOfWork(Protocol):
    def __call__(self) -> AbstractAsyncContextManager[SmsTransaction]: ...


def next_check(now: datetime) -> datetime:
    """The next CHECK_EVERY boundary (UTC), so every process schedules the same job."""
    step = int(CHECK_EVERY.total_seconds())
    seconds = int(now.astimezone(UTC).timestamp())
    return datetime.fromtimestamp(seconds - seconds % step + step, UTC)


def unread_text(number: str, chat_address: str, locale: str) -> str:
    return translations(locale).gettext(UNREAD_SMS).format(number=number, address=chat_address)


class SmsService:
    """`gateway` None: SMS is off; nothing is checked, written or sent."""

    def __init__(self, uow: SmsUnitOfWork, store: SmsStore, gateway: SmsGateway | None, clock: Clock, *,
                 after: timedelta, chat_address: str, default_locale: str = "zh_CN",
                 retry: Backoff = SMS_RETRY, lease: timedelta = timedelta(minutes=2)) -> None:
        self._uow = uow
        self._store = store
        self._gateway = gateway
        self._clock = clock
        self._after = after
        self._chat_address = chat_address
        self._default_locale = default_locale
        self._retry = retry
        self._lease = lease

    @property
    def on(self) -> bool:
        return self._gateway is not None

    async def start_watching(self) -> None:
        """Schedule the first check (each check schedules the next)."""
        if not self.on:
            return
        async with self._uow() as tx:
            await self._schedule_next(tx)

    async def _schedule_next(self, tx: SmsTransaction) -> None:
        now = self._clock.now()
        slot = next_check(now)
        await tx.jobs.schedule(NewJob(kind=SMS_UNREAD_JOB, due_at=slot, unique_key=f"sms-unread:{slot.isoformat()}"),
                               now=now)

    async def check_unread(self, job: Job | None = None) -> int:
        """The job: a text for each case with a notice left unread for the set time. How many were written."""
        if not self.on:
            return 0
        now = self._clock.now()
        async with self._uow() as tx:
            written = 0
            for notice in await tx.sms.unread(sent_before=now - self._after, sent_after=now - self._after - LOOKBACK):
                person = await tx.people.get(notice.person_id)
                locale = (person.locale if person is not None and person.locale else None) or self._default_locale
                sms = NewSms(person_id=notice.person_id, case_id=notice.case_id, purpose="unread",
                             phone=notice.phone or "", text=unread_text(notice.number, self._chat_address, locale))
                if notice.phone:
                    await tx.sms.queue(sms, now=now)
                    written += 1
                else:  # a case filed without a phone: nobody to text, and the burst counts as told
                    await tx.sms.skip(sms, now=now)
            if job is not None:
                await self._schedule_next(tx)
            return written

    async def send_due(self) -> int:
        """One round of sending, outside any transaction; how many the gateway accepted."""
        if self._gateway is None:
            return 0
        now = self._clock.now()
        accepted = 0
        for sms in await self._store.claim_due(now, lease=self._lease, limit=BATCH):
            try:
                result = await self._gateway.send(sms.phone, sms.text, reference=f"sms-{sms.id}")
            except Exception as error:  # a gateway of another make may raise anything: retry it like a 5xx
                log_failure(log, f"sms {sms.id}", error)
                result = Failed(type(error).__name__, retry=True)
            finished = self._clock.now()
            if isinstance(result, Accepted):
                await self._store.sent(sms.id, at=finished)
                accepted += 1
            elif not result.retry or self._retry.gives_up(sms.attempts + 1):
                log.warning("sms %s given up after %s attempts: %s", sms.id, sms.attempts + 1, result.reason)
                await self._store.give_up(sms.id, error=result.reason)
            else:
                await self._store.retry_later(sms.id, at=finished + self._retry.delay(sms.attempts + 1),
                                              error=result.reason)
        return accepted

    async def run(self, stop: asyncio.Event) -> None:
        """The sender loop, until `stop` is set."""
        while not stop.is_set():
            try:
                await self.send_due()
            except Exception as error:
                log_failure(log, "sms: a round (trying again)", error)
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), POLL_SECONDS)
