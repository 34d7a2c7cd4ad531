"""The mediator's desk through the real dispatcher: the case card, accept with one winner, stepping aside,
transfer, the acknowledgement clock, /queue and /case, and who may see what."""

import asyncio
from datetime import timedelta
from pathlib import Path

from aiogram.methods import SetMyCommands

from bot.app import job_runner
from bot.cases import Mediation
from bot.people import Front, Role
from bot.settings import Settings
from storage.cases import AccessLogRepository, CaseRepository
from storage.db import Database
from storage.people import PeopleRepository
from tests.harness import ChatHarness, texts
from tests.intake.helpers import Worker
from tests.intake.test_mycases_and_alerts import file_wages_complaint

WORKER = 8001
MEDIATORS = (8901, 8902)           # of dxh-wujiashan, where the test complaint is routed
OTHER_CENTRE = 8911                # a mediator of dxh-jiangjunlu
SUPERVISOR = 900                   # SUPERVISOR_IDS of the test settings: city-wide


async def staff(chat: ChatHarness, db: Database, clock) -> None:
    people = PeopleRepository(db)
    for user_id, centre, name in ((MEDIATORS[0], "dxh-wujiashan", "王调解员"),
                                  (MEDIATORS[1], "dxh-wujiashan", "李调解员"),
                                  (OTHER_CENTRE, "dxh-jiangjunlu", "赵调解员")):
        await people.set_role(Front.TELEGRAM, user_id, Role.MEDIATOR, centre, now=clock.now(), display_name=name)
        chat.session.register_chat({"id": user_id, "type": "private", "first_name": name})
    await chat.send(SUPERVISOR, "/start")  # the first supervisors are made from the setting


async def filed(chat: ChatHarness, db: Database, clock):
    await staff(chat, db, clock)
    await file_wages_complaint(Worker(chat, WORKER), "Hongda Construction", 1)
    person = await PeopleRepository(db).find(Front.TELEGRAM, WORKER)
    [case] = await CaseRepository(db).of_worker(person.id)
    return case


def card_of(chat: ChatHarness, user_id: int) -> dict:
    """The newest message with desk buttons in this chat."""
    for delivery in reversed(chat.deliveries):
        markup = delivery.message.get("reply_markup", {}).get("inline_keyboard", [])
        if delivery.chat_id == user_id and any(b["callback_data"].startswith("dk:") for row in markup for b in row):
            return delivery.message
    raise AssertionError(f"no card in chat {user_id}")


def button(message: dict, label: str) -> str:
    return next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row
                if label in b["text"])


async def test_a_new_case_reaches_the_centre_as_a_card_without_the_workers_identity(chat, db, clock) -> None:
    await filed(chat, db, clock)
    for mediator in MEDIATORS:
        card = card_of(chat, mediator)
        assert "LD-2026-000001" in card["text"] and "Hongda Construction" in card["text"]
        assert "Chen Gang" not in card["text"] and "13800138000" not in card["text"]
        labels = [b["text"] for row in card["reply_markup"]["inline_keyboard"] for b in row]
        assert [label[0] for label in labels] == ["✅", "🙅", "↪", "🚫"]
    assert not [d for d in chat.deliveries if d.chat_id == OTHER_CENTRE], "another centre hears nothing"


async def test_the_mediator_who_accepts_sees_the_worker_and_the_worker_learns_who_took_it(chat, db, clock) -> None:
    case = await filed(chat, db, clock)
    card = card_of(chat, MEDIATORS[0])
    replies = texts(await chat.press(MEDIATORS[0], button(card, "✅"), message=card))
    shown = chat.last_message(MEDIATORS[0])["text"]
    assert "Chen Gang" in shown and "138" in shown and "0013" in shown.replace(" ", ""), "name and phone"
    assert await AccessLogRepository(db).of_case(case.id) == [
        ((await PeopleRepository(db).find(Front.TELEGRAM, MEDIATORS[0])).id, "worker identity")]
    told = chat.last_message(WORKER)["text"]
    mediator = await PeopleRepository(db).find(Front.TELEGRAM, MEDIATORS[0])
    assert f"mediator: {mediator.display_name}" in told and "LD-2026-000001" in told
    assert "临空港大道" in told or "Address" in told or "地址" in told, "the centre's address"
    assert (await CaseRepository(db).get(case.id)).mediation is Mediation.ACCEPTED
    assert not chat.session.unanswered_callbacks and replies is not None


