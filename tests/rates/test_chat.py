"""/rates through the real dispatcher: what each person may see, the answer's lines, the scope buttons,
bad input answered with examples, and /rates help."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.cases import Actor, Command, CommandKind, Decision, DisputeKind, EventType, Mediation, decide
from bot.cases.machine import SYSTEM, NewEvent, Track
from bot.people import Front, Role
from bot.ports import NewCase
from storage.cases import CaseRepository
from storage.people import PeopleRepository
from tests.harness import ChatHarness, texts

WORKER = 8001
MEDIATOR = 8901            # of dxh-wujiashan
DISTRICT_SUPERVISOR = 8950  # of 东西湖区
CITY_SUPERVISOR = 900       # SUPERVISOR_IDS of the test settings


@pytest.fixture
async def chat(app_settings, db, clock) -> ChatHarness:
    """The dispatcher `python -m bot` builds, with a mediator and a district's supervisor."""
    harness = ChatHarness.build(app_settings, db, clock)
    people = PeopleRepository(db)
    await people.set_role(Front.TELEGRAM, MEDIATOR, Role.MEDIATOR, "dxh-wujiashan", now=clock.now(),
                          display_name="王调解员")
    await people.set_role(Front.TELEGRAM, DISTRICT_SUPERVISOR, Role.SUPERVISOR, None, now=clock.now(),
                          district="东西湖区", display_name="区督导")
    for user_id in (WORKER, MEDIATOR, DISTRICT_SUPERVISOR, CITY_SUPERVISOR):
        harness.session.register_chat({"id": user_id, "type": "private", "first_name": str(user_id)})
    await harness.send(CITY_SUPERVISOR, "/start")  # the first supervisors are made from the setting
    return harness


async def mediated(db, clock, worker_user: int, centre: str, street: str, outcome: str) -> None:
    """A case filed at `street`, routed to `centre` within half an hour, accepted, ended with `outcome`."""
    people = PeopleRepository(db)
    worker = await people.identify(Front.TELEGRAM, worker_user, display_name="w", language_code="zh",
                                   now=clock.now())
    mediator = await people.find(Front.TELEGRAM, MEDIATOR)
    cases = CaseRepository(db)
    moment = clock.now() - timedelta(hours=5)
    case = await cases.create(
        NewCase(worker_id=worker.id, kind=DisputeKind.WAGES, fields={}, urgent=False, year=2026,
                draft_id=f"d{worker_user}", workplace_street=street, workplace_district="东西湖区", observers=[]),
        NewEvent(type=EventType.SUBMITTED, track=Track.MEDIATION, from_state=None, to_state=Mediation.SUBMITTED,
                 actor=Actor(worker.id, Role.WORKER), occurred_at=moment),
        recorded_at=moment)
    for command in (Command(CommandKind.ASSIGN, SYSTEM, centre_id=centre, params={"within_half_hour": True}),
                    Command(CommandKind.ACCEPT, Actor(mediator.id, Role.MEDIATOR, centre)),
                    Command(CommandKind.END_MEDIATION, SYSTEM, outcome=outcome)):
        decision = decide(case.state, command, moment)
        assert isinstance(decision, Decision), decision
        case = await cases.apply(case, decision, recorded_at=moment)


@pytest.fixture
async def four_endings(chat, db, clock) -> None:
    """Wujiashan: two agreements of three; Jiangjunlu: one of one (its mediator is made a Wujiashan one after)."""
    for user, outcome in ((7001, "agreement"), (7002, "agreement"), (7003, "no_agreement")):
        await mediated(db, clock, user, "dxh-wujiashan", "吴家山街道", outcome)
    people = PeopleRepository(db)
    await people.set_role(Front.TELEGRAM, MEDIATOR, Role.MEDIATOR, "dxh-jiangjunlu", now=clock.now())
    await mediated(db, clock, 7004, "dxh-jiangjunlu", "将军路街道", "agreement")
    await people.set_role(Front.TELEGRAM, MEDIATOR, Role.MEDIATOR, "dxh-wujiashan", now=clock.now())


