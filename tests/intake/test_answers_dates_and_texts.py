"""Issue 11, wrong answers taken: dates that cannot be, and names made of nothing visible."""

from bot.people import Front
from storage.cases import CaseRepository
from storage.db import Database
from storage.people import PeopleRepository
from tests.harness import ChatHarness
from tests.intake.helpers import Worker, draft_of

WORKER = 5201


async def at_the_start_date(worker: Worker) -> None:
    await worker.agrees_to_the_notice()
    await worker.presses("Labour contract")
    await worker.says("Xinyuan Electronics")
    await worker.presses("Dismissed")
    assert await worker.pending() == "start_date"


async def test_tomorrow_has_not_come_yet(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER, "zh-hans")
    await worker.says("/new")
    await worker.presses("我同意")
    await worker.presses("劳动合同")
    await worker.says("鑫源电子厂")
    await worker.presses("被辞退")
    [reply] = await worker.says("明天")
    assert "这个日期还没到" in reply and "没看出" not in reply, reply
    assert "start_date" not in (await draft_of(chat, WORKER)).answers


async def test_next_friday_is_read_and_has_not_come_yet(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await at_the_start_date(worker)
    [reply] = await worker.says("next Friday")
    assert "in the future" in reply and "could not read" not in reply


async def test_a_day_the_calendar_does_not_have_is_named(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await at_the_start_date(worker)
    [reply] = await worker.says("2月30号")
    assert "There is no such day as 2月30号" in reply and "28 days" in reply
    await worker.says("2025-06-01")
    assert (await draft_of(chat, WORKER)).answers["start_date"] == "2025-06-01"


async def test_an_impossible_period_is_named_not_widened_to_a_year(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await worker.agrees_to_the_notice()
    await worker.presses("Unpaid wages")
    await worker.says("Hongda Construction")
    await worker.presses("Factory")
    [reply] = await worker.says("2026-02-30 to 2026-03-01")
    assert "There is no such day as 2026-02-30" in reply
    assert "period" not in (await draft_of(chat, WORKER)).answers


async def test_names_and_employers_of_invisible_characters_or_emoji_are_asked_again(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await worker.agrees_to_the_notice()
    await worker.presses("Unpaid wages")
    for typed in ("\u200b\u200b", "\u202e", "\x00", "😀🎉"):
        await worker.says(typed)
        draft = await draft_of(chat, WORKER)
        assert "employer" not in draft.answers and draft.pending == "employer", repr(typed)
    [reply] = await worker.says("😀🎉")
    assert "not only emoji" in reply
    await worker.says("\u202eHongda\u200b Construction")
    assert (await draft_of(chat, WORKER)).answers["employer"] == "Hongda Construction"


async def test_an_emoji_name_or_evidence_is_not_taken(chat: ChatHarness, db: Database) -> None:
    worker = Worker(chat, WORKER)
    await worker.agrees_to_the_notice()
    await worker.presses("Unpaid wages")
    await worker.says("Hongda Construction")
    await worker.presses("Construction")
    await worker.says("March to August 2026")
    await worker.says("8000")
    await worker.presses("Skip")
    await worker.presses("No")
    await worker.presses("Only me")
    await worker.says("Pay me")
    [evidence] = await worker.says("📷📷")
    assert "not only emoji" in evidence and (await worker.pending()) == "evidence_held"
    await worker.says("Chats with the boss")
    [name] = await worker.says("🙂")
    assert "not only emoji" in name and (await worker.pending()) == "name"
    await worker.says("\u200bZhao\u00a0Lei\u200b")
    for answer in ("13800138000", "Wujiashan street, Dongxihu", "Here"):
        await worker.says(answer)
    await worker.presses("Submit")
    person = await PeopleRepository(db).find(Front.TELEGRAM, WORKER)
    [case] = await CaseRepository(db).of_worker(person.id)
    assert case.fields["name"] == "Zhao\u00a0Lei" and case.fields["evidence_held"] == "Chats with the boss"


async def test_a_typed_platform_name_of_invisible_characters_is_asked_again(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await worker.agrees_to_the_notice()
    await worker.presses("Platform work")
    assert await worker.pending() == "platform"
    await worker.says("\u202e\u200b")
    assert "platform" not in (await draft_of(chat, WORKER)).answers
    await worker.says("\u200bDada\u202e")
    assert (await draft_of(chat, WORKER)).answers["platform"] == "Dada"