async def test_two_accepts_at_once_have_one_winner_and_the_loser_is_told_who(chat, db, clock) -> None:
    case = await filed(chat, db, clock)
    first, second = card_of(chat, MEDIATORS[0]), card_of(chat, MEDIATORS[1])
    await asyncio.gather(chat.press(MEDIATORS[0], button(first, "✅"), message=first),
                         chat.press(MEDIATORS[1], button(second, "✅"), message=second))
    stored = await CaseRepository(db).get(case.id)
    events = [event.type for event in await CaseRepository(db).events(case.id)]
    assert events.count("accepted") == 1 and stored.mediation is Mediation.ACCEPTED
    people = {m: await PeopleRepository(db).find(Front.TELEGRAM, m) for m in MEDIATORS}
    [winner] = [m for m in MEDIATORS if people[m].id == stored.mediator_id]
    [loser] = [m for m in MEDIATORS if m != winner]
    lost = chat.last_message(loser)["text"]
    assert "已先由" in lost and "LD-2026-000001" in lost, "told that someone took it first"
    assert "Chen Gang" not in lost and "13800138000" not in lost, "and nothing of the worker"
    assert not chat.session.unanswered_callbacks


async def test_two_processes_accepting_at_once_have_one_winner(
    app_settings: Settings, db: Database, db_path: Path, clock
) -> None:
    first = ChatHarness.build(app_settings, db, clock)
    case = await filed(first, db, clock)
    other_db = await Database.open(db_path)
    try:
        second = ChatHarness.build(app_settings, other_db, clock, session=first.session)
        second.updates = first.updates
        one, two = card_of(first, MEDIATORS[0]), card_of(first, MEDIATORS[1])
        await asyncio.gather(first.press(MEDIATORS[0], button(one, "✅"), message=one),
                             second.press(MEDIATORS[1], button(two, "✅"), message=two))
        events = [event.type for event in await CaseRepository(db).events(case.id)]
        assert events.count("accepted") == 1
    finally:
        await other_db.close()


async def test_an_accept_racing_a_withdrawal_leaves_one_of_them(chat, db, clock) -> None:
    case = await filed(chat, db, clock)
    worker = Worker(chat, WORKER)
    await worker.says("/mycases")
    await worker.presses("LD-2026-000001")
    await worker.presses("Withdraw")
    await worker.presses("The employer paid")
    withdraw = chat.last_message(WORKER)
    card = card_of(chat, MEDIATORS[0])
    await asyncio.gather(chat.press(MEDIATORS[0], button(card, "✅"), message=card),
                         chat.press(WORKER, button(withdraw, "Yes, withdraw"), message=withdraw, language_code="en"))
    events = [event.type for event in await CaseRepository(db).events(case.id)]
    stored = await CaseRepository(db).get(case.id)
    assert ("accepted" in events) != ("withdrawn" in events), events
    assert stored.mediation in (Mediation.ACCEPTED, Mediation.WITHDRAWN)


async def test_when_every_mediator_steps_aside_the_supervisors_are_told(chat, db, clock) -> None:
    case = await filed(chat, db, clock)
    for mediator in MEDIATORS:
        card = card_of(chat, mediator)
        await chat.press(mediator, button(card, "🙅"), message=card)
    assert (await CaseRepository(db).get(case.id)).mediation is Mediation.ASSIGNED, "still in the queue"
    assert "LD-2026-000001" in chat.last_message(SUPERVISOR)["text"]
    assert "stepped aside" in chat.last_message(SUPERVISOR)["text"] or "不承办" in chat.last_message(SUPERVISOR)["text"]


async def test_a_transfer_moves_the_case_and_tells_the_worker_and_the_new_centre(chat, db, clock) -> None:
    case = await filed(chat, db, clock)
    card = card_of(chat, MEDIATORS[0])
    await chat.press(MEDIATORS[0], button(card, "↪️"), message=card)
    choices = chat.last_message(MEDIATORS[0])
    target = next(b["callback_data"] for row in choices["reply_markup"]["inline_keyboard"] for b in row
                  if b["callback_data"].endswith(":dxh-jiangjunlu"))
    await chat.press(MEDIATORS[0], target, message=choices)
    moved = await CaseRepository(db).get(case.id)
    assert (moved.mediation, moved.centre_id, moved.version) == (Mediation.ASSIGNED, "dxh-jiangjunlu",
                                                                 case.version + 1)
    assert "LD-2026-000001" in card_of(chat, OTHER_CENTRE)["text"]
    assert "将军路" in chat.last_message(WORKER)["text"] or "Jiangjunlu" in chat.last_message(WORKER)["text"]
    old = card_of(chat, MEDIATORS[1])  # the card the other mediator still has, from before the transfer
    await chat.press(MEDIATORS[1], button(old, "✅"), message=old)
    assert (await CaseRepository(db).get(case.id)).mediator_id is None, "a card of the old centre acts no more"


