"""Cases taken at the counter or by phone, through the real dispatcher: the mediator's first tap, the notice
read to the worker, the chat intake's own questions, the filing for a worker with no chat, the consent
recorded as given in person, and who may do it."""

from __future__ import annotations

import re
from datetime import date

from bot.app import build_i18n
from bot.cases import Mediation
from bot.counter import CounterEvent
from bot.people import Front, Role
from bot.rates import Period, RateKey, Scope
from handlers.case_texts import event_text
from storage.cases import CaseRepository
from storage.db import Database
from storage.evidence import EvidenceRepository
from storage.outbox import OutboxRepository
from storage.people import PeopleRepository
from tests.harness import ChatHarness, callback_answers
from tests.intake.helpers import Worker, chat_state, draft_of

MEDIATOR = 8901        # of dxh-wujiashan (Wujiashan street)
OTHER_MEDIATOR = 8911  # of dxh-jiangjunlu
WORKER = 8001


async def staff(chat: ChatHarness, db: Database, clock) -> None:
    people = PeopleRepository(db)
    for user_id, centre, name in ((MEDIATOR, "dxh-wujiashan", "王调解员"),
                                  (OTHER_MEDIATOR, "dxh-jiangjunlu", "赵调解员")):
        await people.set_role(Front.TELEGRAM, user_id, Role.MEDIATOR, centre, now=clock.now(), display_name=name)
        chat.session.register_chat({"id": user_id, "type": "private", "first_name": name})


async def opens_a_counter_case(mediator: Worker, how: str = "At the counter") -> None:
    await mediator.says("/queue")
    await mediator.presses("Record a counter case")
    await mediator.presses(how)
    await mediator.presses("The worker agrees")


async def answers_up_to_the_phone(mediator: Worker) -> None:
    await mediator.presses("Unpaid wages")
    await mediator.says("Hongda Construction")
    await mediator.presses("Construction")
    await mediator.says("March to August 2026")
    await mediator.says("8000")
    await mediator.presses("Skip")
    await mediator.presses("No")
    await mediator.says("1")
    for answer in ("Pay me", "Payslips", "Chen Gang"):
        await mediator.says(answer)


async def records_a_case(mediator: Worker, workplace: str = "Wujiashan street, Dongxihu") -> list[str]:
    await opens_a_counter_case(mediator)
    await answers_up_to_the_phone(mediator)
    for answer in ("13800138000", workplace, "Here"):
        await mediator.says(answer)
    return await mediator.presses("Submit")


async def the_case(db: Database):
    [worker] = [person for person in await PeopleRepository(db).with_role(Role.WORKER) if person.front is Front.COUNTER]
    [case] = await CaseRepository(db).of_worker(worker.id)
    return worker, case


async def test_a_counter_case_is_filed_for_a_worker_without_a_chat(chat: ChatHarness, db: Database, clock) -> None:
    await staff(chat, db, clock)
    mediator = Worker(chat, MEDIATOR)
    replies = await records_a_case(mediator)
    told = "\n".join(replies)
    assert "Your complaint is filed. Case number: <b>LD-2026-000001</b>" in told, "what the worker is told"
    assert "Case <b>LD-2026-000001</b> is recorded (at the counter)" in told
    worker, case = await the_case(db)
    assert worker.display_name == "Chen Gang" and not worker.has_chat
    assert case.centre_id == "dxh-wujiashan" and case.mediation is Mediation.ASSIGNED
    assert case.fields["name"] == "Chen Gang" and case.fields["phone"] == "+8613800138000"
    events = await CaseRepository(db).events(case.id)
    me = await PeopleRepository(db).find(Front.TELEGRAM, MEDIATOR)
    submitted = events[0]
    assert submitted.type == "submitted" and submitted.payload["channel"] == "counter"
    assert submitted.actor_id == me.id, "the mediator who recorded it is the filing's actor"
    # The case card reaches the centre as for a chat case, the mediator among its mediators.
    assert any("LD-2026-000001" in d.message.get("text", "") and "dk:" in str(d.message.get("reply_markup"))
               for d in chat.deliveries if d.chat_id == MEDIATOR)
    assert not chat.session.unanswered_callbacks
    _, data = await chat_state(chat, MEDIATOR)
    assert "draft" not in data, "the draft went with the filing"


