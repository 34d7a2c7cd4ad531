"""Cases in set states at set moments, their clocks and acknowledgement jobs stored as the desk would store
them, and the staff the supervisors' tests use."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiogram import Dispatcher

from bot.cases import Actor, Command, CommandKind, Decision, DisputeKind, EventType, Mediation, decide
from bot.cases.machine import SYSTEM, NewEvent, Track
from bot.cases.model import Case
from bot.clock import FixedClock
from bot.deadline_keeper import DeadlineKeeper
from bot.deadlines import CalendarSource
from bot.desk import ACKNOWLEDGE_JOB
from bot.people import Front, Person, Role
from bot.ports import NewCase
from storage.cases import SQLiteUnitOfWork
from storage.db import Database
from storage.people import PeopleRepository
from tests.harness import ChatHarness

MEDIATORS = (8901, 8902)        # of dxh-wujiashan (东西湖区)
JIANGJUNLU = 8911               # a mediator of dxh-jiangjunlu (东西湖区)
WUCHANG_MEDIATOR = 8921         # of wch-zhongnanlu (武昌区)
DISTRICT_SUPERVISOR = 8950      # of 东西湖区
WUCHANG_SUPERVISOR = 8960       # of 武昌区
CITY_SUPERVISOR = 900           # SUPERVISOR_IDS of the test settings


async def staff(chat: ChatHarness, db: Database, clock: FixedClock) -> dict[int, Person]:
    people = PeopleRepository(db)
    made = {}
    for user_id, centre, name in ((MEDIATORS[0], "dxh-wujiashan", "王调解员"),
                                  (MEDIATORS[1], "dxh-wujiashan", "李调解员"),
                                  (JIANGJUNLU, "dxh-jiangjunlu", "赵调解员"),
                                  (WUCHANG_MEDIATOR, "wch-zhongnanlu", "钱调解员")):
        made[user_id] = await people.set_role(Front.TELEGRAM, user_id, Role.MEDIATOR, centre, now=clock.now(),
                                              display_name=name)
    for user_id, district, name in ((DISTRICT_SUPERVISOR, "东西湖区", "区督导"),
                                    (WUCHANG_SUPERVISOR, "武昌区", "武昌督导")):
        made[user_id] = await people.set_role(Front.TELEGRAM, user_id, Role.SUPERVISOR, None, now=clock.now(),
                                              district=district, display_name=name)
    for user_id in (*MEDIATORS, JIANGJUNLU, WUCHANG_MEDIATOR, DISTRICT_SUPERVISOR, WUCHANG_SUPERVISOR,
                    CITY_SUPERVISOR):
        chat.session.register_chat({"id": user_id, "type": "private", "first_name": str(user_id)})
    await chat.send(CITY_SUPERVISOR, "/start")  # the first supervisors are made from the setting
    made[CITY_SUPERVISOR] = await people.find(Front.TELEGRAM, CITY_SUPERVISOR)
    return made


class Cases:
    """Files cases straight into the store, as of a moment in the past, and keeps their clocks."""

    def __init__(self, chat: ChatHarness, db: Database, clock: FixedClock) -> None:
        self.dispatcher: Dispatcher = chat.dispatcher
        self.db, self.clock = db, clock
        self.uow = SQLiteUnitOfWork(db)
        settings = self.dispatcher["settings"]
        self.keeper = DeadlineKeeper(self.uow, CalendarSource(settings.holidays_file), settings.zone, clock,
                                     self.dispatcher["centres"])
        self._workers = 7000

    async def file(self, kind: DisputeKind, centre: str, district: str, *, days_ago: float,
                   accepted_by: int | None = None) -> Case:
        """A case filed `days_ago`, routed to `centre`; accepted then by that mediator's user id, if given."""
        self._workers += 1
        people = PeopleRepository(self.db)
        worker = await people.identify(Front.TELEGRAM, self._workers, display_name="w", language_code="zh",
                                       now=self.clock.now())
        moment = self.clock.now() - timedelta(days=days_ago)
        async with self.uow() as tx:
            case = await tx.cases.create(
                NewCase(worker_id=worker.id, kind=kind, fields={}, urgent=False, year=2026,
                        draft_id=f"d{self._workers}", workplace_street=None, workplace_district=district,
                        observers=[]),
                NewEvent(type=EventType.SUBMITTED, track=Track.MEDIATION, from_state=None,
                         to_state=Mediation.SUBMITTED, actor=Actor(worker.id, Role.WORKER), occurred_at=moment),
                recorded_at=moment)
            commands = [Command(CommandKind.ASSIGN, SYSTEM, centre_id=centre)]
            if accepted_by is not None:
                mediator = await people.find(Front.TELEGRAM, accepted_by)
                commands.append(Command(CommandKind.ACCEPT, Actor(mediator.id, Role.MEDIATOR, centre)))
            for command in commands:
                decision = decide(case.state, command, moment)
                assert isinstance(decision, Decision), decision
                case = await tx.cases.apply(case, decision, recorded_at=moment)
            if case.mediation is Mediation.ASSIGNED:
                await tx.jobs.schedule(self.dispatcher["acknowledgement"].job(ACKNOWLEDGE_JOB, case, moment),
                                       now=moment)
            await self.keeper.sync(tx, case)
        return case

    async def events(self, case_id: int):
        async with self.uow() as tx:
            return await tx.cases.events(case_id)

    async def jobs_of(self, case_id: int) -> list[tuple[str, datetime]]:
        """The case's pending jobs: kind and when due."""
        async with self.db.read() as conn, conn.execute(
            "SELECT kind, due_at FROM jobs WHERE case_id = ? AND status = 'pending' ORDER BY kind", (case_id,)
        ) as cursor:
            return [(row[0], datetime.fromisoformat(row[1])) for row in await cursor.fetchall()]

    async def get(self, case_id: int) -> Case:
        async with self.uow() as tx:
            return await tx.cases.get(case_id)
