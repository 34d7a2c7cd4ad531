"""Property: for random case histories (random commands over two years through the state machine and the
real store, cases moving between centres, referrals, inspections, ratings, events at local midnight),
every figure `/rates` gives equals a brute-force recomputation from the event list (tests/rates/brute.py),
for random periods and scopes; and the rollups rebuilt from the events equal those kept by the writes."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cases import Actor, CommandKind, Decision, DisputeKind, EventType, Mediation, decide
from bot.cases.machine import SYSTEM, Command, NewEvent, Track
from bot.clock import FixedClock
from bot.people import Role
from bot.ports import NewCase
from bot.rates import NO_CENTRE, RATED, Period, RateKey, RatesService, Scope
from storage.cases import CaseRepository
from storage.db import Database
from storage.rates import SQLiteRateStore
from tests.engine.builders import person
from tests.rates import brute

BASE = date(2025, 1, 1)
CENTRES = ("c-east", "c-west", "c-north")
STREETS = {"s1": "d1", "s2": "d1", "s3": "d2"}
# Times of day in UTC: 16:00 is local midnight in Asia/Shanghai, 15:59:59 the second before it.
TIMES = (time(15, 59, 59), time(16, 0, 0), time(3, 0), time(23, 30))
# Each step takes one of the commands the case's state allows, these weights favouring progress.
ACTIONS = (
    [CommandKind.ACCEPT] * 6 + [CommandKind.START_MEDIATION] * 3 + [CommandKind.END_MEDIATION] * 4
    + [CommandKind.TRANSFER] * 2 + [CommandKind.PASS, CommandKind.REASSIGN, CommandKind.STEP_ASIDE]
    + [CommandKind.WITHDRAW] + [CommandKind.REFER_TO_ARBITRATION] * 2 + [CommandKind.SET_PAYMENT_DUE] * 2
    + [CommandKind.RECORD_PAYMENT] + [CommandKind.ACCEPT_ARBITRATION] * 3 + [CommandKind.REFUSE_ARBITRATION]
    + [CommandKind.SUSPEND_ARBITRATION, CommandKind.RESUME_ARBITRATION, CommandKind.EXTEND_ARBITRATION]
    + [CommandKind.CLOSE_ARBITRATION] * 3 + [CommandKind.HAND_TO_INSPECTION] * 2 + [CommandKind.FILE_INSPECTION] * 3
    + [CommandKind.EXTEND_INSPECTION] + [CommandKind.CLOSE_INSPECTION] * 3 + [CommandKind.ASSIGN]
    + [CommandKind.ADD_EVIDENCE]
)
RATINGS = ("very_satisfied", "satisfied", "basically_satisfied", "dissatisfied", "very_dissatisfied")  # 3 good
EXTRAS = ("rate", "note")   # a rating, a clock's reminder: appended, whatever the state
SCOPES = [Scope(), *(Scope(centre=centre) for centre in CENTRES), Scope(district="d1"), Scope(district="d2"),
          *(Scope(street=street) for street in STREETS), *(Scope(kind=kind) for kind in DisputeKind),
          Scope(district="d1", kind=DisputeKind.WAGES), Scope(district="d2", kind=DisputeKind.PLATFORM)]

step = st.tuples(st.integers(0, 25), st.sampled_from(TIMES), st.integers(0, 1023))
case_plan = st.fixed_dictionaries({
    "street": st.sampled_from([None, *STREETS]), "kind": st.sampled_from(list(DisputeKind)),
    "construction": st.booleans(), "workers": st.sampled_from([1, 12]), "day": st.integers(0, 700),
    "time": st.sampled_from(TIMES), "assigned": st.integers(0, 4), "steps": st.lists(step, min_size=2, max_size=14),
})
# A period: from one event's local day to another's (give or take a day), one day, a calendar month, or any span.
ask = st.tuples(st.sampled_from(["events", "day", "month", "span"]), st.integers(0, 10**6), st.integers(0, 10**6),
                st.sampled_from([-1, 0, 1]), st.sampled_from(SCOPES))


@dataclass
class Cast:
    workers: list[int]
    mediators: dict[str, list[int]]


def at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, UTC)


def command(kind, case, seed: int, cast: Cast, worker: int) -> Command | None:
    mediators = cast.mediators.get(case.centre_id or "", [])
    holder = Actor(case.mediator_id, Role.MEDIATOR, case.centre_id)
    if kind is CommandKind.ASSIGN:
        return Command(kind, SYSTEM, centre_id=CENTRES[seed % 3], params={"within_half_hour": bool(seed & 2)})
    if kind is CommandKind.TRANSFER:
        return Command(kind, SYSTEM, centre_id=CENTRES[seed % 3])
    if kind in (CommandKind.ACCEPT, CommandKind.STEP_ASIDE):
        return Command(kind, Actor(mediators[seed % 2], Role.MEDIATOR, case.centre_id)) if mediators else None
    if kind is CommandKind.REASSIGN:
        return Command(kind, SYSTEM, mediator_id=mediators[seed % 2]) if mediators else None
    if kind in (CommandKind.PASS, CommandKind.START_MEDIATION):
        return Command(kind, holder if case.mediator_id else SYSTEM)
    if kind is CommandKind.END_MEDIATION:
        return Command(kind, SYSTEM, outcome=("agreement", "no_agreement", "agreement")[seed % 3])
    if kind in (CommandKind.WITHDRAW, CommandKind.REFER_TO_ARBITRATION, CommandKind.HAND_TO_INSPECTION,
                CommandKind.ADD_EVIDENCE):
        return Command(kind, Actor(worker, Role.WORKER))
    if kind is CommandKind.RECORD_PAYMENT:
        return Command(kind, SYSTEM, outcome=("paid", "partly_paid", "not_paid")[seed % 3])
    if kind in (CommandKind.CLOSE_ARBITRATION, CommandKind.CLOSE_INSPECTION):
        clock = "arbitration_close" if kind is CommandKind.CLOSE_ARBITRATION else "inspection_close"
        params = {} if seed & 8 else {"held_to": {"clock": clock, "held": bool(seed & 4), "due_on": "2026-01-01"}}
        return Command(kind, SYSTEM, outcome=("award", "mediated", "withdrawn")[seed % 3], params=params)
    return Command(kind, SYSTEM)


async def play(db: Database, plans: list[dict], cast: Cast) -> None:
    cases = CaseRepository(db)
    for index, plan in enumerate(plans):
        street = plan["street"]
        worker = cast.workers[index]
        moment = at(BASE + timedelta(days=plan["day"]), plan["time"])
        fields = {"industry": "construction" if plan["construction"] else "factory",
                  "workers_affected": plan["workers"]}
        case = await cases.create(
            NewCase(worker_id=worker, kind=plan["kind"], fields=fields, urgent=False, year=moment.year,
                    draft_id=f"d{index}", workplace_street=street,
                    workplace_district=STREETS.get(street) if street else None, observers=[]),
            NewEvent(type=EventType.SUBMITTED, track=Track.MEDIATION, from_state=None, to_state=Mediation.SUBMITTED,
                     actor=Actor(worker, Role.WORKER), occurred_at=moment, payload={"alerts": []}),
            recorded_at=moment)
        if plan["assigned"]:  # most cases are routed when they are filed
            routed = decide(case.state, command(CommandKind.ASSIGN, case, plan["assigned"] * 3, cast, worker), moment)
            case = await cases.apply(case, routed, recorded_at=moment) or case
        for planned in plan["steps"]:
            # (days later, time of day, seed), the seed choosing the step; or (step, days, time, seed)
            chosen, (days, moment_of_day, seed) = (planned[0], planned[1:]) if len(planned) == 4 else (None, planned)
            later = at((moment + timedelta(days=days)).date(), moment_of_day)
            moment = later if later >= moment else later + timedelta(days=1)
            if chosen in EXTRAS or (chosen is None and seed % 7 == 0):
                kind = chosen or EXTRAS[seed % 2]
                event = NewEvent(type=RATED, track=None, from_state=None, to_state=None,
                                 actor=Actor(worker, Role.WORKER), occurred_at=moment,
                                 payload={"rating": RATINGS[seed % 5], "good": seed % 5 < 3}) \
                    if kind == "rate" else \
                    NewEvent(type=EventType.DEADLINE_WARNED, track=None, from_state=None, to_state=None, actor=SYSTEM,
                             occurred_at=moment, payload={"clock": "arbitration_close"})
                await cases.append(case, [event], recorded_at=moment)
                continue
            allowed = [(kind, decision) for kind in ([chosen] if chosen else ACTIONS)
                       if (given_command := command(kind, case, seed, cast, worker)) is not None
                       and isinstance(decision := decide(case.state, given_command, moment), Decision)]
            if not allowed:
                continue
            kind, decision = allowed[seed % len(allowed)]
            if kind is CommandKind.ADD_EVIDENCE:
                await cases.append(case, decision.events, recorded_at=moment)
            else:
                case = await cases.apply(case, decision, recorded_at=moment) or case


def brute_ask(period: Period, scope: Scope, centre: str | None = None) -> brute.Ask:
    return brute.Ask(period.start, period.end, centre=centre or scope.centre, district=scope.district,
                     street=scope.street, kind=None if scope.kind is None else str(scope.kind))


def period_of(shape: str, first: int, second: int, shift: int, event_days: list[date]) -> Period:
    if shape == "events" and event_days:
        start = event_days[first % len(event_days)] + timedelta(days=shift)
        end = event_days[second % len(event_days)]
        return Period(start=min(start, end), end=max(start, end))
    day = BASE + timedelta(days=first % 780 - 20)
    if shape == "day":
        return Period(start=day, end=day)
    if shape == "month":
        start = day.replace(day=1)
        return Period(start=start, end=(start + timedelta(days=32)).replace(day=1) - timedelta(days=1))
    return Period(start=day, end=day + timedelta(days=second % 400))


def expected(histories, rows, period: Period, scope: Scope, centre: str | None = None) -> dict:
    question = brute_ask(period, scope, centre)
    return {"rates": brute.rates(histories, rows, question),
            "open": brute.open_at_end(histories, rows, question),
            "collective": brute.open_at_end(histories, rows, question, collective=True),
            "median": brute.median_days(histories, rows, question)}


def shown(figures, *, median: bool = True) -> dict:
    return {"rates": {key.value: (figure.numerator, figure.denominator) for key, figure in figures.rates.items()},
            "open": figures.open, "collective": figures.collective,
            **({"median": figures.median_days_to_close} if median else {})}


async def rollup_rows(db: Database) -> list[tuple]:
    async with db.read() as conn, conn.execute(
        "SELECT scope, scope_value, centre_id, grain, starts_on, measure, bucket, total FROM rate_rollups"
        " WHERE total <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7"
    ) as cursor:
        return [tuple(row) for row in await cursor.fetchall()]


async def check(plans: list[dict], asks: list[tuple]) -> None:
    db = await Database.open(":memory:")
    try:
        workers = [(await person(db, 100 + index)).id for index in range(len(plans))]
        mediators = {centre: [(await person(db, 500 + 10 * number + slot, Role.MEDIATOR, centre)).id
                              for slot in range(2)] for number, centre in enumerate(CENTRES)}
        await play(db, plans, Cast(workers, mediators))
        repository = CaseRepository(db)
        histories, rows = {}, {}
        for worker in workers:
            for case in await repository.of_worker(worker):
                histories[case.id] = await repository.events(case.id)
                rows[case.id] = brute.CaseRow(case.kind, case.created_at, case.fields)
        store = SQLiteRateStore(db)
        service = RatesService(store, places=None, clock=FixedClock(at(BASE + timedelta(days=800), time(4))))
        event_days = sorted({brute.day(event) for events in histories.values() for event in events})
        for shape, first, second, shift, scope in asks:
            period = period_of(shape, first, second, shift, event_days)
            report = await service.report(period, scope)
            assert shown(report.figures) == expected(histories, rows, period, scope), (period, scope)
            previous = {key.value: (figure.numerator, figure.denominator)
                        for key, figure in report.figures.previous.items()}
            assert previous == expected(histories, rows, report.previous_period, scope)["rates"], (period, scope)
            if scope.has_centre_table:   # the city's and each district's table of centres (no median)
                for centre, figures in report.by_centre:
                    wanted = expected(histories, rows, period, scope, centre)
                    del wanted["median"]
                    assert shown(figures, median=False) == wanted, (period, scope, centre)
                listed = {centre for centre, _ in report.by_centre}
                for centre in (*CENTRES, NO_CENTRE):
                    if centre not in listed:
                        nothing = expected(histories, rows, period, scope, centre)
                        assert nothing["open"] == 0 and not any(d for _, d in nothing["rates"].values()), centre
        assert await store.complete()
        kept = await rollup_rows(db)
        rebuilt = await store.rebuild(now=at(BASE, time(0)))
        assert rebuilt.events == sum(len(events) for events in histories.values())
        assert await rollup_rows(db) == kept
    finally:
        await db.close()


@settings(max_examples=40)
@given(plans=st.lists(case_plan, min_size=1, max_size=6), asks=st.lists(ask, min_size=1, max_size=6))
def test_every_figure_equals_a_recount_from_the_events(plans, asks) -> None:
    asyncio.run(check(plans, asks))


def test_the_recount_sees_each_rate() -> None:
    """The brute force is not vacuous: a hand-made history moves every rate off zero."""
    plans = [{"street": "s1", "kind": DisputeKind.WAGES, "construction": True, "workers": 12, "day": 10,
              "time": TIMES[0], "assigned": 1,
              "steps": [(CommandKind.ACCEPT, 0, TIMES[2], 0), (CommandKind.END_MEDIATION, 3, TIMES[1], 0),
                        (CommandKind.HAND_TO_INSPECTION, 1, TIMES[2], 0), (CommandKind.FILE_INSPECTION, 1, TIMES[2], 0),
                        (CommandKind.CLOSE_INSPECTION, 20, TIMES[0], 4), ("rate", 1, TIMES[3], 1)]},
             {"street": "s2", "kind": DisputeKind.CONTRACT, "construction": False, "workers": 1, "day": 12,
              "time": TIMES[1], "assigned": 2,
              "steps": [(CommandKind.ACCEPT, 1, TIMES[2], 1), (CommandKind.REFER_TO_ARBITRATION, 2, TIMES[2], 0),
                        (CommandKind.ACCEPT_ARBITRATION, 3, TIMES[2], 0),
                        (CommandKind.CLOSE_ARBITRATION, 30, TIMES[2], 4)]}]

    async def run() -> None:
        await check(plans, [("span", 20, 120, 0, Scope(district="d1"))])
        db = await Database.open(":memory:")
        try:
            workers = [(await person(db, 100 + index)).id for index in range(2)]
            mediators = {centre: [(await person(db, 500 + 10 * number + slot, Role.MEDIATOR, centre)).id
                                  for slot in range(2)] for number, centre in enumerate(CENTRES)}
            await play(db, plans, Cast(workers, mediators))
            service = RatesService(SQLiteRateStore(db), places=None, clock=FixedClock(at(BASE, time(4))))
            report = await service.report(Period(start=BASE, end=BASE + timedelta(days=120)), Scope(district="d1"))
            assert all(figure.denominator > 0 for figure in report.figures.rates.values()), report.figures.rates
            assert report.figures.rates[RateKey.MEDIATION_SUCCESS].numerator == 1
        finally:
            await db.close()

    asyncio.run(run())
