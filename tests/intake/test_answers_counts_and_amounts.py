"""Issue 11, wrong answers taken: head counts and amounts, through the real dispatcher."""

from bot.people import Front
from storage.cases import CaseRepository
from storage.db import Database
from storage.people import PeopleRepository
from tests.harness import ChatHarness
from tests.intake.helpers import Worker, draft_of

WORKER = 5101


async def at_the_head_count(worker: Worker) -> None:
    """A wages complaint answered up to "how many workers, you included"."""
    await worker.agrees_to_the_notice()
    await worker.presses("Unpaid wages")
    await worker.says("Hongda Construction")
    await worker.presses("Construction")
    await worker.says("March to August 2026")
    await worker.says("8000")
    await worker.presses("Skip")      # monthly wage
    await worker.presses("No")        # the job goes on
    assert await worker.pending() == "workers_affected"


async def test_a_money_answer_to_the_head_count_is_explained_and_asked_again(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER, "zh-hans")
    await worker.says("/new")
    await worker.presses("我同意")
    await worker.presses("欠薪")
    await worker.says("宏达建筑")
    await worker.presses("建筑工地")
    await worker.says("2026年3月到8月")
    await worker.says("八千")
    await worker.presses("跳过")
    await worker.presses("否")
    [reply] = await worker.says("付清一万三")
    assert "一笔钱" in reply and "有多少工友" in reply, reply
    draft = await draft_of(chat, WORKER)
    assert "workers_affected" not in draft.answers and draft.pending == "workers_affected"
    assert "collective" not in [notice.value for notice in draft.notices]


async def test_counts_that_are_not_whole_numbers_are_asked_again(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await at_the_head_count(worker)
    for typed in ("1e308", "1.5", "0.5", "about 1e3", "-inf"):
        [reply] = await worker.says(typed)
        assert "whole number of people" in reply, typed
        assert "workers_affected" not in (await draft_of(chat, WORKER)).answers, typed
    await worker.says("3")
    assert (await draft_of(chat, WORKER)).answers["workers_affected"] == 3


async def test_an_implausibly_large_count_is_taken_only_once_confirmed(chat: ChatHarness, db: Database) -> None:
    worker = Worker(chat, WORKER)
    await at_the_head_count(worker)
    [confirm] = await worker.says("2.5万")
    assert "25,000 workers" in confirm and "type the number of workers again" in confirm
    assert "workers_affected" not in (await draft_of(chat, WORKER)).answers
    await worker.says("13")                         # typed again instead: taken at once
    draft = await draft_of(chat, WORKER)
    assert draft.answers["workers_affected"] == 13 and draft.pending == "claim"


async def test_a_confirmed_large_count_is_kept(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await at_the_head_count(worker)
    await worker.says("13000")
    replies = await worker.presses("Yes, 13,000 workers")
    assert any("✓ <b>13000</b>" in text for text in replies), "the confirmation shows what was chosen"
    draft = await draft_of(chat, WORKER)
    assert draft.answers["workers_affected"] == 13000 and draft.pending == "claim"


async def test_a_forged_count_button_is_refused(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await at_the_head_count(worker)
    for forged in ("ia:workers_affected:1e308", "ia:workers_affected:0", "ia:workers_affected:999999999"):
        await chat.press(WORKER, forged, language_code="en")
        assert "workers_affected" not in (await draft_of(chat, WORKER)).answers, forged


async def test_the_group_total_is_not_taken_for_the_workers_own_amount(chat: ChatHarness, db: Database) -> None:
    worker = Worker(chat, WORKER, "zh-hans")
    await worker.says("/new")
    await worker.presses("我同意")
    [understood, *_] = await worker.says("武汉宏达建筑有限公司欠我们15个人的工资，一共18万，从今年3月到8月")
    assert "欠大家的总额" in understood and "¥180,000.00" in understood
    assert "欠您本人的金额" not in understood
    draft = await draft_of(chat, WORKER)
    assert draft.answers["group_amount"] == "180000" and "amount" not in draft.answers
    [*_, asked] = await worker.presses("建筑工地")
    assert "欠您本人多少钱" in asked and "不算工友的" in asked, "the worker's own amount is asked"
    await worker.says("六千")
    draft = await draft_of(chat, WORKER)
    assert draft.answers["amount"] == "6000" and draft.answers["group_amount"] == "180000"


async def test_the_summary_names_both_amounts_and_the_case_keeps_them(chat: ChatHarness, db: Database) -> None:
    worker = Worker(chat, WORKER)
    await worker.agrees_to_the_notice()
    await worker.says("Hongda Construction owes 15 of us 180000 yuan in total for March to August 2026")
    await worker.says("Hongda Construction")
    await worker.presses("Construction")
    await worker.says("9000")
    for step in ("Skip", "No"):
        await worker.presses(step)
    for answer in ("Pay us", "Chats", "Chen Gang", "13800138000", "Wujiashan street, Dongxihu"):
        await worker.says(answer)
    await worker.presses("Skip")
    summary = worker.last()
    assert "Owed to you: CN¥9,000.00" in summary and "Owed to all of you together: CN¥180,000.00" in summary
    await worker.presses("Submit")
    person = await PeopleRepository(db).find(Front.TELEGRAM, WORKER)
    [case] = await CaseRepository(db).of_worker(person.id)
    assert case.fields["amount"] == "9000" and case.fields["group_amount"] == "180000"
    assert case.fields["workers_affected"] == 15
