"""A complaint filed by chat, per dispute kind, through the real dispatcher on the faithful session."""


from bot.cases import DisputeKind, Mediation
from bot.people import Front, Role
from storage.cases import CaseRepository
from storage.db import Database
from storage.people import PeopleRepository
from tests.harness import ChatHarness
from tests.intake.helpers import Worker, draft_of
from tests.intake.test_mycases_and_alerts import answer_wages_questions_before_the_workplace

WORKER = 2001
MEDIATOR = 2901


async def only_case(db: Database, user_id: int = WORKER):
    person = await PeopleRepository(db).find(Front.TELEGRAM, user_id)
    assert person is not None
    [case] = await CaseRepository(db).of_worker(person.id)
    return case


async def test_a_wages_complaint_from_one_message_asks_only_what_is_missing(
    chat: ChatHarness, db: Database, clock
) -> None:
    mediator = await PeopleRepository(db).set_role(Front.TELEGRAM, MEDIATOR, Role.MEDIATOR, "dxh-wujiashan",
                                                    now=clock.now())
    chat.session.register_chat({"id": MEDIATOR, "type": "private", "first_name": "王"})
    worker = Worker(chat, WORKER, "zh-hans")
    [notice] = await worker.says("/new")
    assert "个人信息" in notice and "同意" in notice
    await worker.presses("我同意")
    replies = await worker.says(
        "武汉宏达建筑劳务有限公司欠我们3个人3月到8月的工资，我自己被欠了一万二，工地在东西湖区吴家山街道")
    understood = replies[0]
    assert "武汉宏达建筑劳务有限公司" in understood and "¥12,000.00" in understood and "吴家山街道" in understood
    draft = await draft_of(chat, WORKER)
    assert set(draft.prefilled) >= {"kind", "employer", "amount", "period", "workers_affected"}
    asked = [draft.pending]
    await worker.presses("建筑工地")
    asked.append(await worker.pending())
    await worker.says("六千")                      # monthly wage
    asked.append(await worker.pending())
    await worker.presses("是")                     # the job has ended
    asked.append(await worker.pending())
    await worker.says("2026年9月30日")
    asked.append(await worker.pending())
    await worker.says("把欠的一万二结清")
    asked.append(await worker.pending())
    await worker.presses("跳过")                   # evidence held
    await worker.says("张伟")
    await worker.shares_contact("8613800138000")
    await worker.says("东西湖区吴家山街道临空港大道100号")
    asked.append(await worker.pending())
    await worker.presses("跳过")                   # where the worker is
    assert asked == ["industry", "monthly_wage", "job_ended", "end_date", "claim", "evidence_held", "residence"]
    assert not {"employer", "amount", "period", "workers_affected", "kind"} & set(asked), "pre-filled: not asked"

    summary = worker.last()
    assert "请核对" in summary and "张伟" in summary and "+8613800138000" in summary
    await worker.presses("提交投诉")
    confirmation = chat.last_message(WORKER)["text"]
    assert "LD-2026-000001" in confirmation
    assert "吴家山街道劳动争议调解中心 · 公交约" in confirmation and "当前排队 0 件" in confirmation
    assert "工作地点在吴家山街道" in confirmation, "the reasons are told in plain words"
    assert "2026年11月27日" in confirmation, "the centre contacts within 3 working days"
    assert "2026年12月9日" in confirmation, "15 calendar days for mediation"

    case = await only_case(db)
    assert case.number == "LD-2026-000001" and case.kind is DisputeKind.WAGES
    assert case.mediation is Mediation.ASSIGNED and case.centre_id == "dxh-wujiashan" and not case.urgent
    fields = case.fields
    assert fields["employer"] == "武汉宏达建筑劳务有限公司" and fields["amount"] == "12000"
    assert fields["period"] == {"start": "2026-03-01", "end": "2026-08-31"}
    assert fields["monthly_wage"] == "6000" and fields["job_ended"] is True and fields["end_date"] == "2026-09-30"
    assert fields["phone"] == "+8613800138000" and fields["name"] == "张伟" and fields["street"] == "吴家山街道"
    assert fields["workers_affected"] == 3 and "residence" not in fields
    assert fields["limitation_interrupted_on"] == "2026-11-24"
    submitted, assigned = await CaseRepository(db).events(case.id)
    assert submitted.type == "submitted" and submitted.to_state == Mediation.SUBMITTED
    assert assigned.type == "assigned" and assigned.to_state == Mediation.ASSIGNED
    decision = assigned.payload["routing"]
    assert decision["centre_id"] == "dxh-wujiashan" and decision["within_half_hour"] is True
    assert [reason["code"] for reason in decision["reasons"]][-1] == "jurisdiction"
    [told] = [d.message["text"] for d in chat.deliveries if d.chat_id == mediator.user_id]
    assert "LD-2026-000001" in told and "欠薪" in told and "新案件" in told
    assert "张伟" not in told and "13800138000" not in told, "identity only for the mediator who takes the case"
    assert not chat.session.unanswered_callbacks


