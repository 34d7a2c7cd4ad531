"""What must hold whatever the worker sends: consent first, bad answers re-asked, drafts kept."""

import asyncio
import json
import sqlite3

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.intake.draft import Draft
from storage.db import Database
from tests.harness import ChatHarness, callback_answers, texts
from tests.intake.helpers import STICKER, Worker, chat_state, draft_of
from tests.intake.test_mycases_and_alerts import fill_wages_complaint

WORKER = 3001


def rows(db_path, sql: str) -> list[tuple]:
    with sqlite3.connect(db_path) as connection:
        return connection.execute(sql).fetchall()


async def test_without_consent_nothing_of_the_complaint_is_stored(chat: ChatHarness, db_path) -> None:
    worker = Worker(chat, WORKER)
    await worker.says("/new")
    [reminder] = await worker.says("Hongda owes me 5000 yuan, my phone is 13800138000")
    assert "tap “I agree”" in reminder
    await worker.sends_photo("secret")
    await worker.presses("No, thanks")
    assert "nothing about a complaint has been kept" in worker.last()
    assert rows(db_path, "SELECT count(*) FROM cases") == [(0,)]
    assert rows(db_path, "SELECT count(*) FROM consents") == [(0,)]
    stored = " ".join((state or "") + data for state, data in rows(db_path, "SELECT state, data FROM chat_state"))
    assert "Hongda" not in stored and "13800138000" not in stored and "secret" not in stored
    [offer] = await worker.says("Hongda owes me 5000 yuan")
    assert "It sounds like you want to file a complaint" in offer and "Do you agree?" in offer, \
        "no draft is open: a complaint written now is offered to be filed anew"


