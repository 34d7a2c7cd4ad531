"""How fast `/rates` gets its numbers from the rollups, next to the same answer straight from the events, in
the same run, at up to a million cases.

Builds an SQLite file of N cases over two years (default 50,000; `--cases 1000000` for the issue's
figure, about 4.3 million events) with bulk inserts into `cases` and `case_events`, not through the chat:
each case is filed on the workplace's street, routed (in person within half an hour, or online), accepted
or withdrawn, mediated to an outcome; some go to arbitration or labour inspection, a few are transferred.
Then it makes the rollups from the events with the code of `python -m bot rates --rebuild`, and times, for
several scopes and periods (median of repeated runs):
- the report's rate numbers from the rollups: every rate for the period and the previous one, the
  stocks at its start, the overdue count (`RatesService.report(..., by_centre=False)`);
- the same with the per-centre table;
- from the events: the mediation success rate alone, through the events' own index for that scope (the
  query one would write without rollups).
Prints each, the ratio events / rollups, and what building took. About 25 s at the default size.

    python bench/rates.py [--cases 100000] [--runs 15] [--keep FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from bot.clock import FixedClock
from bot.rates import RATES_ZONE, Period, RatesService, Scope
from bot.routing import load_registry
from bot.routing.registry import CentreKind
from bot.settings import SAMPLE_CENTRES_FILE
from storage.db import Database
from storage.rates import SQLiteRateStore

END = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)   # local midnight starting 2026-12-01
START = END - timedelta(days=730)
TODAY = date(2026, 11, 30)

EVENT_COLUMNS = ("case_id, seq, type, track, from_state, to_state, occurred_at, recorded_at, centre_id, street,"
                 " district, kind, payload_version, payload")
CASE_COLUMNS = ("id, number, worker_id, kind, mediation, outcome, centre_id, arbitration, inspection, urgent, fields,"
                " workplace_street, workplace_district, draft_id, version, last_seq, created_at, updated_at")


def places() -> tuple[list[tuple[str, str, str]], str]:
    """(centre, district, street) of every street centre of the sample registry, and the online centre."""
    registry = load_registry(SAMPLE_CENTRES_FILE)
    streets = [(centre.id, centre.district, street) for centre in registry.centres
               if centre.kind is CentreKind.STREET for street in centre.streets]
    online = next(centre.id for centre in registry.centres if centre.kind is CentreKind.ONLINE)
    return streets, online


def one_case(case_id: int, filed: datetime, rng: random.Random, streets, online: str) -> tuple[tuple, list[tuple]]:
    """The case row and its events: a plausible history, cut at END."""
    centre, district, street = rng.choice(streets)
    kind = rng.choices(("wages", "contract", "platform"), (55, 25, 20))[0]
    fields = {"industry": "construction" if kind == "wages" and rng.random() < 0.2 else "factory",
              "workers_affected": 12 if rng.random() < 0.02 else 1}
    events: list[tuple] = []
    state = {"mediation": "submitted", "outcome": None, "arbitration": None, "inspection": None, "centre": None}

    def add(moment: datetime, type: str, track: str | None, before, after, payload: dict | None = None) -> bool:
        if moment >= END:
            return False
        if track:
            state[track] = after
        stamp = moment.isoformat()
        events.append((case_id, len(events) + 1, type, track, before, after, stamp, stamp, state["centre"], street,
                       district, kind, 2, json.dumps(payload or {})))
        return True

    add(filed, "submitted", "mediation", None, "submitted", {"channel": "chat", "alerts": []})
    within = rng.random() < 0.85
    state["centre"] = centre if within else online
    add(filed, "assigned", "mediation", "submitted", "assigned",
        {"centre_id": state["centre"], "within_half_hour": within})
    moment = filed + timedelta(hours=rng.uniform(1, 48))
    if rng.random() < 0.03:
        state["centre"] = rng.choice(streets)[0]
        if not add(moment, "transferred", "mediation", "assigned", "assigned", {"centre_id": state["centre"]}):
            return finished(case_id, kind, fields, filed, street, district, state, events)
        moment += timedelta(hours=rng.uniform(1, 24))
    if rng.random() < 0.07:
        add(moment + timedelta(days=rng.uniform(1, 5)), "withdrawn", "mediation", "assigned", "withdrawn")
        return finished(case_id, kind, fields, filed, street, district, state, events)
    if add(moment, "accepted", "mediation", "assigned", "accepted"):
        moment += timedelta(days=rng.uniform(1, 30))
        outcome = rng.choices(("agreement", "no_agreement", "referred", "withdrawn"), (74, 12, 8, 6))[0]
        if add(moment, "mediation_ended", "mediation", "accepted", "ended", {"outcome": outcome}):
            state["outcome"] = outcome
            if outcome == "referred" and add(moment, "arbitration_applied", "arbitration", None, "applied"):
                later = moment + timedelta(days=3)
                if add(later, "arbitration_accepted", "arbitration", "applied", "accepted"):
                    add(later + timedelta(days=rng.uniform(20, 60)), "arbitration_closed", "arbitration", "accepted",
                        "closed", {"outcome": "award", "held_to": {"clock": "arbitration_close",
                                                                   "held": rng.random() < 0.95}})
            if kind == "wages" and rng.random() < 0.1 \
                    and add(moment, "inspection_handed_over", "inspection", None, "handed_over"):
                later = moment + timedelta(days=5)
                if add(later, "inspection_filed", "inspection", "handed_over", "filed"):
                    add(later + timedelta(days=rng.uniform(10, 80)), "inspection_closed", "inspection", "filed",
                        "closed", {"held_to": {"clock": "inspection_close", "held": rng.random() < 0.96}})
    return finished(case_id, kind, fields, filed, street, district, state, events)


def finished(case_id, kind, fields, filed: datetime, street, district, state, events) -> tuple[tuple, list[tuple]]:
    """The case row, and its events numbered in the order they happened (as a live store appends them)."""
    events = [(event[0], seq, *event[2:]) for seq, event in enumerate(sorted(events, key=lambda e: e[6]), start=1)]
    stamp = filed.isoformat()
    return (case_id, f"LD-{filed.year}-{case_id:07d}", 1, kind, state["mediation"], state["outcome"], state["centre"],
            state["arbitration"], state["inspection"], 0, json.dumps(fields), street, district, f"d{case_id}",
            len(events), len(events), stamp, events[-1][6]), events


def build(path: Path, cases: int) -> int:
    """The cases (numbered in the order they were filed) and their events (in the order they happened, as a
    live store has them), inserted in bulk; returns the number of events."""
    streets, online = places()
    rng = random.Random(20261130)
    filings = sorted(START + timedelta(seconds=rng.randrange(730 * 86400)) for _ in range(cases))
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA cache_size = -2000000")   # 2 GB: the indexes stay in memory while they grow
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("BEGIN")
    connection.execute("INSERT INTO people (id, front, user_id, role, display_name, created_at, updated_at)"
                       " VALUES (1, 'telegram', 1, 'worker', 'w', '2024-01-01', '2024-01-01')")
    events = 0
    waiting: list[tuple] = []   # events not yet due, by when they happen
    chunk_cases, chunk_events = [], []

    def flush() -> None:
        connection.executemany(f"INSERT INTO cases ({CASE_COLUMNS}) VALUES ({', '.join('?' * 18)})", chunk_cases)
        connection.executemany(f"INSERT INTO case_events ({EVENT_COLUMNS}) VALUES ({', '.join('?' * 14)})",
                               chunk_events)
        chunk_cases.clear()
        chunk_events.clear()

    for case_id, filed in enumerate(filings, start=1):
        row, history = one_case(case_id, filed, rng, streets, online)
        stamp = filed.isoformat()
        while waiting and waiting[0][0] <= stamp:
            chunk_events.append(heapq.heappop(waiting)[2])
        chunk_cases.append(row)
        for event in history:
            heapq.heappush(waiting, (event[6], events, event))
            events += 1
        if len(chunk_cases) == 20_000:
            flush()
    chunk_events += [heapq.heappop(waiting)[2] for _ in range(len(waiting))]
    flush()
    connection.execute("COMMIT")
    connection.close()
    return events


def utc_bounds(period: Period) -> tuple[str, str]:
    """The period's local days as UTC instants: [first midnight, the midnight after the last day)."""
    first = datetime.combine(period.start, datetime.min.time(), RATES_ZONE).astimezone(UTC)
    after = datetime.combine(period.end + timedelta(days=1), datetime.min.time(), RATES_ZONE).astimezone(UTC)
    return first.isoformat(), after.isoformat()