async def test_an_unaccepted_case_reminds_the_centre_then_the_supervisors(app_settings, db, clock) -> None:
    chat = ChatHarness.build(app_settings, db, clock)
    await filed(chat, db, clock)
    runner = job_runner(chat.dispatcher, db)
    sender = chat.dispatcher["outbox"]
    clock.set(clock.now() + timedelta(hours=23))  # filed Tuesday 10:30: due Wednesday 10:30
    assert await runner.run_due() == 0
    clock.set(clock.now() + timedelta(hours=2))
    assert await runner.run_due() == 1
    await sender.flush()
    assert "⏰" in chat.last_message(MEDIATORS[0])["text"]
    supervisor_before = len([d for d in chat.deliveries if d.chat_id == SUPERVISOR])
    clock.set(clock.now() + timedelta(days=1))
    assert await runner.run_due() == 1
    await sender.flush()
    assert len([d for d in chat.deliveries if d.chat_id == SUPERVISOR]) == supervisor_before + 1
    assert "⏰" in chat.last_message(SUPERVISOR)["text"]


async def test_an_accepted_case_is_not_chased(app_settings, db, clock) -> None:
    chat = ChatHarness.build(app_settings, db, clock)
    await filed(chat, db, clock)
    card = card_of(chat, MEDIATORS[0])
    await chat.press(MEDIATORS[0], button(card, "✅"), message=card)
    clock.set(clock.now() + timedelta(days=3))
    runner = job_runner(chat.dispatcher, db)
    # the acknowledgement check, which finds nothing to chase, and the statutory clocks' calendar watch
    assert await runner.run_due() == 2
    await chat.dispatcher["outbox"].flush()
    assert not any("⏰" in d.message.get("text", "") for d in chat.deliveries)


async def test_queue_and_case_show_only_what_the_person_may_see(chat, db, clock) -> None:
    await filed(chat, db, clock)
    [queue] = texts(await chat.send(MEDIATORS[0], "/queue"))
    assert "LD-2026-000001" in queue
    [elsewhere] = texts(await chat.send(OTHER_CENTRE, "/queue"))
    assert "LD-2026-000001" not in elsewhere
    [refused] = texts(await chat.send(OTHER_CENTRE, "/case LD-2026-000001"))
    assert "Hongda" not in refused
    [worker] = texts(await chat.send(WORKER, "/case LD-2026-000001"))
    assert "Hongda" not in worker
    [supervisor] = texts(await chat.send(SUPERVISOR, "/case LD-2026-000001"))
    assert "Hongda" in supervisor and "dk:a" not in str(chat.last_message(SUPERVISOR).get("reply_markup", {}))


async def test_forged_buttons_of_another_centre_change_nothing(chat, db, clock) -> None:
    case = await filed(chat, db, clock)
    card = card_of(chat, MEDIATORS[0])
    await chat.press(OTHER_CENTRE, button(card, "✅"), message=card)  # replayed into another chat
    await chat.press(WORKER, button(card, "✅"), message=card)
    await chat.press(SUPERVISOR, button(card, "✅"), message=card)
    stored = await CaseRepository(db).get(case.id)
    assert stored.mediation is Mediation.ASSIGNED and stored.mediator_id is None
    assert not chat.session.unanswered_callbacks


async def test_a_mediator_gets_the_desk_in_the_menu_and_in_the_command_list(chat, db, clock) -> None:
    await staff(chat, db, clock)
    calls = await chat.send(MEDIATORS[0], "/start", language_code="en")
    [greeting] = texts(calls)
    assert "mediator" in greeting
    labels = [b["text"] for row in chat.last_message(MEDIATORS[0])["reply_markup"]["inline_keyboard"] for b in row]
    assert "🗂 My desk" in labels and "📝 New complaint" not in labels
    [commands] = [call for call in calls if isinstance(call, SetMyCommands)]
    assert commands.scope.chat_id == MEDIATORS[0] and [c.command for c in commands.commands][:4] == [
        "queue", "overdue", "counter", "case"]
    worker_calls = await chat.send(WORKER, "/start", language_code="en")
    assert not [call for call in worker_calls if isinstance(call, SetMyCommands)], "a worker keeps the global list"
    [help_text] = texts(await chat.send(MEDIATORS[0], "/help", language_code="en"))
    assert "/queue" in help_text and "/counter" in help_text and "/new" not in help_text


