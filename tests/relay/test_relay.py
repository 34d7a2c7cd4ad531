"""Both sides talking through the real dispatcher: the mediator writes to the worker from the case card, the
worker replies and writes from /mycases, photos and documents go along, neither side ever receives the
other's account, the mode survives a restart mid-message, and a plain message is offered to the mediator."""

from __future__ import annotations

from aiogram.methods import SendDocument, SendPhoto

from bot.people import Front
from bot.relay import RelayEvent
from storage.cases import CaseRepository
from storage.db import Database
from storage.people import PeopleRepository
from storage.relay import RelayRepository
from tests.desk.test_desk import button, card_of
from tests.harness import ChatHarness, texts
from tests.intake.helpers import Worker, chat_state
from tests.intake.test_mycases_and_alerts import file_wages_complaint
from tests.relay.helpers import (
    COLLEAGUE,
    MEDIATOR,
    PNG,
    WORKER,
    held_case,
    leaks,
    payloads_to,
    telegram_has_file,
    with_accounts,
)


async def accepted(chat: ChatHarness, db, clock):
    case = await held_case(chat, db, clock)
    card = card_of(chat, MEDIATOR)
    await chat.press(MEDIATOR, button(card, "✅"), message=card, language_code="en")
    return case


async def test_mediator_and_worker_write_to_each_other_without_their_accounts(app_settings, db, clock) -> None:
    chat = with_accounts(ChatHarness.build(app_settings, db, clock))
    case = await accepted(chat, db, clock)
    prompt = texts(await chat.press_button(MEDIATOR, "Write to the worker", language_code="en"))
    assert "the worker Chen Gang" in prompt[0] and case.number in prompt[0]
    done = texts(await chat.send(MEDIATOR, "请明天上午十点带上工资条来中心。", language_code="en"))
    assert any("Sent to the worker Chen Gang" in text for text in done)
    told = chat.last_message(WORKER)["text"]
    assert "请明天上午十点带上工资条来中心。" in told and "王调解员" in told and case.number in told

    worker = Worker(chat, WORKER)
    assert "your mediator 王调解员" in (await worker.presses("Reply"))[0]
    assert any("Sent to your mediator" in text for text in await worker.says("好的，我明天上午去。"))
    heard = chat.last_message(MEDIATOR)["text"]
    assert "好的，我明天上午去。" in heard and "Chen Gang" in heard

    assert leaks(payloads_to(chat.session, WORKER), WORKER), "the check sees an id (the receiver's own chat)"
    assert not leaks(payloads_to(chat.session, WORKER), MEDIATOR), "nothing of the mediator's account"
    assert not leaks(payloads_to(chat.session, MEDIATOR), WORKER), "nothing of the worker's account"
    stored = await RelayRepository(db).of_case(case.id)
    assert [m.content.text for m in stored] == ["请明天上午十点带上工资条来中心。", "好的，我明天上午去。"]
    events = [e for e in await CaseRepository(db).events(case.id) if e.type == RelayEvent.MESSAGE_RELAYED]
    assert [e.payload["direction"] for e in events] == ["to_worker", "to_mediator"]
    assert all("工资条" not in str(e.payload) and not e.note for e in events), "the text is not in the event log"


async def test_the_worker_writes_from_mycases_and_the_timeline_shows_it(app_settings, db, clock) -> None:
    chat = ChatHarness.build(app_settings, db, clock)
    case = await accepted(chat, db, clock)
    worker = Worker(chat, WORKER)
    await worker.says("/mycases")
    await worker.presses(case.number)
    assert "your mediator" in (await worker.presses("Write to the mediator"))[0]
    await worker.says("老板说下周才能发工资")
    assert "老板说下周才能发工资" in chat.last_message(MEDIATOR)["text"]
    await worker.says("/mycases")
    [view] = await worker.presses(case.number)
    assert "The worker wrote to the mediator" in view and "老板说下周" not in view


async def test_photos_and_documents_are_sent_again_by_their_id(app_settings, db, clock) -> None:
    chat = with_accounts(ChatHarness.build(app_settings, db, clock))
    case = await accepted(chat, db, clock)
    telegram_has_file(chat.session, "photo-payslip", "payslip.png", PNG)
    telegram_has_file(chat.session, "doc-contract", "合同.pdf", b"%PDF-1.4 contract")
    worker = Worker(chat, WORKER)
    await chat.press_button(MEDIATOR, "Write to the worker", language_code="en")
    await chat.send(MEDIATOR, language_code="en", document={"file_id": "doc-contract", "file_unique_id": "u-c",
                                                            "file_name": "合同.pdf", "file_size": 17},
                    caption="合同第5条")
    [document] = [call for call in chat.session.calls if isinstance(call, SendDocument)]
    assert document.chat_id == WORKER and document.document == "doc-contract" and "合同第5条" in document.caption
    await worker.presses("Reply")
    await worker.says(photo=[{"file_id": "photo-payslip", "file_unique_id": "u-p", "width": 640, "height": 480,
                              "file_size": 9000}])
    [photo] = [call for call in chat.session.calls if isinstance(call, SendPhoto)]
    assert photo.chat_id == MEDIATOR and photo.photo == "photo-payslip" and "Chen Gang" in photo.caption
    assert photo.reply_markup.inline_keyboard[0][0].text.endswith("Reply") or "回复" in \
        photo.reply_markup.inline_keyboard[0][0].text
    assert not leaks(payloads_to(chat.session, WORKER), MEDIATOR)
    assert not leaks(payloads_to(chat.session, MEDIATOR), WORKER)
    kinds = [m.content.kind for m in await RelayRepository(db).of_case(case.id)]
    assert kinds == ["document", "photo"]