async def test_a_contract_complaint_warns_about_the_time_limit(chat: ChatHarness, db: Database) -> None:
    worker = Worker(chat, WORKER)
    await worker.agrees_to_the_notice()
    await worker.presses("Labour contract")
    assert await worker.pending() == "employer"
    await worker.says("Wuhan Xinyuan Electronics Co., Ltd.")
    await worker.presses("Dismissed")
    await worker.says("2024-05-06")               # started
    await worker.presses("No")                    # no written contract
    assert await worker.pending() == "end_date", "a dismissal has ended the job: not asked again"
    replies = await worker.says("2026-01-20")     # dismissed more than nine months ago
    [warning] = [text for text in replies if "Time limit" in text]
    assert "January 20, 2027" in warning and "estimate" in warning and "restarts" in warning
    await worker.says("They said business was bad")
    await worker.presses("Skip")                  # monthly wage
    await worker.presses("Only me")
    await worker.says("Severance and double wages")
    await worker.says("Chats with the boss")
    await worker.says("Li Na")
    await worker.says("027-8588 1234")
    await worker.says("Jinyintan street, Dongxihu")
    await worker.says("Changqing street")
    [confirmation] = await worker.presses("Submit")
    assert "LD-2026-000001" in confirmation and "Time limit" in confirmation

    case = await only_case(db)
    assert case.kind is DisputeKind.CONTRACT
    assert case.fields["contract_issue"] == "dismissal" and case.fields["written_contract"] == "no"
    assert case.fields["start_date"] == "2024-05-06" and case.fields["end_date"] == "2026-01-20"
    assert "job_ended" not in case.fields and case.fields["phone"] == "+862785881234"
    assert case.fields["employer_reason"] == "They said business was bad"


async def test_a_platform_complaint_signposts_the_injury_scheme_and_crowdsourcing(
    chat: ChatHarness, db: Database,
) -> None:
    worker = Worker(chat, WORKER)
    await worker.agrees_to_the_notice()
    replies = await worker.says("I am a 美团众包 rider and got hurt on a delivery")
    assert any("Crowdsourced" in text and "may not accept" in text for text in replies)
    assert await worker.pending() == "platform_issue", "platform and relation understood"
    replies = await worker.presses("Injured at work")
    assert any("occupational-injury" in text for text in replies)
    assert "sensitive personal information" in worker.last()
    await worker.presses("Yes, I agree")
    assert await worker.pending() == "injury_details"
    await worker.says("Fell off the e-bike, broke my wrist")
    await worker.says("2026-11-03")
    await worker.presses("Skip")                  # station
    await worker.presses("Skip")                  # money at stake
    await worker.presses("Only me")
    await worker.says("Injury compensation")
    await worker.presses("Skip")
    await worker.says("Wang Fang")
    await worker.says("13800138000")
    await worker.says("Wujiashan street")
    await worker.says(location={"latitude": 30.6312345, "longitude": 114.1312345})
    await worker.presses("use my location")
    await worker.presses("Submit")

    case = await only_case(db)
    assert case.kind is DisputeKind.PLATFORM
    assert case.fields["platform"] == "meituan" and case.fields["relation"] == "crowd"
    assert case.fields["injury_details"] == "Fell off the e-bike, broke my wrist"
    assert case.fields["sensitive_consent"] is True
    assert case.fields["residence"] == {"lat": 30.63123, "lon": 114.13123}
    person = await PeopleRepository(db).find(Front.TELEGRAM, WORKER)
    purposes = [purpose for purpose, _ in await PeopleRepository(db).consents(person)]
    assert purposes == ["privacy", "health", "location"]


