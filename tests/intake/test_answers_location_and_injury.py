"""Issue 11, wrong answers taken: coordinates checked wherever they enter; 工伤认定 beside the
platform injury scheme."""

from datetime import date

from aiogram.utils.i18n import I18n

from bot.i18n import LOCALES_DIR
from bot.intake.draft import Notice
from bot.people import Front
from handlers.intake.texts import notice_text
from storage.cases import CaseRepository
from storage.db import Database
from storage.people import PeopleRepository
from tests.harness import ChatHarness
from tests.intake.helpers import Worker, draft_of
from tests.intake.test_mycases_and_alerts import answer_wages_questions_before_the_workplace

WORKER = 5301


async def test_a_forged_location_button_is_refused_and_filing_still_works(chat: ChatHarness, db: Database) -> None:
    worker = Worker(chat, WORKER)
    await answer_wages_questions_before_the_workplace(worker, "Hongda Construction", 1)
    assert await worker.pending() == "workplace"
    for forged in ("il:1e9:-inf", "il:nan:114.1", "il:30.6:inf", "il:0:0", "il:91:114.1"):
        await chat.press(WORKER, forged, language_code="en")
        assert "workplace" not in (await draft_of(chat, WORKER)).answers, forged
    assert not chat.session.unanswered_callbacks
    await worker.says("Wujiashan street, Dongxihu")
    await worker.presses("Skip")
    [confirmation, *_] = await worker.presses("Submit")
    assert "Your complaint is filed" in confirmation
    person = await PeopleRepository(db).find(Front.TELEGRAM, WORKER)
    [case] = await CaseRepository(db).of_worker(person.id)
    assert case.fields["workplace"] == "Wujiashan street, Dongxihu"


async def test_a_shared_location_that_cannot_be_used_is_explained(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await answer_wages_questions_before_the_workplace(worker, "Hongda Construction", 1)
    for latitude, longitude in ((0.0, 0.0), (48.85, 2.35)):   # no GPS fix; Paris
        reply = "\n".join(await worker.says(location={"latitude": latitude, "longitude": longitude}))
        assert "That location cannot be used" in reply and "Where is your workplace" in reply
    draft = await draft_of(chat, WORKER)
    assert "workplace" not in draft.answers and draft.pending == "workplace"


async def test_a_good_location_is_kept_to_five_decimals(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await answer_wages_questions_before_the_workplace(worker, "Hongda Construction", 1)
    await worker.says(location={"latitude": 30.6312345, "longitude": 114.1312345})
    await worker.presses("Yes, use my location")
    assert (await draft_of(chat, WORKER)).answers["workplace"] == {"lat": 30.63123, "lon": 114.13123}


async def test_a_platform_injury_gets_work_injury_recognition_beside_the_scheme(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await worker.agrees_to_the_notice()
    await worker.says("I am a Meituan rider employed through a station and got hurt on a delivery")
    await worker.presses("Through an agency or station")
    replies = await worker.presses("Injured at work")
    assert any("occupational-injury" in text for text in replies)
    assert not any("工伤认定" in text for text in replies), "after the injury's date, which it counts from"
    await worker.presses("Yes, I agree")
    await worker.says("Fell off the e-bike, broke my wrist")
    replies = await worker.says("2026-11-03")
    [recognition] = [text for text in replies if "工伤认定" in text]
    assert "within one year of the injury" in recognition and "Art. 17" in recognition
    assert Notice.WORK_INJURY in (await draft_of(chat, WORKER)).notices


def test_the_work_injury_notice_gives_the_estimated_last_day() -> None:
    i18n = I18n(path=LOCALES_DIR, default_locale="zh_CN", domain="messages")
    with i18n.context(), i18n.use_locale("zh_CN"):
        text = notice_text(Notice.WORK_INJURY, None, injury_deadline=date(2027, 11, 3))
    assert "工伤认定" in text and "2027年11月3日" in text and "估算" in text