async def test_refusing_for_the_centre_routes_the_case_elsewhere(chat, db, clock) -> None:
    case = await filed(chat, db, clock)
    card = card_of(chat, MEDIATORS[0])
    await chat.press(MEDIATORS[0], button(card, "🚫"), message=card)
    reasons = chat.last_message(MEDIATORS[0])
    await chat.press(MEDIATORS[0], button(reasons, "管辖"), message=reasons)
    moved = await CaseRepository(db).get(case.id)
    assert moved.centre_id not in (None, "dxh-wujiashan") and moved.mediation is Mediation.ASSIGNED
    transferred = (await CaseRepository(db).events(case.id))[-1]
    assert transferred.type == "transferred" and transferred.payload["refused"] == "jurisdiction"
    assert transferred.payload["from_centre"] == "dxh-wujiashan"


async def test_an_observer_reads_the_case_but_cannot_act(chat, db, clock) -> None:
    case = await filed(chat, db, clock)
    async with db.transaction() as conn:  # routing named the arbitration office as an observer
        await conn.execute("UPDATE cases SET observers = '[\"dxh-arbitration\"]' WHERE id = ?", (case.id,))
    observer = 8921
    await PeopleRepository(db).set_role(Front.TELEGRAM, observer, Role.MEDIATOR, "dxh-arbitration", now=clock.now())
    [read] = texts(await chat.send(observer, "/case LD-2026-000001"))
    assert "Hongda Construction" in read and "Chen Gang" not in read
    assert "reply_markup" not in chat.last_message(observer), "no buttons"
    card = card_of(chat, MEDIATORS[0])
    await chat.press(observer, button(card, "✅"), message=card)
    assert (await CaseRepository(db).get(case.id)).mediator_id is None


async def test_a_revoked_mediator_can_neither_see_nor_act(chat, db, clock) -> None:
    case = await filed(chat, db, clock)
    card = card_of(chat, MEDIATORS[1])
    await PeopleRepository(db).set_role(Front.TELEGRAM, MEDIATORS[1], Role.WORKER, None, now=clock.now())
    await chat.press(MEDIATORS[1], button(card, "✅"), message=card)
    assert (await CaseRepository(db).get(case.id)).mediator_id is None
    [refused] = texts(await chat.send(MEDIATORS[1], "/case LD-2026-000001"))
    assert "Hongda" not in refused


async def test_the_web_chat_is_a_full_desk(app_settings, db, clock) -> None:
    """The demo mediator on the web chat: the queue, the card, accept, and the worker's identity."""
    from tests.webchat.conftest import WebChat, bot_said, serve_webchat, text_of

    client = await serve_webchat(app_settings, db, clock)
    try:
        chat = ChatHarness.build(app_settings, db, clock)  # the worker files on Telegram
        await file_wages_complaint(Worker(chat, WORKER), "Hongda Construction", 1)
        page = await WebChat(client).open("/socket?as=mediator&lang=en")
        await page.next()
        await page.send(type="text", text="/queue")
        queue = (await page.until(bot_said("Your desk")))["message"]
        await page.send(type="press", message_id=queue["id"], data=queue["buttons"][0][0]["data"])
        card = (await page.until(bot_said("LD-2026-000001")))["message"]
        accept = next(b["data"] for row in card["buttons"] for b in row if b["text"].startswith("✅"))
        await page.send(type="press", message_id=card["id"], data=accept)
        accepted = await page.until(lambda frame: frame["type"] in ("message", "edit")
                                    and "Chen Gang" in text_of(frame["message"]))
        assert "LD-2026-000001" in text_of(accepted["message"])
        [case] = await CaseRepository(db).of_worker((await PeopleRepository(db).find(Front.TELEGRAM, WORKER)).id)
        assert case.mediation is Mediation.ACCEPTED
    finally:
        await client.close()


async def test_the_worker_sees_the_date_that_matters_in_mycases(chat, db, clock) -> None:
    await filed(chat, db, clock)
    card = card_of(chat, MEDIATORS[0])
    await chat.press(MEDIATORS[0], button(card, "✅"), message=card)
    worker = Worker(chat, WORKER)
    await worker.says("/mycases")
    [view] = await worker.presses("LD-2026-000001")
    # Accepted on Tuesday 24 November 2026: 15 days later is Wednesday 9 December (Art. 14).
    assert "If there is no agreement by December 9, 2026, you may apply for arbitration" in view


async def test_a_supervisor_gets_the_rates_and_a_worker_is_refused(chat, db, clock) -> None:
    await filed(chat, db, clock)
    [figures] = texts(await chat.send(SUPERVISOR, "/rates 本月"))
    assert "调解成功率" in figures
    [refused] = texts(await chat.send(WORKER, "/rates"))
    assert "调解成功率" not in refused