async def test_declining_the_health_consent_skips_the_injury_question(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await worker.agrees_to_the_notice()
    await worker.says("Didi driver, I was injured")
    await worker.presses("Employed by the platform")
    await worker.presses("Injured at work")
    await worker.presses("No, skip this question")
    draft = await draft_of(chat, WORKER)
    assert draft.pending == "incident_date" and "injury_details" in draft.skipped
    [asked_again] = await worker.presses("Back")
    assert "sensitive personal information" in asked_again, "going back to it asks for the consent again"
    await worker.says("I broke my wrist")  # typed instead of answering the consent: not taken as the answer
    draft = await draft_of(chat, WORKER)
    assert "injury_details" not in draft.answers and draft.sensitive_consent is not True


async def test_back_returns_to_the_previous_question_and_keeps_its_answer(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await worker.agrees_to_the_notice()
    await worker.presses("Unpaid wages")
    await worker.says("Hongda Construction")
    await worker.presses("Back")
    assert await worker.pending() == "employer"
    assert "Hongda Construction" in worker.last(), "the answer so far is shown"
    await worker.presses("Back")
    assert await worker.pending() == "kind"
    await worker.presses("Labour contract")
    assert await worker.pending() == "contract_issue", "the employer answer was kept"


async def test_the_summary_edits_an_answer_and_returns(chat: ChatHarness, db: Database) -> None:
    worker = Worker(chat, WORKER)
    await worker.agrees_to_the_notice()
    await worker.says("3 of us are owed September wages by Hongda Construction, they owe me 9000 yuan, the job goes on")
    await worker.says("Hongda Construction")
    for step in ("Construction", "Skip"):
        await worker.presses(step)
    await worker.presses("No")
    for answer in ("Pay us", "None", "Zhao Lei", "13800138000", "Wujiashan street"):
        await worker.says(answer)
    await worker.presses("Skip")
    assert "Please check your complaint" in worker.last()
    await worker.presses("✏️ Owed to you")
    assert await worker.pending() == "amount"
    await worker.says("9500")
    summary = worker.last()
    assert "Please check your complaint" in summary and "9,500.00" in summary
    await worker.presses("Submit")
    assert (await only_case(db)).fields["amount"] == "9500"


async def test_a_draft_keeps_photos_and_documents_within_limits(chat: ChatHarness, db: Database) -> None:
    worker = Worker(chat, WORKER)
    await worker.agrees_to_the_notice()
    [received] = await worker.sends_photo("a")
    assert "Received Photo 1 (196 KB)" in received, "a photo has no file name of its own; its size in KB"
    assert "Tell me in your own words" in received, "the screen the worker was on comes with the receipt"
    [too_big] = await worker.sends_document("contract.pdf", 25 * 1024 * 1024)
    assert "contract.pdf is 25.0 MB, more than the 20 MB" in too_big
    [received] = await worker.sends_document("payslips.pdf", 300_000)
    assert "Received payslips.pdf (293 KB)" in received
    draft = await draft_of(chat, WORKER)
    assert [item.name for item in draft.evidence] == ["photo-1", "payslips.pdf"]
    assert draft.evidence[0].file_id == "photo-a" and draft.evidence[0].size == 200_000
    for index in range(18):
        await worker.sends_photo(f"more-{index}")
    [too_many] = await worker.sends_photo("one-too-many")
    assert "20 files are already attached" in too_many
    assert len((await draft_of(chat, WORKER)).evidence) == 20


async def test_only_what_the_kind_asks_is_taken_from_the_free_text(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER, "zh-hans")
    await worker.says("/new")
    await worker.presses("我同意")
    [understood, *_] = await worker.says(
        "公司上个月把我开除了，没签劳动合同，要赔我两万元经济补偿，公司叫武汉某某物流有限公司")
    draft = await draft_of(chat, WORKER)
    assert draft.kind is not None and draft.kind.value == "contract"
    assert "amount" not in draft.answers, "a contract complaint asks no 'wages owed'"
    assert "20,000" not in understood, "so it is not shown as understood either"
    assert "武汉某某物流有限公司" in understood


async def test_the_workplace_can_be_shared_as_a_location(chat: ChatHarness) -> None:
    worker = Worker(chat, WORKER)
    await answer_wages_questions_before_the_workplace(worker, "Hongda Construction", 1)
    assert (await draft_of(chat, WORKER)).pending == "workplace"
    [consent] = await worker.says(location={"latitude": 30.6596, "longitude": 114.2384})
    assert "sensitive personal information" in consent
    await worker.presses("Yes, use my location")
    draft = await draft_of(chat, WORKER)
    assert draft.answers["workplace"] == {"lat": 30.6596, "lon": 114.2384}
