"""The register file (bot/register.py) read from and written to the store: every table keyed by a case or
a person is described once in `TABLES`; export and import both follow that list.

Surrogate ids never leave the store. A person is named by their front's identity (`telegram:12345`), a case
by its number, and a row another row of the same case refers to (an event's note) by its position in its
table's list for that case; an import gives every row a new id and maps the references back. A test checks
that every table and column of the schema is either described here or named in `NOT_EXPORTED` with why.
Implements `bot.register.RegisterStore`.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, fields
from datetime import datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import aiosqlite
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from bot.rates import RATES_ZONE, Period
from bot.register import (
    SUMMARY_EVENTS,
    CaseRecord,
    FileRecord,
    KeptFile,
    Loaded,
    PersonRecord,
    Problem,
    Progress,
    RegisterFile,
    Selection,
    SummaryOf,
    person_key,
    position_of,
    summarise,
)
from storage.cases import SQLiteTransaction, SQLiteUnitOfWork
from storage.db import Database
from storage.rates import SQLiteRateStore
from storage.timestamps import utc_text

_CHUNK = 400   # cases read per query: well under SQLite's limit on bound values


class Kind(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    FLAG = "flag"        # 0/1 in the store, false/true in the file
    JSON = "json"        # JSON text in the store, the value itself in the file
    PERSON = "person"    # people.id in the store, the person's key in the file
    LOCAL = "local"      # the id of another row of the same case: its position (1, 2, ...) in the file


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT
    refers_to: str | None = None   # LOCAL: the table whose row it names


def text(*names: str) -> tuple[Column, ...]:
    return tuple(Column(name) for name in names)


@dataclass(frozen=True)
class TableSpec:
    """A table as the file holds it: under each case (link "case_id") or each person (link "person_id"),
    ordered by `order`; `row_id` is the surrogate key when it has one (never exported); `omitted` are columns
    left out on purpose (they name rows that are not exported)."""

    name: str
    link: str
    columns: tuple[Column, ...]
    order: str = "id"
    row_id: str | None = "id"
    omitted: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]


PEOPLE = TableSpec("people", "", (
    Column("front"), Column("user_id", Kind.INTEGER), Column("role"), Column("centre_id"), Column("district"),
    Column("locale"), Column("language_code"), Column("display_name"), Column("created_at"), Column("updated_at"),
))
CASES = TableSpec("cases", "", (
    Column("number"), Column("worker_id", Kind.PERSON), Column("kind"), Column("mediation"), Column("outcome"),
    Column("centre_id"), Column("mediator_id", Kind.PERSON), Column("payment"), Column("arbitration"),
    Column("arbitration_outcome"), Column("arbitration_extended", Kind.FLAG), Column("inspection"),
    Column("accepted_at"), Column("mediation_extended", Kind.FLAG), Column("urgent", Kind.FLAG),
    Column("fields", Kind.JSON), Column("workplace_street"), Column("workplace_district"),
    Column("observers", Kind.JSON), Column("draft_id"), Column("version", Kind.INTEGER),
    Column("last_seq", Kind.INTEGER), Column("created_at"), Column("updated_at"),
))
PERSON_TABLES = (
    TableSpec("consents", "person_id", (Column("purpose"), Column("notice_version"), Column("given_at"))),
    TableSpec("staff_changes", "person_id", (
        Column("role"), Column("centre_id"), Column("district"), Column("changed_by", Kind.PERSON),
        Column("changed_at")), omitted=("invite_id",)),
)
# In dependency order: a table another refers to (LOCAL) comes before it.
CASE_TABLES = (
    TableSpec("case_notes", "case_id", text("text", "created_at")),
    TableSpec("case_events", "case_id", (
        Column("seq", Kind.INTEGER), Column("type"), Column("track"), Column("from_state"), Column("to_state"),
        Column("occurred_at"), Column("recorded_at"), Column("actor_id", Kind.PERSON), Column("actor_role"),
        Column("centre_id"), Column("street"), Column("district"), Column("kind"),
        Column("payload_version", Kind.INTEGER), Column("payload", Kind.JSON),
        Column("note_id", Kind.LOCAL, refers_to="case_notes")), order="seq"),
    TableSpec("case_evidence", "case_id", (
        Column("type"), Column("file_id"), Column("file_unique_id"), Column("name"), Column("size", Kind.INTEGER),
        Column("added_by", Kind.PERSON), Column("added_at"), Column("stored_as"), Column("stored_size", Kind.INTEGER),
        Column("stored_at"), Column("unavailable"))),
    TableSpec("alerts", "case_id", text("reason", "raised_at")),
    TableSpec("case_deadlines", "case_id", (
        Column("clock"), Column("status"), Column("started_on"), Column("extension_days", Kind.INTEGER),
        Column("suspended_days", Kind.INTEGER), Column("suspended_on"), Column("due_on"),
        Column("provisional", Kind.FLAG), Column("stopped_on"), Column("held", Kind.FLAG), Column("updated_at")),
        order="clock", row_id=None),
    TableSpec("agreements", "case_id", (
        Column("matters", Kind.JSON), Column("employer", Kind.JSON), Column("made_on"), Column("effective_on"),
        Column("confirm_by"), Column("created_by", Kind.PERSON), Column("updated_at")), order="case_id", row_id=None),
    TableSpec("agreement_terms", "case_id", (
        Column("position", Kind.INTEGER), Column("description"), Column("kind"), Column("amount"), Column("due_on"),
        Column("payment"), Column("answered_at")), order="position"),
    TableSpec("case_ratings", "case_id", text("asked_at", "rating", "rated_at"), order="case_id", row_id=None),
    TableSpec("access_log", "case_id", (Column("staff_id", Kind.PERSON), Column("what"), Column("at"))),
    TableSpec("arbitration_drafts", "case_id", text(
        "born_on", "address", "legal_representative", "employer_address", "drafted_on", "signed_at", "sent_at",
        "updated_at"), order="case_id", row_id=None),
    TableSpec("identity_numbers", "case_id", (Column("person_id", Kind.PERSON), Column("id_number"),
                                              Column("recorded_at")), order="case_id", row_id=None),
    TableSpec("case_messages", "case_id", (
        Column("sender_id", Kind.PERSON), Column("recipient_id", Kind.PERSON), Column("direction"), Column("kind"),
        Column("body"), Column("file_ref"), Column("file_name"), Column("file_front"), Column("stored_as"),
        Column("sent_at"))),
    TableSpec("case_employers", "case_id", (
        Column("name"), Column("address"), Column("contact"), Column("phone"), Column("updated_by", Kind.PERSON),
        Column("updated_at")), order="case_id", row_id=None),
    TableSpec("case_sessions", "case_id", (
        Column("mediator_id", Kind.PERSON), Column("starts_at"), Column("place"), Column("centre_id"),
        Column("link"), Column("status"), Column("revision", Kind.INTEGER), Column("proposed_at"),
        Column("created_at"), Column("updated_at"))),
)
TABLES = (PEOPLE, CASES, *PERSON_TABLES, *CASE_TABLES)

# Tables the file leaves out, and why (docs/export-format.md says the same).
NOT_EXPORTED = {
    "schema_migrations": "the store's own schema; the target has its migrations",
    "case_number_sequences": "recomputed by the import from the numbers it loads",
    "chat_state": "chats in progress (drafts not yet filed): a person starts again",
    "webchat_chats": "the web chat's copy of a conversation, not the case",
    "webchat_messages": "the web chat's copy of a conversation, not the case",
    "webchat_files": "exported as each case's files: only those a case holds as evidence",
    "processed_updates": "which front updates were handled: meaningless on another server",
    "bootstrap_steps": "one-time set-up of the source server",
    "outbox": "notices being delivered: a move must not send them again",
    "jobs": "scheduled work naming the source's row ids",
    "runner_health": "the source's background runners",
    "staff_invites": "one-time codes (their hashes): never moved",
    "staff_join_attempts": "a rate limit's memory",
    "deadline_calendar": "the source's calendar fingerprint: the target counts with its own",
    "rate_rollups": "rebuilt from the events after an import",
    "rate_rollup_state": "rebuilt from the events after an import",
    "recovery_codes": "one-time codes (their hashes): never moved",
    "recovery_attempts": "a rate limit's memory",
    "web_identity_revocations": "the source web chat's cookies, which the target's key does not sign",
    "staff_sessions": "web staff sessions of the source server",
    "webchat_reads": "the web chat's copy of a conversation, not the case",
    "sms_messages": "text messages being delivered: a move must not send them again",
}


def _to_file(column: Column, value: Any, people: dict[int, str], local: dict[str, dict[int, int]]) -> Any:
    if value is None:
        return None
    if column.kind is Kind.FLAG:
        return bool(value)
    if column.kind is Kind.JSON:
        return json.loads(value)
    if column.kind is Kind.PERSON:
        return people[value]
    if column.kind is Kind.LOCAL:
        return local[column.refers_to or ""].get(value)
    return value


def _to_store(column: Column, value: Any, people: dict[str, int], local: dict[str, list[int]]) -> Any:
    if value is None:
        return None
    if column.kind is Kind.FLAG:
        return int(value)
    if column.kind is Kind.JSON:
        return json.dumps(value, ensure_ascii=False)
    if column.kind is Kind.PERSON:
        return people[value]
    if column.kind is Kind.LOCAL:
        return local[column.refers_to or ""][value - 1]
    return value


_TYPES: dict[Kind, Any] = {Kind.TEXT: str | None, Kind.INTEGER: int | None, Kind.FLAG: bool | None, Kind.JSON: Any,
                           Kind.PERSON: str | None, Kind.LOCAL: int | None}


def _row_model(spec: TableSpec) -> type[BaseModel]:
    """The Pydantic model of one row of the table in the file: its columns, nothing else. A column may be
    missing (a file written before it was added): the store's default fills it."""
    return create_model(f"{spec.name}_row", __config__=ConfigDict(extra="forbid", strict=True),
                        **{column.name: (_TYPES[column.kind], None) for column in spec.columns})


