"""A draft files one case, whatever happens around the submit: double taps, albums, redelivered
updates, two processes on one database, a crash or a failure between the commit and the reply."""

import asyncio
import json
import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import SendMessage

from bot.chat import outbox_sender
from bot.people import Front
from bot.settings import PROJECT_ROOT, Settings
from storage.cases import CaseRepository
from storage.db import Database
from storage.people import PeopleRepository
from tests.harness import ChatHarness, texts
from tests.intake.helpers import Worker, chat_state, draft_of
from tests.intake.test_mycases_and_alerts import answer_wages_questions_before_the_workplace, fill_wages_complaint

WORKER = 6001
MEDIATOR = 6901


async def cases_of(db: Database, user_id: int = WORKER):
    person = await PeopleRepository(db).find(Front.TELEGRAM, user_id)
    return [] if person is None else await CaseRepository(db).of_worker(person.id)


def told_number(chat: ChatHarness, number: str) -> list[str]:
    return [text for text in texts(chat.session.calls) if number in text]


def submit_button(chat: ChatHarness, user_id: int = WORKER) -> tuple[str, dict]:
    for delivery in reversed(chat.deliveries):
        if delivery.chat_id != user_id:
            continue
        for row in delivery.message.get("reply_markup", {}).get("inline_keyboard", []):
            for button in row:
                if "Submit" in button["text"]:
                    return button["callback_data"], delivery.message
    raise AssertionError("no Submit button")


async def test_a_double_tap_on_submit_files_once(chat: ChatHarness, db: Database) -> None:
    worker = Worker(chat, WORKER)
    await fill_wages_complaint(worker, "Hongda Construction", 1)
    data, message = submit_button(chat)
    await asyncio.gather(chat.press(WORKER, data, message=message), chat.press(WORKER, data, message=message))
    assert len(await cases_of(db)) == 1
    assert len(told_number(chat, "LD-2026-000001")) == 1, "the worker is told once"
    assert not chat.session.unanswered_callbacks


async def test_the_same_update_delivered_twice_files_once(chat: ChatHarness, db: Database) -> None:
    worker = Worker(chat, WORKER)
    await fill_wages_complaint(worker, "Hongda Construction", 1)
    data, message = submit_button(chat)
    update = chat.updates.callback(WORKER, data=data, message=message, language_code="en")
    await chat.dispatcher.feed_update(chat.bot, update)
    chat.session.register_callback(update.callback_query.id)  # Telegram delivers it again after a restart
    await chat.dispatcher.feed_update(chat.bot, update)
    assert len(await cases_of(db)) == 1


