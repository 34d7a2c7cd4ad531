"""The core conversation through the real dispatcher on the Telegram-faithful session."""

import logging

import pytest
from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.methods import SendMessage
from aiogram.types import CallbackQuery, Message

from bot.app import build_dispatcher
from bot.people import Front, Role
from storage.db import Database
from storage.people import PeopleRepository
from tests.harness import ChatHarness, callback_answers, texts

WORKER = 1001


async def test_start_greets_in_chinese_with_the_worker_menu(chat: ChatHarness) -> None:
    calls = await chat.send(WORKER, "/start", language_code="zh-hans")
    [greeting] = texts(calls)
    assert "您好" in greeting and "半小时调解" in greeting
    labels = [b["text"] for row in chat.last_message(WORKER)["reply_markup"]["inline_keyboard"] for b in row]
    assert "❓ 帮助" in labels


async def test_start_greets_in_english_for_an_english_app(chat: ChatHarness) -> None:
    [greeting] = texts(await chat.send(WORKER, "/start", language_code="en-GB"))
    assert greeting.startswith("Hello, User!") and "Half-Hour Mediation" in greeting


async def test_unknown_language_falls_back_to_the_default_locale(chat: ChatHarness) -> None:
    [greeting] = texts(await chat.send(WORKER, "/start", language_code="fr"))
    assert "您好" in greeting


async def test_language_choice_is_saved_and_wins_over_the_app_language(chat: ChatHarness, db: Database) -> None:
    await chat.send(WORKER, "/language", language_code="zh-hans")
    calls = await chat.press_button(WORKER, "English")
    assert "Language set: English" in chat.session.calls[-2].text or any(
        "Language set: English" in text for text in texts(calls))
    assert callback_answers(calls), "the language button was answered"
    person = await PeopleRepository(db).find(Front.TELEGRAM, WORKER)
    assert person is not None and person.locale == "en"
    [greeting] = texts(await chat.send(WORKER, "/start", language_code="zh-hans"))
    assert greeting.startswith("Hello")


async def test_menu_button_opens_help_and_is_answered(chat: ChatHarness) -> None:
    await chat.send(WORKER, "/start", language_code="en")
    calls = await chat.press_button(WORKER, "Help", language_code="en")
    assert any("/cancel" in text for text in texts(calls))
    assert not chat.session.unanswered_callbacks


async def test_unknown_text_gets_a_helpful_answer(chat: ChatHarness) -> None:
    [reply] = texts(await chat.send(WORKER, "asdf qwer", language_code="en"))
    assert "I did not understand" in reply and "/help" in reply


async def test_a_sticker_gets_a_helpful_answer(chat: ChatHarness) -> None:
    sticker = {"file_id": "s1", "file_unique_id": "s1", "type": "regular", "width": 1, "height": 1,
               "is_animated": False, "is_video": False}
    [reply] = texts(await chat.send(WORKER, sticker=sticker, language_code="en"))
    assert "cannot use this kind of message" in reply


@pytest.mark.parametrize("said", ["a < b", "Tom & Jerry", "</a> <b>bold?", "<script>alert(1)</script>"])
async def test_user_text_with_markup_characters_is_escaped_once(chat: ChatHarness, said: str) -> None:
    await chat.send(WORKER, said, language_code="en")
    shown = chat.last_message(WORKER)["text"]
    assert f"“{said}”" in shown  # the person sees exactly what they wrote, not markup, not &amp;lt;


async def test_a_stale_button_is_answered(chat: ChatHarness) -> None:
    calls = await chat.press(WORKER, "gone:123", message=None, language_code="en")
    [answer] = callback_answers(calls)
    assert "no longer active" in answer.text
    assert not chat.session.unanswered_callbacks


def failing_router() -> Router:
    router = Router(name="failing")

    @router.message(Command("boom"))
    async def boom(message: Message) -> None:
        raise RuntimeError(f"cannot handle {message.text}")

    return router


async def test_a_handler_exception_apologises_and_keeps_serving(
    app_settings, db, clock, caplog: pytest.LogCaptureFixture
) -> None:
    chat = ChatHarness.build(app_settings, db, clock, extra_routers=[failing_router()])
    with caplog.at_level(logging.DEBUG):
        calls = await chat.send(WORKER, "/boom 13800138000", language_code="en")
    [apology] = texts(calls)
    assert apology.startswith("Sorry, something went wrong")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "RuntimeError" in logged and "update" in logged
    assert "13800138000" not in logged, "no personal data in logs"
    [greeting] = texts(await chat.send(WORKER + 1, "/start", language_code="en"))
    assert greeting.startswith("Hello")


def failing_button_router() -> Router:
    router = Router(name="failing-button")

    @router.callback_query(F.data == "explode")
    async def explode(callback: CallbackQuery) -> None:
        await callback.answer()  # as handlers do first
        raise RuntimeError("after answering")

    return router


