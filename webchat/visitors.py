"""Who is on the page: a demo person picked in demo mode, otherwise a worker known by a signed cookie.

Web chat people are stored with `Front.WEB` and a user id of the web chat's own (their chat id too).
Demo people have small fixed ids; visitors get random ids far above them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.clock import Clock
from bot.people import Front, Person, Role
from bot.ports import PersonFinder, WebChatPeople
from bot.recovery import RecoveryRefusal, Redeemed, Refused, SignedIn

COOKIE_NAME = "hhm_visitor"
COOKIE_DAYS = 365
RENEW_AFTER = 24 * 3600  # seconds: a cookie is re-issued on use at most once a day
VISITOR_IDS = (10**9, 2**48)  # below 2**53, so the page's numbers stay exact
ID_DIGITS = 16  # more than any visitor id or Unix time has
# A street centre of Dongxihu district in the sample registry (data/centres/wuhan_sample.yaml).
DEMO_CENTRE_ID = "dxh-wujiashan"


@dataclass(frozen=True)
class DemoPerson:
    key: str
    user_id: int
    name: str
    role: Role
    centre_id: str | None = None


DEMO_PEOPLE = (
    DemoPerson("zhang", 101, "张师傅", Role.WORKER),
    DemoPerson("li", 102, "李骑手", Role.WORKER),
    DemoPerson("mediator", 201, "王调解员", Role.MEDIATOR, DEMO_CENTRE_ID),
    DemoPerson("supervisor", 301, "陈主任", Role.SUPERVISOR),
)
DEMO_BY_KEY = {person.key: person for person in DEMO_PEOPLE}


async def create_demo_people(people: WebChatPeople, clock: Clock) -> None:
    for person in DEMO_PEOPLE:
        await people.set_role(Front.WEB, person.user_id, person.role, person.centre_id, now=clock.now(),
                              display_name=person.name)


@dataclass(frozen=True)
class VisitorCookie:
    user_id: int
    expires: int  # Unix time: the server refuses the cookie after it, whatever the browser kept
    renew: bool  # issued long enough ago that a fresh one should replace it


class VisitorCookies:
    """`<user id>.<expiry>.<HMAC-SHA256 of both>`: a visitor cannot pick another person's id, and a cookie
    stops working on the server when it expires. It lives long (a case runs for weeks, payment and rating
    questions come months later) and is renewed on use, so it expires only for a worker who stays away."""

    def __init__(self, secret: str | None, clock: Clock, lifetime_days: int = COOKIE_DAYS) -> None:
        # Without a configured secret the key lives as long as the process: cookies end with a restart.
        self._key = secret.encode("utf-8") if secret else secrets.token_bytes(32)
        self._clock = clock
        self.max_age = lifetime_days * 24 * 3600

    def _signature(self, payload: str) -> str:
        return hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).hexdigest()

    def value_for(self, user_id: int) -> str:
        """A fresh cookie value for the visitor."""
        payload = f"{user_id}.{int(self._clock.now().timestamp()) + self.max_age}"
        return f"{payload}.{self._signature(payload)}"

    def new_value(self) -> tuple[int, str]:
        user_id = secrets.randbelow(VISITOR_IDS[1] - VISITOR_IDS[0]) + VISITOR_IDS[0]
        return user_id, self.value_for(user_id)

    def read(self, value: str | None) -> VisitorCookie | None:
        """The visitor a cookie names, if it is ours and has not expired."""
        raw_id, _, rest = (value or "").partition(".")
        raw_expires, _, signature = rest.partition(".")
        # isdigit() alone admits "²", and int() of thousands of digits raises: only short ASCII numbers.
        if not all(part.isascii() and part.isdigit() and len(part) <= ID_DIGITS for part in (raw_id, raw_expires)):
            return None
        # compare_digest refuses (raises on) non-ASCII text; no signature of ours has any.
        if not signature.isascii() or not hmac.compare_digest(signature, self._signature(f"{raw_id}.{raw_expires}")):
            return None
        now, expires = int(self._clock.now().timestamp()), int(raw_expires)
        if expires <= now:
            return None
        return VisitorCookie(int(raw_id), expires, renew=expires - now < self.max_age - RENEW_AFTER)

    def user_id(self, value: str | None) -> int | None:
        cookie = self.read(value)
        return cookie.user_id if cookie else None


# --- who may stay signed in (issue 18, identity) ----------------------------------------------------

class Admission(StrEnum):
    ADMITTED = "admitted"
    REVOKED = "revoked"        # the identity's cases moved to another one, or its staff role was revoked
    SIGNED_OUT = "signed_out"  # a staff session ended: idle too long, or /logout


class WebIdentityStore(Protocol):
    async def revoked(self, user_id: int) -> bool: ...

    async def session_state(self, person_id: int) -> tuple[datetime, datetime | None] | None:
        """(last seen, ended at) of the person's staff session; None: never started."""
        ...

    async def start_session(self, person_id: int, *, at: datetime) -> None: ...

    async def touch_session(self, person_id: int, *, at: datetime, idle: timedelta) -> bool:
        """Renew a live session; end an idle one. True if it is live now."""
        ...

    async def end_session(self, person_id: int, *, reason: str, at: datetime) -> None: ...

    async def mark_seen(self, chat_id: int, message_id: int, *, at: datetime) -> None: ...

    # Called with a web user id that may no longer act (its open pages are closed).
    on_revoked: list[Callable[[int], None]]


