"""The follow-up of a rating below 基本满意 through the real dispatcher: the supervisors' alert opens the
case, and each step (called the worker, reviewed the mediator, a note, closed) is an event; the note is
a case note (deletable), kept off the worker's timeline."""

from __future__ import annotations

from bot.app import build_i18n
from bot.cases import Command, CommandKind, DisputeKind, Mediation
from bot.cases.machine import SYSTEM, Decision, decide
from bot.deadlines import CalendarSource
from bot.outcomes import OutcomeService, Rating
from bot.overdue import SupervisionEvent
from bot.people import Front
from handlers.case_texts import event_text
from storage.outcomes import SQLiteOutcomeUnitOfWork
from storage.people import PeopleRepository
from tests.harness import ChatHarness, callback_answers, texts
from tests.supervisors.builders import DISTRICT_SUPERVISOR, MEDIATORS, WUCHANG_SUPERVISOR, Cases, staff


async def rated(chat: ChatHarness, db, clock, rating: Rating):
    """A case whose mediation ended without agreement, rated by its worker."""
    await staff(chat, db, clock)
    cases = Cases(chat, db, clock)
    case = await cases.file(DisputeKind.WAGES, "dxh-wujiashan", "东西湖区", days_ago=10, accepted_by=MEDIATORS[0])
    async with cases.uow() as tx:
        decision = decide(case.state, Command(CommandKind.END_MEDIATION, SYSTEM, outcome="no_agreement"), clock.now())
        assert isinstance(decision, Decision)
        case = await tx.cases.apply(case, decision, recorded_at=clock.now())
    assert case.mediation is Mediation.ENDED
    settings = chat.dispatcher["settings"]
    outcomes = OutcomeService(SQLiteOutcomeUnitOfWork(db), clock, CalendarSource(settings.holidays_file),
                              settings.zone)
    await outcomes.ask_rating_if_closed(case)
    worker = await PeopleRepository(db).get(case.worker_id)
    await outcomes.rate(worker, case.id, rating)
    await outcomes.comment(worker, case.id, "调解员一直不回电话")
    await chat.dispatcher["outbox"].flush()
    return cases, case


def follow_ups(events) -> list:
    return [event for event in events if event.type == SupervisionEvent.FOLLOWED_UP]


async def test_the_alert_opens_the_case_and_each_step_is_recorded(chat, db, clock) -> None:
    cases, case = await rated(chat, db, clock, Rating.VERY_DISSATISFIED)
    alert = chat.last_message(DISTRICT_SUPERVISOR)
    assert case.number in alert["text"]
    opened = texts(await chat.press_button(DISTRICT_SUPERVISOR, "打开案件进行跟进"))[0]
    assert case.number in opened and "非常不满意" in opened and "调解员一直不回电话" in opened
    await chat.press_button(DISTRICT_SUPERVISOR, "已致电劳动者")
    await chat.press_button(DISTRICT_SUPERVISOR, "已复核调解员")
    assert "/cancel" in texts(await chat.press_button(DISTRICT_SUPERVISOR, "添加备注"))[0]
    shown = texts(await chat.send(DISTRICT_SUPERVISOR, "已与劳动者沟通，调解员将于明天回访"))[0]
    assert "已与劳动者沟通" in shown and "已致电劳动者" in shown
    closed = texts(await chat.press_button(DISTRICT_SUPERVISOR, "跟进结束"))[0]
    assert "跟进已结束" in closed
    supervisor = await PeopleRepository(db).find(Front.TELEGRAM, DISTRICT_SUPERVISOR)
    steps = follow_ups(await cases.events(case.id))
    assert [event.payload["step"] for event in steps] == ["called_worker", "reviewed_mediator", "note", "closed"]
    assert all(event.actor_id == supervisor.id and event.payload["rating"] == "very_dissatisfied" for event in steps)
    assert steps[2].note == "已与劳动者沟通，调解员将于明天回访" and steps[2].note_id is not None
    i18n = build_i18n(chat.dispatcher["settings"])
    with i18n.context(), i18n.use_locale("zh_CN"):
        timeline = [event_text(event, str) for event in steps]
    assert timeline[0] == "督导就评价致电了劳动者"
    assert not any("已与劳动者沟通" in line for line in timeline), "the note stays off the worker's timeline"


async def test_nothing_more_after_the_follow_up_closed(chat, db, clock) -> None:
    cases, case = await rated(chat, db, clock, Rating.DISSATISFIED)
    await chat.press_button(DISTRICT_SUPERVISOR, "打开案件进行跟进")
    step = next(b["callback_data"] for row in chat.last_message(DISTRICT_SUPERVISOR)["reply_markup"]["inline_keyboard"]
                for b in row if "已致电" in b["text"])
    await chat.press_button(DISTRICT_SUPERVISOR, "跟进结束")
    [answer] = callback_answers(await chat.press(DISTRICT_SUPERVISOR, step))
    assert answer.show_alert and "已结束" in answer.text
    assert [event.payload["step"] for event in follow_ups(await cases.events(case.id))] == ["closed"]


async def test_another_districts_supervisor_may_not_follow_it_up(chat, db, clock) -> None:
    cases, case = await rated(chat, db, clock, Rating.DISSATISFIED)
    assert not [d for d in chat.deliveries if d.chat_id == WUCHANG_SUPERVISOR and case.number in d.message.get(
        "text", "")], "not told"
    opener = next(b["callback_data"] for row in chat.last_message(DISTRICT_SUPERVISOR)["reply_markup"]
                  ["inline_keyboard"] for b in row if "跟进" in b["text"])
    [answer] = callback_answers(await chat.press(WUCHANG_SUPERVISOR, opener))
    assert answer.show_alert
    assert not follow_ups(await cases.events(case.id))


async def test_a_good_rating_has_no_follow_up(chat, db, clock) -> None:
    _, case = await rated(chat, db, clock, Rating.BASICALLY_SATISFIED)
    # No alert came: the button's data, as a stale or forged press would send it.
    [answer] = callback_answers(await chat.press(DISTRICT_SUPERVISOR, f"fo:{case.id}"))
    assert answer.show_alert and "基本满意" in answer.text
