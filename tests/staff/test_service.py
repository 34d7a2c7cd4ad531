"""The staff use cases on a real store, without a chat: codes, joining, who manages whom, revocation."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.cases import EventType, Mediation
from bot.clock import FixedClock
from bot.codes import CODE_ALPHABET, read_code, shown_code
from bot.people import Front, Role
from bot.routing import RegistryHolder
from bot.staff import (
    CODE_LENGTH,
    INVITE_LIFETIME,
    JOIN_ATTEMPTS,
    JOIN_WINDOW,
    REVOKED,
    Issued,
    Joined,
    JoinRefusal,
    JoinRefused,
    Revoked,
    StaffRefusal,
    StaffRefused,
    StaffService,
)
from storage.cases import CaseRepository
from storage.db import Database
from storage.people import PeopleRepository
from storage.staff import SQLiteStaffUnitOfWork
from tests.staff.conftest import DONGXIHU, JIANGJUNLU, WUCHANG, WUJIASHAN, ZHONGNANLU, held_case, someone


async def issued(staff: StaffService, supervisor, centre_id: str = WUJIASHAN) -> Issued:
    result = await staff.invite(supervisor, centre_id)
    assert isinstance(result, Issued), result
    return result


async def test_a_code_makes_one_person_a_mediator_of_its_centre_once(db: Database, clock, staff) -> None:
    supervisor = await someone(db, clock, 1, Role.SUPERVISOR, district=DONGXIHU)
    invite = await issued(staff, supervisor)
    first, second = await someone(db, clock, 2), await someone(db, clock, 3)

    joined = await staff.join(first, invite.code)
    assert isinstance(joined, Joined)
    assert (joined.person.role, joined.person.centre_id) == (Role.MEDIATOR, WUJIASHAN)
    assert await staff.join(second, invite.code) == JoinRefused(JoinRefusal.USED)
    assert (await PeopleRepository(db).get(second.id)).role is Role.WORKER
    assert await staff.join(first, invite.code) == JoinRefused(JoinRefusal.ALREADY), "the link opened twice"
    async with db.read() as conn, conn.execute(
        "SELECT used_by, created_by FROM staff_invites WHERE id = ?", (invite.invite.id,)) as cursor:
        assert tuple(await cursor.fetchone()) == (first.id, supervisor.id)
    async with db.read() as conn, conn.execute(
        "SELECT person_id, role, centre_id, invite_id FROM staff_changes") as cursor:
        assert [tuple(row) for row in await cursor.fetchall()] == [(first.id, "mediator", WUJIASHAN, invite.invite.id)]


async def test_two_people_using_one_code_at_once_make_one_mediator(db: Database, clock, staff) -> None:
    supervisor = await someone(db, clock, 1, Role.SUPERVISOR, district=DONGXIHU)
    invite = await issued(staff, supervisor)
    first, second = await someone(db, clock, 2), await someone(db, clock, 3)
    results = await asyncio.gather(staff.join(first, invite.code), staff.join(second, invite.code))
    assert sorted(type(result).__name__ for result in results) == ["JoinRefused", "Joined"]
    assert len(await PeopleRepository(db).staff(WUJIASHAN)) == 1


async def test_an_expired_code_is_refused_with_the_moment_it_expired(db: Database, clock: FixedClock, staff) -> None:
    supervisor = await someone(db, clock, 1, Role.SUPERVISOR, district=DONGXIHU)
    invite = await issued(staff, supervisor)
    assert invite.invite.expires_at == clock.now() + INVITE_LIFETIME
    clock.set(invite.invite.expires_at)
    late = await staff.join(await someone(db, clock, 2), invite.code)
    assert late == JoinRefused(JoinRefusal.EXPIRED, when=invite.invite.expires_at)


async def test_codes_cannot_be_guessed_and_the_store_keeps_only_their_hash(db: Database, clock, staff) -> None:
    supervisor = await someone(db, clock, 1, Role.SUPERVISOR, district=DONGXIHU)
    codes = [(await issued(staff, supervisor)).code for _ in range(20)]
    assert len(set(codes)) == 20
    assert all(len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert len(CODE_ALPHABET) ** CODE_LENGTH >= 2 ** 80
    async with db.read() as conn, conn.execute("SELECT * FROM staff_invites") as cursor:
        stored = " ".join(str(value) for row in await cursor.fetchall() for value in tuple(row))
    assert not any(code in stored for code in codes)


def test_a_code_is_read_as_people_type_it() -> None:
    code = "0123456789ABCDEF"
    assert read_code(shown_code(code), CODE_LENGTH) == code
    assert read_code(" /0123 4567 89ab cdef ".strip(" /"), CODE_LENGTH) == code
    assert read_code("O123456789ABCDEF", CODE_LENGTH) == code, "the letter O is read as zero"
    assert read_code("0123456789ABCDE", CODE_LENGTH) is None and read_code("0123456789ABCDEU", CODE_LENGTH) is None


async def test_wrong_codes_are_limited_per_person_in_the_store(db: Database, clock: FixedClock, centres,
                                                               staff) -> None:
    supervisor = await someone(db, clock, 1, Role.SUPERVISOR, district=DONGXIHU)
    invite = await issued(staff, supervisor)
    guesser, other = await someone(db, clock, 2), await someone(db, clock, 3)
    for attempt in range(JOIN_ATTEMPTS):
        typed = "ABCD" * 4 if attempt % 2 else "no code"
        assert (await staff.join(guesser, typed)).reason in (JoinRefusal.UNKNOWN, JoinRefusal.NOT_A_CODE)
    # A new service (a restart, another process) reads the attempts from the store.
    restarted = StaffService(SQLiteStaffUnitOfWork(db), clock, centres)
    locked = await restarted.join(guesser, invite.code)
    assert locked == JoinRefused(JoinRefusal.TOO_MANY_ATTEMPTS, when=clock.now() + JOIN_WINDOW)
    assert (await PeopleRepository(db).get(guesser.id)).role is Role.WORKER
    assert isinstance(await restarted.join(other, invite.code), Joined), "someone else is not held back"

    second = await issued(staff, supervisor)
    clock.set(clock.now() + JOIN_WINDOW)
    assert isinstance(await restarted.join(guesser, second.code), Joined), "after the window, a code works again"


async def test_a_supervisor_invites_to_the_centres_of_their_district_only(db: Database, clock, staff) -> None:
    dongxihu = await someone(db, clock, 1, Role.SUPERVISOR, district=DONGXIHU)
    city = await someone(db, clock, 2, Role.SUPERVISOR)
    mediator = await someone(db, clock, 3, Role.MEDIATOR, centre_id=WUJIASHAN)
    assert city.city_wide and not dongxihu.city_wide
    assert await staff.invite(dongxihu, ZHONGNANLU) == StaffRefused(StaffRefusal.NOT_YOURS)
    assert await staff.invite(dongxihu, "no-such-centre") == StaffRefused(StaffRefusal.UNKNOWN_CENTRE)
    assert await staff.invite(mediator, WUJIASHAN) == StaffRefused(StaffRefusal.NOT_A_SUPERVISOR)
    assert isinstance(await staff.invite(city, ZHONGNANLU), Issued)

    # The role is read from the store, not from the Person the caller holds.
    await PeopleRepository(db).set_role(Front.TELEGRAM, 1, Role.WORKER, None, now=clock.now())
    assert await staff.invite(dongxihu, WUJIASHAN) == StaffRefused(StaffRefusal.NOT_A_SUPERVISOR)


async def events_of(db: Database, case_id: int):
    return [event for event in await CaseRepository(db).events(case_id)
            if event.type in (EventType.PASSED, EventType.REASSIGNED)]


async def test_a_revoked_mediators_open_cases_go_back_to_the_queue_each_an_event(db: Database, clock,
                                                                                 staff) -> None:
    supervisor = await someone(db, clock, 1, Role.SUPERVISOR, district=DONGXIHU)
    leaving = await someone(db, clock, 2, Role.MEDIATOR, centre_id=WUJIASHAN)
    staying = await someone(db, clock, 3, Role.MEDIATOR, centre_id=WUJIASHAN)
    worker = await someone(db, clock, 4)
    cases = [await held_case(db, clock, worker, leaving, f"d{n}") for n in range(2)]
    kept = await held_case(db, clock, worker, staying, "d-kept")

    revoked = await staff.revoke(supervisor, leaving.id)
    assert isinstance(revoked, Revoked) and revoked.colleague is None
    assert revoked.person.role is Role.WORKER and revoked.person.centre_id is None
    assert [case.id for case in revoked.moved] == [case.id for case in cases]
    store = CaseRepository(db)
    for case in cases:
        now = await store.get(case.id)
        assert (now.mediation, now.centre_id, now.mediator_id) == (Mediation.ASSIGNED, WUJIASHAN, None)
        [event] = await events_of(db, case.id)
        assert (event.type, event.actor_id, event.actor_role) == (EventType.PASSED, supervisor.id, Role.SUPERVISOR)
        assert event.payload["from_mediator"] == leaving.id and event.payload["reason_code"] == REVOKED
    assert (await store.get(kept.id)).mediator_id == staying.id, "a colleague's case stays where it is"
    assert (await PeopleRepository(db).find(Front.TELEGRAM, 2)).role is Role.WORKER
    async with db.read() as conn, conn.execute(
        "SELECT person_id, role, changed_by FROM staff_changes") as cursor:
        assert [tuple(row) for row in await cursor.fetchall()] == [(leaving.id, "worker", supervisor.id)]


async def test_a_revoked_mediators_cases_can_go_to_a_named_colleague(db: Database, clock, staff) -> None:
    supervisor = await someone(db, clock, 1, Role.SUPERVISOR, district=DONGXIHU)
    leaving = await someone(db, clock, 2, Role.MEDIATOR, centre_id=WUJIASHAN)
    colleague = await someone(db, clock, 3, Role.MEDIATOR, centre_id=WUJIASHAN)
    elsewhere = await someone(db, clock, 5, Role.MEDIATOR, centre_id=JIANGJUNLU)
    case = await held_case(db, clock, await someone(db, clock, 4), leaving, "d1")

    assert await staff.revoke(supervisor, leaving.id, colleague_id=elsewhere.id) == \
        StaffRefused(StaffRefusal.NOT_A_COLLEAGUE)
    assert (await CaseRepository(db).get(case.id)).mediator_id == leaving.id, "a refusal changes nothing"
    assert (await PeopleRepository(db).get(leaving.id)).role is Role.MEDIATOR

    revoked = await staff.revoke(supervisor, leaving.id, colleague_id=colleague.id)
    assert isinstance(revoked, Revoked) and revoked.colleague == colleague
    now = await CaseRepository(db).get(case.id)
    assert (now.mediation, now.mediator_id) == (Mediation.ACCEPTED, colleague.id)
    [event] = await events_of(db, case.id)
    assert (event.type, event.payload["from_mediator"], event.payload["mediator_id"]) == (
        EventType.REASSIGNED, leaving.id, colleague.id)


async def test_a_case_that_cannot_move_leaves_the_whole_revocation_undone(db: Database, clock, staff,
                                                                          monkeypatch) -> None:
    supervisor = await someone(db, clock, 1, Role.SUPERVISOR, district=DONGXIHU)
    leaving = await someone(db, clock, 2, Role.MEDIATOR, centre_id=WUJIASHAN)
    worker = await someone(db, clock, 4)
    first, second = [await held_case(db, clock, worker, leaving, f"d{n}") for n in range(2)]
    apply = CaseRepository.apply

    async def second_was_changed_first(self, case, decision, *, recorded_at):
        # As if someone acted on the second case between its read and its update.
        return None if case.id == second.id else await apply(self, case, decision, recorded_at=recorded_at)

    monkeypatch.setattr(CaseRepository, "apply", second_was_changed_first)
    assert await staff.revoke(supervisor, leaving.id) == StaffRefused(StaffRefusal.CASE_REFUSED)
    monkeypatch.undo()
    assert (await CaseRepository(db).get(first.id)).mediator_id == leaving.id, "the first case's move is undone"
    assert await events_of(db, first.id) == []
    assert (await PeopleRepository(db).get(leaving.id)).role is Role.MEDIATOR


@pytest.mark.parametrize(("actor", "member", "allowed"), [
    ("dongxihu", "mediator_dongxihu", True),
    ("dongxihu", "liaison_dongxihu", True),
    ("dongxihu", "mediator_wuchang", False),
    ("dongxihu", "liaison_wuchang", False),
    ("wuchang", "mediator_dongxihu", False),
    ("dongxihu", "supervisor_wuchang", False),
    ("dongxihu", "dongxihu", False),
    ("city", "mediator_wuchang", True),
    ("city", "supervisor_wuchang", True),
    ("city", "city_other", False),
    ("city", "city", False),
])
async def test_who_may_revoke_whom(db: Database, clock, staff, actor: str, member: str, allowed: bool) -> None:
    people = {
        "dongxihu": await someone(db, clock, 1, Role.SUPERVISOR, district=DONGXIHU),
        "wuchang": await someone(db, clock, 2, Role.SUPERVISOR, district=WUCHANG),
        "city": await someone(db, clock, 3, Role.SUPERVISOR),
        "mediator_dongxihu": await someone(db, clock, 4, Role.MEDIATOR, centre_id=WUJIASHAN),
        "mediator_wuchang": await someone(db, clock, 5, Role.MEDIATOR, centre_id=ZHONGNANLU),
        "liaison_dongxihu": await someone(db, clock, 6, Role.INSPECTION, district=DONGXIHU),
        "liaison_wuchang": await someone(db, clock, 7, Role.INSPECTION, district=WUCHANG),
        "city_other": await someone(db, clock, 8, Role.SUPERVISOR),
    }
    people["supervisor_wuchang"] = people["wuchang"]
    listed = await staff.staff_of(people[actor])
    result = await staff.revoke(people[actor], people[member].id)
    assert isinstance(result, Revoked) is allowed, result
    assert (people[member].id in [m.person.id for m in listed]) is allowed, "the list shows whom one may revoke"
    expected = people[member].role if not allowed else Role.WORKER
    assert (await PeopleRepository(db).get(people[member].id)).role is expected


async def test_a_mediator_holding_cases_cannot_move_centre_with_a_code(db: Database, clock, staff) -> None:
    supervisor = await someone(db, clock, 1, Role.SUPERVISOR, district=DONGXIHU)
    mediator = await someone(db, clock, 2, Role.MEDIATOR, centre_id=WUJIASHAN)
    await held_case(db, clock, await someone(db, clock, 3), mediator, "d1")
    elsewhere = await issued(staff, supervisor, JIANGJUNLU)
    assert await staff.join(mediator, elsewhere.code) == JoinRefused(JoinRefusal.HOLDS_CASES, cases=1)
    assert await staff.join(supervisor, elsewhere.code) == JoinRefused(JoinRefusal.STAFF_ALREADY)
    assert (await PeopleRepository(db).get(mediator.id)).centre_id == WUJIASHAN
    assert isinstance(await staff.join(await someone(db, clock, 4), elsewhere.code), Joined), "the code is unused"


async def test_operators_add_staff_of_every_role_and_codes_for_any(db: Database, clock, staff) -> None:
    liaison = await staff.add(Front.TELEGRAM, 10, Role.INSPECTION, district=DONGXIHU)
    city = await staff.add(Front.TELEGRAM, 11, Role.SUPERVISOR)
    arbitration = await staff.add(Front.TELEGRAM, 12, Role.MEDIATOR, centre_id="dxh-arbitration")
    assert (liaison.role, liaison.district, city.city_wide, arbitration.centre_id) == (
        Role.INSPECTION, DONGXIHU, True, "dxh-arbitration")
    assert await staff.add(Front.TELEGRAM, 13, Role.INSPECTION) == StaffRefused(StaffRefusal.UNKNOWN_DISTRICT)
    assert await staff.add(Front.TELEGRAM, 13, Role.INSPECTION, district="火星区") == \
        StaffRefused(StaffRefusal.UNKNOWN_DISTRICT)
    assert await staff.add(Front.TELEGRAM, 13, Role.MEDIATOR, centre_id="nowhere") == \
        StaffRefused(StaffRefusal.UNKNOWN_CENTRE)
    assert await staff.add(Front.TELEGRAM, 13, Role.WORKER) == StaffRefused(StaffRefusal.NOT_STAFF)

    code = await staff.issue(Role.SUPERVISOR, district=WUCHANG, lifetime=timedelta(hours=1))
    web = await someone(db, clock, 5_000_000_000, front=Front.WEB)
    joined = await staff.join(web, code.code)
    assert isinstance(joined, Joined)
    assert (joined.person.front, joined.person.role, joined.person.district) == (Front.WEB, Role.SUPERVISOR, WUCHANG)
    listed = {member.person.user_id: member.person.role for member in await staff.listing()}
    assert listed == {10: Role.INSPECTION, 11: Role.SUPERVISOR, 12: Role.MEDIATOR, 5_000_000_000: Role.SUPERVISOR}
    assert [m.person.user_id for m in await staff.listing("dxh-arbitration")] == [12]


async def test_a_role_change_in_a_use_case_reaches_every_cached_reader(db: Database, clock,
                                                                       centres: RegistryHolder) -> None:
    """The middleware's repository and the unit of work's are different objects on one database."""
    middleware_view = PeopleRepository(db)
    mediator = await someone(db, clock, 2, Role.MEDIATOR, centre_id=WUJIASHAN)
    assert (await middleware_view.find(Front.TELEGRAM, 2)).role is Role.MEDIATOR  # cached now
    supervisor = await someone(db, clock, 1, Role.SUPERVISOR, district=DONGXIHU)
    await StaffService(SQLiteStaffUnitOfWork(db), clock, centres).revoke(supervisor, mediator.id)
    assert (await middleware_view.find(Front.TELEGRAM, 2)).role is Role.WORKER
