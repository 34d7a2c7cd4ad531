"""The mediator's outcomes and the way to arbitration by table: which outcome each state offers to whom
(the pure rule, the service, and the card's buttons through the dispatcher), what the worker may start,
how typed days and amounts are read, and the application's identity number kept apart."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bot.case_service import Changed, actor_of, change
from bot.cases import Arbitration, Case, Command, CommandKind, DisputeKind, Mediation, Outcome, Refusal
from bot.clock import FixedClock
from bot.outcomes import (
    AgreementDraft,
    ApplicationAnswers,
    Declined,
    Done,
    MediatorOutcome,
    OutcomeEvent,
    OutcomeNotice,
    OutcomeRefusal,
    OutcomeService,
    may_apply,
    outcome_actions,
)
from bot.people import Front, Person, Role
from handlers.outcome_forms import OutcomeCard, read_amount, read_born_on, read_due_day, read_past_day
from storage.cases import AccessLogRepository, CaseRepository, SQLiteUnitOfWork
from storage.outcomes import OutcomeRepository, SQLiteOutcomeUnitOfWork
from tests.harness import ChatHarness
from tests.outcomes.builders import MALE_ID
from tests.outcomes.test_service import CENTRE, WAGES, WUHAN, Published, World

AT = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)
HOLDER, COLLEAGUE, WORKER_ID, SUPERVISOR = 20, 21, 10, 30
PEOPLE = {
    "holder": Person(id=HOLDER, front=Front.TELEGRAM, user_id=HOLDER, role=Role.MEDIATOR, centre_id=CENTRE),
    "colleague": Person(id=COLLEAGUE, front=Front.TELEGRAM, user_id=COLLEAGUE, role=Role.MEDIATOR, centre_id=CENTRE),
    "worker": Person(id=WORKER_ID, front=Front.TELEGRAM, user_id=WORKER_ID),
    "supervisor": Person(id=SUPERVISOR, front=Front.TELEGRAM, user_id=SUPERVISOR, role=Role.SUPERVISOR),
}
BOTH = [MediatorOutcome.AGREEMENT, MediatorOutcome.NO_AGREEMENT]


def case(mediation: Mediation, *, outcome: Outcome | None = None, arbitration: Arbitration | None = None,
         accepted: bool = True) -> Case:
    held = mediation in (Mediation.ACCEPTED, Mediation.IN_MEDIATION) or outcome is not None
    return Case(id=1, number="LD-2026-000001", worker_id=WORKER_ID, kind=DisputeKind.WAGES, mediation=mediation,
                outcome=outcome, centre_id=CENTRE, mediator_id=HOLDER if held else None, arbitration=arbitration,
                accepted_at=AT if accepted and (held or mediation is Mediation.ASSIGNED) else None,
                created_at=AT, updated_at=AT)


@pytest.mark.parametrize(("state", "viewer", "offered"), [
    (case(Mediation.SUBMITTED), "holder", []),
    (case(Mediation.ASSIGNED, accepted=False), "holder", []),
    (case(Mediation.ACCEPTED), "holder", BOTH),
    (case(Mediation.IN_MEDIATION), "holder", BOTH),
    (case(Mediation.IN_MEDIATION), "colleague", []),     # a mediator of the centre who does not hold it
    (case(Mediation.IN_MEDIATION), "worker", []),
    (case(Mediation.IN_MEDIATION), "supervisor", []),    # the machine lets them; the card is the mediator's
    (case(Mediation.ENDED, outcome=Outcome.AGREEMENT), "holder", []),
    (case(Mediation.ENDED, outcome=Outcome.NO_AGREEMENT), "holder", []),
    (case(Mediation.ENDED, outcome=Outcome.REFERRED, arbitration=Arbitration.APPLIED), "holder", []),
    (case(Mediation.ENDED, outcome=Outcome.WITHDRAWN), "holder", []),
    (case(Mediation.WITHDRAWN, accepted=False), "holder", []),
])
def test_which_outcomes_the_card_offers(state: Case, viewer: str, offered: list[MediatorOutcome]) -> None:
    assert outcome_actions(PEOPLE[viewer], state) == offered


@pytest.mark.parametrize(("state", "who", "allowed"), [
    (case(Mediation.ASSIGNED, accepted=False), "worker", True),       # applying withdraws the application
    (case(Mediation.IN_MEDIATION), "worker", True),                     # the Art. 14 date passed, say
    (case(Mediation.IN_MEDIATION), "holder", False),                    # the worker's own application only
    (case(Mediation.ENDED, outcome=Outcome.NO_AGREEMENT), "worker", True),
    (case(Mediation.ENDED, outcome=Outcome.AGREEMENT), "worker", True),  # an agreement not performed (Art. 15)
    (case(Mediation.ENDED, outcome=Outcome.REFERRED, arbitration=Arbitration.APPLIED), "worker", True),
    (case(Mediation.ENDED, outcome=Outcome.REFERRED, arbitration=Arbitration.ACCEPTED), "worker", False),
    (case(Mediation.ENDED, outcome=Outcome.REFERRED, arbitration=Arbitration.NOT_ACCEPTED), "worker", True),
    (case(Mediation.WITHDRAWN, accepted=False), "worker", False),
])
def test_when_the_worker_may_prepare_an_application(state: Case, who: str, allowed: bool) -> None:
    assert may_apply(state, PEOPLE[who], AT) is allowed


TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(("text", "due"), [
    ("12月20日", date(2026, 12, 20)),
    ("2026年12月20日", date(2026, 12, 20)),
    ("1月5日", date(2027, 1, 5)),            # no year: the next 5 January, not the last
    ("2026-12-01", date(2026, 12, 1)),
    ("今天", TODAY),
    ("下周五", date(2026, 12, 4)),
    ("2025年12月20日", None),               # a year given, in the past: not a due date
    ("昨天", None),
    ("过几天", None),
    ("Dec 20", date(2026, 12, 20)),
    ("Jan 5", date(2027, 1, 5)),
])
def test_a_due_date_as_typed(text: str, due: date | None) -> None:
    assert read_due_day(text, TODAY) == due


@pytest.mark.parametrize(("text", "day"), [
    ("today", TODAY), ("今天", TODAY), ("昨天", date(2026, 11, 23)), ("11月20日", date(2026, 11, 20)),
    ("明天", None), ("不知道", None),
])
def test_the_day_it_was_signed_and_sealed(text: str, day: date | None) -> None:
    assert read_past_day(text, TODAY) == day


@pytest.mark.parametrize(("text", "born"), [
    ("1990年3月7日", date(1990, 3, 7)), ("1990-03-07", date(1990, 3, 7)),
    ("2015年1月1日", None),   # too young to be employed
    ("1900年1月1日", None), ("很久以前", None),
])
def test_a_date_of_birth(text: str, born: date | None) -> None:
    assert read_born_on(text, TODAY) == born


@pytest.mark.parametrize(("text", "amount"), [
    ("一万二千五百元", Decimal("12500")), ("12500", Decimal("12500")), ("1.25万", Decimal("12500")),
    ("三百元", Decimal("300")), ("0", None), ("很多钱", None),
])
def test_an_amount_as_typed(text: str, amount: Decimal | None) -> None:
    assert read_amount(text) == amount


# --- The use cases on the store -----------------------------------------------------------------------

@pytest.fixture
async def world(db) -> World:
    built = World(db, FixedClock(AT))
    await built.setup()
    return built


async def in_state(world: World, state: str) -> Case:
    if state == "assigned":
        case = await world.case_in_mediation(started=False)
        async with SQLiteUnitOfWork(world.db)() as tx:
            passed = await change(tx, case, Command(CommandKind.PASS, actor_of(world.mediator)), world.clock)
        assert isinstance(passed, Changed)
        return passed.case
    if state == "accepted":
        return await world.case_in_mediation(started=False)
    case = await world.case_in_mediation()
    if state == "in_mediation":
        return case
    if state == "agreement":
        return (await world.agreed(WAGES))[0]
    async with SQLiteUnitOfWork(world.db)() as tx:
        ended = await change(tx, case, Command(CommandKind.END_MEDIATION, actor_of(world.mediator),
                                               outcome=Outcome.NO_AGREEMENT), world.clock)
    assert isinstance(ended, Changed)
    return ended.case


@pytest.mark.parametrize(("state", "actor", "refusal"), [
    ("assigned", "mediator", Refusal.NOT_IN_THIS_STATE),
    ("accepted", "mediator", None),
    ("in_mediation", "mediator", None),
    ("in_mediation", "colleague", Refusal.NOT_YOURS),
    ("in_mediation", "worker", Refusal.NOT_YOURS),
    ("agreement", "mediator", Refusal.NOT_IN_THIS_STATE),
    ("no_agreement", "mediator", Refusal.NOT_IN_THIS_STATE),
])
async def test_no_agreement_allowed_and_refused(world: World, state: str, actor: str, refusal: Refusal | None
                                                ) -> None:
    case = await in_state(world, state)
    result = await world.service.no_agreement(getattr(world, actor), case.id, case.version, "employer_absent")
    if refusal is None:
        assert isinstance(result, Done)
        assert (result.case.mediation, result.case.outcome) == (Mediation.ENDED, Outcome.NO_AGREEMENT)
        [(worker, _t, params, _now)] = await world.outbox(OutcomeNotice.NO_AGREEMENT)
        assert worker == world.worker.id and params["reason"] == "employer_absent"
        assert len(await world.outbox(OutcomeNotice.RATING_QUESTION)) == 1, "the rating, in the same change"
    else:
        assert isinstance(result, Declined) and result.reason is refusal
        assert not await world.outbox(OutcomeNotice.NO_AGREEMENT)


async def test_no_agreement_on_a_card_drawn_before_a_change_is_refused(world: World) -> None:
    case = await world.case_in_mediation()
    assert (await world.service.no_agreement(world.mediator, case.id, case.version - 1, "other")).reason \
        is Refusal.STALE
    assert (await world.service.no_agreement(world.mediator, case.id, case.version, "made_up")).reason \
        is Refusal.BAD_OUTCOME


@pytest.mark.parametrize(("drafted", "day", "version_shift", "refusal"), [
    (False, date(2026, 11, 24), 0, OutcomeRefusal.NO_AGREEMENT),
    (True, date(2026, 11, 25), 0, OutcomeRefusal.BAD_DATE),        # tomorrow
    (True, date(2026, 11, 23), 0, OutcomeRefusal.BAD_DATE),        # before the agreement was made
    (True, date(2026, 11, 24), -1, Refusal.STALE),
    (True, date(2026, 11, 24), 0, None),
])
async def test_the_agreement_takes_effect_only_signed_on_a_real_day(world: World, drafted: bool, day: date,
                                                                     version_shift: int, refusal) -> None:
    case = await world.case_in_mediation()
    if drafted:
        await world.service.draft_agreement(world.mediator, case.id, AgreementDraft(matters=["欠薪"], terms=[WAGES]))
    result = await world.service.took_effect(world.mediator, case.id, day, version=case.version + version_shift)
    if refusal is None:
        assert isinstance(result, Done) and result.case.outcome is Outcome.AGREEMENT
    else:
        assert isinstance(result, Declined) and result.reason is refusal
        assert (await CaseRepository(world.db).get(case.id)).mediation is Mediation.IN_MEDIATION


async def test_a_drafted_agreement_is_sent_to_the_worker_to_read(world: World) -> None:
    case = await world.case_in_mediation()
    await world.service.draft_agreement(world.mediator, case.id, AgreementDraft(matters=["欠薪"], terms=[WAGES]))
    assert [row[0] for row in await world.outbox(OutcomeNotice.AGREEMENT_READY)] == [world.worker.id]


class Offices:
    def arbitration_offices(self, district):
        return ["dxh-arbitration"] if district == "东西湖区" else []

    def is_arbitration_office(self, centre_id):
        return centre_id == "dxh-arbitration"

    def district_of(self, centre_id):
        return "东西湖区"


def committee(district):
    return f"{district}劳动人事争议仲裁委员会"


async def test_the_id_number_is_kept_apart_shown_only_to_who_may_and_forgotten_on_refusal(world: World) -> None:
    from storage.people import PeopleRepository

    service = OutcomeService(SQLiteOutcomeUnitOfWork(world.db), world.clock, Published(), WUHAN, offices=Offices())
    office = await PeopleRepository(world.db).set_role(Front.TELEGRAM, 2101, Role.MEDIATOR, "dxh-arbitration",
                                                       now=world.clock.now())
    case = await world.case_in_mediation()
    born = date(1990, 3, 7)
    assert (await service.give_id_number(world.worker, case.id, MALE_ID, born)).reason is OutcomeRefusal.NO_ID_CONSENT
    await service.consent_to_id_number(world.worker, case.id, True)
    assert (await service.give_id_number(world.worker, case.id, MALE_ID, date(1990, 3, 8))).reason \
        is OutcomeRefusal.BAD_ID_NUMBER, "not the date of birth given"
    assert isinstance(await service.give_id_number(world.worker, case.id, MALE_ID, born), Done)
    answers = ApplicationAnswers(born_on=born, address="武汉市东西湖区新城社区5栋", legal_representative="赵大海")
    drafted = await service.draft_application(world.worker, case.id, answers, committee, "zh_CN")
    assert drafted.stem == f"劳动人事争议仲裁申请书-{case.number}"

    def text(papers) -> str:
        return "\n".join(block.text for block in papers.layout.blocks)

    assert MALE_ID in text(drafted)
    for person, shown in ((world.worker, True), (world.mediator, True), (office, True), (world.supervisor, False),
                          (world.colleague, False)):
        papers = await service.application_papers(person, case.id, committee, "zh_CN")
        assert (MALE_ID in text(papers)) is shown, person
    assert await service.application_papers(world.other_worker, case.id, committee, "zh_CN") is None
    logged = await AccessLogRepository(world.db).of_case(case.id)
    assert (office.id, "arbitration application") in logged and (world.worker.id, "arbitration application") \
        not in logged
    await service.consent_to_id_number(world.worker, case.id, False)
    assert await OutcomeRepository(world.db).id_number(case.id) is None, "a refusal later forgets it"


async def test_the_application_goes_only_signed_and_once(world: World) -> None:
    service = OutcomeService(SQLiteOutcomeUnitOfWork(world.db), world.clock, Published(), WUHAN, offices=Offices())
    case = await world.case_in_mediation()
    answers = ApplicationAnswers(born_on=date(1990, 3, 7), address="武汉市东西湖区新城社区5栋")
    assert (await service.sign_application(world.worker, case.id)).reason is OutcomeRefusal.NOT_DRAFTED
    await service.consent_to_id_number(world.worker, case.id, False)
    await service.draft_application(world.worker, case.id, answers, committee, "zh_CN")
    assert (await service.send_application(world.worker, case.id)).reason is OutcomeRefusal.NOT_DRAFTED
    await service.sign_application(world.worker, case.id)
    sent = await service.send_application(world.worker, case.id)
    assert isinstance(sent, Done)
    assert (sent.case.mediation, sent.case.outcome, sent.case.arbitration) == (
        Mediation.ENDED, Outcome.REFERRED, Arbitration.APPLIED), "the worker's application ends the mediation"
    # Nobody of the office is in chat here: the supervisors, and the mediator holding the case.
    recipients = {row[0] for row in await world.outbox(OutcomeNotice.APPLICATION_TO_OFFICE)}
    assert recipients == {world.supervisor.id, world.mediator.id}
    assert (await service.send_application(world.worker, case.id)).reason is OutcomeRefusal.ALREADY_SENT
    kinds = [event.type for event in await world.events(case.id)]
    assert kinds.count(OutcomeEvent.TRANSFER_CONSENT) == 1 and kinds.count(OutcomeEvent.APPLICATION_SENT) == 1


# --- The card's outcome buttons through the dispatcher ------------------------------------------------

@pytest.mark.parametrize(("state", "outcome", "allowed"), [
    ("assigned", MediatorOutcome.AGREEMENT, False),
    ("accepted", MediatorOutcome.AGREEMENT, True),
    ("in_mediation", MediatorOutcome.AGREEMENT, True),
    ("in_mediation", MediatorOutcome.NO_AGREEMENT, True),
    ("agreement", MediatorOutcome.AGREEMENT, False),
    ("agreement", MediatorOutcome.NO_AGREEMENT, False),
    ("no_agreement", MediatorOutcome.AGREEMENT, False),
    ("no_agreement", MediatorOutcome.NO_AGREEMENT, False),
])
async def test_the_outcome_buttons_through_the_handlers(app_settings, db, world: World, state: str,
                                                        outcome: MediatorOutcome, allowed: bool) -> None:
    chat = ChatHarness.build(app_settings, db, world.clock)
    chat.session.register_chat({"id": 2001, "type": "private", "first_name": "王"})
    case = await in_state(world, state)
    calls = await chat.press(2001, OutcomeCard(o=outcome, id=case.id, v=case.version).pack())
    answers = [call for call in calls if type(call).__name__ == "AnswerCallbackQuery"]
    asked = [call.text for call in calls if type(call).__name__ == "SendMessage" and call.chat_id == 2001]
    if allowed:
        assert not answers[0].show_alert and asked, "the form (or the reasons) comes"
        assert ("争议事项" in asked[0]) if outcome is MediatorOutcome.AGREEMENT else ("为什么" in asked[0])
    else:
        assert answers[0].show_alert and "不能" in answers[0].text and not asked
