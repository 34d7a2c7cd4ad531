"""The outcome use cases on the real store with a set clock: the agreement drafted and taking effect, the
payment questions as jobs, the answers and what each party is told, the rating asked once."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.calendar import PUBLISHED_CALENDAR
from bot.case_service import Changed, actor_of, change
from bot.cases import Command, CommandKind, DisputeKind, EventType, Mediation, Outcome, Payment, Refusal
from bot.cases.machine import SYSTEM, NewEvent, Track
from bot.clock import FixedClock
from bot.documents import AgreementTerm, ClaimKind
from bot.jobs.runner import JobRunner
from bot.outcomes import (
    PAYMENT_JOB,
    AgreementDraft,
    Declined,
    Done,
    OutcomeEvent,
    OutcomeNotice,
    OutcomeRefusal,
    OutcomeService,
    Rating,
    Remedy,
)
from bot.people import Front, Role
from bot.ports import NewCase
from storage.cases import AccessLogRepository, CaseRepository, SQLiteUnitOfWork
from storage.db import Database
from storage.jobs import JobRepository
from storage.outcomes import SQLiteOutcomeUnitOfWork
from storage.people import PeopleRepository

WUHAN = ZoneInfo("Asia/Shanghai")
CENTRE = "dxh-wujiashan"
TODAY = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)   # 10:30 in Wuhan, a Tuesday
DRAFTS = itertools.count(1)   # each filed case its own draft

WAGES = AgreementTerm(description="支付2026年8月至10月拖欠工资", kind=ClaimKind.WAGES, amount=Decimal("12500"),
                      due_on=date(2026, 12, 15))
DEPOSIT = AgreementTerm(description="返还工具押金", kind=ClaimKind.OTHER, amount=Decimal("300"),
                        due_on=date(2026, 11, 27))
CERTIFICATE = AgreementTerm(description="出具解除劳动合同证明", due_on=date(2026, 12, 1))


class Published:
    def current(self):
        return PUBLISHED_CALENDAR


class World:
    def __init__(self, db: Database, clock: FixedClock) -> None:
        self.db, self.clock = db, clock
        self.uow = SQLiteOutcomeUnitOfWork(db)
        self.service = OutcomeService(self.uow, clock, Published(), WUHAN)

    async def setup(self) -> None:
        people = PeopleRepository(self.db)
        now = self.clock.now()
        self.worker = await people.identify(Front.TELEGRAM, 1001, display_name="张三", language_code="zh", now=now)
        self.other_worker = await people.identify(Front.TELEGRAM, 1002, display_name="李四", language_code="zh",
                                                  now=now)
        self.mediator = await people.set_role(Front.TELEGRAM, 2001, Role.MEDIATOR, CENTRE, now=now,
                                              display_name="王调解员")
        self.colleague = await people.set_role(Front.TELEGRAM, 2002, Role.MEDIATOR, CENTRE, now=now,
                                               display_name="李调解员")
        self.supervisor = await people.set_role(Front.TELEGRAM, 900, Role.SUPERVISOR, None, now=now)
        self.district_supervisor = await people.set_role(Front.TELEGRAM, 901, Role.SUPERVISOR, None, now=now,
                                                         district="江岸区")

    async def case_in_mediation(self, *, started: bool = True):
        cases = CaseRepository(self.db)
        now = self.clock.now()
        case = await cases.create(
            NewCase(worker_id=self.worker.id, kind=DisputeKind.WAGES, urgent=False, year=2026,
                    fields={"name": "张三", "phone": "+8613800000000", "employer": "武汉鸿达建筑劳务有限公司",
                            "claim": "支付拖欠工资", "amount": "12500"},
                    draft_id=f"draft-{next(DRAFTS)}", workplace_street="吴家山街道",
                    workplace_district="东西湖区", observers=[]),
            NewEvent(type=EventType.SUBMITTED, track=Track.MEDIATION, from_state=None, to_state=Mediation.SUBMITTED,
                     actor=actor_of(self.worker), occurred_at=now),
            recorded_at=now)
        uow = SQLiteUnitOfWork(self.db)
        steps = [Command(CommandKind.ASSIGN, SYSTEM, centre_id=CENTRE),
                 Command(CommandKind.ACCEPT, actor_of(self.mediator))]
        if started:
            steps.append(Command(CommandKind.START_MEDIATION, actor_of(self.mediator)))
        for command in steps:
            async with uow() as tx:
                result = await change(tx, case, command, self.clock)
            assert isinstance(result, Changed), result
            case = result.case
        return case

    async def agreed(self, *terms: AgreementTerm):
        case = await self.case_in_mediation()
        drafted = await self.service.draft_agreement(self.mediator, case.id, AgreementDraft(
            matters=["拖欠2026年8月至10月工资"], terms=list(terms), employer_address="武汉市东西湖区临空港大道100号"))
        assert isinstance(drafted, Done), drafted
        effective = await self.service.took_effect(self.mediator, case.id, date(2026, 11, 24), version=case.version)
        assert isinstance(effective, Done), effective
        return effective.case, effective.agreement

    async def outbox(self, template: str | None = None) -> list[tuple[int, str, dict, bool]]:
        """(recipient, template, params, sent at once) of every row, oldest first."""
        async with self.db.read() as conn, conn.execute(
            "SELECT recipient_id, template, params, deliver_after > created_at FROM outbox ORDER BY id"
        ) as cursor:
            rows = [(row[0], row[1], json.loads(row[2]), bool(row[3])) for row in await cursor.fetchall()]
        return [row for row in rows if template is None or row[1] == template]

    async def events(self, case_id: int):
        return await CaseRepository(self.db).events(case_id)

    async def run_jobs(self) -> int:
        runner = JobRunner(JobRepository(self.db), {PAYMENT_JOB: self.service.ask_payment}, self.clock,
                           unit_of_work=SQLiteUnitOfWork(self.db))
        return await runner.run_due()


@pytest.fixture
async def world(db: Database) -> World:
    built = World(db, FixedClock(TODAY))
    await built.setup()
    return built


async def test_who_may_draft_the_agreement_and_when(world: World) -> None:
    draft = AgreementDraft(matters=["拖欠工资"], terms=[WAGES])
    waiting = await world.case_in_mediation(started=False)  # accepted: the holder may already record terms
    assert isinstance(await world.service.draft_agreement(world.mediator, waiting.id, draft), Done)
    case = await world.case_in_mediation()
    for actor, reason in ((world.worker, Refusal.NOT_YOURS), (world.colleague, Refusal.NOT_YOURS)):
        refused = await world.service.draft_agreement(actor, case.id, draft)
        assert isinstance(refused, Declined) and refused.reason is reason
    assert isinstance(await world.service.draft_agreement(world.mediator, case.id, draft), Done)
    corrected = await world.service.draft_agreement(world.mediator, case.id, AgreementDraft(
        matters=["拖欠工资"], terms=[WAGES, CERTIFICATE]))
    assert [term.position for term in corrected.agreement.terms] == [1, 2], "a correction replaces the terms"
    drafted = [e for e in await world.events(case.id) if e.type == OutcomeEvent.AGREEMENT_DRAFTED]
    assert [e.payload for e in drafted] == [{"terms": 1, "corrected": False}, {"terms": 2, "corrected": True}]
    assert (await CaseRepository(world.db).get(case.id)).mediation is Mediation.IN_MEDIATION, "not ended yet"


async def test_the_agreement_takes_effect_once_with_the_date_for_review_and_confirmation(world: World) -> None:
    case = await world.case_in_mediation()
    refused = await world.service.took_effect(world.mediator, case.id, date(2026, 11, 24), version=case.version)
    assert isinstance(refused, Declined) and refused.reason is OutcomeRefusal.NO_AGREEMENT
    await world.service.draft_agreement(world.mediator, case.id, AgreementDraft(matters=["拖欠工资"],
                                                                                terms=[WAGES, CERTIFICATE]))
    for day, version, reason in ((date(2026, 11, 25), case.version, OutcomeRefusal.BAD_DATE),   # tomorrow
                                 (date(2026, 11, 23), case.version, OutcomeRefusal.BAD_DATE),   # before it was made
                                 (date(2026, 11, 24), case.version - 1, Refusal.STALE)):
        refused = await world.service.took_effect(world.mediator, case.id, day, version=version)
        assert isinstance(refused, Declined) and refused.reason is reason, (day, reason)
    refused = await world.service.took_effect(world.colleague, case.id, date(2026, 11, 24), version=case.version)
    assert isinstance(refused, Declined) and refused.reason is Refusal.NOT_YOURS

    done = await world.service.took_effect(world.mediator, case.id, date(2026, 11, 24), version=case.version)
    assert isinstance(done, Done)
    assert (done.case.mediation, done.case.outcome, done.case.payment) == (Mediation.ENDED, Outcome.AGREEMENT,
                                                                            Payment.DUE)
    assert (done.agreement.effective_on, done.agreement.confirm_by) == (date(2026, 11, 24), date(2026, 12, 9))
    ended = [e for e in await world.events(case.id) if e.type == EventType.MEDIATION_ENDED]
    assert len(ended) == 1 and ended[0].payload == {
        "outcome": "agreement", "effective_on": "2026-11-24", "confirm_by": "2026-12-09", "terms": 2, "payments": 1,
        "payment_order": True}
    [(recipient, _template, params, at_once)] = await world.outbox(OutcomeNotice.AGREEMENT_EFFECTIVE)
    assert (recipient, params["confirm_by"], params["asked_on"], at_once) == (world.worker.id, "2026-12-09",
                                                                               ["2026-12-16"], False)
    again = await world.service.took_effect(world.mediator, case.id, date(2026, 11, 24), version=done.case.version)
    assert isinstance(again, Declined) and again.reason is Refusal.NOT_IN_THIS_STATE
    assert not await world.outbox(OutcomeNotice.RATING_QUESTION), "payment is still due: the case is open"


async def test_each_payment_is_asked_about_the_working_day_after_it_is_due(world: World) -> None:
    _case, agreement = await world.agreed(WAGES, CERTIFICATE)
    async with world.db.read() as conn, conn.execute(
        "SELECT due_at, payload FROM jobs WHERE kind = ?", (PAYMENT_JOB,)
    ) as cursor:
        jobs = [(row[0], json.loads(row[1])) for row in await cursor.fetchall()]
    wages = agreement.terms[0]
    assert jobs == [("2026-12-16T01:30:00+00:00", {"term_id": wages.id})], "one question, for the term with money"
    world.clock.set(datetime(2026, 12, 16, 1, 29, tzinfo=UTC))
    assert await world.run_jobs() == 0
    world.clock.set(datetime(2026, 12, 16, 1, 30, tzinfo=UTC))
    assert await world.run_jobs() == 1
    [(recipient, _template, params, _)] = await world.outbox(OutcomeNotice.PAYMENT_QUESTION)
    assert (recipient, params["term"]["term_id"], params["term"]["amount"]) == (world.worker.id, wages.id, "12500")


async def test_wages_not_paid_the_worker_hears_of_the_payment_order_and_arbitration_the_mediator_is_told(
        world: World) -> None:
    case, agreement = await world.agreed(WAGES)
    wages = agreement.terms[0]
    refused = await world.service.answer_payment(world.other_worker, wages.id, Payment.NOT_PAID)
    assert isinstance(refused, Declined) and refused.reason is Refusal.NOT_YOURS
    done = await world.service.answer_payment(world.worker, wages.id, Payment.NOT_PAID)
    assert isinstance(done, Done) and done.case.payment is Payment.NOT_PAID
    [(recipient, _t, params, at_once)] = await world.outbox(OutcomeNotice.PAYMENT_ANSWERED)
    assert (recipient, params["remedies"], at_once) == (world.worker.id, [Remedy.PAYMENT_ORDER, Remedy.ARBITRATION],
                                                        True)
    assert len(done.replies) == 1
    assert [row[0] for row in await world.outbox(OutcomeNotice.PAYMENT_MISSED)] == [world.mediator.id]
    twice = await world.service.answer_payment(world.worker, wages.id, Payment.NOT_PAID)
    assert isinstance(twice, Declined) and twice.reason is OutcomeRefusal.ALREADY_ANSWERED
    answered = [e for e in await world.events(case.id) if e.type == OutcomeEvent.TERM_PAYMENT]
    assert [(e.payload["answer"], e.actor_id) for e in answered] == [("not_paid", world.worker.id)]


async def test_another_term_not_paid_the_worker_hears_of_arbitration_only(world: World) -> None:
    _case, agreement = await world.agreed(DEPOSIT)
    await world.service.answer_payment(world.worker, agreement.terms[0].id, Payment.PARTLY_PAID)
    [(_r, _t, params, _)] = await world.outbox(OutcomeNotice.PAYMENT_ANSWERED)
    assert params["remedies"] == [Remedy.ARBITRATION]


async def test_every_term_paid_closes_the_case_and_the_worker_is_asked_to_rate_it_once(world: World) -> None:
    case, agreement = await world.agreed(WAGES, DEPOSIT)
    deposit, wages = agreement.terms[1], agreement.terms[0]
    first = await world.service.answer_payment(world.worker, deposit.id, Payment.PAID)
    assert first.case.payment is Payment.DUE and not await world.outbox(OutcomeNotice.RATING_QUESTION)
    assert not await world.outbox(OutcomeNotice.PAYMENT_MISSED)
    done = await world.service.answer_payment(world.worker, wages.id, Payment.PAID)
    assert done.case.payment is Payment.PAID and not done.case.is_open
    [(recipient, _t, params, _)] = await world.outbox(OutcomeNotice.RATING_QUESTION)
    assert (recipient, params["case_id"]) == (world.worker.id, case.id)
    assert not await world.service.ask_rating_if_closed(done.case), "asked once"
    # The job that was to ask about the wages finds them paid and asks nothing.
    world.clock.set(datetime(2026, 12, 16, 2, tzinfo=UTC))
    await world.run_jobs()
    assert not await world.outbox(OutcomeNotice.PAYMENT_QUESTION)


async def test_an_agreement_without_payments_closes_the_case_at_once(world: World) -> None:
    case, _agreement = await world.agreed(CERTIFICATE)
    assert case.payment is None and not case.is_open
    assert len(await world.outbox(OutcomeNotice.RATING_QUESTION)) == 1


async def test_a_rating_below_basically_satisfied_alerts_the_supervisors_and_a_comment_is_a_deletable_note(
        world: World) -> None:
    case, _ = await world.agreed(CERTIFICATE)
    refused = await world.service.rate(world.other_worker, case.id, Rating.DISSATISFIED)
    assert isinstance(refused, Declined) and refused.reason is Refusal.NOT_YOURS
    done = await world.service.rate(world.worker, case.id, Rating.DISSATISFIED)
    assert isinstance(done, Done) and len(done.replies) == 1
    alerted = [row[0] for row in await world.outbox(OutcomeNotice.LOW_RATING)]
    assert alerted == [world.supervisor.id], "the city's supervisors and the workplace district's, not another's"
    again = await world.service.rate(world.worker, case.id, Rating.VERY_SATISFIED)
    assert isinstance(again, Declined) and again.reason is OutcomeRefusal.ALREADY_RATED
    assert isinstance(await world.service.comment(world.worker, case.id, "调解员态度不好"), Done)
    events = await world.events(case.id)
    [rated] = [e for e in events if e.type == OutcomeEvent.RATED]
    assert (rated.payload, rated.district, rated.centre_id, rated.kind) == (
        {"rating": "dissatisfied", "good": False}, "东西湖区", CENTRE, DisputeKind.WAGES), "with the case's scope"
    [commented] = [e for e in events if e.type == OutcomeEvent.RATING_COMMENTED]
    assert commented.note == "调解员态度不好" and commented.note_id is not None
    assert "调解员态度不好" not in json.dumps([row[2] for row in await world.outbox()], ensure_ascii=False)


async def test_a_good_rating_alerts_nobody_and_a_case_not_closed_cannot_be_rated(world: World) -> None:
    open_case = await world.case_in_mediation()
    refused = await world.service.rate(world.worker, open_case.id, Rating.SATISFIED)
    assert isinstance(refused, Declined) and refused.reason is OutcomeRefusal.NOT_ASKED
    case, _ = await world.agreed(CERTIFICATE)
    assert isinstance(await world.service.rate(world.worker, case.id, Rating.BASICALLY_SATISFIED), Done)
    assert not await world.outbox(OutcomeNotice.LOW_RATING)


async def test_the_papers_for_the_worker_and_the_centre_and_a_staff_view_is_logged(world: World) -> None:
    case, _ = await world.agreed(WAGES, CERTIFICATE)

    def centre_name(centre_id: str) -> str:
        return {"dxh-wujiashan": "吴家山街道劳动争议调解中心"}[centre_id]

    assert await world.service.papers(world.other_worker, case.id, centre_name, "zh_CN") is None
    papers = await world.service.papers(world.worker, case.id, centre_name, "zh_CN")
    text = "\n".join(block.text for block in papers.layout.blocks)
    for expected in ("张三", "+8613800000000", "武汉鸿达建筑劳务有限公司", "武汉市东西湖区临空港大道100号",
                     "吴家山街道劳动争议调解中心", "王调解员", "2026年12月9日"):
        assert expected in text, expected
    assert papers.stem == f"劳动争议调解协议书-{case.number}"
    assert await AccessLogRepository(world.db).of_case(case.id) == []
    assert await world.service.papers(world.colleague, case.id, centre_name, "zh_CN") is not None
    assert await AccessLogRepository(world.db).of_case(case.id) == [(world.colleague.id, "agreement papers")]


async def test_any_use_case_that_closes_a_case_asks_for_the_rating_in_its_own_transaction(world: World) -> None:
    """How the desk's "no agreement" (or a withdrawal, arbitration closed) asks: inside its unit of work."""
    case = await world.case_in_mediation()
    assert not await world.service.ask_rating_if_closed(case), "still in mediation"
    with pytest.raises(RuntimeError):   # the desk's transaction fails after asking: nothing of it stays
        async with SQLiteUnitOfWork(world.db)() as tx:
            ended = await change(tx, case, Command(CommandKind.END_MEDIATION, actor_of(world.mediator),
                                                   outcome=Outcome.NO_AGREEMENT), world.clock)
            assert await world.service.ask_rating_if_closed(ended.case)
            raise RuntimeError("the desk failed later")
    assert not await world.outbox(OutcomeNotice.RATING_QUESTION)
    async with SQLiteUnitOfWork(world.db)() as tx:
        ended = await change(tx, case, Command(CommandKind.END_MEDIATION, actor_of(world.mediator),
                                               outcome=Outcome.NO_AGREEMENT), world.clock)
        assert await world.service.ask_rating_if_closed(ended.case)
    assert [row[0] for row in await world.outbox(OutcomeNotice.RATING_QUESTION)] == [world.worker.id]


async def test_a_missed_payment_goes_to_the_centre_when_its_mediator_left(world: World) -> None:
    _case, agreement = await world.agreed(WAGES)
    await PeopleRepository(world.db).set_role(Front.TELEGRAM, 2001, Role.WORKER, None, now=world.clock.now())
    await world.service.answer_payment(world.worker, agreement.terms[0].id, Payment.NOT_PAID)
    assert [row[0] for row in await world.outbox(OutcomeNotice.PAYMENT_MISSED)] == [world.colleague.id]
