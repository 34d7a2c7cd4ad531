"""Chat manners: one live set of buttons, the question repeated where it is needed, a complaint
written before /new taken up, a withdrawal confirmed, evidence named and sized as it is."""

from __future__ import annotations

from aiogram.fsm.storage.base import StorageKey

from bot.cases import Mediation
from bot.intake.draft import Draft
from bot.people import Front
from storage.cases import CaseRepository
from storage.db import Database
from storage.people import PeopleRepository
from tests.harness import ChatHarness, callback_answers
from tests.intake.helpers import Worker, chat_state, draft_of, messages_with_buttons, storage_key
from tests.intake.test_mycases_and_alerts import fill_wages_complaint

WORKER = 5001
COMPLAINT = "武汉宏达建筑劳务有限公司欠我3月到8月的工资，一共八千"


async def test_only_the_question_on_screen_keeps_its_buttons(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await worker.agrees_to_the_notice()
    await worker.presses("Unpaid wages")
    [question] = messages_with_buttons(chat, WORKER)
    assert "Who is your employer" in question["text"]
    await worker.says("Hongda Construction")  # typed, not pressed: its buttons must go all the same
    [question] = messages_with_buttons(chat, WORKER)
    assert "What industry" in question["text"]
    await worker.says("/cancel")
    await worker.presses("No, keep it")
    await fill_rest_of_the_wages_complaint(worker)
    [summary] = messages_with_buttons(chat, WORKER)
    assert "Please check your complaint" in summary["text"], "every earlier question lost its buttons"


async def fill_rest_of_the_wages_complaint(worker: Worker) -> None:
    await worker.presses("Construction")
    await worker.says("March to August 2026")
    await worker.says("8000")
    await worker.presses("Skip")
    await worker.presses("No")
    await worker.says("1")
    for answer in ("Pay us", "Chats", "Chen Gang", "13800138000", "Wujiashan street, Dongxihu", "Here"):
        await worker.says(answer)


async def test_keeping_the_draft_after_cancel_puts_the_question_back(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await worker.agrees_to_the_notice()
    await worker.presses("Unpaid wages")
    await worker.says("/cancel")
    replies = await worker.presses("No, keep it")
    assert replies[0] == "Kept: your draft is as you left it."
    assert "Who is your employer" in replies[-1], "the question is asked again, right below"
    [question] = messages_with_buttons(chat, WORKER)
    assert "Who is your employer" in question["text"]


async def test_keeping_the_notice_after_cancel_shows_the_notice_again(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await worker.says("/new")
    await worker.says("/cancel")
    replies = await worker.presses("No, keep it")
    assert "Before you start" in replies[-1]
    await worker.presses("I agree")
    assert "Tell me in your own words" in worker.last()


async def test_an_upload_mid_question_repeats_the_question(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await worker.agrees_to_the_notice()
    await worker.presses("Unpaid wages")
    [reply] = await worker.sends_document("payslip.png", 20_000)
    assert reply.startswith("📎 Received payslip.png (20 KB). 1 of at most 20 files")
    assert "Who is your employer" in reply, "the question comes again with the receipt"
    [question] = messages_with_buttons(chat, WORKER)
    assert question["text"].startswith("📎 Received payslip.png") and "Who is your employer" in question["text"]
    await worker.says("Hongda Construction")
    assert (await draft_of(chat, WORKER)).answers["employer"] == "Hongda Construction"


async def test_a_complaint_written_before_new_is_offered_and_used_after_consent(chat: ChatHarness, db: Database,
                                                                               ) -> None:
    worker = Worker(chat, WORKER, "zh-hans")
    [offer] = await worker.says(COMPLAINT)
    assert "看起来您想投诉" in offer and "个人信息" in offer, "offered to be filed, with the notice"
    assert "没能理解" not in offer
    replies = await worker.presses("我同意")
    understood = next(text for text in replies if "我理解的情况" in text)
    assert "武汉宏达建筑劳务有限公司" in understood and "8,000" in understood, "the words already sent are used"
    draft = await draft_of(chat, WORKER)
    assert draft.description == COMPLAINT and draft.answers["employer"] == "武汉宏达建筑劳务有限公司"
    _, data = await chat_state(chat, WORKER)
    assert "first_words" not in data, "kept only until the notice is answered"
    person = await PeopleRepository(db).find(Front.TELEGRAM, WORKER)
    assert [purpose for purpose, _ in await PeopleRepository(db).consents(person)] == ["privacy"]


async def test_a_complaint_written_before_new_is_not_kept_when_consent_is_refused(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await worker.says(COMPLAINT)
    await worker.presses("No, thanks")
    state, data = await chat_state(chat, WORKER)
    assert state is None and data == {}, "nothing of it is kept"
    [reply] = await worker.says("hello")
    assert "I did not understand" in reply, "a greeting is no complaint"


async def test_staff_get_no_offer_for_a_complaint_like_message(chat: ChatHarness) -> None:
    [reply] = await Worker(chat, 900).says(COMPLAINT)  # a supervisor
    assert "It sounds like" not in reply


async def test_a_shared_contact_with_no_question_on_screen_is_answered(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await worker.agrees_to_the_notice()
    await worker.presses("Unpaid wages")
    key: StorageKey = storage_key(chat, WORKER)
    _, data = await chat_state(chat, WORKER)
    draft = Draft.model_validate(data["draft"])
    draft.pending = None  # "answering" with no question: a state an interrupted update can leave
    await chat.dispatcher.fsm.storage.set_data(key, {**data, "draft": draft.model_dump(mode="json")})
    replies = await worker.shares_contact("+8613800138000")
    assert "Who is your employer" in replies[-1], "the draft is put back on screen, not an error"
    assert not [text for text in replies if text.startswith("Sorry")]

    await chat.dispatcher.fsm.storage.set_data(key, {})  # and a draft state with no draft at all
    [reply] = await worker.says("Hongda")
    assert "could not find the complaint" in reply and "/new" in reply
    assert (await chat_state(chat, WORKER))[0] is None


async def test_evidence_is_named_and_sized_as_it_is(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER, "zh-hans")
    await worker.says("/new")
    await worker.presses("我同意")
    [photo] = await worker.sends_photo("screenshot", size=48_000)
    assert "照片 1（47 KB）" in photo and "0.0 MB" not in photo and ".jpg" not in photo
    [document] = await worker.sends_document("工资条.png", 3 * 1024 * 1024 + 1)
    assert "工资条.png（3.0 MB）" in document


async def test_withdrawing_asks_to_confirm_and_a_stale_confirmation_changes_nothing(
        chat: ChatHarness, db: Database) -> None:
    worker = Worker(chat, WORKER)
    await fill_wages_complaint(worker, "Hongda Construction", 1)
    await worker.presses("Submit")
    await worker.says("/mycases")
    await worker.presses("LD-2026-000001")
    await worker.presses("Withdraw")
    await worker.presses("The employer paid")
    [confirm] = messages_with_buttons(chat, WORKER)[-1:]
    person = await PeopleRepository(db).find(Front.TELEGRAM, WORKER)
    [case] = await CaseRepository(db).of_worker(person.id)
    assert case.mediation is Mediation.ASSIGNED
    await worker.presses("Yes, withdraw")
    [case] = await CaseRepository(db).of_worker(person.id)
    assert case.mediation is Mediation.WITHDRAWN
    again = next(button["callback_data"] for row in confirm["reply_markup"]["inline_keyboard"] for button in row
                 if "Yes, withdraw" in button["text"])
    calls = await chat.press(WORKER, again, message=confirm, language_code="en")
    assert [event.type for event in await CaseRepository(db).events(case.id)].count("withdrawn") == 1
    assert callback_answers(calls), "the second tap is answered"
