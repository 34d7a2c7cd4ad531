"""Talking across fronts: a worker on the web chat and a mediator on Telegram (texts cross; a file stays on its
own front, and the sender is told), and both on the web chat through its real socket (files included),
with nothing of either side's account in what the other's page receives."""

from __future__ import annotations

import json
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.methods import SendDocument, SendMessage, SendPhoto
from aiogram.types import BufferedInputFile
from aiohttp import FormData

from bot.app import attach_front
from bot.chat.faithful_session import Delivery, FaithfulSession
from bot.people import Front, Role
from storage.cases import CaseRepository
from storage.people import PeopleRepository
from storage.relay import RelayRepository
from tests.harness import ChatHarness, texts
from tests.intake.helpers import Worker
from tests.intake.test_mycases_and_alerts import file_wages_complaint
from tests.relay.helpers import MEDIATOR, WORKER, leaks, payloads_to, with_accounts
from tests.webchat.conftest import WebChat, bot_said, origin_of, serve_webchat, text_of
from tests.webchat.test_protocol import button_data, tiny_png
from webchat.visitors import DEMO_BY_KEY


class TelegramSide:
    """The Telegram front beside a web chat harness: one dispatcher serves both."""

    def __init__(self, web: ChatHarness) -> None:
        self.web = web
        self.session = FaithfulSession()
        self.bot = Bot("43:telegram-front", session=self.session, default=DefaultBotProperties(parse_mode="HTML"))
        attach_front(web.dispatcher, self.bot, Front.TELEGRAM)
        self.deliveries: list[Delivery] = []
        self.updates = type(web.updates)(self.session)

        async def record(delivery: Delivery) -> None:
            self.deliveries.append(delivery)

        self.session.listeners.append(record)

    def last(self, user_id: int) -> dict[str, Any]:
        return next(d.message for d in reversed(self.deliveries) if d.chat_id == user_id and d.kind != "delete")

    async def press(self, user_id: int, label_part: str) -> list[Any]:
        for delivery in reversed(self.deliveries):
            for row in delivery.message.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    if delivery.chat_id == user_id and label_part in button["text"]:
                        update = self.updates.callback(user_id, data=button["callback_data"],
                                                       message=delivery.message, language_code="en")
                        return await self._feed(update)
        raise AssertionError(f"no button {label_part!r} for {user_id}")

    async def send(self, user_id: int, text: str | None = None, **content: Any) -> list[Any]:
        return await self._feed(self.updates.message(user_id, text=text, language_code="en", **content))

    async def _feed(self, update: Any) -> list[Any]:
        before = len(self.session.calls)
        await self.web.dispatcher.feed_update(self.bot, update)
        await self.web.dispatcher["outbox"].flush()
        return self.session.calls[before:]


async def test_a_web_worker_and_a_telegram_mediator_talk_and_files_cross_as_copies(app_settings, db, clock) -> None:
    web = with_accounts(ChatHarness.build(app_settings, db, clock, front=Front.WEB))
    telegram = TelegramSide(web)
    telegram.session.register_chat({"id": MEDIATOR, "type": "private", "first_name": "王调解员",
                                    "username": "wang_private_tg"})
    await PeopleRepository(db).set_role(Front.TELEGRAM, MEDIATOR, Role.MEDIATOR, "dxh-wujiashan", now=clock.now(),
                                        display_name="王调解员")
    await file_wages_complaint(Worker(web, WORKER), "Hongda Construction", 1)
    worker = await PeopleRepository(db).find(Front.WEB, WORKER)
    [case] = await CaseRepository(db).of_worker(worker.id)
    await telegram.press(MEDIATOR, "✅")

    await telegram.press(MEDIATOR, "Write to the worker")
    await telegram.send(MEDIATOR, "请带上劳动合同。")
    assert "请带上劳动合同。" in web.last_message(WORKER)["text"], "reached on the web front"

    await telegram.press(MEDIATOR, "Write to the worker")
    unreachable = texts(await telegram.send(MEDIATOR, photo=[{"file_id": "tg-gone", "file_unique_id": "g",
                                                              "width": 9, "height": 9, "file_size": 99}]))
    assert any("could not be passed on just now" in text for text in unreachable), "and the mode stays open"
    telegram.session.host_file("tg-photo", tiny_png())
    await telegram.send(MEDIATOR, photo=[{"file_id": "tg-photo", "file_unique_id": "p", "width": 3, "height": 2,
                                          "file_size": 99}], caption="这是通知书")
    [photo] = [call for call in web.session.calls if isinstance(call, SendPhoto)]
    assert photo.chat_id == WORKER and isinstance(photo.photo, BufferedInputFile), "a copy, uploaded"
    assert "这是通知书" in photo.caption and "王调解员" in photo.caption
    assert "tg-photo" not in json.dumps(photo.model_dump(exclude={"photo"}), default=str), "no Telegram file id"

    await Worker(web, WORKER).presses("Reply")
    web.session.host_file("web-contract", b"%PDF-1.4 the contract")
    await Worker(web, WORKER).says(document={"file_id": "web-contract", "file_unique_id": "c",
                                             "file_name": "合同.pdf", "file_size": 21}, caption="合同")
    [document] = [call for call in telegram.session.calls if isinstance(call, SendDocument)]
    assert document.chat_id == MEDIATOR and isinstance(document.document, BufferedInputFile)
    assert document.document.filename == "合同.pdf" and "Chen Gang" in document.caption

    await Worker(web, WORKER).presses("Reply")
    await Worker(web, WORKER).says("好的")
    heard = [call.text for call in telegram.session.calls if isinstance(call, SendMessage)
             and call.chat_id == MEDIATOR and "好的" in call.text]
    assert heard and "Chen Gang" in heard[0]
    assert not leaks(payloads_to(telegram.session, MEDIATOR), WORKER)
    assert not leaks(payloads_to(web.session, WORKER), MEDIATOR)
    stored = await RelayRepository(db).of_case(case.id)
    assert [m.content.kind for m in stored] == ["text", "photo", "document", "text"]
    assert all(m.content.stored_as for m in stored if m.content.kind != "text"), "the copies are kept"


