"""The register as a file: every case with everything the store holds for it, to export, move to another
store and import again (docs/export-format.md), and the supervisors' `/export` workbook built from it.

The file's envelope, its people and its cases are Pydantic models (the boundary); the rows of each table
are described once, as table specs, in storage/register.py, which checks them against the store's schema.
A case's summary (number, statuses, places, travel minutes, key dates, the worker's name and phone) is
derived from its rows here: the CSV and workbook rows are summaries, masked unless full data is allowed.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, Protocol

import xlsxwriter
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.cases.machine import EventType
from bot.cases.model import DisputeKind
from bot.clock import Clock
from bot.i18n import N_, translations
from bot.people import Person, Role
from bot.ports import Transaction
from bot.rates import (
    DEFINITIONS,
    Period,
    PeriodError,
    Places,
    RatesService,
    Report,
    Scope,
    kind_name,
    read_period,
)

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
NUMBER = r"^LD-\d{4}-\d{6}$"
FULL_WORDS = frozenset({"full", "完整", "全部", "明文"})
EXPORT_FULL = "export_full"   # what the access log records for a full-data export

# (done, total): how far a long export or import is.
Progress = Callable[[int, int], None]


class FileRecord(BaseModel):
    """A file of the web chat's file store that a case holds as evidence (Telegram's files stay Telegram's:
    the evidence row's file_id is their only reference). The bytes only with --with-files."""

    model_config = ConfigDict(extra="forbid")

    file_id: str
    chat_id: int
    name: str
    content_type: str
    size: int
    created_at: str
    content_base64: str | None = None


class KeptFile(BaseModel):
    """A file of the evidence store (named by the evidence row's `stored_as`), with --with-files only."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[^/.][^/]*$")
    content_base64: str


class CaseSummary(BaseModel):
    """One row of the CSV and of the workbook: derived from the case's rows (an import ignores it)."""

    model_config = ConfigDict(extra="forbid")

    number: str
    kind: str
    mediation: str
    outcome: str | None
    payment: str | None
    arbitration: str | None
    arbitration_outcome: str | None
    inspection: str | None
    urgent: bool
    centre_id: str | None
    district: str | None
    street: str | None
    travel_minutes: float | None
    worker_name: str | None
    worker_phone: str | None
    employer: str | None
    amount_yuan: str | None
    submitted_at: str
    assigned_at: str | None
    accepted_at: str | None
    mediation_ended_at: str | None
    arbitration_applied_at: str | None
    inspection_handed_over_at: str | None


SUMMARY_COLUMNS = tuple(CaseSummary.model_fields)
PERSONAL_COLUMNS = ("worker_name", "worker_phone")


class PersonRecord(BaseModel):
    """A person the cases name (the worker, an actor, a mediator, staff who viewed them), by the identity
    their front knows them by: `front:user_id`."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=r"^[a-z]+:-?\d+$")
    person: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)


class CaseRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(pattern=NUMBER)
    summary: CaseSummary
    case: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
    files: list[FileRecord] = Field(default_factory=list)
    kept_files: list[KeptFile] = Field(default_factory=list)


class RegisterFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format_version: Literal[1]
    exported_at: datetime
    period: Period | None = None
    district: str | None = None
    people: list[PersonRecord]
    cases: list[CaseRecord]

    def dump(self) -> str:
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"


def person_key(front: str, user_id: int) -> str:
    return f"{front}:{user_id}"


@dataclass(frozen=True)
class Problem:
    """Why a record of an import cannot be taken, and where it is in the file."""

    position: str
    reason: str

    def __str__(self) -> str:
        return f"{self.position}: {self.reason}"


def position_of(location: Iterable[int | str]) -> str:
    """`cases[3].tables.case_events[2].type` from a validation error's location."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "file"