async def test_a_worker_is_refused_politely_and_the_refusal_is_logged(chat, four_endings, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.rates"):
        [reply] = texts(await chat.send(WORKER, "/rates"))
    assert reply.startswith("统计指标仅向本区督导和调解中心开放")
    assert "调解成功率" not in reply
    assert any("rates refused (not_staff)" in record.getMessage() and "role worker" in record.getMessage()
               for record in caplog.records)


async def test_a_mediator_sees_their_centre_and_not_another(chat, four_endings, caplog) -> None:
    [own] = texts(await chat.send(MEDIATOR, "/rates 本月"))
    assert "吴家山街道劳动争议调解中心" in own.splitlines()[0]
    assert "调解成功率 66.7%（2/3）目标 ≥72% ❌" in own
    assert "各中心" not in own, "one centre: no table of centres"
    with caplog.at_level(logging.WARNING, logger="bot.rates"):
        [other] = texts(await chat.send(MEDIATOR, "/rates 本月 dxh-jiangjunlu"))
    assert other == "您只能查看本中心（吴家山街道劳动争议调解中心）的指标：请发送 /rates。"
    assert any("own_centre_only" in record.getMessage() for record in caplog.records)
    [district] = texts(await chat.send(MEDIATOR, "/rates 本月 东西湖区"))
    assert district.startswith("您只能查看本中心")


async def test_a_district_supervisor_sees_their_district_worst_centre_first(chat, four_endings) -> None:
    [reply] = texts(await chat.send(DISTRICT_SUPERVISOR, "/rates 本月"))
    lines = reply.splitlines()
    assert lines[0] == "<b>📊 东西湖区 · 2026-11-01 至 2026-11-30</b>"
    assert "（截至今天，本期尚未结束）" in lines
    assert "对比上期：2026-10-01 至 2026-10-31" in lines
    assert "调解成功率 75.0%（3/4）目标 ≥72% ✅ · 上期无数据" in lines
    assert "仲裁结案率 — 本期无案件（目标 ≥98%）" in lines
    assert "好评率 — 暂无评价数据（目标 ≥98%）" in lines
    assert "半小时覆盖率 100.0%（4/4）无考核目标 · 上期无数据" in lines
    assert "调解结案天数中位数：0 天（4 件）" in lines
    table = lines[lines.index("<b>各中心（按调解成功率由低到高）</b>"):]
    assert table[1].startswith("1. 吴家山街道劳动争议调解中心：66.7%（2/3）❌")
    assert table[2].startswith("2. 将军路街道劳动争议调解中心：100.0%（1/1）✅")
    [outside] = texts(await chat.send(DISTRICT_SUPERVISOR, "/rates 本月 中南路街道"))
    assert outside == "您可查看东西湖区的指标：区内各中心、街道和争议类型。"
    [street] = texts(await chat.send(DISTRICT_SUPERVISOR, "/rates 本月 将军路"))
    assert "调解成功率 100.0%（1/1）" in street and street.startswith("<b>📊 将军路街道 · ")
    [kind] = texts(await chat.send(DISTRICT_SUPERVISOR, "/rates 本月 工资"))
    assert kind.startswith("<b>📊 东西湖区 · 拖欠工资 · "), "a kind is the kind within the district"


async def test_the_scope_is_chosen_from_buttons(chat, four_endings) -> None:
    [whole] = texts(await chat.send(CITY_SUPERVISOR, "/rates 本月", language_code="en"))
    assert whole.startswith("<b>📊 the whole city · 2026-11-01 to 2026-11-30</b>")
    assert "Mediation success 75.0% (3/4) target ≥72% ✅ · no previous figure" in whole
    await chat.press_button(CITY_SUPERVISOR, "A centre", language_code="en")
    assert chat.last_message(CITY_SUPERVISOR)["text"] == "Which centre?"
    calls = await chat.press_button(CITY_SUPERVISOR, "Wujiashan Street Labour Dispute Mediation Centre",
                                    language_code="en")
    [centre] = texts(calls)
    assert "Mediation success 66.7% (2/3) target ≥72% ❌" in centre
    await chat.press_button(CITY_SUPERVISOR, "A dispute kind", language_code="en")
    [kind] = texts(await chat.press_button(CITY_SUPERVISOR, "platform work", language_code="en"))
    assert "Mediation success — no cases in this period (target ≥72%)" in kind


async def test_bad_input_is_answered_with_examples(chat) -> None:
    [bad_date] = texts(await chat.send(CITY_SUPERVISOR, "/rates 2025-13-45"))
    assert bad_date.startswith("“2025-13-45”不是有效的日期。\n示例：本月、上个月、今年、2025年第三季度")
    [unknown] = texts(await chat.send(CITY_SUPERVISOR, "/rates 上个月 火星街道"))
    assert unknown.startswith("没有名为“火星街道”的中心、街道、区或争议类型。\n示例：")
    [future] = texts(await chat.send(CITY_SUPERVISOR, "/rates 下个月"))
    assert future.startswith("“下个月”尚未开始。")


async def test_rates_help_shows_every_definition(chat) -> None:
    [help_text] = texts(await chat.send(DISTRICT_SUPERVISOR, "/rates help"))
    for name in ("调解成功率", "仲裁结案率", "仲裁按期结案率", "劳动保障监察举报投诉案件结案率",
                 "拖欠农民工工资举报投诉案件结案率", "法定期限结案率", "好评率", "半小时覆盖率"):
        assert f"<b>• {name}" in help_text
    assert "约束性目标 ≥72%" in help_text and "预期目标 ≥98%" in help_text