async def test_a_button_handler_failing_after_answering_still_apologises(app_settings, db, clock) -> None:
    chat = ChatHarness.build(app_settings, db, clock, extra_routers=[failing_button_router()])
    calls = await chat.press(WORKER, "explode", message=None, language_code="en")
    assert any(text.startswith("Sorry, something went wrong") for text in texts(calls))
    assert not chat.session.unanswered_callbacks


async def test_supervisor_ids_give_the_supervisor_role(chat: ChatHarness, db: Database) -> None:
    [greeting] = texts(await chat.send(900, "/start", language_code="en"))
    assert "supervisor" in greeting
    person = await PeopleRepository(db).find(Front.TELEGRAM, 900)
    assert person is not None and person.role is Role.SUPERVISOR


async def test_supervisor_ids_make_the_first_supervisors_only_once(app_settings, db: Database, clock) -> None:
    chat = ChatHarness.build(app_settings, db, clock)
    await chat.send(900, "/start", language_code="en")
    people = PeopleRepository(db)
    await people.set_role(Front.TELEGRAM, 900, Role.WORKER, None, now=clock.now())  # revoked in the store
    restarted = ChatHarness.build(app_settings.model_copy(update={"supervisor_ids": [900, 901]}), db, clock)
    [greeting] = texts(await restarted.send(900, "/start", language_code="en"))
    assert "supervisor" not in greeting, "a restart with the same setting does not undo the store's change"
    await restarted.send(901, "/start", language_code="en")
    assert (await people.find(Front.TELEGRAM, 901)).role is Role.WORKER, "the setting is read once"


class Survey(StatesGroup):
    name = State()
    city = State()


def survey_router() -> Router:
    """A two-question form standing in for any multi-step journey."""
    router = Router(name="survey")

    @router.message(Command("survey"))
    async def begin(message: Message, state: FSMContext) -> None:
        await state.set_state(Survey.name)
        await message.answer("name?")

    @router.message(Survey.name, F.text)
    async def name(message: Message, state: FSMContext) -> None:
        await state.update_data(name=message.text)
        await state.set_state(Survey.city)
        await message.answer("city?")

    @router.message(Survey.city, F.text)
    async def city(message: Message, state: FSMContext) -> None:
        data = await state.update_data(city=message.text)
        await state.clear()
        await message.answer(f"done: {data['name']} / {data['city']}")

    return router


async def test_a_half_filled_form_survives_a_restart(app_settings, db_path, clock) -> None:
    first_db = await Database.open(db_path)
    first = ChatHarness.build(app_settings, first_db, clock, extra_routers=[survey_router()])
    await first.send(WORKER, "/survey")
    await first.send(WORKER, "Li Lei")
    await first_db.close()

    second_db = await Database.open(db_path)
    second = ChatHarness.build(app_settings, second_db, clock, extra_routers=[survey_router()])
    assert second.dispatcher is not first.dispatcher
    [reply] = texts(await second.send(WORKER, "Wuhan"))
    await second_db.close()
    assert reply == "done: Li Lei / Wuhan"


async def test_cancel_asks_first_then_clears_the_form(app_settings, db, clock) -> None:
    chat = ChatHarness.build(app_settings, db, clock, extra_routers=[survey_router()])
    [nothing] = texts(await chat.send(WORKER, "/cancel", language_code="en"))
    assert nothing == "There is nothing to cancel."
    await chat.send(WORKER, "/survey", language_code="en")
    [question] = texts(await chat.send(WORKER, "/cancel", language_code="en"))
    assert "Delete what you have filled in" in question
    await chat.press_button(WORKER, "No, keep it", language_code="en")
    assert "Kept" in chat.last_message(WORKER)["text"]
    [reply] = texts(await chat.send(WORKER, "Li Lei", language_code="en"))
    assert reply == "city?", "the form went on after keeping it"
    await chat.send(WORKER, "/cancel", language_code="en")
    await chat.press_button(WORKER, "Yes, delete", language_code="en")
    assert "Cancelled" in chat.last_message(WORKER)["text"]
    [reply] = texts(await chat.send(WORKER, "Wuhan", language_code="en"))
    assert "I did not understand" in reply
    assert not chat.session.unanswered_callbacks


async def test_flood_control_is_waited_out(chat: ChatHarness) -> None:
    chat.session.inject_flood(retry_after=3)
    calls = await chat.send(WORKER, "/start", language_code="en")
    assert chat.sleeps == [3]
    assert [c for c in calls if isinstance(c, SendMessage)][-1].text.startswith("Hello")
    assert chat.last_message(WORKER)["text"].startswith("Hello")


async def test_dispatchers_can_be_built_twice_in_one_process(app_settings, db) -> None:
    build_dispatcher(app_settings, db)
    build_dispatcher(app_settings, db)


async def test_help_lists_what_each_role_can_do(chat: ChatHarness) -> None:
    [worker_help] = texts(await chat.send(WORKER, "/help", language_code="en"))
    assert "/new" in worker_help and "/mycases" in worker_help and "/coverage" not in worker_help
    [supervisor_help] = texts(await chat.send(900, "/help", language_code="en"))
    assert "/coverage" in supervisor_help and "/reload_centres" in supervisor_help and "/new" not in supervisor_help