async def test_writing_survives_a_restart_mid_message(app_settings, db, db_path, clock) -> None:
    first = ChatHarness.build(app_settings, db, clock)
    case = await accepted(first, db, clock)
    await first.press_button(MEDIATOR, "Write to the worker", language_code="en")
    other_db = await Database.open(db_path)  # a new process on the same store
    try:
        second = ChatHarness.build(app_settings, other_db, clock, session=first.session)
        second.updates = first.updates
        replies = texts(await second.send(MEDIATOR, "重启之后也能收到吗？", language_code="en"))
        assert any("Sent to the worker" in text for text in replies)
        assert "重启之后也能收到吗？" in second.last_message(WORKER)["text"]
    finally:
        await other_db.close()
    assert [m.content.text for m in await RelayRepository(db).of_case(case.id)] == ["重启之后也能收到吗？"]
    state, _ = await chat_state(first, MEDIATOR)
    assert state is None, "sending closed the mode"


async def test_cancel_sends_nothing_and_the_mode_closes(app_settings, db, clock) -> None:
    chat = ChatHarness.build(app_settings, db, clock)
    case = await accepted(chat, db, clock)
    await chat.press_button(MEDIATOR, "Write to the worker", language_code="en")
    assert "Not sent" in texts(await chat.send(MEDIATOR, "/cancel", language_code="en"))[0]
    assert not await RelayRepository(db).of_case(case.id)
    assert (await chat_state(chat, MEDIATOR))[0] is None


async def test_a_colleague_who_does_not_hold_the_case_cannot_write(app_settings, db, clock) -> None:
    chat = ChatHarness.build(app_settings, db, clock)
    case = await accepted(chat, db, clock)
    write = next(b["callback_data"] for row in card_of(chat, MEDIATOR)["reply_markup"]["inline_keyboard"]
                 for b in row if "Write to the worker" in b["text"])
    refused = await chat.press(COLLEAGUE, write, language_code="en")
    assert "not found" in refused[0].text and refused[0].show_alert
    assert (await chat_state(chat, COLLEAGUE))[0] is None
    await chat.send(COLLEAGUE, f"/case {case.number}", language_code="en")
    labels = [b["text"] for row in chat.last_message(COLLEAGUE).get("reply_markup", {}).get("inline_keyboard", [])
              for b in row]
    assert not any("Write to the worker" in label for label in labels)


async def test_nothing_is_relayed_before_a_mediator_holds_the_case(app_settings, db, clock) -> None:
    chat = ChatHarness.build(app_settings, db, clock)
    case = await held_case(chat, db, clock)  # filed, not accepted
    worker = Worker(chat, WORKER)
    await worker.says("/mycases")
    [view] = await worker.presses(case.number)
    labels = [b["text"] for row in chat.last_message(WORKER)["reply_markup"]["inline_keyboard"] for b in row]
    assert not any("Write to the mediator" in label for label in labels) and view
    assert "did not understand" in (await worker.says("你好，在吗"))[0], "no holder: nothing to offer"


async def test_a_plain_message_with_one_open_case_is_offered_to_its_mediator(app_settings, db, clock) -> None:
    chat = ChatHarness.build(app_settings, db, clock)
    case = await accepted(chat, db, clock)
    worker = Worker(chat, WORKER)
    [offer] = await worker.says("你好，在吗")
    assert "your mediator" in offer and case.number in offer
    _, data = await chat_state(chat, WORKER)
    assert data["relay_offer"] == "你好，在吗", "kept in the chat state meanwhile"
    assert any("Sent to your mediator" in text for text in await worker.presses("Send it"))
    assert "你好，在吗" in chat.last_message(MEDIATOR)["text"]
    [again] = await worker.says("还有一件事")
    assert "Not sent" in (await worker.presses("do not send"))[0]
    assert [m.content.text for m in await RelayRepository(db).of_case(case.id)] == ["你好，在吗"] and again


async def test_with_two_open_cases_the_worker_chooses_which(app_settings, db, clock) -> None:
    chat = ChatHarness.build(app_settings, db, clock)
    first = await accepted(chat, db, clock)
    await file_wages_complaint(Worker(chat, WORKER), "Second Employer Ltd", 1)
    worker_person = await PeopleRepository(db).find(Front.TELEGRAM, WORKER)
    second = next(c for c in await CaseRepository(db).of_worker(worker_person.id) if c.id != first.id)
    card = card_of(chat, MEDIATOR)
    await chat.press(MEDIATOR, button(card, "✅"), message=card, language_code="en")
    worker = Worker(chat, WORKER)
    [question] = await worker.says("我什么时候去中心？")
    assert "several open cases" in question
    labels = [b["text"] for row in chat.last_message(WORKER)["reply_markup"]["inline_keyboard"] for b in row]
    assert any(first.number in label for label in labels) and any(second.number in label for label in labels)
    await worker.presses(second.number)
    assert [m.case_id for m in (await RelayRepository(db).of_case(second.id))] == [second.id]
    assert not await RelayRepository(db).of_case(first.id)


async def test_an_answer_the_intake_is_asking_for_is_not_offered(app_settings, db, clock) -> None:
    chat = ChatHarness.build(app_settings, db, clock)
    case = await accepted(chat, db, clock)
    worker = Worker(chat, WORKER)
    await worker.agrees_to_the_notice()
    await worker.presses("Unpaid wages")
    replies = await worker.says("Another Employer Co")  # the employer question of a second complaint
    assert not any("your mediator" in reply for reply in replies)
    assert not await RelayRepository(db).of_case(case.id)
