"""Sessions through the real dispatcher on a set clock (Tuesday 24 November 2026, 10:30 in Wuhan): the mediator
holding a case schedules one, the worker confirms or asks for another time, the reminders go out once each at
the day before and the hour before, and a moved or cancelled session's old reminders never do."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import job_runner
from bot.people import Front
from bot.sessions import SessionEvent, SessionStatus
from storage.cases import CaseRepository
from storage.db import Database
from storage.people import PeopleRepository
from storage.sessions import SessionRepository
from tests.desk.test_desk import MEDIATORS, WORKER, button, card_of, filed
from tests.harness import ChatHarness, callback_answers, texts

MEDIATOR, COLLEAGUE = MEDIATORS
EN = "en"


async def held(chat: ChatHarness, db: Database, clock):
    """A filed case accepted by the first mediator; their card has the session button."""
    case = await filed(chat, db, clock)
    card = card_of(chat, MEDIATOR)
    await chat.press(MEDIATOR, button(card, "✅"), message=card, language_code=EN)
    return case


def said(chat: ChatHarness, user_id: int, part: str) -> list[str]:
    return [d.message.get("text", "") for d in chat.deliveries
            if d.chat_id == user_id and part in d.message.get("text", "")]


def to(calls, user_id: int) -> list[str]:
    return texts(call for call in calls if getattr(call, "chat_id", None) == user_id)


async def mediator_says(chat: ChatHarness, text: str) -> list[str]:
    """What the mediator is answered (the worker's notices aside)."""
    return to(await chat.send(MEDIATOR, text, language_code=EN), MEDIATOR)


async def schedule(chat: ChatHarness, when: str, *, place: str = "In person") -> list[str]:
    await chat.press_button(MEDIATOR, "📅", language_code=EN)
    await chat.press_button(MEDIATOR, place, language_code=EN)
    return await mediator_says(chat, when)


async def sessions_of(db: Database, case_id: int):
    return await SessionRepository(db).of_case(case_id)


async def run_jobs_at(chat: ChatHarness, db: Database, clock, instant: datetime) -> None:
    clock.set(instant)
    await job_runner(chat.dispatcher, db).run_due()
    await chat.dispatcher["outbox"].flush()


async def test_schedule_confirm_and_each_reminder_once(chat, db, clock) -> None:
    case = await held(chat, db, clock)
    [reply] = await schedule(chat, "明天下午3点")
    assert "Wednesday, November 25, 2026" in reply and "3:00" in reply and "confirm" in reply
    notice = chat.last_message(WORKER)["text"]
    assert case.number in notice and "Wednesday, November 25, 2026" in notice
    assert "Wujiashan" in notice and "Address" in notice and "Hours" in notice, "the centre from the registry"
    await chat.press_button(WORKER, "I will come", language_code=EN)
    assert "Confirmed" in chat.last_message(WORKER)["text"]
    assert said(chat, MEDIATOR, "The worker confirmed")
    [session] = await sessions_of(db, case.id)
    assert session.status is SessionStatus.CONFIRMED

    # 15:00 on Wednesday is 07:00 UTC: the day before, Tuesday 07:00 UTC; the hour before, Wednesday 06:00 UTC.
    await run_jobs_at(chat, db, clock, datetime(2026, 11, 24, 6, 59, tzinfo=UTC))
    assert not said(chat, WORKER, "Reminder")
    for _ in range(2):
        await run_jobs_at(chat, db, clock, datetime(2026, 11, 24, 7, 0, tzinfo=UTC))
    assert len(said(chat, WORKER, "is tomorrow")) == 1 and len(said(chat, MEDIATOR, "Tomorrow")) == 1
    for _ in range(2):
        await run_jobs_at(chat, db, clock, datetime(2026, 11, 25, 6, 0, tzinfo=UTC))
    assert len(said(chat, WORKER, "in an hour")) == 1 and len(said(chat, MEDIATOR, "In an hour")) == 1
    assert len(said(chat, WORKER, "Reminder")) == 2

    types = [event.type for event in await CaseRepository(db).events(case.id)]
    assert types[-2:] == [SessionEvent.SCHEDULED, SessionEvent.CONFIRMED]


async def test_another_time_asked_moves_the_session_and_the_old_reminders_never_fire(chat, db, clock) -> None:
    case = await held(chat, db, clock)
    await schedule(chat, "明天下午3点")
    await chat.press_button(WORKER, "another time", language_code=EN)
    await chat.send(WORKER, "Thursday 3pm is fine, on Wednesday I work", language_code=EN)
    assert "will propose another time" in chat.last_message(WORKER)["text"]
    [asked] = said(chat, MEDIATOR, "asks for another time")
    assert "Thursday, November 26, 2026" in asked and "on Wednesday I work" in asked
    [event] = [e for e in await CaseRepository(db).events(case.id) if e.type == SessionEvent.OTHER_TIME_ASKED]
    assert event.note == "Thursday 3pm is fine, on Wednesday I work", "the reason is a deletable note"

    await chat.press_button(MEDIATOR, "Take the worker's time", language_code=EN)
    moved = chat.last_message(WORKER)["text"]
    assert "moved from" in moved and "Thursday, November 26, 2026" in moved
    [session] = await sessions_of(db, case.id)
    assert session.revision == 2 and session.status is SessionStatus.PROPOSED

    # the old time's reminders (Tuesday 07:00 and Wednesday 06:00 UTC) send nothing
    await run_jobs_at(chat, db, clock, datetime(2026, 11, 24, 7, 0, tzinfo=UTC))
    await run_jobs_at(chat, db, clock, datetime(2026, 11, 25, 6, 0, tzinfo=UTC))
    assert not said(chat, WORKER, "Reminder") and not said(chat, MEDIATOR, "Tomorrow")
    await run_jobs_at(chat, db, clock, datetime(2026, 11, 25, 7, 0, tzinfo=UTC))
    assert len(said(chat, WORKER, "is tomorrow")) == 1
    assert "Thursday, November 26, 2026" in said(chat, WORKER, "is tomorrow")[0]


async def test_the_worker_can_ask_without_a_reason(chat, db, clock) -> None:
    case = await held(chat, db, clock)
    await schedule(chat, "tomorrow 3pm")
    await chat.press_button(WORKER, "another time", language_code=EN)
    await chat.press_button(WORKER, "without a reason", language_code=EN)
    [session] = await sessions_of(db, case.id)
    assert session.status is SessionStatus.OTHER_TIME_ASKED and session.proposed_at is None
    assert said(chat, MEDIATOR, "asks for another time")


async def test_a_rest_day_is_questioned_before_it_is_kept(chat, db, clock) -> None:
    case = await held(chat, db, clock)
    [question] = await schedule(chat, "周六上午10点")
    assert "rest day" in question and "Saturday, November 28, 2026" in question
    assert await sessions_of(db, case.id) == [], "nothing is kept before the mediator says so"
    await chat.press_button(MEDIATOR, "Yes, keep", language_code=EN)
    [session] = await sessions_of(db, case.id)
    assert session.starts_at == datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    [event] = [e for e in await CaseRepository(db).events(case.id) if e.type == SessionEvent.SCHEDULED]
    assert event.payload["kept"] == ["rest_day"]


async def test_a_past_or_late_time_is_questioned_and_another_can_be_chosen(chat, db, clock) -> None:
    case = await held(chat, db, clock)
    [question] = await schedule(chat, "今天上午9点")
    assert "already passed" in question
    await chat.press_button(MEDIATOR, "choose another time", language_code=EN)
    [question] = await mediator_says(chat, "明天晚上9点")
    assert "outside 8:00" in question
    [again] = await mediator_says(chat, "明天3点")
    assert "Morning or afternoon" in again
    [done] = await mediator_says(chat, "明天15:00")
    assert "The worker is asked to confirm" in done
    assert len(await sessions_of(db, case.id)) == 1


async def test_a_slot_button_schedules_on_the_next_working_day(chat, db, clock) -> None:
    case = await held(chat, db, clock)
    await chat.press_button(MEDIATOR, "📅", language_code=EN)
    await chat.press_button(MEDIATOR, "In person", language_code=EN)
    prompt = chat.last_message(MEDIATOR)
    labels = [b["text"] for row in prompt["reply_markup"]["inline_keyboard"] for b in row]
    assert labels[0] == "Wed, Nov 25 09:00" and len(labels) == 12 + 1   # and Cancel
    assert not any("Sat" in label or "Sun" in label for label in labels), "working days only"
    await chat.press_button(MEDIATOR, "Wed, Nov 25 14:30", language_code=EN)
    [session] = await sessions_of(db, case.id)
    assert session.starts_at == datetime(2026, 11, 25, 6, 30, tzinfo=UTC)


async def test_online_needs_an_https_link_and_the_worker_gets_it(chat, db, clock) -> None:
    case = await held(chat, db, clock)
    await chat.press_button(MEDIATOR, "📅", language_code=EN)
    await chat.press_button(MEDIATOR, "Online", language_code=EN)
    [refused] = await mediator_says(chat, "http://meeting.example.com/123")
    assert "https://" in refused
    await chat.send(MEDIATOR, "https://meeting.tencent.com/dm/abc123", language_code=EN)
    await chat.send(MEDIATOR, "tomorrow 10am", language_code=EN)
    notice = chat.last_message(WORKER)["text"]
    assert "https://meeting.tencent.com/dm/abc123" in notice and "Address" not in notice
    [session] = await sessions_of(db, case.id)
    assert session.link == "https://meeting.tencent.com/dm/abc123"


async def test_cancelled_the_worker_is_told_and_no_reminder_fires(chat, db, clock) -> None:
    case = await held(chat, db, clock)
    await schedule(chat, "明天下午3点")
    await chat.press_button(MEDIATOR, "📅", language_code=EN)   # the card's button shows the upcoming session
    assert "Next session" in chat.last_message(MEDIATOR)["text"]
    await chat.press_button(MEDIATOR, "Cancel it", language_code=EN)
    await chat.press_button(MEDIATOR, "Yes, cancel", language_code=EN)
    assert "is cancelled" in chat.last_message(WORKER)["text"]
    await run_jobs_at(chat, db, clock, datetime(2026, 11, 24, 7, 0, tzinfo=UTC))
    await run_jobs_at(chat, db, clock, datetime(2026, 11, 25, 6, 0, tzinfo=UTC))
    assert not said(chat, WORKER, "Reminder")
    [session] = await sessions_of(db, case.id)
    assert session.status is SessionStatus.CANCELLED


async def test_only_the_holder_schedules(chat, db, clock) -> None:
    case = await held(chat, db, clock)
    for user_id in (COLLEAGUE, WORKER):
        answers = callback_answers(await chat.press(user_id, f"sn:open:{case.id}:0:0", language_code=EN))
        assert answers and "Only the mediator who holds the case" in answers[0].text
        answers = callback_answers(await chat.press(user_id, f"sn:in_person:{case.id}:0:0", language_code=EN))
        assert answers and "Only the mediator who holds the case" in answers[0].text
    await chat.send(COLLEAGUE, "明天下午3点", language_code=EN)
    assert await sessions_of(db, case.id) == []


async def test_the_worker_sees_the_next_session_and_the_timeline_in_mycases(chat, db, clock) -> None:
    case = await held(chat, db, clock)
    await schedule(chat, "明天下午3点")
    await chat.press_button(WORKER, "I will come", language_code=EN)
    await chat.send(WORKER, "/mycases", language_code=EN)
    await chat.press_button(WORKER, case.number, language_code=EN)
    shown = chat.last_message(WORKER)["text"]
    assert "Next session: Wednesday, November 25, 2026" in shown and "confirmed" in shown
    assert "Mediation session scheduled for Wednesday, November 25, 2026" in shown
    assert "The worker confirmed the session" in shown


async def test_a_chinese_worker_reads_it_in_chinese(chat, db, clock) -> None:
    await held(chat, db, clock)
    worker = await PeopleRepository(db).find(Front.TELEGRAM, WORKER)
    await PeopleRepository(db).set_locale(worker, "zh_CN", now=clock.now())
    await schedule(chat, "下周二上午10点")
    notice = chat.last_message(WORKER)["text"]
    assert "调解员为案件" in notice and "2026年12月1日星期二 10:00" in notice
    assert "吴家山街道劳动争议调解中心" in notice and "地址" in notice and "请携带身份证" in notice
    await chat.press_button(WORKER, "我会参加")
    assert "已确认" in chat.last_message(WORKER)["text"]


async def test_an_answer_to_a_time_since_moved_changes_nothing(chat, db, clock) -> None:
    case = await held(chat, db, clock)
    await schedule(chat, "明天下午3点")
    first = next(d.message for d in chat.deliveries if d.chat_id == WORKER and "I will come" in str(
        d.message.get("reply_markup")))
    await chat.press_button(MEDIATOR, "📅", language_code=EN)
    await chat.press_button(MEDIATOR, "Move it", language_code=EN)
    await mediator_says(chat, "后天上午10点")
    old = button(first, "I will come")
    answers = callback_answers(await chat.press(WORKER, old, message=first, language_code=EN))
    assert "changed meanwhile" in answers[0].text
    [session] = await sessions_of(db, case.id)
    assert session.status is SessionStatus.PROPOSED and session.revision == 2
    assert session.starts_at == datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    await chat.press_button(WORKER, "I will come", language_code=EN)   # the new notice's button
    assert (await sessions_of(db, case.id))[0].status is SessionStatus.CONFIRMED


async def test_a_second_session_waits_until_the_first_is_over(chat, db, clock) -> None:
    case = await held(chat, db, clock)
    await schedule(chat, "明天下午3点")
    # the card's button shows the upcoming one rather than starting another
    await chat.press_button(MEDIATOR, "📅", language_code=EN)
    assert "Next session" in chat.last_message(MEDIATOR)["text"]
    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))   # 17:00 on Wednesday: the 15:00 session is over
    [reply] = await schedule(chat, "下周一上午10点")
    assert "Monday, November 30, 2026" in reply
    assert len(await sessions_of(db, case.id)) == 2