def read_register(text: str) -> RegisterFile | list[Problem]:
    """The file as the model it must be, or every problem found with its position."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        return [Problem(f"line {error.lineno} column {error.colno}", f"not JSON: {error.msg}")]
    if isinstance(raw, dict) and raw.get("format_version") not in (FORMAT_VERSION, None):
        return [Problem("format_version", f"this program reads format {FORMAT_VERSION}, "
                                          f"not {raw.get('format_version')!r}")]
    try:
        return RegisterFile.model_validate(raw)
    except ValidationError as error:
        return [Problem(position_of(item["loc"]), item["msg"]) for item in error.errors()]


@dataclass(frozen=True)
class Selection:
    """Which cases: filed within the period (local dates), of the workplace district; None: all."""

    period: Period | None = None
    district: str | None = None


@dataclass(frozen=True)
class Loaded:
    cases: int
    people: int            # people added (those already in the store are kept as they are)
    numbers_from: dict[int, int]   # year -> the case-number sequence's value now


@dataclass(frozen=True)
class SummaryOf:
    case_id: int
    summary: CaseSummary


class RegisterStore(Protocol):
    async def summaries(self, selection: Selection) -> list[SummaryOf]:
        """The selected cases' summaries alone, oldest first (what /export shows), read from the case rows and
        the events of `SUMMARY_EVENTS`."""
        ...

    async def export(self, selection: Selection, *, exported_at: datetime, with_files: bool = False,
                     progress: Progress | None = None) -> RegisterFile: ...

    async def load(self, file: RegisterFile, *, progress: Progress | None = None) -> Loaded | list[Problem]:
        """Every case of the file, in one transaction: nothing is written when a problem is found."""
        ...


class RegisterTransaction(Transaction, Protocol):
    register: RegisterStore


class RegisterUnitOfWork(Protocol):
    def __call__(self) -> AbstractAsyncContextManager[RegisterTransaction]: ...


# ---- summaries and masking -------------------------------------------------------------------------------

# The events a summary reads (the others do not change it).
SUMMARY_EVENTS = frozenset({EventType.ASSIGNED, EventType.TRANSFERRED, EventType.MEDIATION_ENDED, EventType.WITHDRAWN,
                            EventType.ARBITRATION_APPLIED, EventType.INSPECTION_HANDED_OVER})


def _first(events: Sequence[Mapping[str, Any]], *types: str) -> str | None:
    return next((event["occurred_at"] for event in events if event["type"] in types), None)


def _travel_minutes(events: Sequence[Mapping[str, Any]]) -> float | None:
    """The trip to the centre holding the case, as the latest routing decision estimated it."""
    for event in reversed(events):
        routing = event.get("payload", {}).get("routing") if isinstance(event.get("payload"), dict) else None
        if isinstance(routing, dict) and routing.get("centre_id"):
            minutes = routing.get("minutes")
            return float(minutes) if isinstance(minutes, int | float) else None
    return None


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def summarise(number: str, case: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> CaseSummary:
    fields = case.get("fields") or {}
    amount = fields.get("amount") or fields.get("group_amount")
    return CaseSummary(
        number=number, kind=case["kind"], mediation=case["mediation"], outcome=case.get("outcome"),
        payment=case.get("payment"), arbitration=case.get("arbitration"),
        arbitration_outcome=case.get("arbitration_outcome"), inspection=case.get("inspection"),
        urgent=bool(case.get("urgent")), centre_id=case.get("centre_id"), district=case.get("workplace_district"),
        street=case.get("workplace_street"), travel_minutes=_travel_minutes(events),
        worker_name=_text(fields.get("name")), worker_phone=_text(fields.get("phone")),
        employer=_text(fields.get("employer")), amount_yuan=_text(amount), submitted_at=case["created_at"],
        assigned_at=_first(events, EventType.ASSIGNED), accepted_at=case.get("accepted_at"),
        mediation_ended_at=_first(events, EventType.MEDIATION_ENDED, EventType.WITHDRAWN),
        arbitration_applied_at=_first(events, EventType.ARBITRATION_APPLIED),
        inspection_handed_over_at=_first(events, EventType.INSPECTION_HANDED_OVER),
    )


def mask_name(name: str | None) -> str | None:
    """张三 -> 张*, 欧阳娜娜 -> 欧***: the first character, enough to tell two rows apart on a call."""
    if not name:
        return name
    return name[0] + "".join(" " if char.isspace() else "*" for char in name[1:])


def mask_phone(phone: str | None) -> str | None:
    """+8613800000000 -> +86138****0000: the network and the last four digits stay."""
    if not phone:
        return phone
    if sum(char.isdigit() for char in phone) < 8:
        return "****"
    return phone[:-8] + "****" + phone[-4:]


def masked(summary: CaseSummary) -> CaseSummary:
    return summary.model_copy(update={"worker_name": mask_name(summary.worker_name),
                                      "worker_phone": mask_phone(summary.worker_phone)})


# ---- CSV and the workbook ---------------------------------------------------------------------------------

COLUMN_TITLES = {
    "number": N_("export column: Case number"),
    "kind": N_("export column: Dispute kind"),
    "mediation": N_("export column: Mediation"),
    "outcome": N_("export column: Outcome"),
    "payment": N_("export column: Payment"),
    "arbitration": N_("export column: Arbitration"),
    "arbitration_outcome": N_("export column: Arbitration outcome"),
    "inspection": N_("export column: Labour inspection"),
    "urgent": N_("export column: Urgent"),
    "centre_id": N_("export column: Centre"),
    "district": N_("export column: District"),
    "street": N_("export column: Street"),
    "travel_minutes": N_("export column: Travel minutes"),
    "worker_name": N_("export column: Worker"),
    "worker_phone": N_("export column: Phone"),
    "employer": N_("export column: Employer"),
    "amount_yuan": N_("export column: Amount (yuan)"),
    "submitted_at": N_("export column: Submitted"),
    "assigned_at": N_("export column: Assigned"),
    "accepted_at": N_("export column: Accepted"),
    "mediation_ended_at": N_("export column: Mediation ended"),
    "arbitration_applied_at": N_("export column: Applied for arbitration"),
    "inspection_handed_over_at": N_("export column: Handed to inspection"),
}


def column_titles(locale: str | None) -> list[str]:
    """The header row: the field names (for scripts) when no locale is given, else in that language."""
    if locale is None:
        return list(SUMMARY_COLUMNS)
    gettext = translations(locale).gettext
    return [gettext(COLUMN_TITLES[column]) for column in SUMMARY_COLUMNS]


def cell_text(value: Any) -> str:
    """A value as the CSV writes it: empty for none, true/false, numbers and text as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# The codes of the statuses in words, for people (the command line's rows keep the codes, for scripts).
