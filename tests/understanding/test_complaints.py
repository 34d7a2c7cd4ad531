"""Whole complaint messages -> fields, from the table in tests/data/complaints.yaml."""

from __future__ import annotations

from typing import Any

import pytest

from bot.understanding import understand
from tests.understanding.cases import DEFAULT_TODAY, FIELDS, as_json, load

CASES = load("complaints.yaml")["cases"]


def _found(case: dict[str, Any]) -> dict[str, Any]:
    return understand(case["text"], case.get("today", DEFAULT_TODAY)).to_json_dict()


def _expected(case: dict[str, Any]) -> dict[str, Any]:
    return {field: as_json(value) for field, value in case["expected"].items()}


def test_the_table_is_large_and_uses_only_known_fields() -> None:
    assert len(CASES) >= 60
    for case in CASES:
        assert set(case["expected"]) <= set(FIELDS), case["text"]


@pytest.mark.parametrize("case", CASES, ids=[f"{index:02d}-{case['text'][:16]}" for index, case in enumerate(CASES)])
def test_complaint_fields(case: dict[str, Any]) -> None:
    found, expected = _found(case), _expected(case)
    # Every field is checked: one expected absent must be absent (no guesses).
    assert {field: found.get(field) for field in FIELDS} == {field: expected.get(field) for field in FIELDS}


def test_share_of_fields_right(capsys: pytest.CaptureFixture[str]) -> None:
    """Informational: the share of (case, field) pairs right; the per-case tests above must all pass."""
    right = total = 0
    for case in CASES:
        found, expected = _found(case), _expected(case)
        for field in FIELDS:
            total += 1
            right += found.get(field) == expected.get(field)
    with capsys.disabled():
        print(f"\nunderstanding: {right}/{total} fields right ({right / total:.1%}) over {len(CASES)} complaints")
    assert total == len(CASES) * len(FIELDS)
