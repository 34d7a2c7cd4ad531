"""`python -m bot understand`: JSON with exactly the field names, on stdout alone."""

from __future__ import annotations

import argparse
import json

import pytest

from bot.understanding import cli
from tests.understanding.cases import FIELDS


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    cli.configure(parser)
    code = cli.run(parser.parse_args(argv))
    return code, capsys.readouterr().out


def test_prints_the_fields_found_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    text = "美团众包骑手 上个月15号被封号 欠我一万二 我们12个人 在吴家山街道"
    code, out = _run(["--today", "2026-11-24", text], capsys)
    assert code == 0
    assert json.loads(out) == {
        "kind": "platform", "platform": "美团众包", "amount_yuan": 12000, "own_amount_yuan": 12000,
        "period_end": "2026-10-15", "workers_affected": 12, "street": "吴家山街道",
    }
    assert "美团" in out  # ensure_ascii=False: readable Chinese, not \u escapes
    assert out.endswith("\n") and out.count("\n") == 1


def test_only_known_field_names_and_only_present_ones(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = _run(["--today", "2026-03-10", "去年12月到今年2月的工资没发 武汉某某建筑有限公司"], capsys)
    fields = json.loads(out)
    assert set(fields) <= set(FIELDS)
    assert fields == {"kind": "wages", "employer": "武汉某某建筑有限公司", "period_start": "2025-12-01",
                      "period_end": "2026-02-28"}


def test_nothing_found_prints_an_empty_object(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["你好"], capsys) == (0, "{}\n")


def test_a_bad_today_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    cli.configure(parser)
    with pytest.raises(SystemExit):
        parser.parse_args(["--today", "24/11/2026", "text"])
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_a_vanished_employer_is_a_wages_complaint(capsys: pytest.CaptureFixture[str]) -> None:
    """It printed {} before: workers tell what happened, not the legal matter."""
    assert json.loads(_run(["老板跑路了"], capsys)[1]) == {"kind": "wages"}
