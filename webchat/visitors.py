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
from storage.people import PeopleRepository

COOKIE_NAME = "hhm_visitor"
COOKIE_MAX_AGE = 365 * 24 * 3600
VISITOR_IDS = (10**9, 2**48)  # below 2**53, so the page's numbers stay exact
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


async def create_demo_people(people: PeopleRepository, clock: Clock) -> None:
    for person in DEMO_PEOPLE:
        await people.set_role(Front.WEB, person.user_id, person.role, person.centre_id, now=clock.now(),
                              display_name=person.name)


class VisitorCookies:
    """`<user id>.<HMAC-SHA256 of it>`: a visitor cannot pick another person's id."""

    def __init__(self, secret: str | None) -> None:
        # Without a configured secret the key lives as long as the process: cookies end with a restart.
        self._key = secret.encode("utf-8") if secret else secrets.token_bytes(32)

    def _signature(self, user_id: int) -> str:
        return hmac.new(self._key, str(user_id).encode("ascii"), hashlib.sha256).hexdigest()

    def new_value(self) -> tuple[int, str]:
        user_id = secrets.randbelow(VISITOR_IDS[1] - VISITOR_IDS[0]) + VISITOR_IDS[0]
        return user_id, f"{user_id}.{self._signature(user_id)}"

    def user_id(self, value: str | None) -> int | None:
        if not value:
            return None
        raw_id, _, signature = value.partition(".")
        # isdigit() alone admits "²": only ASCII digits are an id.
        if not (raw_id.isascii() and raw_id.isdigit()):
            return None
        if not hmac.compare_digest(signature, self._signature(int(raw_id))):
            return None
        return int(raw_id)
