"""/export through the real dispatcher: the workbook and the CSV as documents, masked for anyone but a
supervisor of the cases' district asking for full data, which the access log records."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from aiogram.methods import SendDocument

from bot.clock import FixedClock
from bot.people import Front, Role
from bot.register import EXPORT_FULL
from bot.settings import Settings
from storage.db import Database
from storage.people import PeopleRepository
from tests.export.world import NOW, fill
from tests.harness import ChatHarness, texts

CITY_SUPERVISOR, JIANGAN_SUPERVISOR, DXH_SUPERVISOR, WORKER = 900, 901, 902, 1001


@pytest.fixture
async def chat(app_settings: Settings, db: Database, tmp_path: Path) -> tuple[ChatHarness, dict[str, str]]:
    numbers = await fill(db, tmp_path / "uploads")
    await PeopleRepository(db).set_role(Front.TELEGRAM, DXH_SUPERVISOR, Role.SUPERVISOR, None, now=NOW,
                                        district="东西湖区", display_name="陈主任")
    harness = ChatHarness.build(app_settings, db, FixedClock(NOW))
    for user_id in (CITY_SUPERVISOR, JIANGAN_SUPERVISOR, DXH_SUPERVISOR, WORKER):
        harness.session.register_chat({"id": user_id, "type": "private", "first_name": str(user_id)})
    await harness.dispatcher["outbox"].flush()   # the notices of the cases filed above
    return harness, numbers


def documents(calls) -> dict[str, bytes]:
    return {call.document.filename: call.document.data for call in calls if isinstance(call, SendDocument)}


def workbook_rows(content: bytes) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return {sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


async def full_exports(db: Database) -> list[tuple[int, str]]:
    async with db.read() as conn, conn.execute(
        "SELECT staff_id, what FROM access_log WHERE what = ? ORDER BY id", (EXPORT_FULL,)
    ) as cursor:
        return [(row[0], row[1]) for row in await cursor.fetchall()]


async def test_a_district_supervisor_gets_masked_rows_then_full_data_on_the_button(chat, db: Database) -> None:
    harness, numbers = chat
    calls = await harness.send(DXH_SUPERVISOR, "/export 本月")
    [text] = texts(calls)
    assert "2 件" in text or "2 cases" in text, text
    files = documents(calls)
    assert sorted(files) == ["cases-2026-11-01_2026-11-30.csv", "cases-2026-11-01_2026-11-30.xlsx"]
    sheets = workbook_rows(files["cases-2026-11-01_2026-11-30.xlsx"])
    cases_sheet, rates_sheet, centre_sheet = sheets
    rows = sheets[cases_sheet]
    header = rows[0]
    names = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert [row[header[0]] for row in names] == [numbers["agreed"], numbers["routed"]]
    worker, phone = header[13], header[14]
    assert [(row[worker], row[phone]) for row in names] == [("张*", "+86138****0000"), ("李*", "+86139****2222")]
    routed = names[1]
    assert (routed["争议类型"], routed["调解状态"], routed["紧急"]) == ("拖欠工资", "待受理", "是")
    assert routed["路程（分钟）"] == 12.5
    assert "吴家山" in routed["调解中心"] and routed["区"] == "东西湖区"
    assert sheets[centre_sheet][1:] == rows[1:], "the one centre's sheet holds both rows"
    assert "吴家山" in centre_sheet
    assert any(row and row[0] == "调解成功率" for row in sheets[rates_sheet]), sheets[rates_sheet]
    table = csv_rows(files["cases-2026-11-01_2026-11-30.csv"])
    assert table[0] == [str(title) for title in header]
    assert [row[13] for row in table[1:]] == ["张*", "李*"]
    assert await full_exports(db) == []

    calls = await harness.press_button(DXH_SUPERVISOR, "🔓")
    files = documents(calls)
    rows = workbook_rows(files["cases-2026-11-01_2026-11-30-full.xlsx"])
    full_rows = next(iter(rows.values()))
    assert [(row[13], row[14]) for row in full_rows[1:]] == [("张三", "+8613800000000"), ("李四", "+8613911112222")]
    assert "访问日志" in texts(calls)[0] or "access log" in texts(calls)[0]
    staff_id = (await PeopleRepository(db).find(Front.TELEGRAM, DXH_SUPERVISOR)).id
    assert await full_exports(db) == [(staff_id, EXPORT_FULL), (staff_id, EXPORT_FULL)], "one row per case shown"


async def test_full_data_only_for_a_supervisor_of_the_district(chat, db: Database) -> None:
    harness, _ = chat
    calls = await harness.send(CITY_SUPERVISOR, "/export 本月 full")
    files = documents(calls)
    table = csv_rows(files["cases-2026-11-01_2026-11-30.csv"])
    assert [row[13] for row in table[1:]] == ["张*", "李*"]
    assert "所辖区" in texts(calls)[0] or "district" in texts(calls)[0], texts(calls)
    assert await full_exports(db) == []
    # A district's supervisor sees their district's cases only.
    calls = await harness.send(JIANGAN_SUPERVISOR, "/export 2025 full")
    table = csv_rows(documents(calls)["cases-2025-01-01_2025-12-31-full.csv"])
    assert [row[13] for row in table[1:]] == ["王五"]


async def test_not_for_workers_and_periods_in_words(chat) -> None:
    harness, _ = chat
    [refusal] = texts(await harness.send(WORKER, "/export"))
    assert "督导" in refusal or "supervisors" in refusal
    [problem] = texts(await harness.send(DXH_SUPERVISOR, "/export 2027年"))
    assert "2027" in problem


async def test_the_supervisors_help_lists_export(chat) -> None:
    harness, _ = chat
    [shown] = texts(await harness.send(DXH_SUPERVISOR, "/help"))
    assert "/export [期间] [full]" in shown