ROW_MODELS = {spec.name: _row_model(spec) for spec in TABLES}


def _marks(count: int) -> str:
    return ", ".join("?" for _ in range(count))


def _bounds(period: Period) -> tuple[str, str]:
    """The period's local days as stored instants: from its first day's start to the start of the day after."""
    start = datetime.combine(period.start, time(), RATES_ZONE)
    end = datetime.combine(period.end + timedelta(days=1), time(), RATES_ZONE)
    return utc_text(start), utc_text(end)


SUMMARY_CASE_COLUMNS = ("number", "kind", "mediation", "outcome", "payment", "arbitration", "arbitration_outcome",
                        "inspection", "urgent", "centre_id", "workplace_district", "workplace_street", "fields",
                        "created_at", "accepted_at")


def _selected(selection: Selection) -> tuple[str, list[Any]]:
    """The WHERE condition on `cases` for the selection, and its parameters."""
    conditions, parameters = ["number IS NOT NULL"], []
    if selection.period is not None:
        conditions.append("created_at >= ? AND created_at < ?")
        parameters += list(_bounds(selection.period))
    if selection.district is not None:
        conditions.append("workplace_district = ?")
        parameters.append(selection.district)
    return " AND ".join(conditions), parameters


@dataclass
class _Checked:
    """What the import found while checking the file, before writing anything."""

    problems: list[Problem] = field(default_factory=list)
    known_people: dict[str, int] = field(default_factory=dict)   # key -> id of people already in the store


