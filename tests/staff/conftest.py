"""Staff made straight through the store, and cases a mediator holds, for the staff tests."""

from __future__ import annotations

import pytest

from bot.case_service import Changed, actor_of, change
from bot.cases import Case, Command, CommandKind
from bot.cases.machine import SYSTEM
from bot.clock import Clock
from bot.people import Front, Person, Role
from bot.routing import RegistryHolder
from bot.settings import SAMPLE_CENTRES_FILE
from bot.staff import StaffService
from storage.cases import SQLiteUnitOfWork
from storage.db import Database
from storage.people import PeopleRepository
from storage.staff import SQLiteStaffUnitOfWork
from tests.engine.builders import filed_case

WUJIASHAN = "dxh-wujiashan"    # a street centre of 东西湖区 in the sample registry
JIANGJUNLU = "dxh-jiangjunlu"  # another one
ZHONGNANLU = "wch-zhongnanlu"  # a centre of 武昌区
DONGXIHU = "东西湖区"
WUCHANG = "武昌区"


@pytest.fixture
def centres() -> RegistryHolder:
    return RegistryHolder.from_file(SAMPLE_CENTRES_FILE)


@pytest.fixture
def staff(db: Database, clock: Clock, centres: RegistryHolder) -> StaffService:
    return StaffService(SQLiteStaffUnitOfWork(db), clock, centres)


async def someone(db: Database, clock: Clock, user_id: int, role: Role = Role.WORKER, *, centre_id: str | None = None,
                  district: str | None = None, name: str | None = None, front: Front = Front.TELEGRAM) -> Person:
    """A person who has written to the bot (so has a name), with a role set in the store."""
    people = PeopleRepository(db)
    person = await people.identify(front, user_id, display_name=name or f"p{user_id}", language_code="en",
                                   now=clock.now())
    if role is Role.WORKER:
        return person
    return await people.set_role(front, user_id, role, centre_id, now=clock.now(), district=district)


async def held_case(db: Database, clock: Clock, worker: Person, mediator: Person, draft: str) -> Case:
    """A case of `worker` assigned to the mediator's centre and accepted by the mediator."""
    case = await filed_case(db, worker.id, draft_id=draft)
    uow = SQLiteUnitOfWork(db)
    for command in (Command(CommandKind.ASSIGN, SYSTEM, centre_id=mediator.centre_id),
                    Command(CommandKind.ACCEPT, actor_of(mediator))):
        async with uow() as tx:
            result = await change(tx, case, command, clock)
        assert isinstance(result, Changed), result
        case = result.case
    return case
