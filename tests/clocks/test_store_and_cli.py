"""The clocks in the store: a database of the schema before them upgrades in place, and the open cases it
holds get their clocks (and reminders) at the first use; and `python -m bot deadlines`."""

from __future__ import annotations

import json
from datetime import date, timedelta

import aiosqlite
import pytest
import yaml

from bot.cases import Command, CommandKind, Mediation, decide
from bot.cases.machine import SYSTEM, Actor
from bot.cli import main
from bot.clock import FixedClock
from bot.clocks import Limit
from bot.deadline_keeper import REMIND_JOB, DeadlineKeeper
from bot.deadlines import CalendarSource, ClockStatus
from bot.desk import RegistryCentres
from bot.people import Role
from bot.routing.registry import load_registry
from bot.settings import PROJECT_ROOT
from storage.cases import CaseRepository, SQLiteUnitOfWork
from storage.db import Database
from storage.deadlines import DeadlineRepository
from storage.jobs import JobRepository
from storage.migrations import apply_migrations
from tests.clocks.helpers import WUHAN, local
from tests.engine.builders import filed_case, person

BEFORE_THE_CLOCKS = """
INSERT INTO people (id, front, user_id, role, display_name, created_at, updated_at) VALUES
  (1, 'telegram', 11, 'worker', 'w', '2026-11-01T00:00:00+00:00', '2026-11-01T00:00:00+00:00');
INSERT INTO cases (id, number, worker_id, kind, mediation, centre_id, urgent, fields, accepted_at, version,
                   created_at, updated_at) VALUES
  (1, 'LD-2026-000001', 1, 'platform', 'accepted', 'dxh-wujiashan', 0, '{}', '2026-11-02T01:00:00+00:00', 2,
   '2026-11-02T01:00:00+00:00', '2026-11-02T01:00:00+00:00');
"""


async def test_a_database_from_before_the_clocks_upgrades_in_place(db_path) -> None:
    async with aiosqlite.connect(db_path, isolation_level=None) as connection:
        await apply_migrations(connection, up_to=8)
        await connection.executescript(BEFORE_THE_CLOCKS)
    db = await Database.open(db_path)
    try:
        assert "0009_deadlines.sql" in db.applied_migrations
        case = await CaseRepository(db).get(1)
        assert (case.mediation, case.mediation_extended, case.version) == (Mediation.ACCEPTED, False, 2)
        assert await DeadlineRepository(db).of_case(1) == []
    finally:
        await db.close()


async def test_open_cases_filed_before_the_clocks_get_theirs_at_the_first_use(db: Database) -> None:
    clock = FixedClock(local(2026, 9, 16, 10, 0))
    worker = await person(db, 11)
    mediator = await person(db, 12, Role.MEDIATOR, "dxh-wujiashan")
    store = CaseRepository(db)
    case = await filed_case(db, worker.id)
    for command in (Command(CommandKind.ASSIGN, SYSTEM, centre_id="dxh-wujiashan"),
                    Command(CommandKind.ACCEPT, Actor(mediator.id, Role.MEDIATOR, "dxh-wujiashan"))):
        case = await store.apply(case, decide(case.state, command, clock.now()), recorded_at=clock.now())
    registry = load_registry(PROJECT_ROOT / "data" / "centres" / "wuhan_sample.yaml")
    uow = SQLiteUnitOfWork(db)
    keeper = DeadlineKeeper(uow, CalendarSource(None), WUHAN, clock, RegistryCentres(lambda: registry))
    async with uow() as tx:
        await keeper.up_to_date(tx)
    [period] = await DeadlineRepository(db).of_case(case.id)
    assert (period.clock, period.status, period.due_on) == (Limit.MEDIATION_PERIOD, ClockStatus.RUNNING,
                                                             date(2026, 10, 8))
    due = await JobRepository(db).claim_due(local(2026, 10, 9, 9, 0), "test", timedelta(minutes=1), 10)
    [job] = [job for job in due if job.kind == REMIND_JOB]
    assert job.payload == {"clock": Limit.MEDIATION_PERIOD, "due_on": "2026-10-08", "stage": "passed"}
    assert [event.type for event in await store.events(case.id)][-1] == "accepted", "counted, not an event"


def deadlines_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["deadlines", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_cli_prints_each_due_date_asked_for(capsys: pytest.CaptureFixture[str]) -> None:
    assert deadlines_json(capsys, "--mediation-received", "2026-09-20", "--platform-accepted", "2026-09-16",
                          "--arbitration-received", "2026-09-28", "--arbitration-accepted", "2026-01-01",
                          "--inspection-filed", "2026-08-31") == {
        "mediation_period_ends": "2026-10-08",
        "platform_mediation_ends": "2026-10-08",
        "acceptance_decision_by": "2026-10-10",
        "arbitration_ends": "2026-02-24",
        "arbitration_extended_ends": "2026-03-02",
        "inspection_ends": "2026-11-27",
        "inspection_extended_ends": "2027-01-08",
        "provisional": ["inspection_extended_ends"],
    }
    assert deadlines_json(capsys, "--arbitration-accepted", "2095-03-01") == {
        "arbitration_ends": "2095-04-15", "arbitration_extended_ends": "2095-05-02",  # 30 Apr, a Saturday
        "provisional": ["arbitration_ends", "arbitration_extended_ends"]}
    assert deadlines_json(capsys) == {"provisional": []}


def test_the_cli_applies_an_overrides_file(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    overrides = tmp_path / "holidays.yaml"
    overrides.write_text(yaml.safe_dump({"years": {2095: {"holidays": ["2095-04-15"]}}}), encoding="utf-8")
    assert deadlines_json(capsys, "--arbitration-accepted", "2095-03-01", "--holidays", str(overrides)) == {
        "arbitration_ends": "2095-04-18", "arbitration_extended_ends": "2095-05-02", "provisional": []}
    overrides.write_text("years: {2095: {holidays: [2096-01-01]}}\n", encoding="utf-8")
    assert main(["deadlines", "--arbitration-accepted", "2095-03-01", "--holidays", str(overrides)]) == 2
    assert "2096-01-01 is not in 2095" in capsys.readouterr().err


def test_the_cli_refuses_a_date_that_is_not_iso(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["deadlines", "--inspection-filed", "31/08/2026"])
    assert exit_.value.code == 2 and "not an ISO date" in capsys.readouterr().err
