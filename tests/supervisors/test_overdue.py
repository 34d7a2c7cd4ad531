"""/overdue through the real dispatcher on a set clock (Tuesday 2026-11-24, 10:30 in Wuhan): what each
person is shown (and what not: another district's cases, those far from a limit), worst first by centre,
and each supervisor action on a card recorded as an event with its notices."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from bot.cases import DisputeKind, EventType
from bot.documents import AgreementTerm, ClaimKind
from bot.outcomes import AgreementDraft
from bot.overdue import SupervisionEvent
from storage.outcomes import OutcomeRepository
from tests.harness import ChatHarness, callback_answers, texts
from tests.supervisors.builders import (
    CITY_SUPERVISOR,
    DISTRICT_SUPERVISOR,
    JIANGJUNLU,
    MEDIATORS,
    WUCHANG_MEDIATOR,
    WUCHANG_SUPERVISOR,
    Cases,
    staff,
)


@pytest.fixture
async def world(chat: ChatHarness, db, clock):
    people = await staff(chat, db, clock)
    cases = Cases(chat, db, clock)
    built = {
        # Accepted 20 days ago: the platform closing limit and the Art. 14 period passed on 11-19.
        "platform": await cases.file(DisputeKind.PLATFORM, "dxh-wujiashan", "东西湖区", days_ago=20,
                                     accepted_by=MEDIATORS[0]),
        # Waiting since Saturday: to be accepted by Monday 10:30.
        "waiting": await cases.file(DisputeKind.WAGES, "dxh-jiangjunlu", "东西湖区", days_ago=3),
        # The Art. 14 period ends on Thursday: near.
        "near": await cases.file(DisputeKind.WAGES, "dxh-wujiashan", "东西湖区", days_ago=13, accepted_by=MEDIATORS[0]),
        "fresh": await cases.file(DisputeKind.WAGES, "dxh-wujiashan", "东西湖区", days_ago=2, accepted_by=MEDIATORS[1]),
        "wuchang": await cases.file(DisputeKind.WAGES, "wch-zhongnanlu", "武昌区", days_ago=20,
                                    accepted_by=WUCHANG_MEDIATOR),
    }
    return people, cases, built


def shown(chat: ChatHarness, user_id: int) -> str:
    return chat.last_message(user_id)["text"]


async def test_a_district_supervisor_sees_their_district_worst_first_by_centre(chat, world) -> None:
    _, _, case = world
    [reply] = texts(await chat.send(DISTRICT_SUPERVISOR, "/overdue"))
    numbers = {name: case[name].number for name in case}
    assert numbers["platform"] in reply and numbers["waiting"] in reply and numbers["near"] in reply
    assert numbers["wuchang"] not in reply, "another district's case"
    assert numbers["fresh"] not in reply, "far from every limit"
    assert reply.index("吴家山街道") < reply.index("将军路街道"), "the centre with the worst case first"
    assert reply.index(numbers["platform"]) < reply.index(numbers["near"]), "passed before near"
    platform_part = reply[reply.index(numbers["platform"]):reply.index(numbers["near"])]
    assert "新就业形态调解期限" in platform_part and "已超过最后一天 5 天" in platform_part
    assert "调解员受理: 已于 2026年11月23日 10:30 到期" in reply, "the acknowledgement of the waiting case"
    assert "还剩 2 天" in reply, "the Art. 14 period of the near case"


async def test_who_sees_what(chat, world) -> None:
    _, _, case = world
    city = texts(await chat.send(CITY_SUPERVISOR, "/overdue"))[0]
    assert case["wuchang"].number in city and case["platform"].number in city
    wuchang = texts(await chat.send(WUCHANG_SUPERVISOR, "/overdue"))[0]
    assert case["wuchang"].number in wuchang and case["platform"].number not in wuchang
    mediator = texts(await chat.send(MEDIATORS[1], "/overdue"))[0]
    assert case["platform"].number in mediator and case["near"].number in mediator
    assert case["waiting"].number not in mediator, "another centre's case"
    worker = texts(await chat.send(7001, "/overdue"))[0]
    assert "督导" in worker and case["platform"].number not in worker


async def test_the_list_is_paged_within_a_message(chat, db, clock, world) -> None:
    _, cases, _ = world
    for _n in range(25):
        await cases.file(DisputeKind.WAGES, "dxh-cihui", "东西湖区", days_ago=3)
    first = texts(await chat.send(DISTRICT_SUPERVISOR, "/overdue"))[0]
    assert len(first) <= 4096 and "第 1 页，共 3 页" in first
    second = texts(await chat.press_button(DISTRICT_SUPERVISOR, "➡️"))[0]
    assert "第 2 页，共 3 页" in second and "慈惠街道" in second
    assert len(second) <= 4096


async def test_remind_the_holder(chat, world) -> None:
    people, cases, case = world
    await chat.send(DISTRICT_SUPERVISOR, "/overdue")
    card = texts(await chat.press_button(DISTRICT_SUPERVISOR, case["platform"].number))[0]
    assert case["platform"].number in card and "新就业形态调解期限" in card
    calls = await chat.press_button(DISTRICT_SUPERVISOR, "提醒")
    assert "王调解员" in texts(calls)[0]
    reminder = shown(chat, MEDIATORS[0])
    assert "督导" in reminder and case["platform"].number in reminder and "已超过最后一天 5 天" in reminder
    [event] = [e for e in await cases.events(case["platform"].id) if e.type == SupervisionEvent.REMINDED]
    assert event.actor_id == people[DISTRICT_SUPERVISOR].id
    assert event.payload["to"] == [people[MEDIATORS[0]].id] and event.payload["watch"] == "platform_mediation_close"


async def test_reassign_to_another_mediator_of_the_centre(chat, world) -> None:
    people, cases, case = world
    await chat.send(DISTRICT_SUPERVISOR, "/overdue")
    await chat.press_button(DISTRICT_SUPERVISOR, case["platform"].number)
    choice = texts(await chat.press_button(DISTRICT_SUPERVISOR, "交给其他调解员"))[0]
    assert case["platform"].number in choice
    labels = [b["text"] for row in chat.last_message(DISTRICT_SUPERVISOR)["reply_markup"]["inline_keyboard"]
              for b in row]
    assert "李调解员" in labels and "王调解员" not in labels and "赵调解员" not in labels, "the centre's others"
    await chat.press_button(DISTRICT_SUPERVISOR, "李调解员")
    stored = await cases.get(case["platform"].id)
    assert stored.mediator_id == people[MEDIATORS[1]].id
    [event] = [e for e in await cases.events(stored.id) if e.type == EventType.REASSIGNED]
    assert event.actor_id == people[DISTRICT_SUPERVISOR].id and event.payload["by_supervisor"] is True
    assert case["platform"].number in shown(chat, MEDIATORS[1]) and "督导" in shown(chat, MEDIATORS[1])


async def test_transfer_to_another_centre(chat, clock, world) -> None:
    people, cases, case = world
    await chat.send(DISTRICT_SUPERVISOR, "/overdue")
    await chat.press_button(DISTRICT_SUPERVISOR, case["waiting"].number)
    await chat.press_button(DISTRICT_SUPERVISOR, "移送")
    done = texts(await chat.press_button(DISTRICT_SUPERVISOR, "慈惠街道"))[0]
    assert case["waiting"].number in done and "慈惠街道" in done
    stored = await cases.get(case["waiting"].id)
    assert stored.centre_id == "dxh-cihui"
    [event] = [e for e in await cases.events(stored.id) if e.type == EventType.TRANSFERRED]
    assert event.actor_id == people[DISTRICT_SUPERVISOR].id and event.payload["from_centre"] == "dxh-jiangjunlu"
    [(kind, due_at)] = await cases.jobs_of(stored.id)
    assert kind == "desk.acknowledge" and due_at > clock.now(), "its acknowledgement counted again there"


async def test_another_districts_supervisor_cannot_act(chat, world) -> None:
    _, cases, case = world
    await chat.send(DISTRICT_SUPERVISOR, "/overdue")
    await chat.press_button(DISTRICT_SUPERVISOR, case["platform"].number)
    remind = next(b["callback_data"] for row in chat.last_message(DISTRICT_SUPERVISOR)["reply_markup"]
                  ["inline_keyboard"] for b in row if "提醒" in b["text"])
    [answer] = callback_answers(await chat.press(WUCHANG_SUPERVISOR, remind))
    assert answer.show_alert
    assert not [e for e in await cases.events(case["platform"].id) if e.type == SupervisionEvent.REMINDED]
    assert JIANGJUNLU not in [d.chat_id for d in chat.deliveries if "提醒" in d.message.get("text", "")]


async def test_the_help_lists_overdue_for_supervisors_and_mediators(chat, world) -> None:
    assert "/overdue" in texts(await chat.send(DISTRICT_SUPERVISOR, "/help"))[0]
    assert "/overdue" in texts(await chat.send(MEDIATORS[0], "/help"))[0]
    assert "/overdue" not in texts(await chat.send(7001, "/help"))[0]


async def test_an_unanswered_payment_is_listed_from_the_working_day_after_its_due_day(chat, db, clock, world) -> None:
    people, _cases, case = world
    agreed = case["fresh"]
    store = OutcomeRepository(db)
    terms = [AgreementTerm(description="支付拖欠工资", kind=ClaimKind.WAGES, amount=Decimal("5000"),
                           due_on=date(2026, 11, 20)),   # a Friday: asked on Monday 11-23
             AgreementTerm(description="补发加班费", kind=ClaimKind.WAGES, amount=Decimal("800"),
                           due_on=date(2026, 12, 18))]   # far off
    await store.save_agreement(agreed.id, AgreementDraft(matters=["拖欠工资"], terms=terms), made_on=date(2026, 11, 19),
                               by=people[MEDIATORS[1]].id, now=clock.now())
    await store.set_effective(agreed.id, date(2026, 11, 19), date(2026, 12, 4), now=clock.now())
    reply = texts(await chat.send(DISTRICT_SUPERVISOR, "/overdue"))[0]
    listed = reply[reply.index(agreed.number):]
    assert "履行核实" in listed and "第 1 项：已超过最后一天 1 天（2026年11月23日）" in listed
    assert "第 2 项" not in listed, "a payment far off"


async def test_an_acknowledgement_due_later_today_is_near_and_passes_with_the_clock(chat, clock, world) -> None:
    _, cases, _ = world
    waiting = await cases.file(DisputeKind.WAGES, "dxh-cihui", "东西湖区", days_ago=1)  # due today 10:30
    clock.set(clock.now() - timedelta(hours=1))
    before = texts(await chat.send(DISTRICT_SUPERVISOR, "/overdue"))[0]
    assert "须在 2026年11月24日 10:30 前" in before[before.index(waiting.number):]
    clock.set(clock.now() + timedelta(hours=2))
    after = texts(await chat.send(DISTRICT_SUPERVISOR, "/overdue"))[0]
    assert "已于 2026年11月24日 10:30 到期" in after[after.index(waiting.number):]