async def test_an_unconfirmed_session_is_answered_from_its_reminder(chat, db, clock) -> None:
    case = await held(chat, db, clock)
    await schedule(chat, "明天下午3点")
    await run_jobs_at(chat, db, clock, datetime(2026, 11, 24, 7, 0, tzinfo=UTC))
    reminder = chat.last_message(WORKER)
    assert "is tomorrow" in reminder["text"] and "I will come" in str(reminder["reply_markup"])
    assert "has not confirmed it yet" in said(chat, MEDIATOR, "Tomorrow")[0]
    await chat.press(WORKER, button(reminder, "I will come"), message=reminder, language_code=EN)
    assert (await sessions_of(db, case.id))[0].status is SessionStatus.CONFIRMED


async def test_cancel_stops_a_scheduling_step(chat, db, clock) -> None:
    case = await held(chat, db, clock)
    await chat.press_button(MEDIATOR, "📅", language_code=EN)
    await chat.press_button(MEDIATOR, "Online", language_code=EN)
    assert "Stopped" in (await mediator_says(chat, "/cancel"))[0]
    assert "Stopped" not in "".join(await mediator_says(chat, "https://meeting.tencent.com/dm/abc123"))
    assert await sessions_of(db, case.id) == []


async def test_a_web_chat_mediator_schedules_for_a_telegram_worker(app_settings, db, clock) -> None:
    """The demo mediator on the web chat: card, session, a typed time; the worker hears of it on Telegram."""
    from tests.intake.helpers import Worker
    from tests.intake.test_mycases_and_alerts import file_wages_complaint
    from tests.webchat.conftest import WebChat, bot_said, serve_webchat, text_of

    def pressed(page, message: dict, label: str):
        data = next(b["data"] for row in message["buttons"] for b in row if label in b["text"])
        return page.send(type="press", message_id=message["id"], data=data)

    client = await serve_webchat(app_settings, db, clock)
    try:
        chat = ChatHarness.build(app_settings, db, clock)
        await file_wages_complaint(Worker(chat, WORKER), "Hongda Construction", 1)
        page = await WebChat(client).open("/socket?as=mediator&lang=en")
        await page.next()
        await page.send(type="text", text="/case LD-2026-000001")
        card = (await page.until(bot_said("LD-2026-000001")))["message"]
        await pressed(page, card, "✅")
        card = (await page.until(lambda frame: frame["type"] in ("message", "edit")
                                 and "Chen Gang" in text_of(frame["message"])))["message"]
        await pressed(page, card, "📅")
        question = (await page.until(bot_said("in person at the centre, or online")))["message"]
        await pressed(page, question, "In person")
        await page.until(bot_said("When is the session"))
        await page.send(type="text", text="下周二上午10点")
        await page.until(bot_said("The worker is asked to confirm"))
        await chat.dispatcher["outbox"].flush()
        notice = chat.last_message(WORKER)["text"]
        assert "Tuesday, December 1, 2026" in notice and "LD-2026-000001" in notice
    finally:
        await client.close()


async def test_every_step_has_a_cancel_button(chat, db, clock) -> None:
    case = await held(chat, db, clock)
    await chat.press_button(MEDIATOR, "📅", language_code=EN)
    await chat.press_button(MEDIATOR, "In person", language_code=EN)
    await chat.press_button(MEDIATOR, "Cancel", language_code=EN)
    assert "Stopped" in chat.last_message(MEDIATOR)["text"]
    await mediator_says(chat, "明天下午3点")   # no longer a step: nothing is scheduled
    assert await sessions_of(db, case.id) == []
    await schedule(chat, "明天下午3点")
    await chat.press_button(WORKER, "another time", language_code=EN)
    await chat.press_button(WORKER, "Cancel", language_code=EN)
    assert (await sessions_of(db, case.id))[0].status is SessionStatus.PROPOSED, "the worker changed nothing"
