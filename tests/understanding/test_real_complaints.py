"""Complaints as workers publish them (tests/data/real_complaints.yaml): the kind nine times in ten,
and the amount wherever one is stated. A share, not every row: real complaints are open-ended, and the
worker confirms the kind in the intake anyway."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bot.understanding import understand
from tests.understanding.cases import DEFAULT_TODAY, load

TABLE = load("real_complaints.yaml")
KIND_SHARE = 0.9
AMOUNT_SHARE = 0.9


def _share(right: int, total: int) -> float:
    return right / total if total else 1.0


@pytest.mark.parametrize("part", ["development", "held_out"])
def test_kind_and_amount_of_real_complaints(part: str, capsys: pytest.CaptureFixture[str]) -> None:
    cases: list[dict[str, Any]] = TABLE[part]
    found = [understand(case["text"], DEFAULT_TODAY) for case in cases]
    kinds_right = sum(fields.kind == case["kind"] for fields, case in zip(found, cases, strict=True))
    with_amount = [(fields, case) for fields, case in zip(found, cases, strict=True) if "amount" in case]
    amounts_right = sum(fields.amount_yuan is not None and fields.amount_yuan == Decimal(case["amount"])
                        for fields, case in with_amount)
    with capsys.disabled():
        print(f"\nreal complaints ({part}): kind {kinds_right}/{len(cases)}, "
              f"amount {amounts_right}/{len(with_amount)}")
    assert _share(kinds_right, len(cases)) >= KIND_SHARE
    assert _share(amounts_right, len(with_amount)) >= AMOUNT_SHARE


def test_every_row_names_its_source_and_a_known_kind() -> None:
    for case in TABLE["development"] + TABLE["held_out"]:
        assert case["source"].startswith(("http://", "https://")), case["text"]
        assert case["kind"] in ("wages", "contract", "platform"), case["text"]
        assert case["press"] in ("quote", "summary", "posted"), case["text"]


@pytest.mark.parametrize(("text", "kind"), [
    ("老板跑路了", "wages"),                       # the employer vanished
    ("包工头说没钱 不给", "wages"),                 # the foreman will not pay
    ("每单罚款50 一个月罚了一千多", "platform"),     # fines per delivery
    ("被扣分了 现在接不到单", "platform"),           # points deducted
    ("干活受伤了 公司要私了", "contract"),           # an injury the company wants settled privately
    ("我在厂里手指被机器压断了", "contract"),
    ("第二天就通知我不用来上班了", "contract"),
])
def test_the_kind_is_read_from_what_happened(text: str, kind: str) -> None:
    assert understand(text, DEFAULT_TODAY).kind == kind


def test_an_amount_is_read_where_one_is_stated() -> None:
    assert understand("这个月被扣了八百多", DEFAULT_TODAY).amount_yuan == 800


def test_two_numbers_side_by_side_are_not_added_up() -> None:
    """"罚款五百一千" is "a fine of five hundred, a thousand", not 1,500 yuan."""
    assert understand("动不动就罚款五百一千", DEFAULT_TODAY).amount_yuan is None
