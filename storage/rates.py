"""The rates' rollups in SQL (bot/rates.py): added to by the transaction that writes a case's events
(`record_rollups`, called by `CaseRepository._append`), summed for `/rates` (`SQLiteRateStore.tallies`),
and made again from the events (`SQLiteRateStore.rebuild`). Implements `bot.rates.RateStore`.

A report reads a few hundred rollup rows through the primary key: the period as whole months and the
days around them, the same for the period before, and every stock's changes up to the period's start.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import aiosqlite

from bot.cases.machine import EventType, NewEvent
from bot.cases.model import Case
from bot.deadlines import CLOSING, ClockStatus
from bot.rates import (
    ALL_CENTRES,
    COUNTED_TYPES,
    EARLIEST,
    NO_CENTRE,
    READS_PAYLOAD,
    STOCKS,
    CaseFacts,
    CaseTally,
    Delta,
    Happening,
    Measure,
    Period,
    RollupKey,
    Scope,
    Tallies,
    Where,
    local_day,
    rollup_counts,
    spans,
)
from storage.db import Database
from storage.timestamps import utc_text

_KEY = "scope, scope_value, centre_id, grain, starts_on, measure, bucket"
_ROWS_PER_INSERT = 400   # 8 values a row: well under SQLite's limit on bound values
_READ_CHUNK = 5000
_REBUILD_CHUNK = 50_000
_ROW = "(?, ?, ?, ?, ?, ?, ?, ?)"


def _marks(count: int) -> str:
    return ", ".join("?" for _ in range(count))


async def _add(conn: aiosqlite.Connection, counts: Counter[RollupKey]) -> None:
    """Add `counts` to the rollups: one statement for a whole write (a case's events add a few dozen rows)."""
    rows = [_row(key, total) for key, total in counts.items()]
    for first in range(0, len(rows), _ROWS_PER_INSERT):
        chunk = rows[first:first + _ROWS_PER_INSERT]
        await conn.execute(
            f"INSERT INTO rate_rollups ({_KEY}, total) VALUES {', '.join(_ROW for _ in chunk)}"
            f" ON CONFLICT ({_KEY}) DO UPDATE SET total = rate_rollups.total + excluded.total",
            [value for row in chunk for value in row],
        )


def _row(key: RollupKey, total: int) -> tuple:
    scope, value, centre, grain, starts_on, measure, bucket = key
    return scope, value, centre, grain, starts_on.isoformat(), measure, bucket, total


def _where(row: aiosqlite.Row) -> Where:
    return Where(row["centre_id"], row["street"], row["district"], row["kind"])


async def record_rollups(conn: aiosqlite.Connection, case: Case, events: Sequence[NewEvent], *, first_seq: int
                         ) -> None:
    """What `events`, just written for `case` from sequence number `first_seq` on, add to the rollups, in
    the same transaction. Reads at most one row of earlier events: where the case was before them, and where
    it was filed when they assign it."""
    batch = [Happening.of_new(event, case) for event in events]
    # Events that change no track and are not counted (evidence, the clocks' notes) leave a case where it was.
    if not any(event.track is not None or event.type in COUNTED_TYPES for event in batch):
        return
    wanted = {first_seq - 1} if first_seq > 1 else set()
    if first_seq > 1 and any(event.type == EventType.ASSIGNED for event in batch):
        wanted.add(1)
    earlier = {}
    if wanted:
        async with conn.execute(
            f"SELECT seq, occurred_at, centre_id, street, district, kind FROM case_events"
            f" WHERE case_id = ? AND seq IN ({_marks(len(wanted))})", (case.id, *sorted(wanted)),
        ) as cursor:
            earlier = {row["seq"]: row for row in await cursor.fetchall()}
    previous = _where(earlier[first_seq - 1]) if first_seq - 1 in earlier else None
    filed = earlier.get(1)
    filed_at = (local_day(datetime.fromisoformat(filed["occurred_at"])), _where(filed)) if filed else None
    tally = CaseTally.before(case, batch, previous, filed_at)
    counts = rollup_counts(delta for event in batch for delta in tally.step(event))
    if counts:
        await _add(conn, counts)


@dataclass(frozen=True)
class Rebuilt:
    cases: int
    events: int
    rows: int


class SQLiteRateStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def complete(self) -> bool:
        async with self._db.read() as conn, conn.execute(
            "SELECT missing_through FROM rate_rollup_state WHERE id = 1"
        ) as cursor:
            row = await cursor.fetchone()
        return row is None or row[0] == 0

    async def _centres(self, conn: aiosqlite.Connection, scope: str, value: str) -> list[str]:
        """Every centre with rollup rows in the scope, one index step each (not a scan of the rows)."""
        async with conn.execute(
            "WITH RECURSIVE centres (id) AS ("
            " SELECT min(centre_id) FROM rate_rollups WHERE scope = ? AND scope_value = ? AND centre_id > ?"
            " UNION ALL"
            " SELECT (SELECT min(r.centre_id) FROM rate_rollups r WHERE r.scope = ? AND r.scope_value = ?"
            " AND r.centre_id > centres.id) FROM centres WHERE centres.id IS NOT NULL)"
            " SELECT id FROM centres WHERE id IS NOT NULL",
            (scope, value, ALL_CENTRES, scope, value),
        ) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def tallies(self, scope: Scope, period: Period, previous: Period, today: date, *, by_centre: bool
                      ) -> dict[str, Tallies]:
        name, value, own = scope.rollup_key()
        async with self._db.read() as conn:
            keys = {own: ALL_CENTRES}   # the scope's own rows are the whole answer (a centre's: its own rows)
            if by_centre and scope.has_centre_table:
                keys |= {centre: centre for centre in await self._centres(conn, name, value)}
            parts = [("period", part) for part in spans(period.start, period.end)]
            parts += [("previous", part) for part in spans(previous.start, previous.end)]
            parts += [("opening", part) for part in spans(EARLIEST, period.start - timedelta(days=1))]
            selects, parameters = [], []
            for tag, (grain, first, last) in parts:
                stocks_only = f" AND measure IN ({_marks(len(STOCKS))})" if tag == "opening" else ""
                selects.append(
                    f"SELECT ? AS part, centre_id, measure, bucket, SUM(total) AS total FROM rate_rollups"
                    f" WHERE scope = ? AND scope_value = ? AND centre_id IN ({_marks(len(keys))}) AND grain = ?"
                    f" AND starts_on BETWEEN ? AND ?{stocks_only} GROUP BY centre_id, measure, bucket")
                parameters += [tag, name, value, *keys, grain, first.isoformat(), last.isoformat()]
                if stocks_only:
                    parameters += sorted(STOCKS)
            sums: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
            async with conn.execute(" UNION ALL ".join(selects), parameters) as cursor:
                for row in await cursor.fetchall():
                    held_by = keys[row["centre_id"]]
                    sums[held_by][row["part"]][Measure(row["measure"])] += row["total"]
                    if row["part"] == "period" and row["measure"] == Measure.MEDIATION_DAYS \
                            and held_by == ALL_CENTRES:
                        sums[held_by]["days"][row["bucket"]] += row["total"]
            overdue = await self._overdue(conn, scope, today)
        return {held_by: Tallies(period=sums[held_by]["period"], previous=sums[held_by]["previous"],
                                 opening=sums[held_by]["opening"], days_to_close=sums[held_by]["days"],
                                 overdue=overdue.get(held_by, 0))
                for held_by in keys.values()}

    async def _overdue(self, conn: aiosqlite.Connection, scope: Scope, today: date) -> Counter[str]:
        """Cases of the scope (where they are now) with a closing limit running past its last day, by centre
        and under ALL_CENTRES: from the clocks (bot/deadlines.py), which know what is due now."""
        conditions, parameters = [], []
        for column, value in (("c.centre_id", scope.centre), ("c.workplace_district", scope.district),
                              ("c.workplace_street", scope.street), ("c.kind", scope.kind)):
            if value is not None:
                conditions.append(f" AND {column} = ?")
                parameters.append(str(value))
        closing = sorted(CLOSING)
        async with conn.execute(
            f"SELECT c.centre_id, COUNT(DISTINCT d.case_id) FROM case_deadlines d JOIN cases c ON c.id = d.case_id"
            f" WHERE d.status = ? AND d.due_on < ? AND d.clock IN ({_marks(len(closing))}){''.join(conditions)}"
            f" GROUP BY c.centre_id",
            (ClockStatus.RUNNING, today.isoformat(), *closing, *parameters),
        ) as cursor:
            rows = await cursor.fetchall()
        counts = Counter({row[0] or NO_CENTRE: row[1] for row in rows})
        counts[ALL_CENTRES] = sum(row[1] for row in rows)
        return counts

    async def rebuild(self, *, now: datetime) -> Rebuilt:
        """The rollups made again from every event, in one transaction (writers wait meanwhile: run it when
        the service is quiet). The events are read in the order they were written (a case's events were
        appended in order, so their ids grow with their sequence numbers), every case's tally kept meanwhile;
        what they add is summed, then written in the primary key's order, which SQLite writes many times
        faster than rows in any order."""
        base: Counter[tuple[date, Where, Measure, int]] = Counter()
        wheres: dict[tuple, Where] = {}
        days: dict[str, date] = {}
        events = 0
        async with self._db.transaction() as conn:
            async with conn.execute("SELECT id, kind, created_at, fields FROM cases") as cursor:
                tallies = {case_id: CaseTally(CaseFacts.of(kind, datetime.fromisoformat(created_at),
                                                           json.loads(fields)))
                           for case_id, kind, created_at, fields in await cursor.fetchall()}
            async with conn.execute(
                "SELECT case_id, type, track, from_state, to_state, occurred_at, centre_id, street, district, kind,"
                " payload FROM case_events ORDER BY id"
            ) as cursor:
                while chunk := await cursor.fetchmany(_READ_CHUNK):
                    for row in chunk:   # by position: a million rows read by name cost seconds
                        place = row[6:10]
                        where = wheres.get(place) or wheres.setdefault(place, Where(*place))
                        happening = Happening(row[1], row[2], row[3], row[4], _local_day(row[5], days), where,
                                              json.loads(row[10]) if row[1] in READS_PAYLOAD else {})
                        for delta in tallies[row[0]].step(happening):
                            base[(delta.day, delta.where, delta.measure, delta.bucket)] += delta.count
                    events += len(chunk)
            cases = len(tallies)
            del tallies
            deltas = [Delta(day, where, measure, count, bucket) for (day, where, measure, bucket), count
                      in base.items() if count]
            base.clear()
            made = sorted(_row(key, total) for key, total in rollup_counts(deltas).items())
            del deltas
            await conn.execute("DELETE FROM rate_rollups")
            for first in range(0, len(made), _REBUILD_CHUNK):
                await conn.executemany(f"INSERT INTO rate_rollups ({_KEY}, total) VALUES {_ROW}",
                                       made[first:first + _REBUILD_CHUNK])
            await conn.execute("UPDATE rate_rollup_state SET missing_through = 0, rebuilt_at = ? WHERE id = 1",
                               (utc_text(now),))
        return Rebuilt(cases=cases, events=events, rows=len(made))


def _local_day(stored: str, days: dict[str, date]) -> date:
    """The local day of a stored instant. Stored in UTC, its day and hour decide the day in Asia/Shanghai (a
    whole number of hours ahead), so a day is worked out once per hour, not once per event."""
    if not stored.endswith("+00:00"):
        return local_day(datetime.fromisoformat(stored))
    hour = stored[:13]
    found = days.get(hour)
    if found is None:
        found = days[hour] = local_day(datetime.fromisoformat(f"{hour}:00:00+00:00"))
    return found
