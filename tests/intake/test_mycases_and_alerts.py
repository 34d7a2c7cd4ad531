"""After filing: the worker's cases, timelines, withdrawal, later evidence; urgent cases reach supervisors."""

from datetime import timedelta

from bot.cases import Mediation
from bot.people import Front, Role
from storage.cases import CaseRepository
from storage.db import Database
from storage.people import PeopleRepository
from tests.harness import ChatHarness
from tests.intake.helpers import Worker

WORKER = 4001
MEDIATOR = 4901
SUPERVISOR = 900  # in SUPERVISOR_IDS of the test settings


async def file_wages_complaint(worker: Worker, employer: str, workers: int) -> str:
    """A whole wages complaint; returns the confirmation."""
    await fill_wages_complaint(worker, employer, workers)
    confirmation, *_alerts = await worker.presses("Submit")
    return confirmation


async def fill_wages_complaint(worker: Worker, employer: str, workers: int) -> None:
    """A wages complaint answered up to its summary."""
    await answer_wages_questions_before_the_workplace(worker, employer, workers)
    for answer in ("Wujiashan street, Dongxihu", "Here"):
        await worker.says(answer)


async def answer_wages_questions_before_the_workplace(worker: Worker, employer: str, workers: int) -> None:
    await worker.agrees_to_the_notice()
    await worker.presses("Unpaid wages")
    await worker.says(employer)
    await worker.presses("Construction")
    await worker.says("March to August 2026")
    await worker.says("8000")
    await worker.presses("Skip")
    await worker.presses("No")
    await worker.says(str(workers))
    for answer in ("Pay us", "Chats", "Chen Gang", "13800138000"):
        await worker.says(answer)


async def test_mycases_lists_cases_and_shows_the_timeline(chat: ChatHarness, db: Database) -> None:
    worker = Worker(chat, WORKER)
    [empty] = await worker.says("/mycases")
    assert "no cases yet" in empty
    await file_wages_complaint(worker, "Hongda Construction", 1)
    [listing] = await worker.says("/mycases")
    assert "LD-2026-000001" in listing and "Unpaid wages" in listing and "with a centre" in listing
    [case_view] = await worker.presses("LD-2026-000001")
    assert "Timeline" in case_view and "Complaint filed" in case_view
    assert "Mediation centre: Wujiashan Street Labour Dispute Mediation Centre" in case_view
    assert "Sent to Wujiashan Street Labour Dispute Mediation Centre" in case_view, "the routing event, named"
    assert "Nov 24, 2026 10:30" in case_view, "local time, formatted for the worker's language"
    assert not chat.session.unanswered_callbacks