class IdentityGate:
    """Whether a cookie's identity may act now. A worker's cookie lives long; a member of staff's works
    only while their session on the server lives (STAFF_SESSION_HOURS without use end it, as do /logout
    and the revocation of their role), so ending one bites at once, on an open socket too. A web
    identity that was staff once and is not any more stays shut out: its chat holds case cards."""

    def __init__(self, store: WebIdentityStore, people: PersonFinder, clock: Clock, idle: timedelta) -> None:
        self.store = store
        self._people = people
        self._clock = clock
        self._idle = idle

    async def admits(self, user_id: int, *, renew: bool = True) -> Admission:
        """`renew` False: only look (an open page nobody uses does not keep its session alive)."""
        if await self.store.revoked(user_id):
            return Admission.REVOKED
        person = await self._people.find(Front.WEB, user_id)
        if person is None:
            return Admission.ADMITTED
        state = await self.store.session_state(person.id)
        now = self._clock.now()
        if not person.is_staff:
            return Admission.ADMITTED if state is None else Admission.REVOKED
        if state is None:  # just joined (or staff from before sessions were kept): signed in from now
            await self.store.start_session(person.id, at=now)
            return Admission.ADMITTED
        if not renew:
            seen, ended = state
            return Admission.ADMITTED if ended is None and seen > now - self._idle else Admission.SIGNED_OUT
        return Admission.ADMITTED if await self.store.touch_session(person.id, at=now, idle=self._idle) \
            else Admission.SIGNED_OUT

    async def sign_out(self, user_id: int) -> bool:
        """/logout: True if a member of staff's session ended now."""
        person = await self._people.find(Front.WEB, user_id)
        if person is None or not person.is_staff:
            return False
        await self.store.end_session(person.id, reason="logout", at=self._clock.now())
        return True

    async def is_staff(self, user_id: int | None) -> bool:
        if user_id is None:
            return False
        person = await self._people.find(Front.WEB, user_id)
        return person is not None and person.is_staff


def identity_texts(i18n: I18n, locale: str) -> dict[str, str]:
    """The page's words for signing out and recovering (merged into `webchat.texts.page_texts`)."""
    with i18n.context(), i18n.use_locale(locale):
        return {
            "recover": _("Recover my cases"),
            "logout": _("Sign out"),
            "signed_out": _("You are signed out. To sign in again, open a new sign-in link from the operator."),
            "signed_in": _("You are signed in. Your session ends after some hours without use, or with Sign out."),
            "recovered": _("Done: your cases are in this chat now; the old chat no longer has them. Send /mycases "
                           "to see them."),
            "code_refused": _("This link's code is not valid any more. Ask for a new one, or type the code you have: "
                              "/recover CODE."),
        }


class LinkRedeemer(Protocol):
    async def redeem_link(self, web_user_id: int, typed: str, *, display_name: str
                          ) -> Redeemed | SignedIn | Refused: ...


async def redeemed_by_link(redeemer: LinkRedeemer, user_id: int | None, code: str, *, display_name: str,
                           staff_ok: bool) -> tuple[Person | None, str]:
    """A `?code=` link opened by this visitor: (the member of staff the page now belongs to, if the code
    was a staff sign-in code, and the key of the page's notice)."""
    if user_id is None:
        return None, "code_refused"
    result = await redeemer.redeem_link(user_id, code, display_name=display_name)
    if isinstance(result, SignedIn):
        return (result.person, "signed_in") if staff_ok else (None, "code_refused")
    if isinstance(result, Redeemed) or (isinstance(result, Refused) and result.reason is RecoveryRefusal.ALREADY_YOURS):
        return None, "recovered"
    return None, "code_refused"
