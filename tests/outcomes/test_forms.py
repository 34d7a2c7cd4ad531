"""Whole cases through the real dispatcher with a set clock: a complaint filed, accepted, and then the
mediator's agreement form, its papers, the day it was signed and sealed, the payments followed up; no
agreement; the referral with the worker's draft application and its two consents; a withdrawal; the
rating asked once whichever way the case closed."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram.methods import SendDocument

from bot.app import job_runner
from bot.cases import Mediation, Outcome, Payment
from bot.outcomes import OutcomeEvent
from bot.people import Front, Role
from storage.cases import AccessLogRepository, CaseRepository
from storage.db import Database
from storage.outcomes import OutcomeRepository
from storage.people import PeopleRepository
from tests.desk.test_desk import MEDIATORS, WORKER, button, card_of, filed
from tests.harness import ChatHarness, texts
from tests.intake.helpers import Worker
from tests.outcomes.builders import MALE_ID

MEDIATOR = MEDIATORS[0]
OFFICE = 8931          # staff of dxh-arbitration, the Dongxihu arbitration office
ID_BORN = "1990年3月7日"  # what MALE_ID says


def said(chat: ChatHarness, user_id: int) -> list[str]:
    return [d.message.get("text", "") for d in chat.deliveries if d.chat_id == user_id and d.kind != "delete"]


def documents(calls) -> list[str]:
    return sorted(call.document.filename for call in calls if isinstance(call, SendDocument))


async def accepted(chat: ChatHarness, db: Database, clock):
    case = await filed(chat, db, clock)
    card = card_of(chat, MEDIATOR)
    await chat.press(MEDIATOR, button(card, "✅"), message=card)
    return case


async def ratings_asked(db: Database, case_id: int) -> int:
    async with db.read() as conn, conn.execute("SELECT COUNT(*) FROM case_ratings WHERE case_id = ?",
                                               (case_id,)) as cursor:
        return (await cursor.fetchone())[0]


async def stored(db: Database, case_id: int):
    return await CaseRepository(db).get(case_id)


async def agree(chat: ChatHarness, *terms: tuple[str, str, str | None, str | None]) -> list:
    """The agreement form from the card: (description, kind label, amount or None, due date) per term."""
    await chat.press_button(MEDIATOR, "达成协议")
    await chat.send(MEDIATOR, "拖欠2026年3月至8月工资")
    for index, (what, kind, amount, due) in enumerate(terms):
        if index:
            await chat.press_button(MEDIATOR, "再加一项")
        await chat.send(MEDIATOR, what)
        await chat.press_button(MEDIATOR, kind)
        if amount is None:
            await chat.press_button(MEDIATOR, "不涉及付款")
            continue
        await chat.send(MEDIATOR, amount)
        await chat.send(MEDIATOR, due)
    await chat.press_button(MEDIATOR, "就这些")
    return await chat.press_button(MEDIATOR, "保存并发送")


async def test_intake_to_agreement_signatures_and_payment(chat: ChatHarness, db: Database, clock) -> None:
    case = await accepted(chat, db, clock)
    await chat.press_button(MEDIATOR, "达成协议")
    await chat.send(MEDIATOR, "拖欠2026年3月至8月工资")
    await chat.send(MEDIATOR, "支付拖欠工资")
    await chat.press_button(MEDIATOR, "拖欠劳动报酬")
    assert "没能读出金额" in texts(await chat.send(MEDIATOR, "很多钱"))[0], "a bad amount is asked again"
    await chat.send(MEDIATOR, "一万二千五百元")
    assert "没能读出" in texts(await chat.send(MEDIATOR, "过几天"))[0], "a bad date is asked again"
    recorded = texts(await chat.send(MEDIATOR, "12月20日"))[0]
    assert "12,500" in recorded and "2026年12月20日" in recorded, "what was typed before the bad answers is kept"
    review = texts(await chat.press_button(MEDIATOR, "就这些"))[0]
    assert "拖欠2026年3月至8月工资" in review and "支付拖欠工资" in review
    calls = await chat.press_button(MEDIATOR, "保存并发送")
    assert documents(calls) == [f"劳动争议调解协议书-{case.number}.docx", f"劳动争议调解协议书-{case.number}.pdf"]
    assert (await stored(db, case.id)).mediation is Mediation.ACCEPTED, "a draft does not end mediation"
    worker_sees = said(chat, WORKER)[-1]
    assert case.number in worker_sees and "agreement" in worker_sees, "the worker is sent it to read"
    papers = await chat.press_button(WORKER, "agreement (DOCX and PDF)", language_code="en")
    assert len(documents(papers)) == 2

    done = texts(await chat.press_button(MEDIATOR, "今天已签字盖章"))[0]
    assert "2026年11月24日" in done and "2026年12月9日" in done, "in effect today; confirmation within 15 days"
    after = await stored(db, case.id)
    assert (after.mediation, after.outcome, after.payment) == (Mediation.ENDED, Outcome.AGREEMENT, Payment.DUE)
    effective = said(chat, WORKER)[-1]
    assert "took effect on November 24, 2026" in effective and "December 9, 2026" in effective
    again = await chat.press_button(MEDIATOR, "今天已签字盖章")
    assert not texts(again), "a second press ends nothing more"

    chat.session.register_chat({"id": WORKER, "type": "private", "first_name": "Chen"})
    clock.set(datetime(2026, 12, 21, 1, 30, tzinfo=UTC))   # Monday after Sunday's due date, 9:30
    assert await job_runner(chat.dispatcher, db).run_due() >= 1
    await chat.dispatcher["outbox"].flush()
    assert "Did the employer pay it?" in said(chat, WORKER)[-1]
    await chat.press_button(WORKER, "Paid in full", language_code="en")
    closed = await stored(db, case.id)
    assert closed.payment is Payment.PAID and not closed.is_open
    assert "How satisfied" in said(chat, WORKER)[-1] and await ratings_asked(db, case.id) == 1

    timeline = "\n".join(await Worker(chat, WORKER).says("/mycases") + await Worker(chat, WORKER).presses(
        case.number))
    assert "agreement, in effect since November 24, 2026" in timeline and "Paid in full" in timeline


async def test_a_missed_wage_payment_brings_the_payment_order_and_another_term_does_not(
        chat: ChatHarness, db: Database, clock) -> None:
    case = await accepted(chat, db, clock)
    await agree(chat, ("支付拖欠工资", "拖欠劳动报酬", "8000", "12月1日"),
                ("返还工具押金", "其他事项", "300元", "12月1日"))
    await chat.press_button(MEDIATOR, "今天已签字盖章")
    clock.set(datetime(2026, 12, 2, 1, 30, tzinfo=UTC))
    assert await job_runner(chat.dispatcher, db).run_due() >= 2
    await chat.dispatcher["outbox"].flush()
    questions = [d.message for d in chat.deliveries if d.chat_id == WORKER and "Did the employer pay" in
                 d.message.get("text", "")]
    wages, deposit = sorted(questions, key=lambda message: "押金" in message["text"])
    wage_reply = texts(await chat.press(WORKER, button(wages, "Not paid"), message=wages, language_code="en"))[0]
    assert "Payment order" in wage_reply and "Arbitration" in wage_reply
    deposit_reply = texts(await chat.press(WORKER, button(deposit, "Not paid"), message=deposit,
                                           language_code="en"))[0]
    assert "Arbitration" in deposit_reply and "Payment order" not in deposit_reply
    assert any("未（足额）支付" in text for text in said(chat, MEDIATOR)), "the mediator is told"
    assert (await stored(db, case.id)).payment is Payment.NOT_PAID


async def test_no_agreement_with_a_reason_ends_mediation_once(chat: ChatHarness, db: Database, clock) -> None:
    case = await accepted(chat, db, clock)
    await chat.press_button(MEDIATOR, "未达成协议")
    await chat.press_button(MEDIATOR, "金额")
    done = texts(await chat.send(MEDIATOR, "用人单位只愿付一半"))[0]
    assert "未达成协议" in done and case.number in done
    ended = await stored(db, case.id)
    assert (ended.mediation, ended.outcome) == (Mediation.ENDED, Outcome.NO_AGREEMENT)
    [event] = [e for e in await CaseRepository(db).events(case.id) if e.type == "mediation_ended"]
    assert event.payload["reason_code"] == "too_far_apart" and event.note == "用人单位只愿付一半"
    told = [text for text in said(chat, WORKER) if "without agreement" in text]
    assert told and "could not agree on the amount" in told[0] and "用人单位" not in told[0]
    assert await ratings_asked(db, case.id) == 1
    again = await chat.press_button(MEDIATOR, "结束调解")   # the button still under the reason's message
    assert again[0].show_alert and case.number in again[0].text, "refused: it changed since"
    card = next(d.message for d in reversed(chat.deliveries) if d.chat_id == MEDIATOR and "om:" in str(
        d.message.get("reply_markup")))
    old_card = await chat.press(MEDIATOR, button(card, "未达成协议"), message=card)
    assert old_card[0].show_alert and "不能" in old_card[0].text, "the card drawn before refuses it"
    assert len([e for e in await CaseRepository(db).events(case.id) if e.type == "mediation_ended"]) == 1


async def test_the_outcome_buttons_only_for_the_holder_and_only_while_mediation_runs(
        chat: ChatHarness, db: Database, clock) -> None:
    await filed(chat, db, clock)
    labels = [b["text"] for row in card_of(chat, MEDIATOR)["reply_markup"]["inline_keyboard"] for b in row]
    assert not any("协议" in label for label in labels), "a waiting case has none"
    card = card_of(chat, MEDIATOR)
    await chat.press(MEDIATOR, button(card, "✅"), message=card)
    labels = [b["text"] for row in chat.last_message(MEDIATOR)["reply_markup"]["inline_keyboard"] for b in row]
    assert any("达成协议" in label for label in labels) and any("未达成协议" in label for label in labels)
    colleague = MEDIATORS[1]
    await chat.send(colleague, "/case LD-2026-000001")
    labels = [b["text"] for row in chat.last_message(colleague).get("reply_markup", {}).get("inline_keyboard", [])
              for b in row]
    assert not any("协议" in label for label in labels), "a colleague of the centre does not get them"


async def office_staff(chat: ChatHarness, db: Database, clock) -> None:
    await PeopleRepository(db).set_role(Front.TELEGRAM, OFFICE, Role.MEDIATOR, "dxh-arbitration", now=clock.now(),
                                        display_name="刘仲裁员")
    chat.session.register_chat({"id": OFFICE, "type": "private", "first_name": "刘"})


async def test_referred_with_the_draft_application_and_both_consents(chat: ChatHarness, db: Database, clock) -> None:
    await office_staff(chat, db, clock)
    case = await accepted(chat, db, clock)
    await chat.press_button(MEDIATOR, "转仲裁")
    await chat.press_button(MEDIATOR, "是")
    assert (await stored(db, case.id)).outcome is Outcome.REFERRED
    worker = Worker(chat, WORKER)
    assert any("draft arbitration application" in text for text in said(chat, WORKER)), "offered"
    await worker.presses("Prepare my arbitration application")
    assert "could not read a date of birth" in (await worker.says("long ago"))[0]
    consent = (await worker.says(ID_BORN))[0]
    assert "sensitive personal information" in consent
    await worker.presses("I agree")
    assert "not a valid" in (await worker.says("420112199003071234"))[0], "a wrong check digit"
    assert "Recorded" in (await worker.says(MALE_ID))[0]
    await worker.says("武汉市东西湖区吴家山街道新城社区5栋")
    await worker.says("赵大海")
    calls = await chat.send(WORKER, "武汉市东西湖区临空港大道100号", language_code="en")
    assert len(documents(calls)) == 2, "the draft as DOCX and PDF"
    assert await OutcomeRepository(db).id_number(case.id) == MALE_ID
    events = [e for e in await CaseRepository(db).events(case.id)]
    assert MALE_ID not in str([(e.payload, e.note) for e in events]), "the number is not in the event log"

    await worker.presses("I have read it and sign it")
    assert not [text for text in said(chat, OFFICE) if "已签署仲裁申请书" in text], "nothing before the consent"
    await worker.presses("Yes, send it")
    kinds = [e.type for e in await CaseRepository(db).events(case.id)]
    assert kinds.count(OutcomeEvent.ID_CONSENT) == 1 and kinds.count(OutcomeEvent.TRANSFER_CONSENT) == 1
    assert kinds.index(OutcomeEvent.APPLICATION_SIGNED) < kinds.index(OutcomeEvent.TRANSFER_CONSENT) \
        < kinds.index(OutcomeEvent.APPLICATION_SENT)
    notice = [text for text in said(chat, OFFICE) if case.number in text and "已签署仲裁申请书" in text]
    assert notice, "the arbitration office is told"
    papers = await chat.press_button(OFFICE, "申请书")
    assert len(documents(papers)) == 2
    office = await PeopleRepository(db).find(Front.TELEGRAM, OFFICE)
    assert (office.id, "arbitration application") in await AccessLogRepository(db).of_case(case.id)
    again = await chat.press_button(WORKER, "Yes, send it", language_code="en")
    assert "already sent" in again[0].text
    timeline = "\n".join(await worker.says("/mycases") + await worker.presses(case.number))
    for step in ("Mediation ended: the case went to arbitration", "Consent given to asking for the ID number",
                 "The worker signed the arbitration application",
                 "Consent given to passing the application to the arbitration office",
                 "The application was sent to the arbitration office"):
        assert step in timeline, step


async def test_a_refused_id_consent_asks_no_id_number_and_says_why(chat: ChatHarness, db: Database, clock) -> None:
    case = await accepted(chat, db, clock)
    await chat.press_button(MEDIATOR, "未达成协议")
    await chat.press_button(MEDIATOR, "拒绝")
    await chat.press_button(MEDIATOR, "结束调解")
    worker = Worker(chat, WORKER)
    await worker.presses("Prepare my arbitration application")
    await worker.says(ID_BORN)
    explained = (await worker.presses("No, leave it blank"))[0]
    assert "not asked for and not kept" in explained and "address" in explained.lower()
    await worker.says("武汉市东西湖区吴家山街道新城社区5栋")
    await worker.presses("I do not know")
    calls = await chat.press_button(WORKER, "I do not know", language_code="en")
    assert len(documents(calls)) == 2
    assert await OutcomeRepository(db).id_number(case.id) is None
    [consent] = [e for e in await CaseRepository(db).events(case.id) if e.type == OutcomeEvent.ID_CONSENT]
    assert consent.payload["given"] is False and consent.occurred_at == clock.now()


async def test_a_withdrawal_after_acceptance_asks_the_rating_once(chat: ChatHarness, db: Database, clock) -> None:
    case = await accepted(chat, db, clock)
    worker = Worker(chat, WORKER)
    await worker.says("/mycases")
    await worker.presses("LD-2026-000001")
    await worker.presses("Withdraw")
    await worker.presses("The employer paid")
    await worker.presses("Yes, withdraw")
    assert (await stored(db, case.id)).outcome is Outcome.WITHDRAWN
    assert await ratings_asked(db, case.id) == 1
    assert any("How satisfied" in text for text in said(chat, WORKER))
    await worker.presses("Very satisfied")
    assert "already rated" in (await chat.press_button(WORKER, "Satisfied", language_code="en"))[0].text


async def test_a_withdrawal_nobody_accepted_is_not_rated(chat: ChatHarness, db: Database, clock) -> None:
    case = await filed(chat, db, clock)
    worker = Worker(chat, WORKER)
    await worker.says("/mycases")
    await worker.presses("LD-2026-000001")
    await worker.presses("Withdraw")
    await worker.presses("The employer paid")
    await worker.presses("Yes, withdraw")
    assert (await stored(db, case.id)).mediation is Mediation.WITHDRAWN
    assert await ratings_asked(db, case.id) == 0


async def test_a_referral_is_rated_once_when_arbitration_closes(chat: ChatHarness, db: Database, clock) -> None:
    await office_staff(chat, db, clock)
    case = await accepted(chat, db, clock)
    await chat.press_button(MEDIATOR, "转仲裁")
    await chat.press_button(MEDIATOR, "是")
    assert await ratings_asked(db, case.id) == 0, "arbitration is still to come"
    await chat.send(OFFICE, f"/case {case.number}")
    await chat.press_button(OFFICE, "受理")
    await chat.press_button(OFFICE, "结案")
    await chat.press_button(OFFICE, "已作出裁决")
    assert (await stored(db, case.id)).arbitration is not None and not (await stored(db, case.id)).is_open
    assert await ratings_asked(db, case.id) == 1
    assert len([text for text in said(chat, WORKER) if "How satisfied" in text]) == 1


async def test_the_card_shows_the_timeline_with_dates(chat: ChatHarness, db: Database, clock) -> None:
    await accepted(chat, db, clock)
    await agree(chat, ("出具解除劳动合同证明", "其他事项", None, None))
    await chat.press_button(MEDIATOR, "今天已签字盖章")
    await chat.send(MEDIATOR, "/case LD-2026-000001")
    timeline = texts(await chat.press_button(MEDIATOR, "时间线"))[0]
    for line in ("2026年11月24日", "调解员记录了调解协议内容", "调解以达成协议结束，协议自2026年11月24日起生效"):
        assert line in timeline, line


async def test_the_art_14_note_offers_the_draft_application(chat: ChatHarness, db: Database, clock) -> None:
    case = await accepted(chat, db, clock)
    clock.set(datetime(2026, 12, 10, 1, 0, tzinfo=UTC))   # 15 days after the centre received it
    await job_runner(chat.dispatcher, db).run_due()
    await chat.dispatcher["outbox"].flush()
    assert any("you may now apply for arbitration" in text for text in said(chat, WORKER))
    asked = await Worker(chat, WORKER).presses("Prepare my arbitration application")
    assert "date of birth" in asked[0] and case.number in asked[0]


async def test_a_half_typed_agreement_survives_a_restart(app_settings, chat: ChatHarness, db: Database, clock) -> None:
    await accepted(chat, db, clock)
    await chat.press_button(MEDIATOR, "达成协议")
    await chat.send(MEDIATOR, "拖欠2026年3月至8月工资")
    restarted = ChatHarness.build(app_settings, db, clock)   # a new process on the same store
    restarted.session.register_chat({"id": MEDIATOR, "type": "private", "first_name": "王"})
    await restarted.send(MEDIATOR, "支付拖欠工资")
    await restarted.press_button(MEDIATOR, "拖欠劳动报酬")
    await restarted.send(MEDIATOR, "8000")
    await restarted.send(MEDIATOR, "12月20日")
    review = texts(await restarted.press_button(MEDIATOR, "就这些"))[0]
    assert "拖欠2026年3月至8月工资" in review and "¥8,000.00" in review, "the matters typed before the restart"
