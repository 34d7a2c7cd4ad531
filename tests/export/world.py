"""A store with something in every table the register file holds: two workers' cases in 东西湖区 (one agreed,
with its terms, a rating and its comment; one routed with a travel estimate, web chat evidence on disk, an
alert, a running clock, a typed reason as a note), a case of 江岸区 last year, consents, staff history and
access-log entries."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

from bot.case_service import Changed, actor_of, change
from bot.cases import Command, CommandKind, DisputeKind, EventType, Mediation
from bot.cases.machine import SYSTEM, NewEvent, Track
from bot.clock import FixedClock
from bot.intake.draft import EvidenceItem
from bot.outcomes import Rating
from bot.people import Front
from bot.ports import NewCase
from storage.cases import AccessLogRepository, CaseRepository, SQLiteUnitOfWork
from storage.db import Database
from storage.outcomes import OutcomeRepository
from storage.people import PeopleRepository
from tests.outcomes.test_service import CERTIFICATE, WAGES, World

NOW = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)   # 10:30 in Wuhan
CENTRE = "dxh-wujiashan"
WEB_FILE = b"\x89PNG\r\n\x1a\n a photo of the attendance sheet"
KEPT_FILE = b"%PDF-1.4 the labour contract, fetched from Telegram"
DRAFTS = itertools.count(1)


async def file_case(db: Database, worker, *, at: datetime, name: str, phone: str, district: str = "东西湖区",
                    street: str = "吴家山街道", year: int = 2026):
    return await CaseRepository(db).create(
        NewCase(worker_id=worker.id, kind=DisputeKind.WAGES, urgent=True, year=year,
                fields={"name": name, "phone": phone, "employer": "武汉鸿达建筑劳务有限公司", "amount": "12500",
                        "claim": "支付拖欠工资"},
                draft_id=f"export-draft-{next(DRAFTS)}", workplace_street=street, workplace_district=district,
                observers=["arbitration-dxh"]),
        NewEvent(type=EventType.SUBMITTED, track=Track.MEDIATION, from_state=None, to_state=Mediation.SUBMITTED,
                 actor=actor_of(worker), occurred_at=at, payload={"channel": "chat"}),
        recorded_at=at)


async def fill(db: Database, files_dir: Path) -> dict[str, str]:
    """The store filled; the case numbers by role ("agreed", "routed", "last_year")."""
    world = World(db, FixedClock(NOW))
    await world.setup()
    agreed, _ = await world.agreed(WAGES, CERTIFICATE)
    outcomes = OutcomeRepository(db)
    await outcomes.ask_rating(agreed.id, at=NOW)
    await outcomes.rate(agreed.id, Rating.SATISFIED, at=NOW)
    await CaseRepository(db).append(agreed, [NewEvent(
        type="rating_commented", track=None, from_state=None, to_state=None, actor=actor_of(world.worker),
        occurred_at=NOW, note="调解员很耐心")], recorded_at=NOW)

    people = PeopleRepository(db)
    web_worker = await people.identify(Front.WEB, 7001, display_name="李四", language_code="zh", now=NOW)
    await people.record_consent(web_worker, "privacy", "2026-10", at=NOW)
    await people.record_consent(world.worker, "privacy", "2026-10", at=NOW)
    routed = await file_case(db, web_worker, at=NOW, name="李四", phone="+8613911112222")
    uow = SQLiteUnitOfWork(db)
    for command in (Command(CommandKind.ASSIGN, SYSTEM, centre_id=CENTRE,
                            params={"routing": {"centre_id": CENTRE, "minutes": 12.5}, "within_half_hour": True}),
                    Command(CommandKind.ACCEPT, actor_of(world.mediator)),
                    Command(CommandKind.PASS, actor_of(world.mediator), note="下周出差，交回中心")):
        async with uow() as tx:
            result = await change(tx, routed, command, world.clock)
        assert isinstance(result, Changed), result
        routed = result.case
    cases = CaseRepository(db)
    for item in (EvidenceItem(file_id="web-file-1", file_unique_id="web-file-1", type="photo", name="考勤.png",
                              size=len(WEB_FILE)),
                 EvidenceItem(file_id="AgACAgUAAxkBAAI", file_unique_id="AQADq", type="document", name="合同.pdf",
                              size=2048)):
        await cases.add_evidence(routed.id, item, added_by=web_worker.id, at=NOW)
    files_dir.mkdir(parents=True, exist_ok=True)
    (files_dir / "web-file-1").write_bytes(WEB_FILE)
    (files_dir.parent / "evidence").mkdir(parents=True, exist_ok=True)
    (files_dir.parent / "evidence" / "kept-1").write_bytes(KEPT_FILE)
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO webchat_files (file_id, chat_id, name, content_type, size, created_at)"
                           " VALUES ('web-file-1', 7001, '考勤.png', 'image/png', ?, ?)",
                           (len(WEB_FILE), NOW.isoformat()))
        await conn.execute(
            "UPDATE case_evidence SET stored_as = 'kept-1', stored_size = ?, stored_at = ? WHERE file_id = ?",
            (len(KEPT_FILE), NOW.isoformat(), "AgACAgUAAxkBAAI"))
        await conn.execute(
            "INSERT INTO case_deadlines (case_id, clock, status, started_on, due_on, provisional, updated_at)"
            " VALUES (?, 'acknowledge', 'running', '2026-11-24', '2026-11-25', 0, ?)", (routed.id, NOW.isoformat()))
        await conn.execute(
            "INSERT INTO staff_changes (person_id, role, centre_id, changed_by, changed_at) VALUES (?, 'mediator', ?,"
            " ?, ?)", (world.mediator.id, CENTRE, world.supervisor.id, NOW.isoformat()))
    await cases.add_alerts(routed.id, ["collective"], at=NOW)
    await AccessLogRepository(db).record(world.mediator.id, routed.id, "worker_identity", at=NOW)

    last_year = await file_case(db, world.other_worker, at=datetime(2025, 3, 2, 1, 0, tzinfo=UTC), name="王五",
                                phone="+8613700001111", district="江岸区", street="大智街道", year=2025)
    return {"agreed": agreed.number, "routed": routed.number, "last_year": last_year.number}
