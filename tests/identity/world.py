"""A store with a worker's case held by a mediator, for the identity tests."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

from bot.case_service import Changed, actor_of, change
from bot.cases import Command, CommandKind, DisputeKind, EventType, Mediation
from bot.cases.machine import SYSTEM, NewEvent, Track
from bot.clock import FixedClock
from bot.people import Front, Person, Role
from bot.ports import NewCase
from bot.recovery import RecoveryService
from storage.cases import CaseRepository, SQLiteUnitOfWork
from storage.db import Database
from storage.people import PeopleRepository
from storage.recovery import SQLiteRecoveryUnitOfWork

CENTRE = "dxh-wujiashan"
PHONE = "+8613800000000"
DRAFTS = itertools.count(1)


class World:
    def __init__(self, db: Database, clock: FixedClock, *, sms_on: bool = True) -> None:
        self.db, self.clock = db, clock
        self.people = PeopleRepository(db)
        self.service = RecoveryService(SQLiteRecoveryUnitOfWork(db), clock, chat_address="https://chat.example.gov.cn",
                                       sms_on=sms_on)

    async def setup(self) -> None:
        now = self.clock.now()
        self.old_web = await self.people.identify(Front.WEB, 5_000_000_001, display_name="访客", language_code="zh",
                                                  now=now)
        self.new_web = await self.people.identify(Front.WEB, 5_000_000_002, display_name="访客", language_code="zh",
                                                  now=now)
        self.telegram = await self.people.identify(Front.TELEGRAM, 1001, display_name="张三", language_code="zh",
                                                   now=now)
        self.employer = await self.people.identify(Front.WEB, 5_000_000_009, display_name="访客", language_code="zh",
                                                   now=now)
        self.mediator = await self.people.set_role(Front.TELEGRAM, 2001, Role.MEDIATOR, CENTRE, now=now,
                                                   display_name="王调解员")
        self.other_mediator = await self.people.set_role(Front.TELEGRAM, 2002, Role.MEDIATOR, "wc-zhongnan", now=now,
                                                         display_name="李调解员")

    async def case_of(self, worker: Person, *, accepted: bool = True, phone: str | None = PHONE):
        fields = {"name": "张三", "employer": "武汉鸿达建筑劳务有限公司"} | ({"phone": phone} if phone else {})
        case = await CaseRepository(self.db).create(
            NewCase(worker_id=worker.id, kind=DisputeKind.WAGES, urgent=False, year=2026, fields=fields,
                    draft_id=f"draft-{next(DRAFTS)}", workplace_street="吴家山街道", workplace_district="东西湖区",
                    observers=[]),
            NewEvent(type=EventType.SUBMITTED, track=Track.MEDIATION, from_state=None, to_state=Mediation.SUBMITTED,
                     actor=actor_of(worker), occurred_at=self.clock.now()),
            recorded_at=self.clock.now())
        steps = [Command(CommandKind.ASSIGN, SYSTEM, centre_id=CENTRE)]
        if accepted:
            steps.append(Command(CommandKind.ACCEPT, actor_of(self.mediator)))
        for command in steps:
            async with SQLiteUnitOfWork(self.db)() as tx:
                result = await change(tx, case, command, self.clock)
            assert isinstance(result, Changed), result
            case = result.case
        return case

    async def rows(self, sql: str, *params: object) -> list[tuple]:
        async with self.db.read() as conn, conn.execute(sql, params) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]

    async def events(self, case_id: int) -> list[tuple[str, dict]]:
        return [(kind, json.loads(payload)) for kind, payload in
                await self.rows("SELECT type, payload FROM case_events WHERE case_id = ? ORDER BY seq", case_id)]

    def later(self, **delta: float) -> None:
        self.clock.set(self.clock.now() + timedelta(**delta))