async def test_consent_is_recorded_as_given_in_person(chat: ChatHarness, db: Database, clock) -> None:
    await staff(chat, db, clock)
    await records_a_case(Worker(chat, MEDIATOR))
    worker, case = await the_case(db)
    people = PeopleRepository(db)
    me = await people.find(Front.TELEGRAM, MEDIATOR)
    assert await people.consents(worker) == [("privacy", "2026-11")]
    assert await people.consents(me) == [], "the mediator typing consented to nothing"
    [consent] = [event for event in await CaseRepository(db).events(case.id)
                 if event.type == CounterEvent.CONSENT_IN_PERSON]
    assert consent.actor_id == me.id and consent.actor_role == "mediator"
    assert consent.payload == {"channel": "counter", "notice_version": "2026-11", "purposes": ["privacy"]}
    assert consent.occurred_at == clock.now()
    assert case.fields["privacy_consent"]["version"] == "2026-11"


async def test_the_timeline_says_how_consent_was_given(app_settings, chat: ChatHarness, db: Database,
                                                       clock) -> None:
    await staff(chat, db, clock)
    await records_a_case(Worker(chat, MEDIATOR))
    _, case = await the_case(db)
    [consent] = [event for event in await CaseRepository(db).events(case.id)
                 if event.type == CounterEvent.CONSENT_IN_PERSON]
    i18n = build_i18n(app_settings)
    for locale, line in (("en", "Consent given in person (at the counter), recorded by the centre"),
                         ("zh_CN", "本人口头同意（窗口），由中心记录")):
        with i18n.context(), i18n.use_locale(locale):
            assert event_text(consent, str) == line


async def test_notices_to_the_worker_are_not_sent_and_do_not_stop_the_outbox(chat: ChatHarness, db: Database,
                                                                            clock) -> None:
    await staff(chat, db, clock)
    await records_a_case(Worker(chat, MEDIATOR))
    worker, case = await the_case(db)
    async with db.read() as conn, conn.execute(
        "SELECT status, last_error FROM outbox WHERE recipient_id = ?", (worker.id,)) as cursor:
        rows = [tuple(row) for row in await cursor.fetchall()]
    assert rows == [], "the worker's confirmation went to the mediator instead"
    # A later notice to the worker (a mediator accepting, say) is given up with its reason, not retried.
    from bot.outbox.model import Notification
    [row_id] = await OutboxRepository(db).add([Notification(recipient_id=worker.id, template="filed",
                                                            params={}, case_id=case.id)], now=clock.now())
    await chat.dispatcher["outbox"].flush()
    stored = await OutboxRepository(db).get(row_id)
    assert stored.status == "gave_up" and "no chat" in (stored.last_error or "")


async def test_a_phone_case_offers_nothing_to_share_from_the_mediators_phone(chat: ChatHarness, db: Database,
                                                                             clock) -> None:
    await staff(chat, db, clock)
    mediator = Worker(chat, MEDIATOR)
    await opens_a_counter_case(mediator, "By phone")
    await answers_up_to_the_phone(mediator)
    assert await mediator.pending() == "phone"
    markups = [str(d.message.get("reply_markup")) for d in chat.deliveries if d.chat_id == MEDIATOR]
    assert not any("request_contact" in markup or "request_location" in markup for markup in markups)
    for answer in ("13800138000", "Wujiashan street, Dongxihu", "Here"):
        await mediator.says(answer)
    told = "\n".join(await mediator.presses("Submit"))
    assert "is recorded (by phone)" in told
    _, case = await the_case(db)
    [submitted, *_] = await CaseRepository(db).events(case.id)
    assert submitted.payload["channel"] == "phone"