VALUE_WORDS = {
    ("mediation", "submitted"): N_("export value: mediation submitted"),
    ("mediation", "assigned"): N_("export value: mediation assigned"),
    ("mediation", "accepted"): N_("export value: mediation accepted"),
    ("mediation", "in_mediation"): N_("export value: mediation in_mediation"),
    ("mediation", "ended"): N_("export value: mediation ended"),
    ("mediation", "withdrawn"): N_("export value: mediation withdrawn"),
    ("outcome", "agreement"): N_("export value: outcome agreement"),
    ("outcome", "no_agreement"): N_("export value: outcome no_agreement"),
    ("outcome", "referred"): N_("export value: outcome referred"),
    ("outcome", "withdrawn"): N_("export value: outcome withdrawn"),
    ("payment", "due"): N_("export value: payment due"),
    ("payment", "paid"): N_("export value: payment paid"),
    ("payment", "partly_paid"): N_("export value: payment partly_paid"),
    ("payment", "not_paid"): N_("export value: payment not_paid"),
    ("arbitration", "applied"): N_("export value: arbitration applied"),
    ("arbitration", "accepted"): N_("export value: arbitration accepted"),
    ("arbitration", "not_accepted"): N_("export value: arbitration not_accepted"),
    ("arbitration", "suspended"): N_("export value: arbitration suspended"),
    ("arbitration", "closed"): N_("export value: arbitration closed"),
    ("arbitration_outcome", "award"): N_("export value: arbitration_outcome award"),
    ("arbitration_outcome", "mediated"): N_("export value: arbitration_outcome mediated"),
    ("arbitration_outcome", "withdrawn"): N_("export value: arbitration_outcome withdrawn"),
    ("inspection", "handed_over"): N_("export value: inspection handed_over"),
    ("inspection", "filed"): N_("export value: inspection filed"),
    ("inspection", "extended"): N_("export value: inspection extended"),
    ("inspection", "closed"): N_("export value: inspection closed"),
    ("urgent", "True"): N_("export value: urgent"),
    ("urgent", "False"): N_("export value: not urgent"),
}


