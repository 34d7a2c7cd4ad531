"""The rates recomputed the slow way, straight from DOMAIN.md's words and the list of events: no rollups,
no tally, nothing shared with bot/rates.py but the names of the figures."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.cases.machine import Arbitration, CaseState, Inspection, Mediation, Outcome
from bot.cases.model import CaseEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")
GOOD = {"very_satisfied", "satisfied", "basically_satisfied"}
NO_CENTRE = "-"


@dataclass(frozen=True)
class CaseRow:
    kind: str
    created_at: datetime
    fields: Mapping[str, Any]

    @property
    def migrant(self) -> bool:
        return self.kind == "wages" and (self.fields.get("industry") == "construction"
                                         or self.fields.get("migrant_worker") is True)

    @property
    def collective(self) -> bool:
        workers = self.fields.get("workers_affected")
        return isinstance(workers, int) and workers >= 10


@dataclass(frozen=True)
class Ask:
    start: date
    end: date
    centre: str | None = None     # NO_CENTRE: events of no centre
    district: str | None = None
    street: str | None = None
    kind: str | None = None


def day(event: CaseEvent) -> date:
    return event.occurred_at.astimezone(SHANGHAI).date()


def matches(event: CaseEvent, ask: Ask) -> bool:
    centre_ok = ask.centre is None or (event.centre_id is None if ask.centre == NO_CENTRE
                                       else event.centre_id == ask.centre)
    return (centre_ok and ask.district in (None, event.district) and ask.street in (None, event.street)
            and ask.kind in (None, event.kind))


def within(event: CaseEvent, ask: Ask) -> bool:
    return ask.start <= day(event) <= ask.end and matches(event, ask)


def held(event: CaseEvent, clock: str) -> bool:
    record = event.payload.get("held_to")
    return isinstance(record, dict) and record.get("clock") == clock and record.get("held") is True


def state_before(events: Sequence[CaseEvent], moment: date, track: str, *, through: bool = False) -> str | None:
    state = None
    for event in events:
        if (day(event) <= moment if through else day(event) < moment) and event.track == track \
                and event.to_state is not None:
            state = event.to_state
    return state


def last_before(events: Sequence[CaseEvent], moment: date, *, through: bool = False) -> CaseEvent | None:
    earlier = [event for event in events if (day(event) <= moment if through else day(event) < moment)]
    return earlier[-1] if earlier else None


def open_at_start(histories: Mapping[int, Sequence[CaseEvent]], ask: Ask, track: str, states: set[str],
                  only=lambda case_id: True) -> int:
    count = 0
    for case_id, events in histories.items():
        last = last_before(events, ask.start)
        if last is not None and only(case_id) and state_before(events, ask.start, track) in states \
                and matches(last, ask):
            count += 1
    return count


def rates(histories: Mapping[int, Sequence[CaseEvent]], cases: Mapping[int, CaseRow], ask: Ask
          ) -> dict[str, tuple[int, int]]:
    every = [event for events in histories.values() for event in events]
    counted = [event for event in every if within(event, ask)]

    def of(type: str, case_filter=lambda event: True) -> list[CaseEvent]:
        return [event for event in counted if event.type == type and case_filter(event)]

    ended = of("mediation_ended")
    arbitration_closed = of("arbitration_closed")
    inspection_closed = of("inspection_closed", lambda event: event.from_state in ("filed", "extended"))
    migrant = {case_id for case_id, row in cases.items() if row.migrant}
    filed_states = {Inspection.FILED, Inspection.EXTENDED}
    rated = of("rated")
    first_routings = []
    for events in histories.values():
        assigned = [event for event in events if event.type == "assigned"]
        first = assigned[0] if assigned else next((event for event in events if event.type == "submitted"), None)
        if first is not None and within(first, ask):
            first_routings.append(first)
    return {
        "mediation_success": (sum(event.payload.get("outcome") == Outcome.AGREEMENT for event in ended), len(ended)),
        "arbitration_closure": (len(arbitration_closed), len(of("arbitration_accepted")) + open_at_start(
            histories, ask, "arbitration", {Arbitration.ACCEPTED, Arbitration.SUSPENDED})),
        "arbitration_within_limit": (sum(held(event, "arbitration_close") for event in arbitration_closed),
                                     len(arbitration_closed)),
        "inspection_closure": (len(inspection_closed), len(of("inspection_filed")) + open_at_start(
            histories, ask, "inspection", filed_states)),
        "migrant_wage_closure": (
            sum(event.case_id in migrant for event in inspection_closed),
            len(of("inspection_filed", lambda event: event.case_id in migrant))
            + open_at_start(histories, ask, "inspection", filed_states, only=lambda case_id: case_id in migrant)),
        "inspection_within_limit": (sum(held(event, "inspection_close") for event in inspection_closed),
                                    len(inspection_closed)),
        "satisfaction": (sum(event.payload.get("rating") in GOOD for event in rated), len(rated)),
        "half_hour_coverage": (sum(event.type == "assigned" and event.payload.get("within_half_hour") is True
                                   for event in first_routings), len(first_routings)),
    }


def open_at_end(histories: Mapping[int, Sequence[CaseEvent]], cases: Mapping[int, CaseRow], ask: Ask,
                *, collective: bool = False) -> int:
    """Cases open after their last event on or before the period's last day, where that event was."""
    count = 0
    for case_id, events in histories.items():
        last = last_before(events, ask.end, through=True)
        if last is None or not matches(last, ask) or (collective and not cases[case_id].collective):
            continue
        tracks = {track: state_before(events, ask.end, track, through=True)
                  for track in ("mediation", "payment", "arbitration", "inspection")}
        state = CaseState(worker_id=0, mediation=Mediation(tracks["mediation"]), payment=tracks["payment"],
                          arbitration=tracks["arbitration"], inspection=tracks["inspection"])
        count += state.is_open
    return count


def median_days(histories: Mapping[int, Sequence[CaseEvent]], cases: Mapping[int, CaseRow], ask: Ask
                ) -> float | None:
    days = [(day(event) - cases[event.case_id].created_at.astimezone(SHANGHAI).date()).days
            for events in histories.values() for event in events
            if event.type == "mediation_ended" and within(event, ask)]
    return float(statistics.median(days)) if days else None