async def test_bad_input_mid_form_keeps_the_draft(app_settings, chat: ChatHarness, db: Database, clock) -> None:
    await staff(chat, db, clock)
    mediator = Worker(chat, MEDIATOR)
    await opens_a_counter_case(mediator)
    await mediator.presses("Unpaid wages")
    await mediator.says("Hongda Construction")
    await mediator.presses("Construction")
    await mediator.says("March to August 2026")
    [problem] = await mediator.says("a lot of money")
    assert "⚠️" in problem and await mediator.pending() == "amount"
    draft = await draft_of(chat, MEDIATOR)
    assert draft.answers["employer"] == "Hongda Construction" and "period" in draft.answers
    # After a restart (a new dispatcher on the same store) the draft goes on where it was.
    again = ChatHarness.build(app_settings, db, clock, session=chat.session)
    again.updates = chat.updates
    await Worker(again, MEDIATOR).says("8000")
    assert (await draft_of(again, MEDIATOR)).answers["amount"] == "8000"
    _, data = await chat_state(again, MEDIATOR)
    assert "on_behalf" in data, "still a counter case"


async def test_a_worker_cannot_open_counter_cases(chat: ChatHarness, db: Database, clock) -> None:
    await staff(chat, db, clock)
    worker = Worker(chat, WORKER)
    [refused] = await worker.says("/counter")
    assert "Only a centre's mediators" in refused
    # A forged button press is refused the same way.
    await chat.send(WORKER, "hello")
    answers = await chat.press(WORKER, "ct:counter", message=chat.last_message(WORKER), language_code="en")
    assert any("Only a centre's mediators" in (getattr(call, "text", "") or "") for call in answers)
    state, data = await chat_state(chat, WORKER)
    assert state is None and "on_behalf" not in data


async def test_a_supervisor_cannot_open_counter_cases(chat: ChatHarness, db: Database, clock) -> None:
    await chat.send(900, "/start")  # the first supervisors are made from the setting
    [refused] = await Worker(chat, 900).says("/counter")
    assert "Only a centre's mediators" in refused


async def test_the_worker_declining_keeps_nothing(chat: ChatHarness, db: Database, clock) -> None:
    await staff(chat, db, clock)
    mediator = Worker(chat, MEDIATOR)
    await mediator.says("/counter")
    await mediator.presses("At the counter")
    [told] = await mediator.presses("does not agree")
    assert "Nothing was recorded" in told
    assert await chat_state(chat, MEDIATOR) == (None, {})


async def test_a_case_whose_workplace_is_elsewhere_goes_to_that_centre(chat: ChatHarness, db: Database,
                                                                       clock) -> None:
    await staff(chat, db, clock)
    told = "\n".join(await records_a_case(Worker(chat, OTHER_MEDIATOR)))
    _, case = await the_case(db)
    assert case.centre_id == "dxh-wujiashan", "the workplace's street is Wujiashan's jurisdiction"
    assert "The workplace is in the jurisdiction of Wujiashan Street Labour Dispute Mediation Centre" in told


async def test_a_case_with_no_known_place_stays_at_the_mediators_centre(chat: ChatHarness, db: Database,
                                                                        clock) -> None:
    await staff(chat, db, clock)
    told = "\n".join(await records_a_case(Worker(chat, OTHER_MEDIATOR), workplace="a warehouse somewhere"))
    _, case = await the_case(db)
    assert case.centre_id == "dxh-jiangjunlu" and case.mediation is Mediation.ASSIGNED
    assert "jurisdiction of" not in told


async def test_the_rates_count_a_counter_case(chat: ChatHarness, db: Database, clock) -> None:
    await staff(chat, db, clock)
    await records_a_case(Worker(chat, MEDIATOR))
    report = await chat.dispatcher["rates"].report(Period(start=date(2026, 11, 1), end=date(2026, 11, 30)),
                                                   Scope(centre="dxh-wujiashan"))
    assert report.figures.open == 1
    coverage = report.figures.rates[RateKey.HALF_HOUR_COVERAGE]
    assert coverage.denominator == 1, "routed for the first time in the period, as a chat case is"


