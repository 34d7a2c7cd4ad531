"""Cases made straight through the store, for engine tests that need no chat."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.cases import Actor, Case, DisputeKind, EventType, Mediation
from bot.cases.machine import NewEvent, Track
from bot.people import Front, Role
from bot.ports import NewCase
from storage.cases import CaseRepository
from storage.db import Database
from storage.people import PeopleRepository

AT = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


async def person(db: Database, user_id: int, role: Role = Role.WORKER, centre_id: str | None = None):
    people = PeopleRepository(db)
    found = await people.identify(Front.TELEGRAM, user_id, display_name=f"p{user_id}", language_code="zh", now=AT)
    if role is not Role.WORKER:
        found = await people.set_role(Front.TELEGRAM, user_id, role, centre_id, now=AT)
    return found


async def filed_case(db: Database, worker_id: int, *, year: int = 2026, draft_id: str | None = None,
                     kind: DisputeKind = DisputeKind.WAGES) -> Case:
    return await CaseRepository(db).create(
        NewCase(worker_id=worker_id, kind=kind, fields={"amount": 1}, urgent=False, year=year,
                draft_id=draft_id or f"draft-{worker_id}-{year}-{kind}", workplace_street="吴家山街道",
                workplace_district="东西湖区", observers=[]),
        NewEvent(type=EventType.SUBMITTED, track=Track.MEDIATION, from_state=None, to_state=Mediation.SUBMITTED,
                 actor=Actor(worker_id, Role.WORKER), occurred_at=AT),
        recorded_at=AT,
    )
