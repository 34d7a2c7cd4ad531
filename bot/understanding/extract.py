"""`understand`: all the fields of one complaint message."""

from __future__ import annotations

from datetime import date

from bot.understanding.amounts import claimed_total, find_amounts, own_share
from bot.understanding.dates import Role, find_mentions
from bot.understanding.kinds import find_kind
from bot.understanding.model import Understanding
from bot.understanding.parties import find_employer, find_platform, find_street, find_workers
from bot.understanding.text import fold_case, normalise


def _period(folded: str, today: date) -> tuple[date | None, date | None]:
    """The earliest start and latest end stated; dates after today are promises, not the period."""
    starts, ends = [], []
    for mention in find_mentions(folded, today):
        # A bare day with no start or end word ("上个月15号老板说发") is left out: its part is unknown.
        undirected_day = mention.role is Role.SPAN and mention.is_day and mention.start == mention.end
        if mention.start > today or undirected_day:
            continue
        if mention.role in (Role.START, Role.SPAN):
            starts.append(mention.start)
        if mention.role in (Role.END, Role.SPAN):
            ends.append(min(mention.end, today))
    start, end = (min(starts) if starts else None), (max(ends) if ends else None)
    if start is not None and end is not None and start > end:
        return None, None  # contradictory dates: better none than a wrong pair
    return start, end


def understand(text: str, today: date) -> Understanding:
    """What one message says about the dispute; never raises on any text."""
    normalised = normalise(text)
    folded = fold_case(normalised)
    platform = find_platform(folded)
    workers = find_workers(folded)
    period_start, period_end = _period(folded, today)
    amounts = find_amounts(folded)
    return Understanding(
        kind=find_kind(folded, platform),
        platform=platform,
        employer=find_employer(normalised),
        amount_yuan=claimed_total(amounts, workers),
        own_amount_yuan=own_share(amounts, workers),
        period_start=period_start,
        period_end=period_end,
        workers_affected=workers,
        street=find_street(normalised),
    )
