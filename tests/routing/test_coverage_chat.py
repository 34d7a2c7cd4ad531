"""The supervisors' coverage map in chat: a choice of district, drawn in the supervisor's language."""

from aiogram.methods import SendPhoto

from tests.harness import ChatHarness, texts

SUPERVISOR = 900  # in SUPERVISOR_IDS of the test settings


async def test_the_menus_map_button_offers_every_district(chat: ChatHarness) -> None:
    [choice] = texts(await chat.press(SUPERVISOR, "menu:coverage", language_code="zh-hans"))
    assert "哪个区" in choice
    buttons = [button["text"] for row in chat.last_message(SUPERVISOR)["reply_markup"]["inline_keyboard"]
               for button in row]
    assert buttons == ["东西湖区", "武昌区"]
    calls = await chat.press_button(SUPERVISOR, "武昌区", language_code="zh-hans")
    [photo] = [call for call in calls if isinstance(call, SendPhoto)]
    assert "武昌区" in photo.caption and "东西湖" not in photo.caption
    assert not chat.session.unanswered_callbacks


async def test_coverage_without_a_district_asks_which(chat: ChatHarness) -> None:
    [choice] = texts(await chat.send(SUPERVISOR, "/coverage", language_code="en"))
    assert "Which district" in choice
    buttons = [button["text"] for row in chat.last_message(SUPERVISOR)["reply_markup"]["inline_keyboard"]
               for button in row]
    assert buttons == ["Dongxihu District", "Wuchang District"]


async def test_a_stale_district_button_is_answered(chat: ChatHarness) -> None:
    await chat.press(SUPERVISOR, "cov:7", language_code="en")
    assert not chat.session.unanswered_callbacks
    assert not [call for call in chat.session.calls if isinstance(call, SendPhoto)]
