"""Recovery through the real dispatcher: the mediator's card button hands a code, the worker redeems it
on a new account by /recover, by the Telegram deep link, or after asking for an SMS."""

from __future__ import annotations

import re

import pytest

from bot.clock import FixedClock
from bot.people import Front
from bot.settings import Settings
from storage.cases import CaseRepository
from tests.conftest import NOW
from tests.harness import ChatHarness, texts
from tests.identity.world import World

NEW_ACCOUNT = 1005
CODE = re.compile(r"<code>([0-9A-Z]{4}-[0-9A-Z]{4})</code>")


@pytest.fixture
async def world(db) -> World:
    built = World(db, FixedClock(NOW))
    await built.setup()
    return built


@pytest.fixture
def harness(app_settings: Settings, db, world: World) -> ChatHarness:
    chat = ChatHarness.build(app_settings, db, world.clock)
    for user_id in (1001, 2001, NEW_ACCOUNT):
        chat.session.register_chat({"id": user_id, "type": "private", "first_name": str(user_id)})
    return chat


async def handed_code(harness: ChatHarness, number: str) -> str:
    await harness.send(2001, f"/case {number}")
    calls = await harness.press_button(2001, "给职工找回码")
    [text] = [t for t in texts(calls) if "找回码" in t]
    assert "不要发到原来的聊天" in text
    match = CODE.search(text)
    assert match is not None
    return match.group(1)


async def test_the_mediator_hands_a_code_and_the_worker_redeems_it_on_a_new_account(harness, world) -> None:
    case = await world.case_of(world.telegram)
    code = await handed_code(harness, case.number)
    reply = texts(await harness.send(NEW_ACCOUNT, f"/recover {code}"))
    assert any(case.number in text and "已转到本聊天" in text for text in reply)
    new_person = await world.people.find(Front.TELEGRAM, NEW_ACCOUNT)
    assert (await CaseRepository(world.db).get(case.id)).worker_id == new_person.id
    listed = texts(await harness.send(NEW_ACCOUNT, "/mycases"))
    assert any(case.number in text for text in listed)
    again = texts(await harness.send(1001, f"/recover {code}"))
    assert any("已被使用" in text for text in again)


async def test_the_deep_link_redeems_too(harness, world) -> None:
    case = await world.case_of(world.telegram)
    code = (await handed_code(harness, case.number)).replace("-", "")
    reply = texts(await harness.send(NEW_ACCOUNT, f"/start rc-{code}"))
    assert any("已转到本聊天" in text for text in reply)


async def test_a_worker_cannot_hand_codes_and_a_wrong_code_is_explained(harness, world) -> None:
    case = await world.case_of(world.telegram)
    refused = await harness.press(1001, f"rc:hand:{case.id}")
    assert any("只有承办" in (call.text or "") for call in refused if hasattr(call, "show_alert"))
    reply = texts(await harness.send(NEW_ACCOUNT, f"/recover {case.number}"))
    assert any("这不是找回码" in text for text in reply)


async def test_asking_for_a_code_by_sms_through_the_buttons(app_settings, db, world) -> None:
    settings = app_settings.model_copy(update={"sms_gateway_url": "http://127.0.0.1:9/sms"})
    chat = ChatHarness.build(settings, db, world.clock)
    chat.session.register_chat({"id": NEW_ACCOUNT, "type": "private", "first_name": "x"})
    await world.case_of(world.telegram)
    await chat.send(NEW_ACCOUNT, "/recover")
    await chat.press_button(NEW_ACCOUNT, "短信发送找回码")
    known = texts(await chat.send(NEW_ACCOUNT, "13800000000"))
    await chat.send(NEW_ACCOUNT, "/recover")
    await chat.press_button(NEW_ACCOUNT, "短信发送找回码")
    unknown = texts(await chat.send(NEW_ACCOUNT, "13912345678"))
    assert known == unknown and "如果有案件登记了这个手机号" in known[0], "the same answer either way"
    [(phone,)] = await world.rows("SELECT phone FROM sms_messages")
    assert phone == "+8613800000000"
