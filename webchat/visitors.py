"""Who is on the page: a demo person picked in demo mode, otherwise a worker known by a signed cookie.

Web chat people are stored with `Front.WEB` and a user id of the web chat's own (their chat id too).
Demo people have small fixed ids; visitors get random ids far above them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from bot.clock import Clock
from bot.people import Front, Role
from bot.ports import WebChatPeople

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
