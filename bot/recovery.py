"""Recovery codes: a worker on a new phone or browser takes their cases to the identity they use now,
with a one-time code sent by SMS to the phone they gave on a case, handed over by the mediator who
holds one of their cases, or given at the counter to a worker recorded there without any chat.
Never by knowing a case number and a phone number: an employer may know both.

A code is CODE_LENGTH characters of Crockford's base 32, read out or typed as `K7M2-9QXD`. Its first
SELECTOR_LENGTH characters find the row (unique among live codes), the rest is the secret; the store
keeps only a hash of the whole code. Guessing is limited three ways:
- per identity: after REDEEM_ATTEMPTS failures within ATTEMPT_WINDOW the next attempt is refused unread;
- per code: CODE_ATTEMPTS wrong secrets for a live code's selector void that code;
- a live code is one of 32**5 secrets, so a few tries per code per identity find nothing.
A refusal never says whether a selector exists. Issuing a new code for a worker revokes their older
ones; a code is used once.

Redeeming moves every case of the old identity to the redeeming person (an event per case, without
either identity in its payload), hands them the notices not yet sent, and revokes the old web
identity's cookie, all in one unit of work.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal, Protocol

from bot.case_service import actor_of
from bot.cases.machine import NewEvent
from bot.cases.model import Case
from bot.clock import Clock
from bot.codes import new_code, read_code, shown_code
from bot.i18n import N_, translations
from bot.intake.validation import check_phone
from bot.people import Front, Person, Role
from bot.ports import Transaction

Channel = Literal["sms", "mediator", "counter", "staff"]
CODE_LENGTH = 8
SELECTOR_LENGTH = 3
LIFETIMES: dict[str, timedelta] = {
    "sms": timedelta(hours=24), "mediator": timedelta(hours=24), "counter": timedelta(days=14),
    "staff": timedelta(hours=1),
}
REDEEM_ATTEMPTS = 5
CODE_ATTEMPTS = 5
ATTEMPT_WINDOW = timedelta(hours=1)
SMS_REQUESTS = 3           # codes asked for by SMS per identity within SMS_REQUEST_WINDOW
SMS_CODES_PER_WORKER = 3   # codes texted to one worker within SMS_REQUEST_WINDOW, whoever asks
SMS_REQUEST_WINDOW = timedelta(hours=24)
RECOVER_LINK_PREFIX = "rc-"  # the Telegram deep link's start parameter: rc-CODE
_SELECTOR_TRIES = 50


class RecoveryEvent(StrEnum):
    """Case events of this module (no member of the engine's EventType; the store takes any name)."""

    IDENTITY_RECOVERED = "identity_recovered"  # the case's worker now uses another identity; payload: channel


class AttemptKind(StrEnum):
    FAILED_CODE = "failed_code"
    SMS_REQUEST = "sms_request"


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def recovery_link(chat_address: str, code: str) -> str:
    """The web chat's address that redeems the code when opened."""
    return f"{chat_address.rstrip('/')}/?code={code}"


def telegram_recovery_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={RECOVER_LINK_PREFIX}{code}"


# --- What the store keeps ------------------------------------------------------------------------------

@dataclass(frozen=True)
class NewCode:
    selector: str
    code_hash: str
    worker_id: int
    channel: Channel
    issued_by: int | None
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class StoredCode:
    id: int
    selector: str
    code_hash: str
    worker_id: int
    channel: Channel
    issued_by: int | None
    issued_at: datetime
    expires_at: datetime
    failed_attempts: int = 0
    used_by: int | None = None
    used_at: datetime | None = None
    revoked_at: datetime | None = None

    def live(self, now: datetime) -> bool:
        return self.used_by is None and self.revoked_at is None and self.expires_at > now


@dataclass(frozen=True)
class NewSms:
    person_id: int
    case_id: int | None
    purpose: Literal["unread", "code"]
    phone: str
    text: str


class RecoveryStore(Protocol):
    async def selector_live(self, selector: str, *, now: datetime) -> bool: ...

    async def add_code(self, code: NewCode) -> StoredCode: ...

    async def revoke_codes(self, worker_id: int, *, at: datetime) -> None:
        """Every live code of this worker stops working."""
        ...

    async def newest_with_selector(self, selector: str) -> StoredCode | None: ...

    async def count_wrong_secret(self, code_id: int, *, at: datetime, void_after: int) -> None:
        """One more wrong secret for this code; at `void_after` of them it is revoked."""
        ...

    async def use_code(self, code_id: int, person_id: int, *, at: datetime) -> bool:
        """Marks the code used by this person, unless it was used or revoked first (then False)."""
        ...

    async def attempts(self, person_id: int, kind: AttemptKind, *, since: datetime) -> list[datetime]:
        """When this person's attempts of this kind after `since` were made, oldest first."""
        ...

    async def record_attempt(self, person_id: int, kind: AttemptKind, *, at: datetime, forget_before: datetime
                             ) -> None: ...

    async def move_cases(self, from_worker: int, to_worker: int, *, at: datetime) -> list[Case]:
        """Every case of `from_worker` becomes `to_worker`'s (a new version each); the cases as they are now."""
        ...

    async def move_pending_notices(self, from_person: int, to_person: int) -> int:
        """Notices not sent yet to `from_person` go to `to_person`; how many."""
        ...

    async def revoke_web_identity(self, user_id: int, *, reason: str, at: datetime) -> None: ...

    async def workers_with_phone(self, phone: str) -> list[int]:
        """Workers who gave this phone (E.164) on a case, the newest case's first."""
        ...

    async def codes_issued(self, worker_id: int, channel: Channel, *, since: datetime) -> int: ...

    async def web_person(self, user_id: int, *, display_name: str, now: datetime) -> Person:
        """The web chat visitor with this user id, created as a worker on first contact."""
        ...


class SmsQueue(Protocol):
    async def queue(self, sms: NewSms, *, now: datetime) -> int: ...


class RecoveryTransaction(Transaction, Protocol):
    recovery: RecoveryStore
    sms: SmsQueue


class RecoveryUnitOfWork(Protocol):
    def __call__(self) -> AbstractAsyncContextManager[RecoveryTransaction]: ...


# --- Results --------------------------------------------------------------------------------------------

class RecoveryRefusal(StrEnum):
    NOT_ALLOWED = "not_allowed"            # issue: the person asking may not hand this worker a code
    NOT_A_WORKER = "not_a_worker"          # issue: nobody, or a member of staff, by that id
    NOT_A_CODE = "not_a_code"              # redeem: nothing shaped like a code
    UNKNOWN = "unknown"                    # redeem: no such code (or a wrong one)
    USED = "used"
    EXPIRED = "expired"                    # expired, or replaced by a newer code
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    ALREADY_YOURS = "already_yours"        # the code's cases are this person's already
    STAFF = "staff"                        # a member of staff cannot take a worker's cases
    WEB_ONLY = "web_only"                  # a staff sign-in code: opened as a web chat link only


@dataclass(frozen=True)
class Refused:
    reason: RecoveryRefusal
    until: datetime | None = None          # TOO_MANY_ATTEMPTS: when to try again; EXPIRED: when it expired


@dataclass(frozen=True)
class IssuedCode:
    code: str          # shown once, to whoever hands it over or in the SMS; the store has only its hash
    worker_id: int
    channel: Channel
    expires_at: datetime

    @property
    def shown(self) -> str:
        return shown_code(self.code)


@dataclass(frozen=True)
class Redeemed:
    person: Person                 # the identity the cases belong to now
    cases: list[Case] = field(default_factory=list)
    channel: Channel = "sms"
    revoked_web_user: int | None = None   # the old web identity whose cookie stopped working


@dataclass(frozen=True)
class HandedOver:
    issued: IssuedCode
    case: Case


@dataclass(frozen=True)
class SignedIn:
    """A staff sign-in code opened on the web chat: the page becomes that member of staff's."""

    person: Person


@dataclass(frozen=True)
class SmsRequested:
    """Said alike whether or not the phone is known, so nobody learns which phones have cases."""

    available: bool   # False: no SMS gateway is configured here


# --- The SMS text ----------------------------------------------------------------------------------------

CODE_SMS = N_("Half-Hour Mediation: your recovery code is {code}, valid for 24 hours. Never tell it to anyone. "
              "Send /recover {code} in the chat, or open {link}")


def code_sms_text(code: str, chat_address: str, locale: str) -> str:
    return translations(locale).gettext(CODE_SMS).format(code=shown_code(code),
                                                         link=recovery_link(chat_address, code))


# --- The service ------------------------------------------------------------------------------------------

class RecoveryService:
    """`chat_address`: the web chat's public address, for links in codes sent by SMS; `sms_on`: whether
    a gateway is configured (without one, codes are handed over by the mediator)."""

    def __init__(self, uow: RecoveryUnitOfWork, clock: Clock, *, chat_address: str, sms_on: bool,
                 default_locale: str = "zh_CN", on_web_revoked: Callable[[int], None] | None = None) -> None:
        self._uow = uow
        self._on_web_revoked = on_web_revoked  # the web chat closes the old identity's open pages
        self._clock = clock
        self._chat_address = chat_address
        self._sms_on = sms_on
        self._default_locale = default_locale

    async def issue(self, worker_id: int, *, by: Person | None, channel: Channel) -> IssuedCode | Refused:
        """A new one-time code for the worker, revoking their older ones. `by`: the mediator handing it
        over (channel "mediator": they hold one of the worker's cases), the member of staff who
        recorded a counter case ("counter"), None for the system ("sms") or an operator ("staff")."""
        async with self._uow() as tx:
            return await self._issue(tx, worker_id, by=by, channel=channel)

    async def _issue(self, tx: RecoveryTransaction, worker_id: int, *, by: Person | None, channel: Channel
                     ) -> IssuedCode | Refused:
        now = self._clock.now()
        worker = await tx.people.get(worker_id)
        # A staff sign-in code is for a member of staff; every other code for a worker.
        if worker is None or worker.is_staff != (channel == "staff"):
            return Refused(RecoveryRefusal.NOT_A_WORKER)
        actor = await tx.people.get(by.id) if by is not None else None
        if not await self._may_issue(tx, actor, worker, channel):
            return Refused(RecoveryRefusal.NOT_ALLOWED)
        await tx.recovery.revoke_codes(worker.id, at=now)
        code = new_code(CODE_LENGTH)
        for _ in range(_SELECTOR_TRIES):  # a selector finds one live code; with few live codes, the first try
            if not await tx.recovery.selector_live(code[:SELECTOR_LENGTH], now=now):
                break
            code = new_code(CODE_LENGTH)
        else:
            raise RuntimeError("no free recovery code selector: too many live codes")
        expires = now + LIFETIMES[channel]
        await tx.recovery.add_code(NewCode(selector=code[:SELECTOR_LENGTH], code_hash=code_hash(code),
                                           worker_id=worker.id, channel=channel, issued_by=actor.id if actor else None,
                                           issued_at=now, expires_at=expires))
        return IssuedCode(code, worker.id, channel, expires)

    async def _may_issue(self, tx: RecoveryTransaction, actor: Person | None, worker: Person, channel: Channel
                         ) -> bool:
        match channel:
            case "sms" | "staff":
                return actor is None
            case "counter":
                return actor is not None and actor.role in (Role.MEDIATOR, Role.SUPERVISOR)
            case "mediator":
                if actor is None or actor.role is not Role.MEDIATOR:
                    return False
                cases = await tx.cases.of_worker(worker.id)
                return any(case.mediator_id == actor.id and case.is_open for case in cases)
        return False

    async def hand_over(self, mediator: Person, case_id: int) -> HandedOver | Refused:
        """A code the mediator holding the case gives its worker (who lost their phone, say) in person or
        by a call, never to the worker's old account."""
        async with self._uow() as tx:
            case = await tx.cases.get(case_id)
            if case is None:
                return Refused(RecoveryRefusal.NOT_ALLOWED)
            issued = await self._issue(tx, case.worker_id, by=mediator, channel="mediator")
            return HandedOver(issued, case) if isinstance(issued, IssuedCode) else issued

    async def redeem(self, person: Person, typed: str, *, signing_in: bool = False) -> Redeemed | SignedIn | Refused:
        """Take the cases a code was issued for. `signing_in`: the code came in a web chat link, where a
        staff sign-in code makes the page that member of staff's (typed in a chat it is refused unused)."""
        now = self._clock.now()
        async with self._uow() as tx:
            current = await tx.people.get(person.id) or person
            failures = await tx.recovery.attempts(current.id, AttemptKind.FAILED_CODE, since=now - ATTEMPT_WINDOW)
            if len(failures) >= REDEEM_ATTEMPTS:
                return Refused(RecoveryRefusal.TOO_MANY_ATTEMPTS, until=failures[-REDEEM_ATTEMPTS] + ATTEMPT_WINDOW)
            code = read_code(typed, CODE_LENGTH)
            found = await tx.recovery.newest_with_selector(code[:SELECTOR_LENGTH]) if code else None
            matches = found is not None and code is not None and secrets.compare_digest(found.code_hash,
                                                                                         code_hash(code))
            if found is not None and matches and found.used_by == current.id:
                return Refused(RecoveryRefusal.ALREADY_YOURS)  # a link opened twice: not a failed attempt
            usable = _usable(code, found, matches, now)
            if isinstance(usable, Refused):
                if found is not None and not matches and found.live(now):
                    await tx.recovery.count_wrong_secret(found.id, at=now, void_after=CODE_ATTEMPTS)
                await tx.recovery.record_attempt(current.id, AttemptKind.FAILED_CODE, at=now,
                                                 forget_before=now - ATTEMPT_WINDOW)
                return usable
            found = usable
            if found.channel == "staff":
                if not signing_in:
                    return Refused(RecoveryRefusal.WEB_ONLY)
                return await self._sign_in(tx, current, found, now)
            if found.worker_id == current.id:
                return Refused(RecoveryRefusal.ALREADY_YOURS)
            if current.is_staff:
                return Refused(RecoveryRefusal.STAFF)
            if not await tx.recovery.use_code(found.id, current.id, at=now):
                return Refused(RecoveryRefusal.USED)
            return await self._move(tx, current, found, now)

    async def redeem_link(self, web_user_id: int, typed: str, *, display_name: str) -> Redeemed | SignedIn | Refused:
        """A code in a web chat link (`?code=`), opened by this visitor (new, perhaps)."""
        async with self._uow() as tx:
            person = await tx.recovery.web_person(web_user_id, display_name=display_name, now=self._clock.now())
            return await self.redeem(person, typed, signing_in=True)

    async def _sign_in(self, tx: RecoveryTransaction, current: Person, found: StoredCode, now: datetime
                       ) -> SignedIn | Refused:
        if current.front is not Front.WEB:
            return Refused(RecoveryRefusal.WEB_ONLY)
        staff = await tx.people.get(found.worker_id)
        if staff is None or not staff.is_staff or not await tx.recovery.use_code(found.id, current.id, at=now):
            return Refused(RecoveryRefusal.USED)
        return SignedIn(staff)

    async def _move(self, tx: RecoveryTransaction, current: Person, found: StoredCode, now: datetime) -> Redeemed:
        old = await tx.people.get(found.worker_id)
        moved = await tx.recovery.move_cases(found.worker_id, current.id, at=now)
        for case in moved:
            await tx.cases.append(case, [NewEvent(
                type=RecoveryEvent.IDENTITY_RECOVERED, track=None, from_state=None,  # type: ignore[arg-type]
                to_state=None, actor=actor_of(current), occurred_at=now,
                payload={"channel": found.channel})], recorded_at=now)
        await tx.recovery.move_pending_notices(found.worker_id, current.id)
        await tx.recovery.revoke_codes(found.worker_id, at=now)
        revoked = None
        if old is not None and old.front is Front.WEB:
            await tx.recovery.revoke_web_identity(old.user_id, reason="recovered", at=now)
            revoked = old.user_id
            if self._on_web_revoked is not None:
                self._on_web_revoked(old.user_id)
        return Redeemed(current, moved, found.channel, revoked)

    async def request_by_sms(self, person: Person, typed_phone: str) -> SmsRequested | Refused:
        """A code to the phone given on a case, if a case has it. The answer is the same either way."""
        now = self._clock.now()
        if not self._sms_on:
            return SmsRequested(available=False)
        async with self._uow() as tx:
            current = await tx.people.get(person.id) or person
            asked = await tx.recovery.attempts(current.id, AttemptKind.SMS_REQUEST, since=now - SMS_REQUEST_WINDOW)
            if len(asked) >= SMS_REQUESTS:
                return Refused(RecoveryRefusal.TOO_MANY_ATTEMPTS, until=asked[-SMS_REQUESTS] + SMS_REQUEST_WINDOW)
            await tx.recovery.record_attempt(current.id, AttemptKind.SMS_REQUEST, at=now,
                                             forget_before=now - SMS_REQUEST_WINDOW)
            verdict = check_phone(typed_phone)
            phone = verdict.value if verdict.ok and isinstance(verdict.value, str) else None
            workers = [worker for worker in await tx.recovery.workers_with_phone(phone) if worker != current.id] \
                if phone else []
            # Whoever knows the phone can ask: a few texts a day at most, and the answer stays the same.
            if not workers or await tx.recovery.codes_issued(workers[0], "sms", since=now - SMS_REQUEST_WINDOW) \
                    >= SMS_CODES_PER_WORKER:
                return SmsRequested(available=True)
            issued = await self._issue(tx, workers[0], by=None, channel="sms")
            if isinstance(issued, IssuedCode):
                owner = await tx.people.get(workers[0])
                locale = (owner.locale if owner and owner.locale else None) or self._default_locale
                await tx.sms.queue(NewSms(person_id=workers[0], case_id=None, purpose="code", phone=phone,
                                          text=code_sms_text(issued.code, self._chat_address, locale)), now=now)
            return SmsRequested(available=True)


def _usable(code: str | None, found: StoredCode | None, matches: bool, now: datetime) -> StoredCode | Refused:
    if code is None:
        return Refused(RecoveryRefusal.NOT_A_CODE)
    if found is None or not matches:
        return Refused(RecoveryRefusal.UNKNOWN)
    if found.used_by is not None:
        return Refused(RecoveryRefusal.USED)
    if found.revoked_at is not None:
        return Refused(RecoveryRefusal.EXPIRED, until=found.revoked_at)
    if found.expires_at <= now:
        return Refused(RecoveryRefusal.EXPIRED, until=found.expires_at)
    return found
