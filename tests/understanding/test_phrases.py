"""Amount and date phrases on their own, from the table in tests/data/phrases.yaml."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bot.understanding import parse_amount, parse_date, parse_period
from tests.understanding.cases import DEFAULT_TODAY, load

PHRASES = load("phrases.yaml")


def _id(case: dict[str, Any]) -> str:
    return case["text"] or "(empty)"


@pytest.mark.parametrize("case", PHRASES["amounts"], ids=_id)
def test_amount(case: dict[str, Any]) -> None:
    expected = case["yuan"]
    found = parse_amount(case["text"])
    if expected is None:
        assert found is None
    else:
        assert Decimal(str(found)) == Decimal(str(expected))
        # Whole yuan come back as int so they serialise as JSON integers.
        assert isinstance(found, int) == (Decimal(str(expected)) % 1 == 0)


@pytest.mark.parametrize("case", PHRASES["periods"], ids=_id)
def test_period(case: dict[str, Any]) -> None:
    today = case.get("today", DEFAULT_TODAY)
    assert parse_period(case["text"], today) == (case.get("start"), case.get("end"))


@pytest.mark.parametrize("case", PHRASES["dates"], ids=_id)
def test_date(case: dict[str, Any]) -> None:
    assert parse_date(case["text"], DEFAULT_TODAY, case.get("side", "start")) == case["date"]
