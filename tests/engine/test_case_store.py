"""The case store: numbers, events with their sequence and scope, conditional updates, the log."""

import sqlite3

import pytest

from bot.case_service import CaseService, Changed, Rejected
from bot.cases import Actor, Command, CommandKind, Decision, DisputeKind, Mediation, Refusal, decide
from bot.clock import FixedClock
from bot.people import Role
from storage.cases import CaseRepository, SQLiteUnitOfWork
from storage.db import Database
from tests.engine.builders import AT, filed_case, person


async def test_cases_are_numbered_per_year_and_start_with_their_first_event(db: Database) -> None:
    worker = await person(db, 1)
    first = await filed_case(db, worker.id)
    second = await filed_case(db, worker.id, kind=DisputeKind.PLATFORM)
    next_year = await filed_case(db, worker.id, year=2027)
    assert [first.number, second.number, next_year.number] == ["LD-2026-000001", "LD-2026-000002",
                                                               "LD-2027-000001"]
    [event] = await CaseRepository(db).events(first.id)
    assert (event.seq, event.type, event.to_state, event.actor_id, event.actor_role) == (
        1, "submitted", "submitted", worker.id, Role.WORKER)
    assert (event.street, event.district, event.kind) == ("吴家山街道", "东西湖区", DisputeKind.WAGES)


async def test_one_draft_files_one_case(db: Database) -> None:
    worker = await person(db, 1)
    await filed_case(db, worker.id, draft_id="d1")
    with pytest.raises(sqlite3.IntegrityError):
        await filed_case(db, worker.id, draft_id="d1")
    assert len(await CaseRepository(db).of_worker(worker.id)) == 1


def assign(case, centre="dxh-wujiashan") -> Decision:
    decision = decide(case.state, Command(CommandKind.ASSIGN, centre_id=centre), AT)
    assert isinstance(decision, Decision)
    return decision


async def test_a_change_drawn_from_a_stale_version_writes_nothing(db: Database) -> None:
    store = CaseRepository(db)
    worker = await person(db, 1)
    case = await filed_case(db, worker.id)
    assigned = await store.apply(case, assign(case), recorded_at=AT)
    assert assigned is not None and assigned.version == case.version + 1 and assigned.centre_id == "dxh-wujiashan"
    # A second command drawn from the same (old) card: the row is at a newer version now.
    assert await store.apply(case, assign(case, "dxh-jinyintan"), recorded_at=AT) is None
    now = await store.get(case.id)
    assert now is not None and now.centre_id == "dxh-wujiashan" and now.version == assigned.version
    assert [event.seq for event in await store.events(case.id)] == [1, 2]


async def test_two_mediators_accepting_at_once_have_one_winner(db: Database) -> None:
    store, service_clock = CaseRepository(db), FixedClock(AT)
    worker = await person(db, 1)
    mediators = [await person(db, 10 + n, Role.MEDIATOR, "dxh-wujiashan") for n in range(2)]
    case = await filed_case(db, worker.id)
    case = await store.apply(case, assign(case), recorded_at=AT)
    from bot.case_service import change

    uow = SQLiteUnitOfWork(db)
    results = []
    for mediator in mediators:  # both drew their button from the same version
        async with uow() as tx:
            command = Command(CommandKind.ACCEPT, Actor(mediator.id, Role.MEDIATOR, "dxh-wujiashan"))
            results.append(await change(tx, case, command, service_clock))
    won, lost = results
    assert isinstance(won, Changed) and won.case.mediator_id == mediators[0].id
    assert isinstance(lost, Rejected) and lost.reason is Refusal.STALE
    assert lost.first is not None and lost.first.actor_id == mediators[0].id, "the loser is told who acted first"


async def test_a_typed_withdrawal_reason_is_kept_apart_from_the_log(db: Database) -> None:
    worker = await person(db, 1)
    case = await filed_case(db, worker.id)
    result = await CaseService(SQLiteUnitOfWork(db), FixedClock(AT)).withdraw(
        worker, case.id, version=case.version, reason_code=None, typed_reason="老板给了一半")
    assert isinstance(result, Changed) and result.case.mediation is Mediation.WITHDRAWN
    async with db.read() as conn, conn.execute("SELECT payload, note_id FROM case_events WHERE seq = 2") as cursor:
        payload, note_id = await cursor.fetchone()
    assert "老板" not in payload and note_id is not None
    async with db.read() as conn:
        await conn.execute("DELETE FROM case_notes")  # what a purge does; the anonymised event stays
    [_, withdrawn] = await CaseRepository(db).events(case.id)
    assert withdrawn.type == "withdrawn" and withdrawn.note is None


async def test_the_event_log_is_append_only(db: Database) -> None:
    worker = await person(db, 1)
    case = await filed_case(db, worker.id)
    async with db.read() as conn:
        for statement in ("UPDATE case_events SET type = 'x'", "DELETE FROM case_events"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                await conn.execute(statement)
    assert len(await CaseRepository(db).events(case.id)) == 1


async def test_a_nested_unit_of_work_joins_the_outer_one(db: Database) -> None:
    """A repository called inside another's transaction neither deadlocks nor commits early."""
    worker = await person(db, 1)
    uow = SQLiteUnitOfWork(db)
    with pytest.raises(RuntimeError):
        async with uow():
            await filed_case(db, worker.id)
            async with uow() as inner:
                assert len(await inner.cases.of_worker(worker.id)) == 1
            raise RuntimeError("the use case fails after both wrote")
    assert await CaseRepository(db).of_worker(worker.id) == [], "rolled back together"