async def test_wrong_answers_are_explained_and_asked_again_keeping_earlier_ones(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await worker.agrees_to_the_notice()
    await worker.presses("Unpaid wages")
    await worker.says("Hongda Construction")
    await worker.presses("Factory")

    [future] = await worker.says("2027年1月到3月")
    assert "in the future" in future and "For which period" in future and "For example" in future
    await worker.says("2026年3月到8月")

    [negative] = await worker.says("-5000")
    assert "cannot be negative" in negative and "How much are you owed" in negative
    [absurd] = await worker.says("999999999999")
    assert "far too large" in absurd
    [sticker] = await worker.says(sticker=STICKER)
    assert "typed answer" in sticker and "How much are you owed" in sticker
    [unreadable] = await worker.says("a lot")
    assert "amount of money" in unreadable
    await worker.says("一万二")

    draft = await draft_of(chat, WORKER)
    assert draft.answers["amount"] == "12000" and draft.pending == "monthly_wage"
    for step in ("Skip", "No"):
        await worker.presses(step)
    await worker.presses("Only me")
    await worker.says("Pay me")
    await worker.presses("Skip")
    [too_long] = await worker.says("王" * 5000)
    assert "at most 50 characters" in too_long and "What is your name" in too_long
    await worker.says("Zhang Wei")
    bad_phone = (await worker.says("12345"))[0]
    assert "does not look like a phone number" in bad_phone and "What phone number" in bad_phone
    draft = await draft_of(chat, WORKER)
    assert draft.answers["employer"] == "Hongda Construction" and draft.answers["industry"] == "factory"
    assert draft.answers["period"] == {"start": "2026-03-01", "end": "2026-08-31"}


async def test_an_end_date_cannot_precede_the_start(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await worker.agrees_to_the_notice()
    await worker.presses("Labour contract")
    await worker.says("Xinyuan Electronics")
    await worker.presses("Dismissed")
    await worker.says("2025-06-01")
    await worker.presses("Yes")
    [reply] = await worker.says("2025-01-01")
    assert "before the date you started" in reply
    assert (await draft_of(chat, WORKER)).pending == "end_date"


async def test_a_double_tap_on_submit_files_one_case(chat: ChatHarness, db_path) -> None:
    worker = Worker(chat, WORKER)
    await fill_wages_complaint(worker, "Hongda Construction", 1)
    summary = next(d.message for d in reversed(chat.deliveries) if d.chat_id == WORKER and "reply_markup" in d.message)
    submit = next(b["callback_data"] for row in summary["reply_markup"]["inline_keyboard"] for b in row
                  if "Submit" in b["text"])
    await asyncio.gather(*(chat.press(WORKER, submit, message=summary, language_code="en") for _ in range(2)))
    assert rows(db_path, "SELECT count(*) FROM cases") == [(1,)]
    assert not chat.session.unanswered_callbacks


async def test_a_half_filled_complaint_survives_a_restart(app_settings, db_path, clock) -> None:
    first_db = await Database.open(db_path)
    first = ChatHarness.build(app_settings, first_db, clock)
    worker = Worker(first, WORKER)
    await worker.agrees_to_the_notice()
    await worker.says("武汉宏达建筑公司欠我一万二工资")
    await worker.sends_photo("payslip")
    await first_db.close()

    second_db = await Database.open(db_path)
    try:
        second = ChatHarness.build(app_settings, second_db, clock)
        again = Worker(second, WORKER)
        [welcome, question] = await again.says("/new")
        assert "as you left it" in welcome and "What industry" in question
        draft = await draft_of(second, WORKER)
        assert draft.answers["employer"] == "武汉宏达建筑公司" and draft.answers["amount"] == "12000"
        assert [item.file_id for item in draft.evidence] == ["photo-payslip"]
        [reply] = await again.says("Construction")     # any message goes on with the draft
        assert "For which period" in reply
    finally:
        await second_db.close()


async def test_cancel_works_in_the_middle_of_an_intake(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await worker.agrees_to_the_notice()
    await worker.presses("Unpaid wages")
    [question] = await worker.says("/cancel")
    assert "Delete what you have filled in" in question
    await worker.presses("Yes, delete")
    state, data = await chat_state(chat, WORKER)
    assert state is None and data == {}


ACTIONS = st.one_of(
    st.tuples(st.just("text"), st.text(max_size=60)),
    st.tuples(st.just("text"), st.sampled_from(["😀🎉", "12500", "2026年3月到8月", "13800138000", "-1",
                                                 "2027-01-01", "上个月", "只有我", "是", "/new", "<b>x</b> & y"])),
    st.tuples(st.just("long"), st.integers(min_value=100, max_value=6000)),
    st.tuples(st.just("sticker"), st.none()),
    st.tuples(st.just("location"), st.none()),
    st.tuples(st.just("contact"), st.sampled_from(["8613800138000", "12345"])),
    st.tuples(st.just("photo"), st.integers(min_value=1, max_value=30 * 1024 * 1024)),
    st.tuples(st.just("button"), st.integers(min_value=0, max_value=40)),
)


def newest_buttons(chat: ChatHarness, user_id: int) -> list[tuple[dict, str]]:
    for delivery in reversed(chat.deliveries):
        if delivery.chat_id != user_id:
            continue
        buttons = [(delivery.message, button["callback_data"])
                   for row in delivery.message.get("reply_markup", {}).get("inline_keyboard", []) for button in row]
        if buttons:
            return buttons
    return []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=st.lists(ACTIONS, min_size=1, max_size=25))
async def test_any_sequence_of_messages_gets_replies_and_leaves_a_valid_draft(chat: ChatHarness, actions) -> None:
    user_id = WORKER + len(chat.deliveries)  # a fresh worker per example: the fixture is shared
    worker = Worker(chat, user_id)
    await worker.agrees_to_the_notice()
    for index, (kind, value) in enumerate(actions):
        before = len(chat.session.calls)
        if kind == "text":
            calls = await chat.send(user_id, value or ".", language_code="en")
        elif kind == "long":
            calls = await chat.send(user_id, "欠薪" * (value // 2), language_code="en")
        elif kind == "sticker":
            calls = await chat.send(user_id, sticker=STICKER, language_code="en")
        elif kind == "location":
            calls = await chat.send(user_id, location={"latitude": 30.6, "longitude": 114.3}, language_code="en")
        elif kind == "contact":
            calls = await chat.send(user_id, contact={"phone_number": value, "first_name": "U"}, language_code="en")
        elif kind == "photo":
            photo = [{"file_id": f"p{index}", "file_unique_id": f"u{index}", "width": 1, "height": 1,
                      "file_size": value}]
            calls = await chat.send(user_id, photo=photo, language_code="en")
        else:
            buttons = newest_buttons(chat, user_id)
            if not buttons:
                continue
            message, data = buttons[value % len(buttons)]
            calls = await chat.press(user_id, data, message=message, language_code="en")
            assert callback_answers(calls), "every button press is answered"
        assert len(chat.session.calls) > before and (texts(calls) or callback_answers(calls)), (kind, value)
        assert not any(text.startswith("Sorry, something went wrong") for text in texts(calls)), (kind, value)
        _, data = await chat_state(chat, user_id)
        if "draft" in data:
            Draft.model_validate(data["draft"])
            json.dumps(data)
    assert not chat.session.unanswered_callbacks


async def test_a_mistyped_command_is_not_taken_as_an_answer(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await worker.agrees_to_the_notice()
    await worker.presses("Unpaid wages")
    [reply] = await worker.says("/stop")
    assert "“/stop” is not a command I know" in reply
    draft = await draft_of(chat, WORKER)
    assert draft.pending == "employer" and "employer" not in draft.answers


async def test_a_location_where_text_is_wanted_is_explained(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await worker.agrees_to_the_notice()
    await worker.presses("Unpaid wages")
    [reply] = await worker.says(location={"latitude": 30.63, "longitude": 114.14})
    assert "A location does not answer this question" in reply and "employer" in reply
    assert (await draft_of(chat, WORKER)).pending == "employer"