def scope_filter(scope: Scope) -> tuple[str, list[str]]:
    """The condition on the events' own scope columns (each has an index with the type and the time)."""
    conditions = [(column, str(value)) for column, value in (
        ("centre_id", scope.centre), ("street", scope.street), ("district", scope.district), ("kind", scope.kind))
        if value is not None]
    return "".join(f"{column} = ? AND " for column, _ in conditions), [value for _, value in conditions]


FLOW_TYPES = ("mediation_ended", "arbitration_accepted", "arbitration_closed", "inspection_filed", "inspection_closed",
              "rated", "assigned")


async def from_events(db: Database, scope: Scope, period: Period) -> dict[str, tuple[int, int]]:
    """The report's rates for the period and the one before, straight from the events through their indexes:
    what each event type counted in both periods, and the arbitration and inspection cases open at the start
    (accepted or filed before it, less those closed before it). Migrant cases read the case's answers."""
    where, values = scope_filter(scope)
    previous = period.previous()
    (previous_start, start), (_, after) = utc_bounds(previous), utc_bounds(period)
    kinds = ", ".join("?" for _ in FLOW_TYPES)
    async with db.read() as conn:
        async with conn.execute(
            f"SELECT type, occurred_at >= ? AS now, count(*),"
            f" sum(json_extract(payload, '$.outcome') = 'agreement'),"
            f" sum(json_extract(payload, '$.held_to.held') = 1),"
            f" sum(json_extract(payload, '$.level') IN ('very_satisfied', 'satisfied', 'basically_satisfied')),"
            f" sum(json_extract(payload, '$.within_half_hour') = 1),"
            f" sum((SELECT json_extract(c.fields, '$.industry') = 'construction' AND c.kind = 'wages'"
            f"      FROM cases c WHERE c.id = case_id AND type LIKE 'inspection%'))"
            f" FROM case_events WHERE {where}type IN ({kinds}) AND occurred_at >= ? AND occurred_at < ?"
            f" AND (type <> 'inspection_closed' OR from_state IN ('filed', 'extended')) GROUP BY type, now",
            [start, *values, *FLOW_TYPES, previous_start, after],
        ) as cursor:
            flows = {(row[0], row[1]): row[2:] for row in await cursor.fetchall()}
        async with conn.execute(
            f"SELECT type, count(*) FROM case_events WHERE {where}type IN (?, ?, ?, ?) AND occurred_at < ?"
            f" AND (type <> 'inspection_closed' OR from_state IN ('filed', 'extended')) GROUP BY type",
            [*values, "arbitration_accepted", "arbitration_closed", "inspection_filed", "inspection_closed", start],
        ) as cursor:
            before = dict(await cursor.fetchall())

    def flow(type: str, column: int = 0) -> int:
        return (flows.get((type, 1)) or (0,) * 6)[column] or 0

    open_arbitration = before.get("arbitration_accepted", 0) - before.get("arbitration_closed", 0)
    open_inspection = before.get("inspection_filed", 0) - before.get("inspection_closed", 0)
    return {"mediation_success": (flow("mediation_ended", 1), flow("mediation_ended")),
            "arbitration_closure": (flow("arbitration_closed"), flow("arbitration_accepted") + open_arbitration),
            "inspection_closure": (flow("inspection_closed"), flow("inspection_filed") + open_inspection),
            "half_hour_coverage": (flow("assigned", 4), flow("assigned"))}


