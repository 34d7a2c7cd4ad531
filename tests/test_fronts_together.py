"""A worker on the web chat and a mediator on Telegram work one case: each is reached on their own front."""

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties

from bot.app import attach_front
from bot.chat.faithful_session import FaithfulSession
from bot.people import Front, Role
from storage.people import PeopleRepository
from tests.harness import ChatHarness
from tests.intake.helpers import Worker
from tests.intake.test_mycases_and_alerts import file_wages_complaint

WEB_WORKER = 5001
TELEGRAM_MEDIATOR = 6001


async def test_a_web_chat_complaint_reaches_the_mediator_on_telegram(app_settings, db, clock) -> None:
    web = ChatHarness.build(app_settings, db, clock, front=Front.WEB)
    telegram_session = FaithfulSession()
    telegram_bot = Bot("43:telegram-front", session=telegram_session, default=DefaultBotProperties(parse_mode="HTML"))
    attach_front(web.dispatcher, telegram_bot, Front.TELEGRAM)
    telegram_session.register_chat({"id": TELEGRAM_MEDIATOR, "type": "private", "first_name": "王"})
    await PeopleRepository(db).set_role(Front.TELEGRAM, TELEGRAM_MEDIATOR, Role.MEDIATOR, "dxh-wujiashan",
                                        now=clock.now())

    confirmation = await file_wages_complaint(Worker(web, WEB_WORKER), "Hongda Construction", 1)
    assert "LD-2026-000001" in confirmation

    [told] = [call.text for call in telegram_session.calls if call.__api_method__ == "sendMessage"]
    assert "LD-2026-000001" in told, "the mediator is reached on Telegram"
    assert all(getattr(call, "chat_id", None) != TELEGRAM_MEDIATOR for call in web.session.calls), (
        "nothing for the mediator went out through the web chat")
    worker = await PeopleRepository(db).find(Front.WEB, WEB_WORKER)
    assert worker is not None and worker.role is Role.WORKER, "the worker's identity is on the web front"