async def test_the_worker_is_invited_and_takes_the_case_into_a_chat_of_their_own(chat: ChatHarness, db: Database,
                                                                                 clock) -> None:
    await staff(chat, db, clock)
    mediator = Worker(chat, MEDIATOR)
    await records_a_case(mediator)
    [invitation] = await mediator.presses("Invite the worker to the chat")
    assert "Invitation to the chat for the worker of case LD-2026-000001" in invitation
    assert "/?code=" in invitation, "a link to hand over (or to make a QR code of)"
    code = re.search(r"/recover ([0-9A-Z]{4}-[0-9A-Z]{4})", invitation).group(1)
    _, case = await the_case(db)
    worker = Worker(chat, WORKER)
    [before] = await worker.says("/mycases")
    assert "LD-2026-000001" not in before
    await worker.says(f"/recover {code}")
    me = await PeopleRepository(db).find(Front.TELEGRAM, WORKER)
    assert (await CaseRepository(db).get(case.id)).worker_id == me.id
    [listing] = await worker.says("/mycases")
    assert "LD-2026-000001" in listing
    [case_view] = await worker.presses("LD-2026-000001")
    assert "Consent given in person (at the counter), recorded by the centre" in case_view
    # The case is theirs now: a second invitation has nobody left to invite.
    again = await chat.press_button(MEDIATOR, "Invite the worker to the chat", language_code="en")
    assert [answer.text for answer in callback_answers(again)] == [
        "The worker has taken this case into their chat already."]
    assert not chat.session.unanswered_callbacks


async def test_only_the_centre_may_invite_the_worker_of_a_counter_case(chat: ChatHarness, db: Database,
                                                                       clock) -> None:
    await staff(chat, db, clock)
    await records_a_case(Worker(chat, MEDIATOR))
    _, case = await the_case(db)
    answers = await chat.press(OTHER_MEDIATOR, f"ci:{case.id}", message=None, language_code="en")
    assert any("Only the mediator who recorded the case" in (getattr(call, "text", "") or "") for call in answers)
    answers = await chat.press(WORKER, f"ci:{case.id}", message=None, language_code="en")
    assert any("Only a centre's mediators" in (getattr(call, "text", "") or "") for call in answers)


async def test_papers_photographed_at_the_counter_are_kept_as_the_cases_evidence(chat: ChatHarness, db: Database,
                                                                                 clock) -> None:
    await staff(chat, db, clock)
    payslip = b"%PDF-1.4 payslip " * 40
    chat.session.host_file("doc-payslip.pdf", payslip)
    mediator = Worker(chat, MEDIATOR)
    await opens_a_counter_case(mediator)
    await answers_up_to_the_phone(mediator)
    for answer in ("13800138000", "Wujiashan street, Dongxihu", "Here"):
        await mediator.says(answer)
    await mediator.sends_document("payslip.pdf", len(payslip))
    await mediator.presses("Submit")
    _, case = await the_case(db)
    [stored] = await EvidenceRepository(db).of_case(case.id)
    assert stored.stored and stored.stored_size == len(payslip), "fetched from the mediator's front"
    assert [call.file_id for call in chat.session.calls if call.__api_method__ == "getFile"] == ["doc-payslip.pdf"]


async def test_a_mediator_on_the_web_chat_records_a_counter_case(app_settings, db: Database, clock) -> None:
    web = ChatHarness.build(app_settings, db, clock, front=Front.WEB)
    await PeopleRepository(db).set_role(Front.WEB, MEDIATOR, Role.MEDIATOR, "dxh-wujiashan", now=clock.now(),
                                        display_name="王调解员")
    mediator = Worker(web, MEDIATOR)
    await mediator.says("/counter")
    *_, notice = await mediator.presses("At the counter")
    assert "Read this notice to the worker" in notice and "outside China" not in notice, "no Telegram in between"
    await mediator.presses("The worker agrees")
    await answers_up_to_the_phone(mediator)
    for answer in ("13800138000", "Wujiashan street, Dongxihu", "Here"):
        await mediator.says(answer)
    told = "\n".join(await mediator.presses("Submit"))
    assert "Case <b>LD-2026-000001</b> is recorded (at the counter)" in told
    _, case = await the_case(db)
    assert case.centre_id == "dxh-wujiashan"