class ImportFailed(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


class RegisterRepository:
    def __init__(self, db: Database, files_dir: Path | None = None, evidence_dir: Path | None = None) -> None:
        """`files_dir`: the web chat's file store, `evidence_dir` the evidence store (the bytes of their files),
        for --with-files and imports."""
        self._db = db
        self._files_dir = files_dir
        self._evidence_dir = evidence_dir

    # ---- export ---------------------------------------------------------------------------------------

    async def _select(self, conn: aiosqlite.Connection, spec: TableSpec, link: str, ids: Sequence[int]
                      ) -> dict[int, list[aiosqlite.Row]]:
        """Rows of the table linked to these ids, by id, in the table's order."""
        key = [spec.row_id] if spec.row_id else []
        found: dict[int, list[aiosqlite.Row]] = {}
        async with conn.execute(
            f"SELECT {', '.join([*key, link, *spec.names])} FROM {spec.name} WHERE {link} IN ({_marks(len(ids))})"
            f" ORDER BY {link}, {spec.order}", list(ids),
        ) as cursor:
            for row in await cursor.fetchall():
                found.setdefault(row[link], []).append(row)
        return found

    async def summaries(self, selection: Selection) -> list[SummaryOf]:
        conditions, parameters = _selected(selection)
        types = sorted(SUMMARY_EVENTS)
        found: list[SummaryOf] = []
        async with self._db.read() as conn:
            async with conn.execute(
                f"SELECT id, {', '.join(SUMMARY_CASE_COLUMNS)} FROM cases WHERE {conditions} ORDER BY created_at, id",
                parameters,
            ) as cursor:
                case_rows = await cursor.fetchall()
            for first in range(0, len(case_rows), _CHUNK):
                chunk = case_rows[first:first + _CHUNK]
                events: dict[int, list[dict[str, Any]]] = {}
                async with conn.execute(
                    f"SELECT case_id, type, occurred_at, payload FROM case_events WHERE case_id IN"
                    f" ({_marks(len(chunk))}) AND type IN ({_marks(len(types))}) ORDER BY case_id, seq",
                    [row["id"] for row in chunk] + types,
                ) as cursor:
                    for row in await cursor.fetchall():
                        events.setdefault(row["case_id"], []).append({
                            "type": row["type"], "occurred_at": row["occurred_at"],
                            "payload": json.loads(row["payload"])})
                for row in chunk:
                    case = dict(row) | {"fields": json.loads(row["fields"])}
                    found.append(SummaryOf(row["id"], summarise(row["number"], case, events.get(row["id"], []))))
        return found

    async def export(self, selection: Selection, *, exported_at: datetime, with_files: bool = False,
                     progress: Progress | None = None) -> RegisterFile:
        conditions, parameters = _selected(selection)
        async with self._db.read() as conn:
            async with conn.execute("SELECT id, front, user_id FROM people") as cursor:
                keys = {row[0]: person_key(row[1], row[2]) for row in await cursor.fetchall()}
            async with conn.execute(
                f"SELECT id, {', '.join(CASES.names)} FROM cases WHERE {conditions} ORDER BY created_at, id",
                parameters,
            ) as cursor:
                case_rows = await cursor.fetchall()
            cases: list[CaseRecord] = []
            named: set[int] = set()
            for first in range(0, len(case_rows), _CHUNK):
                chunk = case_rows[first:first + _CHUNK]
                ids = [row["id"] for row in chunk]
                tables = {spec.name: await self._select(conn, spec, "case_id", ids) for spec in CASE_TABLES}
                files = await self._files(conn, tables["case_evidence"], with_files)
                for row in chunk:
                    record = self._case_record(row, tables, keys, named, files)
                    cases.append(self._with_kept_files(record) if with_files else record)
                if progress:
                    progress(len(cases), len(case_rows))
            everyone = selection.period is None and selection.district is None
            people = await self._people(conn, sorted(keys) if everyone else sorted(named), keys)
        return RegisterFile(format_version=1, exported_at=exported_at, period=selection.period,
                            district=selection.district, people=people, cases=cases)

    def _case_record(self, row: aiosqlite.Row, tables: dict[str, dict[int, list[aiosqlite.Row]]],
                     keys: dict[int, str], named: set[int], files: dict[str, FileRecord]) -> CaseRecord:
        local: dict[str, dict[int, int]] = {}
        rows: dict[str, list[dict[str, Any]]] = {}
        for spec in CASE_TABLES:
            found = tables[spec.name].get(row["id"], [])
            if spec.row_id:
                local[spec.name] = {stored[spec.row_id]: position for position, stored in enumerate(found, start=1)}
            rows[spec.name] = [self._values(spec, stored, keys, named, local) for stored in found]
        case = self._values(CASES, row, keys, named, local)
        evidence = [files[item["file_id"]] for item in rows["case_evidence"] if item["file_id"] in files]
        return CaseRecord(number=row["number"], summary=summarise(row["number"], case, rows["case_events"]),
                          case=case, tables={name: values for name, values in rows.items() if values},
                          files=list({record.file_id: record for record in evidence}.values()))

    @staticmethod
    def _values(spec: TableSpec, row: aiosqlite.Row, keys: dict[int, str], named: set[int],
                local: dict[str, dict[int, int]]) -> dict[str, Any]:
        for column in spec.columns:
            if column.kind is Kind.PERSON and row[column.name] is not None:
                named.add(row[column.name])
        return {column.name: _to_file(column, row[column.name], keys, local) for column in spec.columns}

    async def _files(self, conn: aiosqlite.Connection, evidence: dict[int, list[aiosqlite.Row]], with_files: bool
                     ) -> dict[str, FileRecord]:
        """The web chat's records of the evidence files (Telegram's have none), with their bytes if asked."""
        file_ids = sorted({row["file_id"] for rows in evidence.values() for row in rows})
        if not file_ids:
            return {}
        async with conn.execute(
            f"SELECT file_id, chat_id, name, content_type, size, created_at FROM webchat_files"
            f" WHERE file_id IN ({_marks(len(file_ids))})", file_ids,
        ) as cursor:
            found = {row["file_id"]: FileRecord(**dict(row)) for row in await cursor.fetchall()}
        if with_files and self._files_dir is not None:
            for file_id, record in found.items():
                path = self._files_dir / file_id
                if path.is_file():
                    found[file_id] = record.model_copy(
                        update={"content_base64": base64.b64encode(path.read_bytes()).decode("ascii")})
        return found

    def _with_kept_files(self, record: CaseRecord) -> CaseRecord:
        """The evidence store's files of the case, embedded."""
        if self._evidence_dir is None:
            return record
        kept = []
        for name in dict.fromkeys(item["stored_as"] for item in record.tables.get("case_evidence", [])
                                  if item.get("stored_as")):
            path = self._evidence_dir / Path(name).name
            if path.is_file():
                kept.append(KeptFile(name=name, content_base64=base64.b64encode(path.read_bytes()).decode("ascii")))
        return record.model_copy(update={"kept_files": kept})

    async def _people(self, conn: aiosqlite.Connection, ids: Sequence[int], keys: dict[int, str]
                      ) -> list[PersonRecord]:
        records: list[PersonRecord] = []
        for first in range(0, len(ids), _CHUNK):
            chunk = list(ids[first:first + _CHUNK])
            async with conn.execute(
                f"SELECT id, {', '.join(PEOPLE.names)} FROM people WHERE id IN ({_marks(len(chunk))})", chunk,
            ) as cursor:
                rows = await cursor.fetchall()
            tables = {spec.name: await self._select(conn, spec, "person_id", chunk) for spec in PERSON_TABLES}
            for row in rows:
                unused: set[int] = set()
                person_tables = {spec.name: [self._values(spec, stored, keys, unused, {})
                                             for stored in tables[spec.name].get(row["id"], [])]
                                 for spec in PERSON_TABLES}
                records.append(PersonRecord(key=keys[row["id"]], person=self._values(PEOPLE, row, keys, unused, {}),
                                            tables={name: values for name, values in person_tables.items()
                                                    if values}))
        return sorted(records, key=lambda record: record.key)

    # ---- import ---------------------------------------------------------------------------------------

    async def _check(self, conn: aiosqlite.Connection, file: RegisterFile) -> _Checked:
        checked = _Checked()
        problems = checked.problems
        file_people = {record.key for record in file.people}
        async with conn.execute("SELECT id, front, user_id FROM people") as cursor:
            stored = {person_key(row[1], row[2]): row[0] for row in await cursor.fetchall()}
        checked.known_people = {key: stored[key] for key in file_people if key in stored}
        reachable = file_people | set(stored)

        def check_row(where: str, spec: TableSpec, row: dict[str, Any], counts: dict[str, int]) -> None:
            try:
                ROW_MODELS[spec.name].model_validate(row)
            except ValidationError as error:
                problems.extend(Problem(position_of([where, *item["loc"]]), item["msg"]) for item in error.errors())
                return
            for column in spec.columns:
                value = row.get(column.name)
                if value is None:
                    continue
                if column.kind is Kind.PERSON and value not in reachable:
                    problems.append(Problem(f"{where}.{column.name}",
                                            f"names person {value!r}, who is neither in the file nor the store"))
                if column.kind is Kind.LOCAL and not 1 <= value <= counts.get(column.refers_to or "", 0):
                    problems.append(Problem(f"{where}.{column.name}",
                                            f"names row {value} of {column.refers_to}, which this case lacks"))

        def check_tables(where: str, specs: Sequence[TableSpec], tables: dict[str, list[dict[str, Any]]]) -> None:
            known = {spec.name for spec in specs}
            for name in tables:
                if name not in known:
                    problems.append(Problem(f"{where}.tables.{name}", "no such table in this format"))
            counts = {name: len(rows) for name, rows in tables.items()}
            for spec in specs:
                for index, row in enumerate(tables.get(spec.name, [])):
                    check_row(f"{where}.tables.{spec.name}[{index}]", spec, row, counts)

        seen_people: set[str] = set()
        for index, record in enumerate(file.people):
            where = f"people[{index}]"
            if record.key in seen_people:
                problems.append(Problem(where, f"person {record.key} appears twice"))
            seen_people.add(record.key)
            check_row(f"{where}.person", PEOPLE, record.person, {})
            if f"{record.person.get('front')}:{record.person.get('user_id')}" != record.key:
                problems.append(Problem(f"{where}.key", "is not the person's front:user_id"))
            check_tables(where, PERSON_TABLES, record.tables)
        numbers = [record.number for record in file.cases]
        taken: set[str] = set()
        for first in range(0, len(numbers), _CHUNK):
            chunk = numbers[first:first + _CHUNK]
            async with conn.execute(f"SELECT number FROM cases WHERE number IN ({_marks(len(chunk))})",
                                    chunk) as cursor:
                taken |= {row[0] for row in await cursor.fetchall()}
        seen_numbers: set[str] = set()
        for index, record in enumerate(file.cases):
            where = f"cases[{index}]"
            if record.number in taken:
                problems.append(Problem(where, f"case {record.number} is already in this store"))
            if record.number in seen_numbers:
                problems.append(Problem(where, f"case {record.number} appears twice"))
            seen_numbers.add(record.number)
            check_row(f"{where}.case", CASES, record.case, {})
            if record.case.get("number") != record.number:
                problems.append(Problem(f"{where}.case.number", f"is not the record's number {record.number}"))
            check_tables(where, CASE_TABLES, record.tables)
        return checked

    async def load(self, file: RegisterFile, *, progress: Progress | None = None) -> Loaded | list[Problem]:
        try:
            async with self._db.transaction() as conn:
                checked = await self._check(conn, file)
                if checked.problems:
                    return checked.problems
                people = dict(checked.known_people)
                added = 0
                for index, record in enumerate(file.people):
                    if record.key in checked.known_people:
                        continue   # kept as the store has them, with their consents and staff history
                    people[record.key] = await self._insert(conn, PEOPLE, None, record.person, people, {},
                                                            f"people[{index}]")
                    added += 1
                for index, record in enumerate(file.people):
                    if record.key in checked.known_people:
                        continue
                    for spec in PERSON_TABLES:
                        for row_index, row in enumerate(record.tables.get(spec.name, [])):
                            await self._insert(conn, spec, people[record.key], row, people, {},
                                               f"people[{index}].tables.{spec.name}[{row_index}]")
                for index, record in enumerate(file.cases):
                    await self._load_case(conn, index, record, people)
                    if progress:
                        progress(index + 1, len(file.cases))
                numbers = await self._advance_numbers(conn, [record.number for record in file.cases])
                # The rollups are made again from every event, in this same transaction.
                await SQLiteRateStore(self._db).rebuild(now=file.exported_at)
        except ImportFailed as failed:
            return failed.problems
        return Loaded(cases=len(file.cases), people=added, numbers_from=numbers)

    async def _insert(self, conn: aiosqlite.Connection, spec: TableSpec, link_id: int | None, row: dict[str, Any],
                      people: dict[str, int], local: dict[str, list[int]], where: str) -> int | None:
        given = [column for column in spec.columns if column.name in row]
        columns = ([spec.link] if spec.link else []) + [column.name for column in given]
        values = ([link_id] if spec.link else []) + [_to_store(column, row[column.name], people, local)
                                                     for column in given]
        returning = f" RETURNING {spec.row_id}" if spec.row_id else ""
        try:
            async with conn.execute(f"INSERT INTO {spec.name} ({', '.join(columns)}) VALUES ({_marks(len(values))})"
                                    f"{returning}", values) as cursor:
                inserted = await cursor.fetchone() if returning else None
        except sqlite3.DatabaseError as error:
            raise ImportFailed([Problem(where, f"the store refused it: {error}")]) from None
        return inserted[0] if inserted else None

    async def _load_case(self, conn: aiosqlite.Connection, index: int, record: CaseRecord, people: dict[str, int]
                         ) -> None:
        where = f"cases[{index}]"
        case_id = await self._insert(conn, CASES, None, record.case, people, {}, f"{where}.case")
        local: dict[str, list[int]] = {}
        for spec in CASE_TABLES:
            ids = local.setdefault(spec.name, [])
            for row_index, row in enumerate(record.tables.get(spec.name, [])):
                inserted = await self._insert(conn, spec, case_id, row, people, local,
                                              f"{where}.tables.{spec.name}[{row_index}]")
                if inserted is not None:
                    ids.append(inserted)
        for file_index, stored in enumerate(record.files):
            await self._load_file(conn, stored, f"{where}.files[{file_index}]")
        for file_index, kept in enumerate(record.kept_files):
            if self._evidence_dir is not None:
                _write(self._evidence_dir, kept.name, kept.content_base64, f"{where}.kept_files[{file_index}]")

    async def _load_file(self, conn: aiosqlite.Connection, stored: FileRecord, where: str) -> None:
        """The file's record, and its bytes into the file store when the file carries them (else the
        operator copies the file store's directory)."""
        if stored.content_base64 is not None and self._files_dir is not None:
            _write(self._files_dir, stored.file_id, stored.content_base64, where)
        await conn.execute(
            "INSERT INTO webchat_files (file_id, chat_id, name, content_type, size, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (file_id) DO NOTHING",
            (stored.file_id, stored.chat_id, stored.name, stored.content_type, stored.size, stored.created_at),
        )

    @staticmethod
    async def _advance_numbers(conn: aiosqlite.Connection, numbers: Sequence[str]) -> dict[int, int]:
        """Each year's case-number sequence moved past the numbers loaded, so a new case gets a fresh one."""
        highest: dict[int, int] = {}
        for number in numbers:
            _, year, sequence = number.split("-")
            highest[int(year)] = max(highest.get(int(year), 0), int(sequence))
        for year, value in sorted(highest.items()):
            await conn.execute(
                "INSERT INTO case_number_sequences (year, last_value) VALUES (?, ?) ON CONFLICT (year) DO UPDATE"
                " SET last_value = CASE WHEN excluded.last_value > case_number_sequences.last_value"
                " THEN excluded.last_value ELSE case_number_sequences.last_value END",
                (year, value),
            )
        if not highest:
            return {}
        async with conn.execute(
            f"SELECT year, last_value FROM case_number_sequences WHERE year IN ({_marks(len(highest))})",
            sorted(highest),
        ) as cursor:
            return {row[0]: row[1] for row in await cursor.fetchall()}


def _write(directory: Path, name: str, content_base64: str, where: str) -> None:
    """A file of the import into a file store, by the name the store knows it by. Written before the
    transaction commits: a failed import can leave files behind that no row names (a retry overwrites them)."""
    try:
        content = base64.b64decode(content_base64, validate=True)
    except ValueError:
        raise ImportFailed([Problem(f"{where}.content_base64", "is not base64")]) from None
    directory.mkdir(parents=True, exist_ok=True)
    (directory / Path(name).name).write_bytes(content)


@dataclass(frozen=True)
class SQLiteRegisterTransaction(SQLiteTransaction):
    """The unit of work's stores, and the register."""

    register: RegisterRepository


class SQLiteRegisterUnitOfWork:
    """The register joined to a unit of work: an update's (see `SQLiteUnitOfWork`), or one of its own."""

    def __init__(self, db: Database, uow: SQLiteUnitOfWork | None = None, files_dir: Path | None = None) -> None:
        self._uow = uow or SQLiteUnitOfWork(db)
        self._register = RegisterRepository(db, files_dir)

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[SQLiteRegisterTransaction]:
        async with self._uow() as tx:
            stores = {store.name: getattr(tx, store.name) for store in fields(tx)}
            yield SQLiteRegisterTransaction(**stores, register=self._register)
