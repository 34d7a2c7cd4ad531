"""People and roles. Every identity is a front plus the user id that front knows them by."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel

from bot.settings import SUPPORTED_LOCALES


class Role(StrEnum):
    WORKER = "worker"
    MEDIATOR = "mediator"        # staff of a centre (the arbitration office's staff: of the arbitration centre)
    SUPERVISOR = "supervisor"    # of a district, or of the whole city
    INSPECTION = "inspection"    # a district's labour-inspection liaison: records what inspection reports


STAFF_ROLES = frozenset({Role.MEDIATOR, Role.SUPERVISOR, Role.INSPECTION})


class Front(StrEnum):
    TELEGRAM = "telegram"
    WEB = "web"
    # No chat: a worker whose case staff took at the counter or by phone (Art. 12). Nothing can be sent
    # to them; the chat identity that later redeems their invitation takes their cases over.
    COUNTER = "counter"


class Person(BaseModel):
    id: int
    front: Front
    user_id: int
    role: Role = Role.WORKER
    centre_id: str | None = None
    # Supervisors: their district, or None for the whole city (`city_wide`); inspection liaisons: their
    # district. A mediator's district is their centre's, in the registry.
    district: str | None = None
    locale: str | None = None
    language_code: str | None = None
    display_name: str = ""

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def has_chat(self) -> bool:
        """Whether the person can be sent anything (a front reaches them)."""
        return self.front is not Front.COUNTER

    @property
    def city_wide(self) -> bool:
        """A supervisor of the whole city rather than of one district."""
        return self.role is Role.SUPERVISOR and self.district is None


def locale_for(person: Person | None, language_code: str | None, default_locale: str) -> str:
    """The person's saved choice, else what their app reports, else the service default."""
    if person is not None and person.locale in SUPPORTED_LOCALES:
        return person.locale
    reported = (language_code or (person.language_code if person else None) or "").lower()
    if reported.startswith("zh"):
        return "zh_CN"
    if reported.startswith("en"):
        return "en"
    return default_locale