async def test_the_worker_menu_offers_new_complaint_and_my_cases(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await worker.says("/start")
    [notice] = await worker.presses("New complaint")
    assert "personal information" in notice
    await worker.says("/start")
    [listing] = await worker.presses("My cases")
    assert "no cases yet" in listing


async def test_withdrawing_with_a_reason_records_the_event(chat: ChatHarness, db: Database, clock) -> None:
    await PeopleRepository(db).set_role(Front.TELEGRAM, MEDIATOR, Role.MEDIATOR, "dxh-wujiashan", now=clock.now())
    chat.session.register_chat({"id": MEDIATOR, "type": "private", "first_name": "王"})
    worker = Worker(chat, WORKER)
    await file_wages_complaint(worker, "Hongda Construction", 1)
    await worker.says("/mycases")
    await worker.presses("LD-2026-000001")
    [question] = await worker.presses("Withdraw")
    assert "Why do you want to withdraw" in question
    cases = CaseRepository(db)
    person = await PeopleRepository(db).find(Front.TELEGRAM, WORKER)

    [confirm] = await worker.presses("The employer paid")
    assert "Withdraw case LD-2026-000001 (“The employer paid”)?" in confirm and "cannot be undone" in confirm
    [case] = await cases.of_worker(person.id)
    assert case.mediation is Mediation.ASSIGNED, "one tap on a reason withdraws nothing yet"
    [kept] = await worker.presses("No, keep the case")
    assert "Kept" in kept
    [case] = await cases.of_worker(person.id)
    assert case.mediation is Mediation.ASSIGNED

    await worker.presses("LD-2026-000001")
    await worker.presses("Withdraw")
    await worker.presses("The employer paid")
    done, *_to_the_centre = await worker.presses("Yes, withdraw")
    assert "is withdrawn" in done
    [case] = await cases.of_worker(person.id)
    assert case.mediation is Mediation.WITHDRAWN
    withdrawn = (await cases.events(case.id))[-1]
    assert withdrawn.type == "withdrawn" and withdrawn.actor_id == person.id
    assert withdrawn.from_state == Mediation.ASSIGNED and withdrawn.payload == {"reason_code": "paid"}
    told = [d.message["text"] for d in chat.deliveries if d.chat_id == MEDIATOR]
    assert "案件 LD-2026-000001 已由劳动者撤回（单位已经付钱了）" in told[-1], "the centre is told, in its language"
    [timeline] = await worker.presses("LD-2026-000001")
    assert "Withdrawn: The employer paid" in timeline and "Add evidence" not in str(
        chat.last_message(WORKER).get("reply_markup"))


async def test_a_typed_withdrawal_reason_is_kept_in_the_workers_words(chat: ChatHarness, db: Database) -> None:
    worker = Worker(chat, WORKER)
    await file_wages_complaint(worker, "Hongda Construction", 1)
    await worker.says("/mycases")
    await worker.presses("LD-2026-000001")
    await worker.presses("Withdraw")
    [ask] = await worker.presses("Another reason")
    assert "type the reason" in ask
    [done] = await worker.says("Found a new job & the boss paid half")
    assert "is withdrawn" in done
    person = await PeopleRepository(db).find(Front.TELEGRAM, WORKER)
    [case] = await CaseRepository(db).of_worker(person.id)
    assert (await CaseRepository(db).events(case.id))[-1].note == "Found a new job & the boss paid half"


async def test_evidence_added_later_is_kept_and_recorded(chat: ChatHarness, db: Database) -> None:
    worker = Worker(chat, WORKER)
    await file_wages_complaint(worker, "Hongda Construction", 1)
    await worker.says("/mycases")
    await worker.presses("LD-2026-000001")
    [ask] = await worker.presses("Add evidence")
    assert "Send photos or files for case LD-2026-000001" in ask
    [added] = await worker.sends_document("attendance.xlsx", 40_000)
    assert "attendance.xlsx is added to case LD-2026-000001" in added
    [too_big] = await worker.sends_document("video.mp4", 30 * 1024 * 1024)
    assert "more than the 20 MB" in too_big
    [view] = await worker.presses("Done")
    assert "Evidence: 1 files" in view and "Evidence added: attendance.xlsx" in view
    cases = CaseRepository(db)
    person = await PeopleRepository(db).find(Front.TELEGRAM, WORKER)
    [case] = await cases.of_worker(person.id)
    [item] = await cases.evidence(case.id)
    assert item.name == "attendance.xlsx" and item.size == 40_000 and item.file_id == "doc-attendance.xlsx"
    assert (await cases.events(case.id))[-1].type == "evidence_added"
    [reply] = await worker.says("hello")
    assert "I did not understand" in reply, "the evidence step is over"


async def test_no_evidence_reaches_a_case_withdrawn_meanwhile(chat: ChatHarness, db: Database) -> None:
    worker = Worker(chat, WORKER)
    await file_wages_complaint(worker, "Hongda Construction", 1)
    await worker.says("/mycases")
    await worker.presses("LD-2026-000001")
    case_message = chat.last_message(WORKER)
    await worker.presses("Add evidence")
    withdraw = next(b["callback_data"] for row in case_message["reply_markup"]["inline_keyboard"] for b in row
                    if "Withdraw" in b["text"])
    await chat.press(WORKER, withdraw, message=case_message, language_code="en")  # the older message's button
    await worker.presses("The employer paid")
    await worker.presses("Yes, withdraw")
    replies = await worker.sends_document("late.pdf", 1_000)
    person = await PeopleRepository(db).find(Front.TELEGRAM, WORKER)
    [case] = await CaseRepository(db).of_worker(person.id)
    assert case.mediation is Mediation.WITHDRAWN and await CaseRepository(db).evidence(case.id) == []
    assert any("LD-2026-000001 is closed" in reply for reply in replies)


async def test_evidence_from_the_draft_is_kept_on_the_case(chat: ChatHarness, db: Database) -> None:
    worker = Worker(chat, WORKER)
    await worker.agrees_to_the_notice()
    await worker.sends_photo("payslip")
    await worker.says("/cancel")
    await worker.presses("No, keep it")
    await worker.presses("Unpaid wages")
    await worker.says("Hongda Construction")
    await worker.presses("Construction")
    await worker.says("March to August 2026")
    await worker.says("8000")
    await worker.presses("Skip")
    await worker.presses("No")
    await worker.presses("Only me")
    for answer in ("Pay us", "Chats", "Chen Gang", "13800138000", "Wujiashan street"):
        await worker.says(answer)
    await worker.presses("Skip")
    assert "📎 Photo 1 (196 KB)" in worker.last()
    await worker.presses("Submit")
    person = await PeopleRepository(db).find(Front.TELEGRAM, WORKER)
    [case] = await CaseRepository(db).of_worker(person.id)
    assert [item.file_id for item in await CaseRepository(db).evidence(case.id)] == ["photo-payslip"]


async def test_a_collective_dispute_is_urgent_and_supervisors_are_told_at_once(chat: ChatHarness, db: Database) -> None:
    supervisor = Worker(chat, SUPERVISOR)
    await supervisor.says("/start")  # Telegram lets a bot write only to people who wrote to it
    confirmation = await file_wages_complaint(Worker(chat, WORKER), "Hongda Construction Co., Ltd.", 12)
    assert "marked urgent" in confirmation
    alert = supervisor.last()
    assert "Urgent case LD-2026-000001" in alert and "10 or more workers" in alert
    assert "Hongda Construction Co., Ltd." in alert and "Chen Gang" not in alert, "no worker's personal details"
    person = await PeopleRepository(db).find(Front.TELEGRAM, WORKER)
    [case] = await CaseRepository(db).of_worker(person.id)
    assert case.urgent and await CaseRepository(db).alerts(case.id) == ["collective"]


async def test_a_third_complaint_against_one_employer_within_30_days_raises_the_alert(
    chat: ChatHarness, db: Database, clock,
) -> None:
    supervisor = Worker(chat, SUPERVISOR)
    await supervisor.says("/start")
    await file_wages_complaint(Worker(chat, WORKER), "Hongda Construction Co., Ltd.", 1)
    clock.set(clock.now() + timedelta(days=40))  # outside the window: does not count
    await file_wages_complaint(Worker(chat, WORKER + 1), "HONGDA CONSTRUCTION", 1)
    before = len(chat.deliveries)
    second = await file_wages_complaint(Worker(chat, WORKER + 2), "hongda construction co ltd", 1)
    assert "marked urgent" not in second
    assert not [d for d in chat.deliveries[before:] if d.chat_id == SUPERVISOR]
    clock.set(clock.now() + timedelta(days=5))
    third = await file_wages_complaint(Worker(chat, WORKER + 3), "Hongda Construction", 1)
    assert "marked urgent" in third
    assert "3 or more complaints against this employer" in supervisor.last()
    person = await PeopleRepository(db).find(Front.TELEGRAM, WORKER + 3)
    [case] = await CaseRepository(db).of_worker(person.id)
    assert case.urgent and await CaseRepository(db).alerts(case.id) == ["repeated_employer"]


async def test_a_case_step_in_the_middle_of_a_draft_says_how_to_go_on(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await file_wages_complaint(worker, "Hongda Construction", 1)
    await worker.agrees_to_the_notice()
    await worker.presses("Unpaid wages")  # a second complaint is open, waiting for its employer
    await worker.says("/mycases")
    await worker.presses("LD-2026-000001")
    await worker.presses("Add evidence")
    await worker.sends_document("payslip.pdf", 1_000)
    replies = await worker.presses("Done")
    assert "send /new to go on with it" in replies[-1]
    resumed = await worker.says("/new")
    assert "Who is your employer" in resumed[-1], "the draft goes on where it was"


async def test_cancel_in_a_case_step_stops_only_that_step(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await file_wages_complaint(worker, "Hongda Construction", 1)
    await worker.agrees_to_the_notice()
    await worker.presses("Unpaid wages")  # a second complaint is being filled in
    await worker.says("/mycases")
    await worker.presses("LD-2026-000001")
    await worker.presses("Add evidence")
    replies = await worker.says("/cancel")
    assert replies[0] == "Stopped: the case stays as it was."
    assert "send /new to go on with it" in replies[-1]
    resumed = await worker.says("/new")
    assert "Who is your employer" in resumed[-1], "the draft was not deleted"