ASKS = [
    ("district 东西湖区, 2026 Q3", Scope(district="东西湖区"), Period(start=date(2026, 7, 1), end=date(2026, 9, 30))),
    ("the city, 2025", Scope(), Period(start=date(2025, 1, 1), end=date(2025, 12, 31))),
    ("centre dxh-wujiashan, last 30 days", Scope(centre="dxh-wujiashan"),
     Period(start=TODAY - timedelta(days=29), end=TODAY)),
    ("street 吴家山街道, 2026-01-15..04-03", Scope(street="吴家山街道"),
     Period(start=date(2026, 1, 15), end=date(2026, 4, 3))),
    ("kind platform, two years", Scope(kind="platform"), Period(start=date(2024, 12, 1), end=date(2026, 11, 30))),
    ("东西湖区 wages, 2026-11", Scope(district="东西湖区", kind="wages"),
     Period(start=date(2026, 11, 1), end=date(2026, 11, 30))),
]


async def timed(action, runs: int) -> tuple[float, object]:
    result = await action()  # warm
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        result = await action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000, result


async def measure(path: Path, runs: int) -> None:
    db = await Database.open(path)
    try:
        store = SQLiteRateStore(db)
        started = time.perf_counter()
        rebuilt = await store.rebuild(now=END)
        print(f"rollups made from the events: {rebuilt.rows:,} rows from {rebuilt.events:,} events in "
              f"{time.perf_counter() - started:.1f} s")
        service = RatesService(store, places=None, clock=FixedClock(END - timedelta(hours=1)))
        print(f"\n{'scope, period':38} {'rollups':>8} {'+centres':>9} {'events':>9} {'ratio':>6}   mediation success")
        for label, scope, period in ASKS:
            rates_ms, report = await timed(partial(service.report, period, scope, by_centre=False), runs)
            table_ms, _ = await timed(partial(service.report, period, scope, by_centre=True), runs)
            events_ms, counted = await timed(partial(from_events, db, scope, period), max(3, runs // 3))
            shown = {key: (report.figures.rates[key].numerator, report.figures.rates[key].denominator)
                     for key in counted}
            assert shown == counted, (label, shown, counted)   # the same numbers, both ways
            success = shown["mediation_success"]
            print(f"{label:38} {rates_ms:6.2f}ms {table_ms:7.2f}ms {events_ms:7.1f}ms {events_ms / rates_ms:5.0f}x"
                  f"   {success[0]}/{success[1]}")
    finally:
        await db.close()


async def migrate(path: Path) -> None:
    """The schema, by the migrations."""
    db = await Database.open(path)
    await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--keep", type=Path, help="build (or reuse) this database file instead of a temporary one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        path = args.keep or Path(scratch) / "rates.sqlite3"
        if not path.exists():
            asyncio.run(migrate(path))
            started = time.perf_counter()
            events = build(path, args.cases)
            print(f"built {args.cases:,} cases, {events:,} events with bulk inserts in "
                  f"{time.perf_counter() - started:.1f} s ({path.stat().st_size / 2**20:,.0f} MB)")
        asyncio.run(measure(path, args.runs))


if __name__ == "__main__":
    main()
