"""The worker's side through the real dispatcher with a set clock: the agreement's papers, the payment
question on the working day after the due date and its answer, the rating with a comment.

bot/app.py does not wire this module yet: `wired` below does what the lead's wiring is to do (the
service in the dispatcher's data, the router, the notices' templates beside the others)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiogram.methods import SendDocument

from bot import app
from bot.app import build_i18n
from bot.chat.outbox_sender import OutboxSender
from bot.deadlines import CalendarSource
from bot.outcomes import OutcomeEvent, OutcomeService
from bot.settings import Settings
from handlers import outcomes as outcome_handlers
from handlers.notices import templates
from storage.db import Database
from storage.outbox import OutboxRepository
from storage.outcomes import SQLiteOutcomeUnitOfWork
from storage.people import PeopleRepository
from tests.harness import ChatHarness, texts
from tests.outcomes.test_service import CERTIFICATE, DEPOSIT, WAGES, World

WORKER, MEDIATOR, SUPERVISOR = 1001, 2001, 900


async def wired(app_settings: Settings, db: Database, world: World, monkeypatch: pytest.MonkeyPatch) -> ChatHarness:
    async def no_wait(_seconds: float) -> None:
        return None

    # First, so that /cancel while writing a comment reaches this router, not the form's /cancel.
    journeys = app.journey_routers
    monkeypatch.setattr(app, "journey_routers", lambda: [outcome_handlers.router(), *journeys()])
    chat = ChatHarness.build(app_settings, db, world.clock)
    dispatcher = chat.dispatcher
    routing = dispatcher["routing"]
    dispatcher["outcomes"] = OutcomeService(SQLiteOutcomeUnitOfWork(db), world.clock,
                                            CalendarSource(app_settings.holidays_file), app_settings.zone)
    dispatcher["outbox"] = OutboxSender(
        OutboxRepository(db), PeopleRepository(db), dispatcher["bots"],
        {**templates(app_settings, routing.centre_name, dispatcher["centres"].centre), **outcome_handlers.templates()},
        build_i18n(app_settings), app_settings.default_locale, world.clock, sleep=no_wait)
    for user_id in (WORKER, MEDIATOR, SUPERVISOR):
        chat.session.register_chat({"id": user_id, "type": "private", "first_name": str(user_id)})
    return chat


@pytest.fixture
async def world(db: Database) -> World:
    from bot.clock import FixedClock

    built = World(db, FixedClock(datetime(2026, 11, 24, 2, 30, tzinfo=UTC)))
    await built.setup()
    return built


def chat_texts(chat: ChatHarness, user_id: int) -> list[str]:
    return [delivery.message.get("text", "") for delivery in chat.deliveries if delivery.chat_id == user_id]


async def test_the_papers_come_as_docx_and_pdf_from_the_agreement_notice(app_settings, db, world, monkeypatch) -> None:
    chat = await wired(app_settings, db, world, monkeypatch)
    case, _ = await world.agreed(WAGES, CERTIFICATE)
    await chat.dispatcher["outbox"].flush()
    notice = chat_texts(chat, WORKER)[-1]
    assert "调解协议已于2026年11月24日生效" in notice and "2026年12月9日前" in notice and "仲裁审查确认" in notice
    assert "2026年12月16日" in notice, "the day the wages will be asked about"
    calls = await chat.press_button(WORKER, "调解协议书")
    documents = [call for call in calls if isinstance(call, SendDocument)]
    assert sorted(call.document.filename for call in documents) == [f"劳动争议调解协议书-{case.number}.docx",
                                                                    f"劳动争议调解协议书-{case.number}.pdf"]


async def test_wages_not_paid_through_the_chat(app_settings, db, world, monkeypatch) -> None:
    chat = await wired(app_settings, db, world, monkeypatch)
    await world.agreed(WAGES)
    world.clock.set(datetime(2026, 12, 16, 1, 30, tzinfo=UTC))
    await world.run_jobs()
    await chat.dispatcher["outbox"].flush()
    assert "用人单位支付了吗" in chat_texts(chat, WORKER)[-1]
    calls = await chat.press_button(WORKER, "没有支付")
    [reply] = texts(calls)[:1]
    assert "支付令" in reply and "申请仲裁" in reply
    assert any("未（足额）支付" in text for text in chat_texts(chat, MEDIATOR))
    again = await chat.press_button(WORKER, "满意")  # the case is closed (not paid): the rating question came
    assert "感谢您对案件" in texts(again)[0]


async def test_another_term_not_paid_brings_no_payment_order(app_settings, db, world, monkeypatch) -> None:
    chat = await wired(app_settings, db, world, monkeypatch)
    await world.agreed(DEPOSIT)
    world.clock.set(datetime(2026, 11, 30, 1, 30, tzinfo=UTC))   # Monday after Friday's due date
    await world.run_jobs()
    await chat.dispatcher["outbox"].flush()
    reply = texts(await chat.press_button(WORKER, "没有支付"))[0]
    assert "申请仲裁" in reply and "支付令" not in reply


async def test_a_low_rating_with_a_comment_through_the_chat(app_settings, db, world, monkeypatch) -> None:
    chat = await wired(app_settings, db, world, monkeypatch)
    case, _ = await world.agreed(CERTIFICATE)
    await chat.dispatcher["outbox"].flush()
    assert "您对案件" in chat_texts(chat, WORKER)[-1]
    rated = await chat.press_button(WORKER, "非常不满意")
    assert "非常不满意" in texts(rated)[0]
    assert any("非常不满意" in text and case.number in text for text in chat_texts(chat, SUPERVISOR))
    prompt = texts(await chat.press_button(WORKER, "补充意见"))[0]
    assert "/cancel" in prompt
    assert "意见已记录" in texts(await chat.send(WORKER, "等了很久没人联系我"))[0]
    [comment] = [e for e in await world.events(case.id) if e.type == OutcomeEvent.RATING_COMMENTED]
    assert comment.note == "等了很久没人联系我"
    assert "已经评价过" in (await chat.press_button(WORKER, "满意"))[0].text


async def test_cancel_leaves_the_comment_step(app_settings, db, world, monkeypatch) -> None:
    chat = await wired(app_settings, db, world, monkeypatch)
    case, _ = await world.agreed(CERTIFICATE)
    await chat.dispatcher["outbox"].flush()
    await chat.press_button(WORKER, "基本满意")
    await chat.press_button(WORKER, "补充意见")
    assert "没有补充意见" in texts(await chat.send(WORKER, "/cancel"))[0]
    assert not [e for e in await world.events(case.id) if e.type == OutcomeEvent.RATING_COMMENTED]
    assert "没有补充意见" not in texts(await chat.send(WORKER, "再说一句"))[0], "the step is over"
