"""The worker's own words first: what the understanding module read from them pre-fills the draft,
so only what is missing is asked. Pre-filled values pass the same bounds as typed answers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.cases import DisputeKind
from bot.intake.draft import AnswerValue, Draft
from bot.intake.questions import QUESTIONS, sequence
from bot.intake.validation import AMOUNT_CEILING, CONFIRM_COUNT_ABOVE
from bot.understanding import Understanding

CROWDSOURCED = "众包"  # the understanding module names crowdsourced work so ("美团众包")
# The platform buttons and the names workers (or the understanding module) use for them.
PLATFORM_NAMES: dict[str, tuple[str, ...]] = {
    "meituan": ("美团", "meituan"),
    "eleme": ("饿了么", "eleme", "ele.me", "饿了吗"),
    "didi": ("滴滴", "didi"),
    "lalamove": ("货拉拉", "lalamove"),
    "sf": ("顺丰", "sf", "sf express"),
    "jd": ("京东", "jd", "jd.com"),
}


def platform_choice(name: str) -> str:
    """The button code for a platform name, or the name itself for one without a button."""
    folded = name.strip().casefold()
    for code, names in PLATFORM_NAMES.items():
        if folded == code or any(known in folded for known in names):
            return code
    return name.strip()[: QUESTIONS["platform"].max_length]


def _read(understood: Understanding, today: date) -> dict[str, AnswerValue]:
    found: dict[str, AnswerValue] = {}
    if understood.kind:
        found["kind"] = DisputeKind(understood.kind).value
    if understood.platform:
        found["platform"] = platform_choice(understood.platform)
        if CROWDSOURCED in understood.platform:
            found["relation"] = "crowd"
    if understood.employer and understood.employer.strip():
        found["employer"] = understood.employer.strip()[: QUESTIONS["employer"].max_length]
    found.update(_amounts(understood))
    start, end = understood.period_start, understood.period_end
    if start is not None and end is not None and start <= end and start <= today:
        found["period"] = {"start": start.isoformat(), "end": min(end, today).isoformat()}
    # A count large enough to need the worker's confirmation is asked instead (the question confirms it).
    if understood.workers_affected is not None and 1 <= understood.workers_affected <= CONFIRM_COUNT_ABOVE:
        found["workers_affected"] = understood.workers_affected
    return found


def _yuan(value: Decimal | None) -> str | None:
    """An amount as an answer stores it, within the bounds a typed amount must keep."""
    if value is None or not 0 < (amount := Decimal(str(value))) <= AMOUNT_CEILING:
        return None
    return format(amount.quantize(Decimal("0.01")).normalize(), "f")


def _amounts(understood: Understanding) -> dict[str, AnswerValue]:
    """"amount" is what this worker is owed; a group's total ("我们15个人一共欠18万") is kept apart as
    "group_amount", never taken for the worker's own."""
    several = understood.workers_affected is not None and understood.workers_affected >= 2
    own = _yuan(understood.own_amount_yuan if several else understood.amount_yuan)
    group = _yuan(understood.amount_yuan) if several else None
    found: dict[str, AnswerValue] = {}
    if own is not None:
        found["amount"] = own
    if group is not None and group != own:
        found["group_amount"] = group
    return found


def prefill(draft: Draft, understood: Understanding, today: date) -> list[str]:
    """Fill what the worker has not answered yet; returns the question codes filled."""
    filled = []
    found = _read(understood, today)
    kind_answer = draft.answers.get("kind", found.get("kind"))
    # Only what this kind of dispute asks: an amount read from a dismissal story is not "wages owed".
    asked = set(sequence(DisputeKind(kind_answer))) if isinstance(kind_answer, str) else set(found)
    for code, value in found.items():
        if code in draft.answers or code in draft.skipped or code not in asked:
            continue
        draft.answers[code] = value
        draft.prefilled.append(code)
        filled.append(code)
    if understood.street and not draft.street:
        draft.street = understood.street
    return filled
