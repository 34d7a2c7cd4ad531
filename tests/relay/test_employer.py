"""The employer through the real dispatcher: the holding mediator records the contact details (the phone
checked) and the invitation with the employer's answers; each is an event on the timeline and the worker
is told in plain words; nobody else records anything or sees the employer's phone."""

from __future__ import annotations

from datetime import timedelta

from bot.employer import EmployerEvent
from storage.cases import CaseRepository
from storage.employer import EmployerRepository
from tests.desk.test_desk import card_of
from tests.harness import ChatHarness, callback_answers, texts
from tests.intake.helpers import Worker
from tests.relay.helpers import COLLEAGUE, MEDIATOR, WORKER
from tests.relay.test_relay import accepted


async def mediator(chat: ChatHarness, label: str) -> list[str]:
    return texts(await chat.press_button(MEDIATOR, label, language_code="en"))


async def says(chat: ChatHarness, text: str) -> list[str]:
    return texts(await chat.send(MEDIATOR, text, language_code="en"))


async def test_the_holder_records_the_contact_details_with_a_checked_phone(app_settings, db, clock) -> None:
    chat = ChatHarness.build(app_settings, db, clock)
    case = await accepted(chat, db, clock)
    [view] = await mediator(chat, "The employer")
    assert "As the worker named it: Hongda Construction" in view
    await mediator(chat, "Employer's name")
    [shown] = await says(chat, "武汉鸿达建筑劳务有限公司")
    assert "Employer's name: 武汉鸿达建筑劳务有限公司" in shown
    await mediator(chat, "Contact person")
    await says(chat, "李经理")
    await mediator(chat, "Phone")
    assert "not a phone number" in (await says(chat, "12345"))[0], "asked again"
    [shown] = await says(chat, "027-8888 8888")
    assert "Phone: +862788888888" in shown and "Contact person: 李经理" in shown
    stored = await EmployerRepository(db).get(case.id)
    assert (stored.name, stored.contact, stored.phone) == ("武汉鸿达建筑劳务有限公司", "李经理", "+862788888888")
    recorded = [e for e in await CaseRepository(db).events(case.id) if e.type == EmployerEvent.CONTACT_RECORDED]
    assert [e.payload["field"] for e in recorded] == ["name", "contact", "phone"]
    assert all("8888" not in str(e.payload) for e in recorded), "the event names the field, not its value"


async def test_invitation_and_answers_reach_the_worker_and_the_timeline(app_settings, db, clock) -> None:
    chat = ChatHarness.build(app_settings, db, clock)
    case = await accepted(chat, db, clock)
    await mediator(chat, "The employer")
    assert "which day" in (await mediator(chat, "Invited to mediate"))[0]
    [too_early] = callback_answers(await chat.press_button(MEDIATOR, "Yesterday", language_code="en"))
    assert "cannot be right" in too_early.text and too_early.show_alert, "before the case was filed"
    await mediator(chat, "Today")
    invited = chat.last_message(WORKER)["text"]
    assert "invited Hongda Construction" in invited and "November 24, 2026" in invited
    clock.set(clock.now() + timedelta(days=2))
    await mediator(chat, "Refused mediation")
    assert "cannot be right" in (await says(chat, "2026年12月20日"))[0], "in the future"
    await says(chat, "11月25日")
    refused = chat.last_message(WORKER)["text"]
    assert case.number in refused and "refused mediation" in refused
    assert "arbitration" in refused and "Art. 5" in refused
    steps = [(e.payload["step"], e.payload["on"]) for e in await CaseRepository(db).events(case.id)
             if e.type == EmployerEvent.STEP]
    assert steps == [("invited", "2026-11-24"), ("refused", "2026-11-25")]

    worker = Worker(chat, WORKER)
    await worker.says("/mycases")
    [timeline] = await worker.presses(case.number)
    assert "The mediator invited the employer to mediate on November 24, 2026" in timeline
    assert "The employer refused mediation (November 25, 2026)" in timeline


async def test_nobody_but_the_holder_records_or_sees_the_phone(app_settings, db, clock) -> None:
    chat = ChatHarness.build(app_settings, db, clock)
    case = await accepted(chat, db, clock)
    await mediator(chat, "The employer")
    await mediator(chat, "Phone")
    await says(chat, "13900001111")
    card = card_of(chat, MEDIATOR)
    open_data = next(b["callback_data"] for row in card["reply_markup"]["inline_keyboard"] for b in row
                     if "The employer" in b["text"])
    mark_data = open_data.replace("eo:", "em:") + ":agreed:0"
    for data in (open_data, mark_data):
        [answer] = callback_answers(await chat.press(COLLEAGUE, data, language_code="en"))
        assert "not found" in answer.text and answer.show_alert
    assert not [e for e in await CaseRepository(db).events(case.id) if e.type == EmployerEvent.STEP]
    await chat.send(COLLEAGUE, f"/case {case.number}", language_code="en")
    colleague_sees = [d.message.get("text", "") for d in chat.deliveries if d.chat_id == COLLEAGUE]
    assert not any("13900001111" in text for text in colleague_sees)
    assert not any("The employer" in b["text"] for row in chat.last_message(COLLEAGUE).get(
        "reply_markup", {}).get("inline_keyboard", []) for b in row)
    worker_sees = [d.message.get("text", "") for d in chat.deliveries if d.chat_id == WORKER]
    assert not any("13900001111" in text for text in worker_sees)