# --- the web chat itself --------------------------------------------------------------------------------

ZHANG, WANG = DEMO_BY_KEY["zhang"], DEMO_BY_KEY["mediator"]


async def held_on_the_web(app_settings, db, clock) -> str:
    """The demo worker 张师傅's complaint (filed as 'Chen Gang'), taken by the demo mediator 王调解员."""
    harness = ChatHarness.build(app_settings, db, clock, front=Front.WEB)
    await PeopleRepository(db).set_role(Front.WEB, WANG.user_id, Role.MEDIATOR, WANG.centre_id, now=clock.now(),
                                        display_name=WANG.name)
    harness.session.register_chat({"id": WANG.user_id, "type": "private", "first_name": WANG.name})
    await file_wages_complaint(Worker(harness, ZHANG.user_id), "Hongda Construction", 1)
    await harness.press_button(WANG.user_id, "✅", language_code="en")
    worker = await PeopleRepository(db).find(Front.WEB, ZHANG.user_id)
    [case] = await CaseRepository(db).of_worker(worker.id)
    return case.number


def carries(frames: list[dict[str, Any]], user_id: int, words: tuple[str, ...]) -> list[dict[str, Any]]:
    """The frames that hold this web user id as a number, or any of these words."""
    def numbers(value: Any) -> set[int]:
        if isinstance(value, dict):
            return {n for item in value.values() for n in numbers(item)}
        if isinstance(value, list):
            return {n for item in value for n in numbers(item)}
        return {value} if isinstance(value, int) and not isinstance(value, bool) else set()

    return [frame for frame in frames if user_id in numbers(frame)
            or any(word in json.dumps(frame, ensure_ascii=False) for word in words)]


async def test_both_on_the_web_chat_with_a_photo_and_no_identity_on_either_page(app_settings, db, clock) -> None:
    number = await held_on_the_web(app_settings, db, clock)
    client = await serve_webchat(app_settings, db, clock)
    try:
        webchat = WebChat(client)
        zhang, wang = await webchat.open(), await webchat.open("/socket?as=mediator&lang=en")
        await zhang.next()
        await wang.next()
        await wang.send(type="text", text=f"/case {number}")
        card = (await wang.until(bot_said(number)))["message"]
        await wang.send(type="press", message_id=card["id"], data=button_data(card, "Write to the worker"))
        await wang.until(bot_said("in one message"))
        await wang.send(type="text", text="周五上午九点在中心调解")
        told = (await zhang.until(bot_said("周五上午九点在中心调解")))["message"]
        assert "王调解员" in text_of(told)

        await zhang.send(type="press", message_id=told["id"], data=button_data(told, "Reply"))
        await zhang.until(bot_said("in one message"))
        await upload(client, tiny_png(), caption="工资条")
        photo = (await wang.until(lambda frame: frame["type"] == "message" and "photo" in frame["message"]))["message"]
        caption = "".join(part if isinstance(part, str) else "" for part in photo["caption"])
        assert "工资条" in caption and "Chen Gang" in caption
        assert (await client.get(photo["photo"]["url"])).status == 200, "the mediator's page can open it"

        assert not carries(wang.frames, ZHANG.user_id, (ZHANG.name,)), "nothing of the worker's web identity"
        assert not carries(zhang.frames, WANG.user_id, ()), "nothing of the mediator's web identity"
    finally:
        await client.close()


async def upload(client, data: bytes, *, caption: str) -> None:
    form = FormData()
    form.add_field("kind", "photo")
    form.add_field("caption", caption)
    form.add_field("file", data, filename="payslip.png", content_type="image/png")
    response = await client.post("/upload?as=zhang", data=form, headers={"Origin": origin_of(client)})
    assert response.status == 200, await response.text()
