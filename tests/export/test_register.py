"""The register file: everything the store holds for a case goes out and comes back the same; a bad file
changes nothing and says where it is bad; numbers stay and the sequence moves past them."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from bot.cases import Actor, DisputeKind, EventType, Mediation
from bot.cases.machine import NewEvent, Track
from bot.people import Front, Role
from bot.ports import NewCase
from bot.rates import Period
from bot.register import Loaded, Problem, RegisterFile, Selection, read_register
from bot.settings import PROJECT_ROOT
from storage.cases import CaseRepository
from storage.db import Database
from storage.people import PeopleRepository
from storage.register import NOT_EXPORTED, TABLES, RegisterRepository
from tests.export.world import KEPT_FILE, NOW, WEB_FILE, fill

EVERY_TABLE = [spec.name for spec in TABLES]


async def counts(db: Database) -> dict[str, int]:
    found = {}
    async with db.read() as conn:
        for table in [*EVERY_TABLE, "webchat_files", "case_number_sequences"]:
            async with conn.execute(f"SELECT count(*) FROM {table}") as cursor:
                found[table] = (await cursor.fetchone())[0]
    return found


async def rollups(db: Database) -> list[tuple]:
    """What the rates read (rows the writes brought back to zero count for nothing)."""
    async with db.read() as conn, conn.execute(
        "SELECT * FROM rate_rollups WHERE total <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7"
    ) as cursor:
        return [tuple(row) for row in await cursor.fetchall()]


async def exported(db: Database) -> RegisterFile:
    return await RegisterRepository(db).export(Selection(), exported_at=NOW)


async def test_every_table_keyed_by_a_case_or_a_person_is_in_the_file_or_left_out_on_purpose(db: Database) -> None:
    async with db.read() as conn:
        async with conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                                ) as cursor:
            tables = {row[0] for row in await cursor.fetchall()}
        columns = {}
        for table in tables:
            async with conn.execute(f"PRAGMA table_info({table})") as cursor:
                columns[table] = {row[1] for row in await cursor.fetchall()}
    described = {spec.name for spec in TABLES}
    assert tables - described - set(NOT_EXPORTED) == set(), "describe the new tables in storage/register.py"
    assert described & set(NOT_EXPORTED) == set()
    for spec in TABLES:
        expected = {*spec.names, *spec.omitted, *([spec.link] if spec.link else []),
                    *([spec.row_id] if spec.row_id else [])}
        assert columns[spec.name] == expected, f"{spec.name}: describe its new columns in storage/register.py"


async def test_the_file_holds_everything_of_each_case(db: Database, tmp_path: Path) -> None:
    numbers = await fill(db, tmp_path / "uploads")
    register = await exported(db)
    assert [case.number for case in register.cases] == [numbers["last_year"], numbers["agreed"], numbers["routed"]]
    routed = next(case for case in register.cases if case.number == numbers["routed"])
    assert routed.summary.travel_minutes == 12.5 and routed.summary.centre_id == "dxh-wujiashan"
    assert (routed.summary.district, routed.summary.street) == ("东西湖区", "吴家山街道")
    assert (routed.summary.worker_name, routed.summary.worker_phone) == ("李四", "+8613911112222")
    assert routed.summary.mediation == Mediation.ASSIGNED and routed.summary.urgent
    assert routed.case["worker_id"] == "web:7001" and routed.case["observers"] == ["arbitration-dxh"]
    assert [event["type"] for event in routed.tables["case_events"]] == ["submitted", "assigned", "accepted", "passed"]
    passed = routed.tables["case_events"][-1]
    assert routed.tables["case_notes"][passed["note_id"] - 1]["text"] == "下周出差，交回中心"
    assert [item["name"] for item in routed.tables["case_evidence"]] == ["考勤.png", "合同.pdf"]
    assert routed.tables["alerts"][0]["reason"] == "collective"
    assert routed.tables["case_deadlines"][0]["clock"] == "acknowledge"
    assert routed.tables["access_log"] == [{"staff_id": "telegram:2001", "what": "worker_identity",
                                            "at": NOW.isoformat()}]
    assert [file.file_id for file in routed.files] == ["web-file-1"] and routed.files[0].content_base64 is None
    agreed = next(case for case in register.cases if case.number == numbers["agreed"])
    assert [term["description"] for term in agreed.tables["agreement_terms"]] == ["支付2026年8月至10月拖欠工资",
                                                                                  "出具解除劳动合同证明"]
    assert agreed.tables["agreements"][0]["created_by"] == "telegram:2001"
    assert agreed.tables["case_ratings"][0]["rating"] == "satisfied"
    assert "调解员很耐心" in [note["text"] for note in agreed.tables["case_notes"]]
    people = {person.key: person for person in register.people}
    assert people["web:7001"].tables["consents"][0]["notice_version"] == "2026-10"
    assert people["telegram:2001"].tables["staff_changes"][0]["changed_by"] == "telegram:900"
    assert read_register(register.dump()) == register, "the file reads back as the model it was written from"
    shown = await RegisterRepository(db).summaries(Selection())
    assert [item.summary for item in shown] == [case.summary for case in register.cases], "/export's rows"


async def test_export_then_import_into_an_empty_store_then_export_is_the_same(db: Database, tmp_path: Path) -> None:
    await fill(db, tmp_path / "uploads")
    first = await RegisterRepository(db, tmp_path / "uploads", tmp_path / "evidence").export(
        Selection(), exported_at=NOW, with_files=True)
    routed = first.cases[-1]
    assert routed.files[0].content_base64 is not None and routed.kept_files[0].name == "kept-1"
    target = await Database.open(tmp_path / "target" / "mediation.sqlite3")
    stores = tmp_path / "target" / "uploads", tmp_path / "target" / "evidence"
    try:
        loaded = await RegisterRepository(target, *stores).load(read_register(first.dump()))
        assert isinstance(loaded, Loaded) and loaded.cases == 3
        again = await RegisterRepository(target, *stores).export(Selection(), exported_at=NOW, with_files=True)
        assert again.dump() == first.dump()
        assert (stores[0] / "web-file-1").read_bytes() == WEB_FILE and (stores[1] / "kept-1").read_bytes() == KEPT_FILE
        source_counts, target_counts = await counts(db), await counts(target)
        assert target_counts == source_counts
        assert await rollups(target) == await rollups(db), "the rollups rebuilt to what the writes made"
    finally:
        await target.close()


async def test_after_an_import_a_new_case_gets_a_fresh_number(db: Database, tmp_path: Path) -> None:
    numbers = await fill(db, tmp_path / "uploads")
    target = await Database.open(tmp_path / "target.sqlite3")
    try:
        loaded = await RegisterRepository(target).load(await exported(db))
        assert isinstance(loaded, Loaded) and loaded.numbers_from == {2025: 1, 2026: 2}
        worker = await PeopleRepository(target).identify(Front.TELEGRAM, 5555, display_name="新", language_code="zh",
                                                         now=NOW)
        new = await CaseRepository(target).create(
            NewCase(worker_id=worker.id, kind=DisputeKind.WAGES, fields={}, urgent=False, year=2026, draft_id="n",
                    workplace_street=None, workplace_district=None, observers=[]),
            NewEvent(type=EventType.SUBMITTED, track=Track.MEDIATION, from_state=None, to_state=Mediation.SUBMITTED,
                     actor=Actor(person_id=worker.id, role=Role.WORKER), occurred_at=NOW), recorded_at=NOW)
        assert new.number == "LD-2026-000003" and new.number not in numbers.values()
    finally:
        await target.close()


async def test_a_bad_import_changes_nothing_and_says_where_and_why(db: Database, tmp_path: Path) -> None:
    await fill(db, tmp_path / "uploads")
    raw = json.loads((await exported(db)).dump())
    raw["cases"][1]["tables"]["case_events"][2]["actor_id"] = "telegram:404"
    raw["cases"][2]["tables"]["case_events"][0]["seq"] = "one"
    problems = read_register(json.dumps(raw))
    target = await Database.open(tmp_path / "target.sqlite3")
    try:
        before = await counts(target)
        result = await RegisterRepository(target).load(problems)
        assert result == [
            Problem("cases[1].tables.case_events[2].actor_id",
                    "names person 'telegram:404', who is neither in the file nor the store"),
            Problem("cases[2].tables.case_events[0].seq", "Input should be a valid integer"),
        ]
        # What only the store can refuse (a kind its CHECK does not know) is found while writing: all rolled back.
        raw = json.loads((await exported(db)).dump())
        raw["cases"][2]["case"]["kind"] = "pension"
        result = await RegisterRepository(target).load(read_register(json.dumps(raw)))
        assert isinstance(result, list) and result[0].position == "cases[2].case"
        assert "CHECK constraint failed" in result[0].reason
        assert await counts(target) == before
    finally:
        await target.close()


async def test_a_case_already_in_the_store_is_refused_whole(db: Database, tmp_path: Path) -> None:
    numbers = await fill(db, tmp_path / "uploads")
    before = await counts(db)
    result = await RegisterRepository(db).load(await exported(db))
    assert isinstance(result, list)
    assert Problem("cases[1]", f"case {numbers['agreed']} is already in this store") in result
    assert await counts(db) == before


def test_a_file_of_another_format_or_not_json() -> None:
    assert read_register('{"format_version": 2, "cases": []}') == [
        Problem("format_version", "this program reads format 1, not 2")]
    assert read_register("{")[0].reason.startswith("not JSON")
    assert read_register('{"format_version": 1, "exported_at": "2026-11-24T02:30:00Z", "people": [],'
                         ' "cases": [{"number": "LD-26-1"}]}')[0].position == "cases[0].number"


async def test_a_period_and_a_district_select_cases_filed_then_and_there(db: Database, tmp_path: Path) -> None:
    numbers = await fill(db, tmp_path / "uploads")
    repository = RegisterRepository(db)
    november = Period(start=datetime(2026, 11, 1).date(), end=datetime(2026, 11, 30).date())
    register = await repository.export(Selection(period=november, district="东西湖区"), exported_at=NOW)
    assert [case.number for case in register.cases] == [numbers["agreed"], numbers["routed"]]
    assert "telegram:1002" not in {person.key for person in register.people}, "only the people its cases name"
    jiangan = await repository.export(Selection(district="江岸区"), exported_at=NOW)
    assert [case.number for case in jiangan.cases] == [numbers["last_year"]]




def test_the_format_document_names_every_table_field_event_type_and_status() -> None:
    from bot.cases.machine import Arbitration, ArbitrationOutcome, Inspection, Outcome, Payment
    from bot.outcomes import OutcomeEvent
    from bot.register import SUMMARY_COLUMNS

    doc = (PROJECT_ROOT / "docs" / "export-format.md").read_text(encoding="utf-8")
    for spec in TABLES:
        assert f"#### `{spec.name}`" in doc
        section = doc.split(f"#### `{spec.name}`", 1)[1].split("####", 1)[0]
        for column in spec.names:
            assert f"| `{column}` |" in section, f"{spec.name}.{column}"
    for name in NOT_EXPORTED:
        assert f"| `{name}` |" in doc
    for value in [*EventType, *OutcomeEvent]:
        assert f"| `{value}` |" in doc, value
    for value in [*Mediation, *Outcome, *Payment, *Arbitration, *ArbitrationOutcome, *Inspection, *DisputeKind]:
        assert f"`{value}`" in doc, value
    for column in SUMMARY_COLUMNS:
        assert f"`{column}`" in doc, column


async def test_people_already_in_the_target_are_kept_as_it_has_them(db: Database, tmp_path: Path) -> None:
    await fill(db, tmp_path / "uploads")
    target = await Database.open(tmp_path / "target.sqlite3")
    try:
        people = PeopleRepository(target)
        known = await people.identify(Front.WEB, 7001, display_name="李四（新服务器）", language_code="zh", now=NOW)
        await people.record_consent(known, "privacy", "2026-11", at=NOW)
        loaded = await RegisterRepository(target).load(await exported(db))
        assert isinstance(loaded, Loaded) and loaded.people == 6
        assert (await people.find(Front.WEB, 7001)).display_name == "李四（新服务器）"
        assert await people.consents(known) == [("privacy", "2026-11")], "their consents in the file not added again"
        routed = (await exported(target)).cases[-1]
        assert routed.case["worker_id"] == "web:7001", "the cases are theirs"
    finally:
        await target.close()


async def test_a_file_from_before_a_field_was_added_takes_the_stores_default(db: Database, tmp_path: Path) -> None:
    await fill(db, tmp_path / "uploads")
    raw = json.loads((await exported(db)).dump())
    for case in raw["cases"]:
        for item in case["tables"].get("case_evidence", []):
            del item["stored_as"]
        del case["case"]["mediation_extended"]   # NOT NULL DEFAULT 0
    target = await Database.open(tmp_path / "target.sqlite3")
    try:
        assert isinstance(await RegisterRepository(target).load(read_register(json.dumps(raw))), Loaded)
        again = await exported(target)
        assert {case.case["mediation_extended"] for case in again.cases} == {False}
        assert all(item["stored_as"] is None for case in again.cases for item in case.tables.get("case_evidence", []))
    finally:
        await target.close()
