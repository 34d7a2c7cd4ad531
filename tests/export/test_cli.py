"""`python -m bot export` and `python -m bot import` as an operator runs them: the JSON on stdout, the CSV and
the workbook read back with real readers matching it, the move to an empty store and back, errors on stderr."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from bot.cli import _progress, main
from bot.register import SUMMARY_COLUMNS, cell_text
from storage.db import Database
from tests.export.world import fill

Cli = Callable[..., tuple[int, bytes, str]]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]) -> Cli:
    """`python -m bot ARGS` on the store at `db_path`, in this process (the commands are what `main` runs)."""
    for name in ("BOT_TOKEN", "WEBHOOK_URL", "SUPERVISOR_IDS", "DEMO"):
        monkeypatch.delenv(name, raising=False)

    def run(db_path: Path, *args: str) -> tuple[int, bytes, str]:
        monkeypatch.setenv("DATABASE_PATH", str(db_path))
        capsysbinary.readouterr()
        code = main(list(args))
        out, err = capsysbinary.readouterr()
        return code, out, err.decode()

    return run


@pytest.fixture
def filled(db_path: Path) -> dict[str, str]:
    async def build() -> dict[str, str]:
        db = await Database.open(db_path)
        try:
            return await fill(db, db_path.parent / "uploads")
        finally:
            await db.close()

    return asyncio.run(build())


def test_csv_and_workbook_hold_the_rows_of_the_json(cli: Cli, filled, db_path: Path, tmp_path: Path) -> None:
    code, out, err = cli(db_path, "export", "--period", "本月", "--today", "2026-11-24")
    assert code == 0, err
    register = json.loads(out)
    summaries = [case["summary"] for case in register["cases"]]
    assert [summary["number"] for summary in summaries] == [filled["agreed"], filled["routed"]]

    code, _, err = cli(db_path, "export", "--format", "csv", "--period", "本月", "--today", "2026-11-24",
                             "--output", str(tmp_path / "cases.csv"))
    assert code == 0, err
    rows = list(csv.reader(io.StringIO((tmp_path / "cases.csv").read_text(encoding="utf-8-sig"))))
    assert rows[0] == list(SUMMARY_COLUMNS)
    assert rows[1:] == [[cell_text(summary[column]) for column in SUMMARY_COLUMNS] for summary in summaries]

    code, _, err = cli(db_path, "export", "--format", "xlsx", "--period", "本月", "--today", "2026-11-24",
                             "--output", str(tmp_path / "cases.xlsx"))
    assert code == 0, err
    book = openpyxl.load_workbook(tmp_path / "cases.xlsx", read_only=True)
    assert [sheet.title for sheet in book.worksheets][:2] == ["Cases", "Rates"]
    cells = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    assert cells[0] == list(SUMMARY_COLUMNS)
    assert cells[1:] == [[summary[column] for column in SUMMARY_COLUMNS] for summary in summaries]
    rates = [list(row) for row in book.worksheets[1].iter_rows(values_only=True)]
    assert rates[1][:3] == ["Mediation success", 1, 1], rates


def test_move_to_an_empty_store_and_back(cli: Cli, filled, db_path: Path, tmp_path: Path) -> None:
    code, _, err = cli(db_path, "export", "--with-files", "--output", str(tmp_path / "register.json"))
    assert code == 0, err
    target = tmp_path / "new-server" / "mediation.sqlite3"
    code, out, err = cli(target, "import", str(tmp_path / "register.json"))
    assert code == 0, err
    assert json.loads(out) == {"cases": 3, "people_added": 7,
                               "case_number_sequences": {"2025": 1, "2026": 2}}
    assert (target.parent / "uploads" / "web-file-1").is_file(), "the embedded file is back in the file store"
    assert (target.parent / "evidence" / "kept-1").is_file(), "and the evidence store's"
    code, again, err = cli(target, "export", "--with-files")
    assert code == 0, err
    first, second = json.loads((tmp_path / "register.json").read_text()), json.loads(again)
    first.pop("exported_at"), second.pop("exported_at")
    assert second == first


def test_a_bad_file_is_refused_whole_with_where_and_why(cli: Cli, filled, db_path: Path, tmp_path: Path) -> None:
    code, out, _ = cli(db_path, "export")
    register = json.loads(out)
    register["cases"][2]["tables"]["case_events"][1]["type"] = None
    (tmp_path / "bad.json").write_text(json.dumps(register, ensure_ascii=False))
    target = tmp_path / "new-server" / "mediation.sqlite3"
    code, out, err = cli(target, "import", str(tmp_path / "bad.json"))
    assert code == 1 and out == b""
    assert "nothing was imported; 1 problem(s):" in err
    assert "cases[2].tables.case_events[1]: the store refused it: NOT NULL constraint failed: case_events.type" in err
    code, out, _ = cli(target, "export")
    assert json.loads(out)["cases"] == [] and json.loads(out)["people"] == []


def test_progress_on_stderr_for_long_runs(capsys: pytest.CaptureFixture[str]) -> None:
    quiet, loud = _progress("exported"), _progress("imported")
    quiet(400, 400)
    for done in (400, 800, 1200, 1500):
        loud(done, 1500)
    assert capsys.readouterr().err.splitlines() == ["imported 800/1500 cases", "imported 1500/1500 cases"]