def rows_of(summaries: Iterable[CaseSummary], locale: str | None = None, places: Places | None = None
            ) -> list[list[Any]]:
    """Each summary's values in column order: as they are, or (with a locale) in words: statuses, the
    dispute kind, the centre's, street's and district's names."""
    rows = [[getattr(summary, column) for column in SUMMARY_COLUMNS] for summary in summaries]
    if locale is None:
        return rows
    gettext = translations(locale).gettext
    names: dict[str, Callable[[str], str]] = {"kind": lambda value: kind_name(DisputeKind(value), locale)}
    if places is not None:
        names |= {"centre_id": lambda value: places.centre_name(value, locale),
                  "district": lambda value: places.district_name(value, locale),
                  "street": lambda value: places.street_name(value, locale)}
    shown = []
    for row in rows:
        words = []
        for column, value in zip(SUMMARY_COLUMNS, row, strict=True):
            if value is not None and (column, str(value)) in VALUE_WORDS:
                value = gettext(VALUE_WORDS[(column, str(value))])
            elif value is not None and column in names:
                value = names[column](value)
            words.append(value)
        shown.append(words)
    return shown


_FORMULA_START = re.compile(r"^(?:[=@\t\r]|[+-](?![\d *]+$))")


def inert(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (an employer's name typed as `=HYPERLINK(...)`); a phone
    number (`+86138****0000`) stays as it is."""
    return "'" + text if _FORMULA_START.match(text) else text


def render_csv(summaries: Sequence[CaseSummary], locale: str | None, places: Places | None = None) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese text as it is. In words (with a locale), for
    people opening it in a spreadsheet: typed text is made inert; for scripts, the values as they are."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(column_titles(locale))
    shown = (lambda value: inert(cell_text(value))) if locale else cell_text
    writer.writerows([shown(value) for value in row] for row in rows_of(summaries, locale, places))
    return out.getvalue().encode("utf-8-sig")


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_LIMIT = 31


def _sheet_names(wanted: Iterable[str], taken: set[str]) -> list[str]:
    """Excel's sheet names: at most 31 characters, none of []:*?/\\, unique regardless of case."""
    names = []
    for name in wanted:
        base = _SHEET_FORBIDDEN.sub("_", name)[:SHEET_NAME_LIMIT] or "_"
        candidate, counter = base, 1
        while candidate.lower() in taken:
            counter += 1
            suffix = f" ({counter})"
            candidate = base[:SHEET_NAME_LIMIT - len(suffix)] + suffix
        taken.add(candidate.lower())
        names.append(candidate)
    return names


def rate_rows(report: Report, locale: str) -> list[list[Any]]:
    """The rate summary: one row per rate (numerator, denominator, value, target, the previous period's
    value), then the counts the /rates answer gives."""
    gettext = translations(locale).gettext
    rows: list[list[Any]] = [[gettext(N_("export rates: Rate")), gettext(N_("export rates: Numerator")),
                              gettext(N_("export rates: Denominator")), gettext(N_("export rates: Value")),
                              gettext(N_("export rates: Target")), gettext(N_("export rates: Previous period"))]]
    figures = report.figures
    for definition in DEFINITIONS:
        figure, before = figures.rates[definition.key], figures.previous[definition.key]
        rows.append([gettext(definition.name), figure.numerator, figure.denominator, figure.value,
                     definition.target,
                     before.value if before is not None else None])
    rows.append([])
    rows += [[gettext(N_("export rates: Period")), report.period.start.isoformat(), report.period.end.isoformat()],
             [gettext(N_("export rates: Open at the period's end")), figures.open],
             [gettext(N_("export rates: Collective among them")), figures.collective],
             [gettext(N_("export rates: Overdue now")), figures.overdue],
             [gettext(N_("export rates: Median days to close")), figures.median_days_to_close]]
    return rows


def render_workbook(summaries: Sequence[CaseSummary], locale: str | None, report: Report | None,
                    places: Places | None) -> bytes:
    """A sheet of every case row, one of the rate summary (when a report is given) and one per centre."""
    sheet_locale = locale or "en"
    gettext = translations(sheet_locale).gettext
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    bold = workbook.add_format({"bold": True})
    titles = column_titles(locale)
    by_centre: dict[str, list[CaseSummary]] = {}
    for summary in summaries:
        by_centre.setdefault(summary.centre_id or "", []).append(summary)
    centre_titles = [gettext(N_("export sheet: No centre")) if not centre else
                     (places.centre_name(centre, sheet_locale) if places else centre) for centre in by_centre]
    taken: set[str] = set()
    cases_name, rates_name = _sheet_names([gettext(N_("export sheet: Cases")), gettext(N_("export sheet: Rates"))],
                                          taken)

    def case_sheet(name: str, rows: Sequence[CaseSummary]) -> None:
        sheet = workbook.add_worksheet(name)
        sheet.write_row(0, 0, titles, bold)
        for index, row in enumerate(rows_of(rows, locale, places), start=1):
            for column, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str):
                    sheet.write_string(index, column, value)
                else:
                    sheet.write(index, column, value)
        sheet.freeze_panes(1, 1)
        sheet.set_column(0, 0, 16)

    case_sheet(cases_name, summaries)
    if report is not None:
        sheet = workbook.add_worksheet(rates_name)
        for index, row in enumerate(rate_rows(report, sheet_locale)):
            for column, value in enumerate(row):
                if value is not None:
                    sheet.write(index, column, value, bold if index == 0 else None)
        sheet.set_column(0, 0, 28)
    for name, rows in zip(_sheet_names(centre_titles, taken), by_centre.values(), strict=True):
        case_sheet(name, rows)
    workbook.close()
    return out.getvalue()


# ---- /export in chat ----------------------------------------------------------------------------------------

class ExportRefusal(StrEnum):
    NOT_SUPERVISOR = "not_supervisor"


@dataclass(frozen=True)
class ExportRefused:
    reason: ExportRefusal


@dataclass(frozen=True)
class ChatExport:
    period: Period
    district: str | None          # None: the whole city
    summaries: list[CaseSummary]  # masked unless `full`
    report: Report
    full: bool
    full_refused: bool            # full data was asked for by someone not allowed it
    may_ask_full: bool            # the asker may have full data (the button)


def asks_full(text: str) -> tuple[str, bool]:
    """The period's words, and whether full data was asked for (`/export 上个月 full`)."""
    words = text.split()
    rest = [word for word in words if word.lower() not in FULL_WORDS]
    return " ".join(rest), len(rest) != len(words)


def may_see_full(person: Person) -> bool:
    """Full names and phones go only to a supervisor of the cases' district: the export of a district's
    supervisor holds only their district's cases. A city-wide supervisor gets them masked."""
    return person.role is Role.SUPERVISOR and person.district is not None


class ExportService:
    """`/export [period] [full]`: a supervisor's cases (their district's; a city-wide supervisor's, the city's)
    filed in the period, with the rate summary of the same scope; full data recorded in the access log."""

    def __init__(self, uow: RegisterUnitOfWork, rates: RatesService, clock: Clock) -> None:
        self._uow = uow
        self._rates = rates
        self._clock = clock

    @property
    def rates(self) -> RatesService:
        return self._rates

    async def ask(self, person: Person, text: str) -> ChatExport | ExportRefused | PeriodError:
        if refused := self._refused(person):
            return refused
        period_text, full = asks_full(text)
        period = read_period(period_text, self._rates.today())
        if isinstance(period, PeriodError):
            return period
        return await self.export(person, period, full=full)

    @staticmethod
    def _refused(person: Person) -> ExportRefused | None:
        if person.role is Role.SUPERVISOR:
            return None
        log.warning("export refused: person %s, role %s", person.id, person.role)
        return ExportRefused(ExportRefusal.NOT_SUPERVISOR)

    async def export(self, person: Person, period: Period, *, full: bool) -> ChatExport | ExportRefused:
        if refused := self._refused(person):
            return refused
        allowed = may_see_full(person)
        if full and not allowed:
            log.warning("full-data export refused: person %s (city-wide supervisor)", person.id)
        shows_full = full and allowed
        now = self._clock.now()
        async with self._uow() as tx:
            found = await tx.register.summaries(Selection(period=period, district=person.district))
            if shows_full:
                for item in found:
                    await tx.access_log.record(person.id, item.case_id, EXPORT_FULL, at=now)
        summaries = [item.summary if shows_full else masked(item.summary) for item in found]
        report = await self._rates.report(period, Scope(district=person.district) if person.district else Scope())
        return ChatExport(period=period, district=person.district, summaries=summaries, report=report,
                          full=shows_full, full_refused=full and not allowed, may_ask_full=allowed and not shows_full)