async def test_an_album_of_five_photos_keeps_five(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await worker.agrees_to_the_notice()
    await worker.presses("Unpaid wages")
    photos = [chat.updates.message(WORKER, language_code="en", photo=[
        {"file_id": f"photo-{n}", "file_unique_id": f"u-{n}", "width": 1280, "height": 960, "file_size": 1000}])
        for n in range(5)]
    await asyncio.gather(*(chat.dispatcher.feed_update(chat.bot, update) for update in photos))
    assert sorted(item.file_id for item in (await draft_of(chat, WORKER)).evidence) == [
        f"photo-{n}" for n in range(5)]


async def test_two_processes_submitting_the_same_draft_file_one_case(
    app_settings: Settings, db: Database, db_path: Path, clock
) -> None:
    first = ChatHarness.build(app_settings, db, clock)
    other_db = await Database.open(db_path)  # a second process: its own connection to the same file
    try:
        # Both processes serve one bot: one fake Telegram, one series of callback ids.
        second = ChatHarness.build(app_settings, other_db, clock, session=first.session)
        second.updates = first.updates
        await fill_wages_complaint(Worker(first, WORKER), "Hongda Construction", 1)
        data, message = submit_button(first)
        await asyncio.gather(first.press(WORKER, data, message=message), second.press(WORKER, data, message=message))
        [case] = await cases_of(db)
        assert len(told_number(first, case.number)) == 1, "the worker is told once"
    finally:
        await other_db.close()


async def test_a_failed_reply_after_the_commit_is_sent_later_and_files_nothing_more(
    chat: ChatHarness, db: Database, clock, monkeypatch
) -> None:
    worker = Worker(chat, WORKER)
    await fill_wages_complaint(worker, "Hongda Construction", 1)
    data, message = submit_button(chat)
    real_send = outbox_sender.send_text

    async def network_down(bot, chat_id, text, **kwargs):
        if "LD-" in text:
            raise TelegramNetworkError(method=SendMessage(chat_id=chat_id, text=text), message="connection reset")
        return await real_send(bot, chat_id, text, **kwargs)

    monkeypatch.setattr(outbox_sender, "send_text", network_down)
    replies = texts(await chat.press(WORKER, data, message=message))
    monkeypatch.setattr(outbox_sender, "send_text", real_send)
    assert len(await cases_of(db)) == 1
    assert not [text for text in replies if text.startswith("Sorry")], "no apology that says nothing was kept"
    assert await chat_state(chat, WORKER) == (None, {}), "the filed draft is gone with the same commit"
    await chat.press(WORKER, data, message=message)  # the worker, told nothing yet, taps Submit again
    assert len(await cases_of(db)) == 1
    clock.set(clock.now() + timedelta(seconds=40))
    await chat.dispatcher["outbox"].flush()
    assert len(told_number(chat, "LD-2026-000001")) == 1, "the confirmation arrives once, from the outbox"


CRASHING_CHILD = textwrap.dedent("""
    import asyncio, json, os, sys
    from bot.clock import FixedClock
    from bot.settings import Settings
    from storage.db import Database
    from tests.conftest import NOW
    from tests.harness import ChatHarness
    from tests.intake.helpers import Worker
    from tests.intake.test_mycases_and_alerts import fill_wages_complaint
    from tests.engine.test_submit_once import MEDIATOR, WORKER, submit_button
    import bot.chat.outbox_sender
    from bot.people import Front, Role
    from storage.people import PeopleRepository

    async def main():
        db = await Database.open(sys.argv[1])
        chat = ChatHarness.build(Settings(_env_file=None, database_path=sys.argv[1]), db, FixedClock(NOW))
        await PeopleRepository(db).set_role(Front.TELEGRAM, MEDIATOR, Role.MEDIATOR, "dxh-wujiashan", now=NOW)
        await fill_wages_complaint(Worker(chat, WORKER), "Hongda Construction", 1)
        data, message = submit_button(chat)
        print(json.dumps({"data": data, "message": message}), flush=True)

        async def die_before_the_reply(bot, chat_id, text, **kwargs):
            if "LD-" in text:
                os._exit(9)  # killed between the commit and the reply: nothing after it runs
        bot.chat.outbox_sender.send_text = die_before_the_reply
        await chat.press(WORKER, data, message=message)

    asyncio.run(main())
""")


async def test_a_process_killed_between_commit_and_reply_files_once(
    app_settings: Settings, db_path: Path, clock
) -> None:
    child = subprocess.run([sys.executable, "-c", CRASHING_CHILD, str(db_path)], cwd=PROJECT_ROOT,
                           capture_output=True, text=True, timeout=60,
                           env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    assert child.returncode == 9, child.stderr[-2000:]
    pressed = json.loads(child.stdout.splitlines()[-1])
    db = await Database.open(db_path)  # the restart
    try:
        assert len(await cases_of(db)) == 1
        chat = ChatHarness.build(app_settings, db, clock)
        assert await chat_state(chat, WORKER) == (None, {})
        chat.session.register_chat(pressed["message"]["chat"])
        chat.session.register_chat({"id": MEDIATOR, "type": "private", "first_name": "王"})
        await chat.press(WORKER, pressed["data"], message=pressed["message"])
        assert len(await cases_of(db)) == 1, "the old Submit button files nothing more"
        clock.set(clock.now() + timedelta(seconds=40))  # the sender loop takes what the dead process left
        await chat.dispatcher["outbox"].flush()
        assert len(told_number(chat, "LD-2026-000001")) == 1, "the worker is told once, after the restart"
        assert len([d for d in chat.deliveries if d.chat_id == MEDIATOR and "LD-2026-000001" in d.message["text"]]) \
            == 1, "and the centre once"
    finally:
        await db.close()


async def test_what_an_update_costs_in_sql_statements(chat: ChatHarness, db: Database) -> None:
    """Upper bounds, so that a change that multiplies the statements per update is seen (the outbox
    loop's own statements are not the update's)."""
    worker = Worker(chat, WORKER)
    await answer_wages_questions_before_the_workplace(worker, "Hongda Construction", 1)

    async def cost(update) -> int:
        before = db.statements
        await chat.dispatcher.feed_update(chat.bot, update)
        return db.statements - before

    answer_cost = await cost(chat.updates.message(WORKER, text="Wujiashan street, Dongxihu", language_code="en"))
    await worker.says("Here")
    data, message = submit_button(chat)
    submit_cost = await cost(chat.updates.callback(WORKER, data=data, message=message, language_code="en"))
    print(f"SQL statements: answer {answer_cost}, submit {submit_cost}")
    assert answer_cost <= 18  # measured: 16
    assert submit_cost <= 38  # measured: 33


async def test_a_redelivered_update_is_dropped(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await worker.agrees_to_the_notice()
    await worker.presses("Unpaid wages")
    answer = chat.updates.message(WORKER, text="Hongda Construction", language_code="en")
    await chat.dispatcher.feed_update(chat.bot, answer)
    after_first = (await draft_of(chat, WORKER)).model_dump()
    calls = len(chat.session.calls)
    await chat.dispatcher.feed_update(chat.bot, answer)  # the same update, as Telegram redelivers it
    assert len(chat.session.calls) == calls, "nothing is said twice"
    assert (await draft_of(chat, WORKER)).model_dump() == after_first, "nothing is answered twice"


async def test_a_redelivery_racing_in_another_process_changes_the_case_once(
    app_settings: Settings, db: Database, db_path: Path, clock
) -> None:
    first = ChatHarness.build(app_settings, db, clock)
    other_db = await Database.open(db_path)
    try:
        second = ChatHarness.build(app_settings, other_db, clock, session=first.session)
        worker = Worker(first, WORKER)
        await fill_wages_complaint(worker, "Hongda Construction", 1)
        await worker.presses("Submit")
        await worker.says("/mycases")
        await worker.presses("LD-2026-000001")
        await worker.presses("Withdraw")
        await worker.presses("The employer paid")
        data, message = next((button["callback_data"], d.message) for d in reversed(first.deliveries)
                             for row in d.message.get("reply_markup", {}).get("inline_keyboard", [])
                             for button in row if "Yes, withdraw" in button["text"])
        update = first.updates.callback(WORKER, data=data, message=message, language_code="en")
        await asyncio.gather(first.dispatcher.feed_update(first.bot, update),
                             second.dispatcher.feed_update(second.bot, update))
        [case] = await cases_of(db)
        events = await CaseRepository(db).events(case.id)
        assert [event.type for event in events].count("withdrawn") == 1
        assert len([text for text in texts(first.session.calls) if "is withdrawn" in text]) == 1
        assert not [text for text in texts(first.session.calls) if text.startswith("Sorry")], "the loser stays silent"
    finally:
        await other_db.close()


def test_web_update_ids_never_repeat_after_a_restart() -> None:
    from bot.chat.updates import new_update_id

    before_restart = {new_update_id() for _ in range(5000)}
    after_restart = {new_update_id() for _ in range(5000)}
    assert len(before_restart | after_restart) == 10000 and max(after_restart).bit_length() <= 63
