"""Staff, a case waiting at its centre, and pressing the desk's buttons in English, for the clocks' tests
through the real dispatcher with a set clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import job_runner
from bot.cases import Case, Command, CommandKind, DisputeKind, EventType, Mediation, decide
from bot.cases.machine import SYSTEM, Actor, NewEvent, Track
from bot.clock import FixedClock
from bot.people import Front, Role
from bot.ports import NewCase
from storage.cases import CaseRepository
from storage.db import Database
from storage.people import PeopleRepository
from tests.harness import ChatHarness

WUHAN = ZoneInfo("Asia/Shanghai")
WORKER = 8001
MEDIATOR, COLLEAGUE = 8901, 8902           # of dxh-wujiashan, in 东西湖区
OFFICE, OFFICE_COLLEAGUE = 8921, 8922      # of dxh-arbitration, the district's arbitration office
LIAISON, OTHER_LIAISON = 8931, 8932        # inspection liaisons of 东西湖区 and of 武昌区
SUPERVISOR = 900                           # SUPERVISOR_IDS of the test settings: city-wide
CENTRE, DISTRICT = "dxh-wujiashan", "东西湖区"
STAFF = (
    (MEDIATOR, Role.MEDIATOR, CENTRE, None, "王调解员"),
    (COLLEAGUE, Role.MEDIATOR, CENTRE, None, "李调解员"),
    (OFFICE, Role.MEDIATOR, "dxh-arbitration", None, "周仲裁员"),
    (OFFICE_COLLEAGUE, Role.MEDIATOR, "dxh-arbitration", None, "吴仲裁员"),
    (LIAISON, Role.INSPECTION, None, DISTRICT, "郑监察"),
    (OTHER_LIAISON, Role.INSPECTION, None, "武昌区", "孙监察"),
)


def local(*moment: int) -> datetime:
    return datetime(*moment, tzinfo=WUHAN)


class Desk:
    """The staff and the worker of one case, talking to the bot in English."""

    def __init__(self, chat: ChatHarness, db: Database, clock: FixedClock) -> None:
        self.chat, self.db, self.clock = chat, db, clock
        self.cases = CaseRepository(db)
        self.people = PeopleRepository(db)
        self.runner = job_runner(chat.dispatcher, db)

    async def staffed(self) -> Desk:
        for user_id, role, centre, district, name in STAFF:
            await self.people.set_role(Front.TELEGRAM, user_id, role, centre, now=self.clock.now(), display_name=name,
                                       district=district)
            await self.people.set_locale(await self.people.find(Front.TELEGRAM, user_id), "en", now=self.clock.now())
            self.chat.session.register_chat({"id": user_id, "type": "private", "first_name": name})
        self.chat.session.register_chat({"id": WORKER, "type": "private", "first_name": "Chen"})
        await self.chat.send(SUPERVISOR, "/start", language_code="en")  # the first supervisors come from the setting
        return self

    def at(self, *moment: int) -> None:
        self.clock.set(local(*moment))

    async def waiting_case(self, kind: DisputeKind = DisputeKind.WAGES, district: str = DISTRICT) -> Case:
        """A filed case, assigned to dxh-wujiashan now."""
        now = self.clock.now()
        worker = await self.people.identify(Front.TELEGRAM, WORKER, display_name="Chen", language_code="en", now=now)
        case = await self.cases.create(
            NewCase(worker_id=worker.id, kind=kind, fields={"employer": "Hongda Construction", "amount": "8000"},
                    urgent=False, year=now.astimezone(WUHAN).year,
                    draft_id=f"draft-{now.isoformat()}-{kind}-{district}",
                    workplace_street="吴家山街道", workplace_district=district, observers=[]),
            NewEvent(type=EventType.SUBMITTED, track=Track.MEDIATION, from_state=None, to_state=Mediation.SUBMITTED,
                     actor=Actor(worker.id, Role.WORKER), occurred_at=now),
            recorded_at=now)
        decision = decide(case.state, Command(CommandKind.ASSIGN, SYSTEM, centre_id=CENTRE), now)
        return await self.cases.apply(case, decision, recorded_at=now)

    async def card(self, user_id: int, case: Case) -> dict[str, Any]:
        await self.chat.send(user_id, f"/case {case.number}", language_code="en")
        return self.chat.last_message(user_id)

    async def press(self, user_id: int, *labels: str) -> None:
        """Press each button in turn, each on the newest message that has it."""
        for label in labels:
            await self.chat.press_button(user_id, label, language_code="en")

    async def accepted(self, case: Case, mediator: int = MEDIATOR) -> Case:
        await self.card(mediator, case)
        await self.press(mediator, "✅ Accept")
        return await self.cases.get(case.id)

    async def referred(self, case: Case) -> Case:
        await self.accepted(case)
        await self.press(MEDIATOR, "⚖️ Refer", "Yes")
        return await self.cases.get(case.id)

    async def run_jobs(self) -> int:
        ran = await self.runner.run_due()
        await self.chat.dispatcher["outbox"].flush()
        return ran

    def told(self, user_id: int, part: str = "") -> list[str]:
        """Every message the person was sent (or saw edited) that contains `part`."""
        return [d.message.get("text", "") for d in self.chat.deliveries
                if d.chat_id == user_id and d.kind != "delete" and part in d.message.get("text", "")]

    def buttons(self, user_id: int) -> list[str]:
        markup = self.chat.last_message(user_id).get("reply_markup", {}).get("inline_keyboard", [])
        return [button["text"] for row in markup for button in row]

    async def events(self, case: Case, type: EventType) -> list:
        return [event for event in await self.cases.events(case.id) if event.type == type]
