"""The Telegram front's configuration: self-hosted Bot API server, webhook secret."""

import asyncio

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiohttp.test_utils import TestClient, TestServer

from bot.app import WEBHOOK_PATH, attach_front, build_dispatcher, telegram_bot, webhook_app
from bot.chat.faithful_session import FaithfulSession
from bot.people import Front
from bot.settings import Settings


def test_a_self_hosted_bot_api_server_is_used_when_configured(tmp_path) -> None:
    settings = Settings(_env_file=None, bot_token="123:abc", telegram_api_url="http://127.0.0.1:8081/",
                        database_path=tmp_path / "x.sqlite3")
    bot = telegram_bot(settings)
    assert bot.session.api.api_url(bot.token, "getMe") == "http://127.0.0.1:8081/bot123:abc/getMe"
    default = telegram_bot(settings.model_copy(update={"telegram_api_url": None}))
    assert default.session.api.api_url("t", "getMe").startswith("https://api.telegram.org/")


async def test_the_webhook_refuses_updates_without_the_secret(tmp_path, db) -> None:
    settings = Settings(_env_file=None, bot_token="123:abc", webhook_url="https://mediation.example.cn",
                        webhook_secret="s3cret", database_path=tmp_path / "x.sqlite3")
    session = FaithfulSession()
    bot = Bot("123:abc", session=session, default=DefaultBotProperties(parse_mode="HTML"))
    dispatcher = build_dispatcher(settings, db)
    attach_front(dispatcher, bot, Front.TELEGRAM)
    session.register_chat({"id": 5, "type": "private", "first_name": "A"})
    update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"},
                                          "from": {"id": 5, "is_bot": False, "first_name": "A"},
                                          "text": "/start",
                                          "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
    async with TestClient(TestServer(webhook_app(dispatcher, bot, settings))) as client:
        refused = await client.post(WEBHOOK_PATH, json=update)
        assert refused.status == 401
        wrong = await client.post(WEBHOOK_PATH, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "no"})
        assert wrong.status == 401
        accepted = await client.post(WEBHOOK_PATH, json=update,
                                     headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"})
        assert accepted.status == 200
        for _ in range(100):  # the handler answers in the background, as aiogram does for webhooks
            greetings = [call.text for call in session.calls if call.__api_method__ == "sendMessage"]
            if greetings:
                break
            await asyncio.sleep(0.02)
    assert len(greetings) == 1 and "半小时调解" in greetings[0], "only the update with the secret was handled"
