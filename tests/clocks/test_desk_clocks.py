"""The statutory clocks through the real dispatcher with a set clock: the referral and the arbitration stage
recorded by the arbitration office, the hand-over to labour inspection recorded by the district's liaison,
the platform extension, who may press what, the reminders (each once, at its time) and the supervisors
told of a passed limit, and the recomputation when the operator's holiday overrides change."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path

import yaml

from bot.cases import Arbitration, ArbitrationOutcome, DisputeKind, EventType, Inspection, Mediation, Outcome
from bot.clocks import Limit
from bot.deadline_keeper import WATCH_EVERY
from bot.deadlines import ClockStatus
from bot.people import Front
from bot.settings import Settings
from storage.deadlines import DeadlineRepository
from storage.jobs import JobRepository
from tests.clocks.helpers import (
    COLLEAGUE,
    LIAISON,
    MEDIATOR,
    OFFICE,
    OFFICE_COLLEAGUE,
    OTHER_LIAISON,
    SUPERVISOR,
    WORKER,
    Desk,
)
from tests.harness import ChatHarness


async def clocks_of(desk: Desk, case) -> dict:
    return {deadline.clock: deadline for deadline in await DeadlineRepository(desk.db).of_case(case.id)}


async def test_a_referral_through_arbitration_closed_within_its_limit(chat, db, clock) -> None:
    desk = await Desk(chat, db, clock).staffed()
    desk.at(2026, 8, 17, 10, 0)
    case = await desk.accepted(await desk.waiting_case())
    assert "15-day mediation period (Art. 14): September 1, 2026" in (await desk.card(MEDIATOR, case))["text"]

    await desk.press(MEDIATOR, "⚖️ Refer to arbitration")
    assert "Mediation ends" in chat.last_message(MEDIATOR)["text"]
    await desk.press(MEDIATOR, "Yes")
    case = await desk.cases.get(case.id)
    assert (case.mediation, case.outcome, case.arbitration) == (Mediation.ENDED, Outcome.REFERRED, Arbitration.APPLIED)
    clocks = await clocks_of(desk, case)
    assert clocks[Limit.MEDIATION_PERIOD].status is ClockStatus.STOPPED
    assert clocks[Limit.ACCEPTANCE_DECISION].due_on == date(2026, 8, 24)
    [referred] = desk.told(WORKER, "referred to arbitration")
    assert "by August 24, 2026" in referred
    [office_card] = desk.told(OFFICE, "referred to arbitration")
    assert case.number in office_card and desk.told(OFFICE_COLLEAGUE, "referred to arbitration")
    assert not desk.told(COLLEAGUE, "referred to arbitration"), "the mediation centre's colleague is not told"

    await desk.press(OFFICE, "📋 Open the case")
    assert desk.buttons(OFFICE) == ["📨 Application received", "✅ Accepted", "🚫 Not accepted", "🕓 Timeline"]
    desk.at(2026, 8, 18, 9, 0)
    await desk.press(OFFICE, "📨 Application received")
    assert (await clocks_of(desk, case))[Limit.ACCEPTANCE_DECISION].due_on == date(2026, 8, 25)
    assert desk.buttons(OFFICE)[0] == "📎 Materials completed", "after receipt, the materials may be completed"

    desk.at(2026, 8, 19, 9, 0)
    await desk.press(OFFICE, "📎 Materials completed")
    assert (await clocks_of(desk, case))[Limit.ACCEPTANCE_DECISION].due_on == date(2026, 8, 26), "counted again"
    assert "counted from today" in desk.told(WORKER, "materials")[-1]
    await desk.press(OFFICE, "✅ Accepted")
    [accepted] = await desk.events(case, EventType.ARBITRATION_ACCEPTED)
    assert accepted.actor_id == (await desk.people.find(Front.TELEGRAM, OFFICE)).id
    assert accepted.payload["held_to"]["clock"] == Limit.ACCEPTANCE_DECISION and accepted.payload["held_to"]["held"]
    assert (await clocks_of(desk, case))[Limit.ARBITRATION_CLOSE].due_on == date(2026, 10, 8), "over National Day"
    assert "The arbitration tribunal must close your case by October 8, 2026." in desk.told(WORKER, "accepted")[-1]

    desk.at(2026, 9, 1, 9, 0)
    await desk.press(OFFICE, "⏸ Suspend", "waits for the result of another case", "the committee's chair")
    case = await desk.cases.get(case.id)
    assert case.arbitration is Arbitration.SUSPENDED
    [suspended] = await desk.events(case, EventType.ARBITRATION_SUSPENDED)
    assert suspended.payload == {"reason": "awaiting_other_case", "approved_by": "committee_chair"}
    assert "suspended since September 1, 2026" in chat.last_message(OFFICE)["text"]
    assert "days it is suspended do not count" in desk.told(WORKER, "suspended")[-1]

    desk.at(2026, 9, 11, 9, 0)
    await desk.press(OFFICE, "▶️ Resume")
    assert (await clocks_of(desk, case))[Limit.ARBITRATION_CLOSE].due_on == date(2026, 10, 13), "10 days not counted"
    desk.at(2026, 9, 14, 9, 0)
    await desk.press(OFFICE, "🔁 Period restarts", "the claims were changed")
    assert (await clocks_of(desk, case))[Limit.ARBITRATION_CLOSE].due_on == date(2026, 10, 29), "45 days again"
    desk.at(2026, 9, 15, 9, 0)
    await desk.press(OFFICE, "⏳ Extend", "15 days", "the institute's head")
    [extended] = await desk.events(case, EventType.ARBITRATION_EXTENDED)
    assert extended.payload == {"days": 15, "reason": "complex", "approved_by": "institute_head"}
    assert (await clocks_of(desk, case))[Limit.ARBITRATION_CLOSE].due_on == date(2026, 11, 13)
    assert "⏳ Extend" not in desk.buttons(OFFICE), "extended once"

    desk.at(2026, 10, 20, 15, 0)
    await desk.press(OFFICE, "🏁 Close", "an award was made")
    case = await desk.cases.get(case.id)
    assert (case.arbitration, case.arbitration_outcome) == (Arbitration.CLOSED, ArbitrationOutcome.AWARD)
    [closed] = await desk.events(case, EventType.ARBITRATION_CLOSED)
    assert closed.payload["held_to"] == {"clock": Limit.ARBITRATION_CLOSE, "due_on": "2026-11-13", "provisional": False,
                                         "held": True, "extension_days": 15, "suspended_days": 0}
    assert "done on October 20, 2026, within the limit of November 13, 2026" in chat.last_message(OFFICE)["text"]
    assert desk.told(WORKER, "The arbitration of case")[-1].endswith("is closed: an award was made.")


async def test_a_limit_passed_reminds_the_office_before_and_the_supervisors_after_each_once(chat, db, clock) -> None:
    desk = await Desk(chat, db, clock).staffed()
    desk.at(2026, 8, 17, 10, 0)
    case = await desk.referred(await desk.waiting_case())
    await desk.press(OFFICE, "📋 Open the case", "✅ Accepted")
    assert (await clocks_of(desk, case))[Limit.ARBITRATION_CLOSE].due_on == date(2026, 10, 8)

    def reminders(user_id: int) -> list[str]:
        return [text for text in desk.told(user_id, "arbitration limit") if text.startswith(("⏰", "⚠️"))]

    for moment, office, supervisor in [
        ((2026, 9, 28, 8, 59), 0, 0),
        ((2026, 9, 28, 9, 0), 1, 0),     # 3 working days before 8 October
        ((2026, 9, 29, 12, 0), 1, 0),
        ((2026, 9, 30, 9, 0), 2, 0),     # the working day before it: National Day week lies between
        ((2026, 10, 8, 18, 0), 2, 0),
        ((2026, 10, 9, 9, 0), 3, 1),     # passed: the office and the supervisors
        ((2026, 10, 10, 9, 0), 3, 1),
    ]:
        desk.at(*moment)
        await desk.run_jobs()
        await desk.run_jobs()  # a second round sends nothing again
        assert (len(reminders(OFFICE)), len(reminders(SUPERVISOR))) == (office, supervisor), moment
    assert "in 3 working day(s)" in reminders(OFFICE)[0] and "in 1 working day(s)" in reminders(OFFICE)[1]
    assert reminders(OFFICE)[2].startswith("⚠️") and "October 8, 2026" in reminders(SUPERVISOR)[0]
    assert not desk.told(WORKER, "arbitration limit"), "the worker is not chased"
    warned = [e.payload["stage"] for e in await desk.events(case, EventType.DEADLINE_WARNED)]
    passed = await desk.events(case, EventType.DEADLINE_PASSED)
    assert warned == ["3_days", "1_day"] and [e.payload["clock"] for e in passed] == [Limit.ARBITRATION_CLOSE]

    desk.at(2026, 10, 12, 10, 0)
    await desk.card(OFFICE, case)
    await desk.press(OFFICE, "🏁 Close", "settled by mediation in arbitration")
    [closed] = await desk.events(case, EventType.ARBITRATION_CLOSED)
    assert (closed.payload["held_to"]["due_on"], closed.payload["held_to"]["held"]) == ("2026-10-08", False)
    assert "after the limit of October 8, 2026" in chat.last_message(OFFICE)["text"]
    stored = (await clocks_of(desk, case))[Limit.ARBITRATION_CLOSE]
    assert (stored.status, stored.held) == (ClockStatus.STOPPED, False)


async def test_an_inspection_hand_over_to_closure_reported_back(chat, db, clock) -> None:
    desk = await Desk(chat, db, clock).staffed()
    desk.at(2026, 8, 20, 10, 0)
    case = await desk.accepted(await desk.waiting_case())
    await desk.press(MEDIATOR, "🔎 Hand to labour inspection", "Yes")
    case = await desk.cases.get(case.id)
    assert (case.inspection, case.mediation) == (Inspection.HANDED_OVER, Mediation.ACCEPTED), "mediation goes on"
    assert desk.told(LIAISON, "handed to labour inspection") and not desk.told(OTHER_LIAISON)
    assert desk.told(WORKER, "handed to labour inspection")

    await desk.card(OTHER_LIAISON, case)
    assert "Hongda" not in chat.last_message(OTHER_LIAISON)["text"], "another district's liaison sees nothing"
    await desk.press(LIAISON, "📋 Open the case")
    assert desk.buttons(LIAISON) == ["📂 Filed (立案)", "🏁 Closed, reported back", "🕓 Timeline"]
    forged = next(b["callback_data"] for row in chat.last_message(LIAISON)["reply_markup"]["inline_keyboard"]
                  for b in row if b["text"].startswith("📂"))
    await chat.press(OTHER_LIAISON, forged, language_code="en")
    assert (await desk.cases.get(case.id)).inspection is Inspection.HANDED_OVER

    desk.at(2026, 8, 31, 10, 0)
    await desk.press(LIAISON, "📂 Filed")
    assert (await clocks_of(desk, case))[Limit.INSPECTION_CLOSE].due_on == date(2026, 11, 27)
    assert "Labour inspection must finish its investigation by November 27, 2026." in desk.told(WORKER, "opened")[-1]

    desk.at(2026, 9, 5, 9, 0)  # 15 days after the centre received it: the Art. 14 note, to the worker and mediator
    await desk.run_jobs()
    assert len(desk.told(WORKER, "you may now apply for arbitration")) == 1
    assert len(desk.told(MEDIATOR, "the worker may now apply for arbitration")) == 1

    desk.at(2026, 11, 24, 9, 0)  # 3 working days before 27 November: the liaison and the mediator who handed it over
    await desk.run_jobs()
    assert len(desk.told(LIAISON, "in 3 working day(s)")) == 1 and len(desk.told(MEDIATOR, "in 3 working day(s)")) == 1
    assert not desk.told(OTHER_LIAISON, "inspection limit")

    desk.at(2026, 11, 25, 10, 0)
    await desk.card(LIAISON, case)
    await desk.press(LIAISON, "⏳ Extended", "the head of the labour department")
    [extended] = await desk.events(case, EventType.INSPECTION_EXTENDED)
    assert extended.payload == {"approved_by": "department_head", "days": 30}
    extended_clock = (await clocks_of(desk, case))[Limit.INSPECTION_CLOSE]
    assert (extended_clock.due_on, extended_clock.provisional) == (date(2027, 1, 8), True)
    shown = chat.last_message(LIAISON)["text"]
    assert "by January 8, 2027 · extended by 30 days (provisional" in shown
    assert "For your information" not in shown, "the liaison records this track"
    desk.at(2026, 11, 26, 9, 0)
    await desk.run_jobs()
    assert not desk.told(LIAISON, "in 1 working day(s)"), "the old date's reminder does nothing once it moved"

    desk.at(2026, 12, 10, 16, 0)
    await desk.press(LIAISON, "🏁 Closed", "the employer was made to put it right")
    case = await desk.cases.get(case.id)
    assert case.inspection is Inspection.CLOSED
    [closed] = await desk.events(case, EventType.INSPECTION_CLOSED)
    assert closed.payload["result"] == "rectified" and closed.payload["held_to"]["held"] is True
    assert closed.actor_role == "inspection"
    told = desk.told(WORKER, "Labour inspection reports")[-1]
    assert "the employer was made to put it right" in told and "closed its case" in told


async def test_a_platform_mediation_is_extended_once_by_both_sides_agreement(chat, db, clock) -> None:
    desk = await Desk(chat, db, clock).staffed()
    desk.at(2026, 9, 16, 10, 0)
    case = await desk.accepted(await desk.waiting_case(DisputeKind.PLATFORM))
    assert "platform-work mediation limit: by October 8, 2026" in (await desk.card(MEDIATOR, case))["text"]
    await desk.press(MEDIATOR, "⏳ Extend (both sides agree)")
    question = chat.last_message(MEDIATOR)
    await desk.press(MEDIATOR, "10 days")
    [extended] = await desk.events(case, EventType.MEDIATION_EXTENDED)
    assert extended.payload == {"days": 10, "agreed_by": ["worker", "employer"]}
    assert (await clocks_of(desk, case))[Limit.PLATFORM_MEDIATION_CLOSE].due_on == date(2026, 10, 12)
    assert "Mediation of your platform-work case should end by October 12, 2026." in desk.told(WORKER, "agreed")[-1]
    assert "⏳ Extend (both sides agree)" not in desk.buttons(MEDIATOR)
    again = next(b["callback_data"] for row in question["reply_markup"]["inline_keyboard"] for b in row
                 if b["text"] == "15 days")
    await chat.press(MEDIATOR, again, message=question, language_code="en")
    assert len(await desk.events(case, EventType.MEDIATION_EXTENDED)) == 1, "once"


async def test_each_track_is_recorded_only_by_its_own_staff(chat, db, clock) -> None:
    desk = await Desk(chat, db, clock).staffed()
    desk.at(2026, 8, 17, 10, 0)
    case = await desk.referred(await desk.waiting_case())
    await desk.press(OFFICE, "📋 Open the case")
    office_card = chat.last_message(OFFICE)
    accept = next(b["callback_data"] for row in office_card["reply_markup"]["inline_keyboard"] for b in row
                  if b["text"] == "✅ Accepted")
    for someone in (MEDIATOR, COLLEAGUE, LIAISON, SUPERVISOR, WORKER):
        await chat.press(someone, accept, message=office_card, language_code="en")
        assert (await desk.cases.get(case.id)).arbitration is Arbitration.APPLIED, someone
    assert not chat.session.unanswered_callbacks
    forged = accept.replace("dk:aa:", "dk:a:")  # the mediation's accept, by the office
    await chat.press(OFFICE, forged, language_code="en")
    assert (await desk.cases.get(case.id)).mediator_id is not None and \
        (await desk.cases.get(case.id)).mediation is Mediation.ENDED
    await chat.press(OFFICE, f"ds:an:{case.id}:{case.version}:9", language_code="en")  # not an answer
    assert (await desk.cases.get(case.id)).arbitration is Arbitration.APPLIED

    await desk.card(OFFICE_COLLEAGUE, case)
    await asyncio.gather(chat.press(OFFICE, accept, message=office_card, language_code="en"),
                         chat.press_button(OFFICE_COLLEAGUE, "✅ Accepted", language_code="en"))
    [won] = await desk.events(case, EventType.ARBITRATION_ACCEPTED)
    ids = {user_id: (await desk.people.find(Front.TELEGRAM, user_id)).id for user_id in (OFFICE, OFFICE_COLLEAGUE)}
    [loser] = [user_id for user_id, person_id in ids.items() if person_id != won.actor_id]
    assert "changed first by" in chat.last_message(loser)["text"], "the other is told who recorded it first"

    other = await desk.referred(await desk.waiting_case(district="武昌区"))
    await desk.card(OFFICE, other)
    assert "Hongda" not in chat.last_message(OFFICE)["text"], "another district's case is not this office's"
    assert other.arbitration is Arbitration.APPLIED


async def test_not_accepted_tells_the_worker_why_and_where_to_go(chat, db, clock) -> None:
    desk = await Desk(chat, db, clock).staffed()
    desk.at(2026, 8, 17, 10, 0)
    case = await desk.referred(await desk.waiting_case())
    await desk.press(OFFICE, "📋 Open the case", "🚫 Not accepted", "belongs to another arbitration committee")
    case = await desk.cases.get(case.id)
    assert case.arbitration is Arbitration.NOT_ACCEPTED
    told = desk.told(WORKER, "did not accept")[-1]
    assert "belongs to another arbitration committee" in told and "people's court" in told
    [refused] = await desk.events(case, EventType.ARBITRATION_NOT_ACCEPTED)
    assert refused.payload["reason"] == "not_jurisdiction" and refused.payload["held_to"]["held"] is True


async def test_changed_overrides_recompute_the_stored_dates_each_an_event(
    app_settings: Settings, db, clock, tmp_path: Path
) -> None:
    overrides = tmp_path / "holidays.yaml"
    overrides.write_text(yaml.safe_dump({"years": {}}), encoding="utf-8")
    chat = ChatHarness.build(app_settings.model_copy(update={"holidays_file": overrides}), db, clock)
    desk = await Desk(chat, db, clock).staffed()
    desk.at(2095, 11, 24, 10, 0)  # a year no calendar knows, so no package update can change this test
    case = await desk.referred(await desk.waiting_case())
    await desk.press(OFFICE, "📋 Open the case", "✅ Accepted")
    assert "arbitration limit (Art. 43): by January 9, 2096 (provisional" in chat.last_message(OFFICE)["text"]

    overrides.write_text(yaml.safe_dump({"years": {2095: {}, 2096: {"holidays": ["2096-01-09"]}}}), encoding="utf-8")
    clock.set(clock.now() + WATCH_EVERY)  # nobody acts: the calendar watch notices
    await desk.run_jobs()
    stored = (await clocks_of(desk, case))[Limit.ARBITRATION_CLOSE]
    assert (stored.due_on, stored.provisional) == (date(2096, 1, 10), False)
    [moved] = await desk.events(case, EventType.DEADLINE_RECOMPUTED)
    assert moved.payload == {"clock": Limit.ARBITRATION_CLOSE, "from": "2096-01-09", "to": "2096-01-10",
                             "provisional_before": True, "provisional": False}
    assert (moved.actor_id, moved.centre_id) == (None, "dxh-wujiashan")
    pending = await JobRepository(db).claim_due(clock.now() + timedelta(days=60), "test", timedelta(minutes=1), 50)
    keys = {job.unique_key for job in pending if job.kind == "clocks.remind"}
    assert f"{case.id}:arbitration_close:2096-01-10:passed" in keys

    await desk.card(OFFICE, case)
    shown = chat.last_message(OFFICE)["text"]
    assert "by January 10, 2096" in shown and "provisional" not in shown
    clock.set(clock.now() + 2 * WATCH_EVERY)
    await desk.run_jobs()
    assert len(await desk.events(case, EventType.DEADLINE_RECOMPUTED)) == 1, "counted again once"


async def test_a_reminder_due_as_the_calendar_becomes_known_goes_out_once(
    app_settings: Settings, db, clock, tmp_path: Path
) -> None:
    """Listing the year makes the date firm without moving it: the notice of the passed limit, due as the
    change is noticed, goes out in that round, once."""
    overrides = tmp_path / "holidays.yaml"
    overrides.write_text(yaml.safe_dump({"years": {}}), encoding="utf-8")
    chat = ChatHarness.build(app_settings.model_copy(update={"holidays_file": overrides}), db, clock)
    desk = await Desk(chat, db, clock).staffed()
    desk.at(2095, 11, 24, 10, 0)
    case = await desk.referred(await desk.waiting_case())
    await desk.press(OFFICE, "📋 Open the case", "✅ Accepted")
    overrides.write_text(yaml.safe_dump({"years": {2095: {}, 2096: {}}}), encoding="utf-8")
    desk.at(2096, 1, 10, 9, 0)  # the day after Monday 9 January

    def passed(user_id: int) -> list[str]:
        return [text for text in desk.told(user_id, "arbitration limit") if text.startswith("⚠️")]

    await desk.run_jobs()
    assert (len(passed(OFFICE)), len(passed(SUPERVISOR))) == (1, 1), "in the first round: nothing was rolled back"
    await desk.run_jobs()
    assert (len(passed(OFFICE)), len(passed(SUPERVISOR))) == (1, 1)
    assert "provisional" not in passed(OFFICE)[0]
    [moved] = await desk.events(case, EventType.DEADLINE_RECOMPUTED)
    assert (moved.payload["from"], moved.payload["to"], moved.payload["provisional"]) == (
        "2096-01-09", "2096-01-09", False)
