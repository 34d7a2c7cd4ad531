"""The rates the district is judged by (DOMAIN.md "Rates"): what each counts, the periods and scopes it is
asked for, what every case event adds to it, and the report `/rates` and `python -m bot rates` show.

Every figure comes from the case events. What a rate counts is kept per local day and per month, for
every scope (the city, each district, street, kind, and kind within a district) and, for the city and
each district, per centre, in rollups that the transaction writing the events also writes
(storage/rates.py); the store rebuilds them from the events on demand. `CaseTally` is the one place that
says what an event adds, for both. Three kinds of count:
- flows, counted on the day of one event (a mediation ended, an arbitration accepted);
- stocks, cases in a state (an arbitration open): +1 on the day a case enters it, -1 on the day it
  leaves, and -1/+1 on a day its centre changes, so the sum of the days before a date is the stock
  on that date, counted where the case was then;
- one histogram: the days from filing to the end of mediation, for the median.

Dates are local dates in Asia/Shanghai whatever the display zone: the rates are defined that way.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from html import escape as escape_html
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, model_validator

from bot.cases.machine import (
    ACTIVE_MEDIATION,
    OPEN_ARBITRATION,
    Arbitration,
    EventType,
    Inspection,
    NewEvent,
    Outcome,
    Payment,
    Track,
)
from bot.cases.model import Case, DisputeKind
from bot.clock import Clock, local_today
from bot.clocks import Limit
from bot.deadlines import HELD_TO
from bot.i18n import N_, translations
from bot.intake.collective import COLLECTIVE_WORKERS
from bot.people import Person, Role
from bot.routing.gazetteer import core_name
from bot.understanding.dates import find_impossible_day, parse_period
from bot.understanding.numbers import parse_number
from bot.understanding.text import fold_case, normalise

if TYPE_CHECKING:
    from bot.routing.gazetteer import Gazetteer, Place
    from bot.routing.registry import Centre, Registry

log = logging.getLogger(__name__)

RATES_ZONE = ZoneInfo("Asia/Shanghai")
# The worker's rating once nothing more is done on a case (bot/outcomes.py, OutcomeEvent.RATED): its payload
# has `rating`, one of the national five levels, and `good`, whether it is one of the first three. A
# service module the domain cannot import, so the type is named here; the rating counts as it recorded itself.
RATED = "rated"
FILED_INSPECTION = frozenset({Inspection.FILED, Inspection.EXTENDED})  # 立案: an inspection case proper


class Measure(StrEnum):
    MEDIATION_ENDED = "mediation_ended"
    MEDIATION_AGREEMENT = "mediation_agreement"
    MEDIATION_DAYS = "mediation_days"                  # histogram: bucket = days from filing to the end
    ARBITRATION_ACCEPTED = "arbitration_accepted"
    ARBITRATION_CLOSED = "arbitration_closed"
    ARBITRATION_CLOSED_WITHIN = "arbitration_closed_within"
    ARBITRATION_OPEN = "arbitration_open"              # stock: accepted (or suspended), not closed
    INSPECTION_FILED = "inspection_filed"
    INSPECTION_CLOSED = "inspection_closed"
    INSPECTION_CLOSED_WITHIN = "inspection_closed_within"
    INSPECTION_OPEN = "inspection_open"                # stock: filed, not closed
    MIGRANT_FILED = "migrant_filed"
    MIGRANT_CLOSED = "migrant_closed"
    MIGRANT_OPEN = "migrant_open"                      # stock
    RATED = "rated"
    RATED_GOOD = "rated_good"
    ROUTED = "routed"
    ROUTED_WITHIN = "routed_within"
    CASES_OPEN = "cases_open"                          # stock: something is still being done on the case
    COLLECTIVE_OPEN = "collective_open"                # stock


STOCKS = frozenset({Measure.ARBITRATION_OPEN, Measure.INSPECTION_OPEN, Measure.MIGRANT_OPEN, Measure.CASES_OPEN,
                    Measure.COLLECTIVE_OPEN})


# ---- the definitions -------------------------------------------------------------------------------

class RateKey(StrEnum):
    MEDIATION_SUCCESS = "mediation_success"
    ARBITRATION_CLOSURE = "arbitration_closure"
    ARBITRATION_WITHIN_LIMIT = "arbitration_within_limit"
    INSPECTION_CLOSURE = "inspection_closure"
    MIGRANT_WAGE_CLOSURE = "migrant_wage_closure"
    INSPECTION_WITHIN_LIMIT = "inspection_within_limit"
    SATISFACTION = "satisfaction"
    HALF_HOUR_COVERAGE = "half_hour_coverage"


class TargetKind(StrEnum):
    BINDING = "binding"     # 约束性: the district answers for it
    EXPECTED = "expected"   # 预期性


@dataclass(frozen=True)
class Definition:
    """One rate: what it counts above and below the line, which event's local date puts a case in a
    period, and its target. The texts are catalog messages (N_)."""

    key: RateKey
    name: str
    numerator: str
    denominator: str
    dated_by: str
    numerator_measures: tuple[Measure, ...]
    denominator_measures: tuple[Measure, ...]
    opening_stock: Measure | None = None       # added to the denominator: cases open at the period's start
    target_percent: int | None = None
    target_kind: TargetKind | None = None
    note: str | None = None

    @property
    def target(self) -> float | None:
        return None if self.target_percent is None else self.target_percent / 100


DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        RateKey.MEDIATION_SUCCESS, N_("Mediation success"),
        N_("cases whose mediation ended in the period with an agreement"),
        N_("cases whose mediation ended in the period: agreement, no agreement, referred to arbitration, or "
           "withdrawn after a mediator accepted (transfers are not endings; a case ends once)"),
        N_("the day mediation ended"),
        (Measure.MEDIATION_AGREEMENT,), (Measure.MEDIATION_ENDED,), target_percent=72, target_kind=TargetKind.BINDING),
    Definition(
        RateKey.ARBITRATION_CLOSURE, N_("Arbitration closure"),
        N_("arbitration cases closed in the period"),
        N_("arbitration cases accepted in the period, plus those open at its start"),
        N_("the day of acceptance, of closure"),
        (Measure.ARBITRATION_CLOSED,), (Measure.ARBITRATION_ACCEPTED,), Measure.ARBITRATION_OPEN,
        target_percent=98, target_kind=TargetKind.BINDING),
    Definition(
        RateKey.ARBITRATION_WITHIN_LIMIT, N_("Arbitration closed within its limit"),
        N_("arbitration cases closed in the period within their limit (45 days from acceptance or the "
           "recorded extension, suspensions not counted), as the closing event recorded it"),
        N_("arbitration cases closed in the period"),
        N_("the day of closure"),
        (Measure.ARBITRATION_CLOSED_WITHIN,), (Measure.ARBITRATION_CLOSED,),
        note=N_("No seed target: shown as a figure.")),
    Definition(
        RateKey.INSPECTION_CLOSURE, N_("Labour-inspection complaint closure"),
        N_("inspection cases filed and then closed (closure reported back) in the period"),
        N_("inspection cases filed in the period, plus those open at its start"),
        N_("the day of filing, of closure"),
        (Measure.INSPECTION_CLOSED,), (Measure.INSPECTION_FILED,), Measure.INSPECTION_OPEN,
        target_percent=96, target_kind=TargetKind.BINDING,
        note=N_("Only cases this system handed to labour inspection are counted.")),
    Definition(
        RateKey.MIGRANT_WAGE_CLOSURE, N_("Migrant-worker wage-arrears complaint closure"),
        N_("the same, for wage cases of migrant workers (construction, or the worker says so): closed"),
        N_("such cases filed in the period, plus those open at its start"),
        N_("the day of filing, of closure"),
        (Measure.MIGRANT_CLOSED,), (Measure.MIGRANT_FILED,), Measure.MIGRANT_OPEN,
        target_percent=96, target_kind=TargetKind.BINDING,
        note=N_("Only cases this system handed to labour inspection are counted.")),
    Definition(
        RateKey.INSPECTION_WITHIN_LIMIT, N_("Inspection closed within the statutory period"),
        N_("inspection cases closed in the period within 60 working days of filing (90 with a recorded "
           "approval), as the closing event recorded it"),
        N_("filed inspection cases closed in the period"),
        N_("the day of closure"),
        (Measure.INSPECTION_CLOSED_WITHIN,), (Measure.INSPECTION_CLOSED,),
        target_percent=96, target_kind=TargetKind.BINDING),
    Definition(
        RateKey.SATISFACTION, N_("Satisfaction"),
        N_("good ratings (very satisfied, satisfied, basically satisfied) given in the period"),
        N_("ratings given in the period"),
        N_("the day of the rating"),
        (Measure.RATED_GOOD,), (Measure.RATED,), target_percent=98, target_kind=TargetKind.EXPECTED,
        note=N_("Workers rate a case once nothing more is done on it; each rating records whether it is good.")),
    Definition(
        RateKey.HALF_HOUR_COVERAGE, N_("Half-hour coverage"),
        N_("cases whose first routing in the period assigned them in person to a centre within 30 minutes"),
        N_("cases routed for the first time in the period (online fallbacks and cases no centre could take "
           "count as not covered)"),
        N_("the day of the first routing (the filing, for a case no centre could take)"),
        (Measure.ROUTED_WITHIN,), (Measure.ROUTED,),
        note=N_("Our own figure; area coverage is on the coverage map.")),
)
DEFINITION = {definition.key: definition for definition in DEFINITIONS}
SCOPE_RULE = N_("A centre means the centre that held the case when the counted event happened; a street or "
                "district the workplace's (jurisdiction, Art. 21); a kind the case's dispute kind. Periods are "
                "local dates in Asia/Shanghai. A rate whose denominator is 0 has no value.")


# ---- periods ---------------------------------------------------------------------------------------

class Grain(StrEnum):
    DAY = "day"
    MONTH = "month"


EARLIEST = date(1970, 1, 1)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def months_before(day: date, months: int) -> date:
    """The first day of the month `months` before `day`'s."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def spans(start: date, end: date) -> list[tuple[Grain, date, date]]:
    """[start, end] as whole months (by their first days) and the days around them: the rollups' grains."""
    if end < start:
        return []
    first_full = start if start.day == 1 else next_month(start)
    after_full = month_start(end + timedelta(days=1))   # months before this one end on or before `end`
    if first_full >= after_full:
        return [(Grain.DAY, start, end)]
    parts = []
    if start < first_full:
        parts.append((Grain.DAY, start, first_full - timedelta(days=1)))
    parts.append((Grain.MONTH, first_full, months_before(after_full, 1)))
    if after_full <= end:
        parts.append((Grain.DAY, after_full, end))
    return parts


class Period(BaseModel):
    """Local dates, both ends included."""

    model_config = ConfigDict(frozen=True)

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError("a period ends on or after its start")
        return self

    @property
    def whole_months(self) -> int | None:
        """How many calendar months it is, when it is whole months."""
        if self.start.day != 1 or next_month(self.end) - timedelta(days=1) != self.end:
            return None
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def previous(self) -> Period:
        """The period of the same length just before: as many months for whole months (a quarter's is the
        quarter before), else as many days."""
        months = self.whole_months
        if months is not None:
            return Period(start=months_before(self.start, months), end=self.start - timedelta(days=1))
        length = self.end - self.start
        end = self.start - timedelta(days=1)
        return Period(start=end - length, end=end)

    def holds(self, day: date) -> bool:
        return self.start <= day <= self.end


class PeriodProblem(StrEnum):
    UNREADABLE = "unreadable"
    NO_SUCH_DATE = "no_such_date"
    NOT_BEGUN = "not_begun"


@dataclass(frozen=True)
class PeriodError:
    problem: PeriodProblem
    written: str


_CN_DIGITS = "一二三四"
_QUARTER_CN = re.compile(r"^(?:(?P<year>\d{4})年?|(?P<rel>今|去|前|本)年)?第?(?P<q>[1-4一二三四])季度?$")
_QUARTER_CN_RELATIVE = re.compile(r"^(?P<rel>本|这个?|上个?|上上个?)季度$")
_QUARTER_EN = re.compile(r"^(?:(?P<year>\d{4})\s?-?\s?)?q(?P<q>[1-4])(?:\s?(?P<year_after>\d{4}))?$")
_QUARTER_EN_RELATIVE = re.compile(r"^(?P<rel>this|last) quarter$")
_LAST_DAYS_CN = re.compile(r"^(?:最近|近|过去)(?P<n>\d{1,4}|[一二两三四五六七八九十百]{1,4})(?:天|日)$")
_LAST_DAYS_EN = re.compile(r"^(?:the )?(?:last|past) (?P<n>\d{1,4}) days?$")
_YEAR = re.compile(r"^(?P<year>(?:19|20)\d{2})$")
_RANGE = re.compile(r"^(?P<a>.+?)\s?\.\.\s?(?P<b>.+)$")
_ISO_DAY = re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)")
EXAMPLES = ("本月", "上个月", "今年", "2025年第三季度", "2025", "最近30天", "last 30 days", "2025-01-01..2025-06-30")


def _quarter(year: int, quarter: int) -> Period:
    start = date(year, 3 * quarter - 2, 1)
    return Period(start=start, end=next_month(months_before(start, -2)) - timedelta(days=1))


def _quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def _shift_quarter(year: int, quarter: int, back: int) -> tuple[int, int]:
    index = year * 4 + quarter - 1 - back
    return index // 4, index % 4 + 1


def _read_quarter(text: str, today: date) -> Period | None:
    compact = text.replace(" ", "")
    if match := _QUARTER_CN_RELATIVE.match(compact):
        back = {"本": 0, "这": 0, "上": 1, "上上": 2}[match.group("rel").rstrip("个")]
        return _quarter(*_shift_quarter(*_quarter_of(today), back))
    if match := _QUARTER_EN_RELATIVE.match(text):
        return _quarter(*_shift_quarter(*_quarter_of(today), 0 if match.group("rel") == "this" else 1))
    match = _QUARTER_CN.match(compact) if "季" in compact else _QUARTER_EN.match(text)
    if match is None:
        return None
    number = match.group("q")
    quarter = int(number) if number.isdigit() else _CN_DIGITS.index(number) + 1
    groups = match.groupdict()
    written_year = groups.get("year") or groups.get("year_after")
    if written_year:
        return _quarter(int(written_year), quarter)
    if groups.get("rel"):
        return _quarter(today.year - {"今": 0, "本": 0, "去": 1, "前": 2}[groups["rel"]], quarter)
    # A quarter without a year is the latest one that has begun.
    year = today.year if _quarter(today.year, quarter).start <= today else today.year - 1
    return _quarter(year, quarter)


def _read_last_days(text: str, today: date) -> Period | None:
    match = _LAST_DAYS_CN.match(text.replace(" ", "")) or _LAST_DAYS_EN.match(text)
    if match is None:
        return None
    value = parse_number(match.group("n"))
    if value is None or value != int(value) or not 1 <= value <= 3660:
        return None
    return Period(start=today - timedelta(days=int(value) - 1), end=today)


def _read_one(text: str, today: date) -> Period | PeriodError:
    for reader in (_read_quarter, _read_last_days):
        if (period := reader(text, today)) is not None:
            return period
    if match := _YEAR.match(text):
        year = int(match.group("year"))
        return Period(start=date(year, 1, 1), end=date(year, 12, 31))
    for match in _ISO_DAY.finditer(text):
        try:
            date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
        except ValueError:
            return PeriodError(PeriodProblem.NO_SUCH_DATE, match.group())
    if impossible := find_impossible_day(text, today):
        return PeriodError(PeriodProblem.NO_SUCH_DATE, impossible.written)
    start, end = parse_period(text, today)
    if start is None:
        return PeriodError(PeriodProblem.UNREADABLE, text)
    return Period(start=start, end=end or today) if (end or today) >= start else \
        PeriodError(PeriodProblem.UNREADABLE, text)


def read_period(text: str, today: date) -> Period | PeriodError:
    """A period as a supervisor writes it: "本月", "上个月", "今年", "2025年第三季度", "Q3 2025", "2025",
    "最近30天", "last 30 days", "2025-01-01..2025-06-30", "2025年1月到6月" (bot.understanding reads the
    months, years and ranges it knows); empty: this month. A period that has not begun is refused."""
    folded = re.sub(r"\s+", " ", fold_case(normalise(text))).strip()
    if not folded:
        return Period(start=month_start(today), end=next_month(today) - timedelta(days=1))
    if match := _RANGE.match(folded):
        first, last = _read_one(match.group("a"), today), _read_one(match.group("b"), today)
        for side in (first, last):
            if isinstance(side, PeriodError):
                return side
        if last.end < first.start:
            return PeriodError(PeriodProblem.UNREADABLE, text.strip())
        period: Period | PeriodError = Period(start=first.start, end=last.end)
    else:
        period = _read_one(folded, today)
    if isinstance(period, Period) and period.start > today:
        return PeriodError(PeriodProblem.NOT_BEGUN, text.strip())
    return period


# Words a period is written in, so that anything else in `/rates ...` is taken for a scope.
_PERIOD_TOKEN = re.compile(
    r"^[\d年月日号號季度第一二两三四五六七八九十百零〇本上下这個个去今前最近过天周.\-/~至到]+$"
    r"|^(?:this|last|next|past|the|month|months|year|years|quarter|days?|weeks?|to|until|through|and|in|of|from|"
    r"ago|q[1-4]|\d{4}q[1-4]|\d{1,2}(?:st|nd|rd|th)|jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|"
    r"july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)$"
)


def looks_like_period(token: str) -> bool:
    return bool(_PERIOD_TOKEN.match(fold_case(normalise(token))))


# ---- scopes ----------------------------------------------------------------------------------------

ALL_CENTRES = ""     # a rollup row over every centre
NO_CENTRE = "-"      # a rollup row of cases no centre held (not a centre id: ids start with a letter or digit)


class Scope(BaseModel):
    """What the figures are for: the whole city, one centre, a workplace district or street, or a dispute
    kind (in the city, or within a district for a district's supervisor)."""

    model_config = ConfigDict(frozen=True)

    centre: str | None = None
    district: str | None = None
    street: str | None = None
    kind: DisputeKind | None = None

    @model_validator(mode="after")
    def _one_thing(self) -> Scope:
        if self.centre is not None and (self.district or self.street or self.kind):
            raise ValueError("a centre is asked for alone")
        if self.street is not None and (self.district or self.kind):
            raise ValueError("a street is asked for alone")
        return self

    def rollup_key(self) -> tuple[str, str, str]:
        """(scope, value, centre) of the rollup rows that hold exactly this scope."""
        if self.centre is not None:
            return "city", "", self.centre
        if self.street is not None:
            return "street", self.street, ALL_CENTRES
        if self.district is not None and self.kind is not None:
            return "district_kind", f"{self.district}|{self.kind}", ALL_CENTRES
        if self.district is not None:
            return "district", self.district, ALL_CENTRES
        if self.kind is not None:
            return "kind", str(self.kind), ALL_CENTRES
        return "city", "", ALL_CENTRES

    @property
    def has_centre_table(self) -> bool:
        """The rollups break the city and each district down by centre (not streets or kinds)."""
        return self.centre is None and self.street is None and self.kind is None

    def merged(self, other: Scope) -> Scope | None:
        """Both together, or None when they cannot go together (two places of one sort; a centre or a street with
        anything else)."""
        values = self.model_dump()
        for name, value in other.model_dump().items():
            if value is not None and values[name] not in (None, value):
                return None
            values[name] = values[name] if value is None else value
        try:
            return Scope(**values)
        except ValueError:
            return None


class Where(NamedTuple):   # a tuple: a rebuild makes and hashes millions
    """The scope columns of an event: the centre holding the case, the workplace's street and district, the kind."""

    centre: str | None
    street: str | None
    district: str | None
    kind: str


@lru_cache(maxsize=4096)
def rollup_places(where: Where) -> tuple[tuple[str, str, str, bool], ...]:
    """Every (scope, value, centre) row a count at `where` adds to, and whether that row keeps the days-to-close
    histogram: each scope's total, and the city's and the district's row for the centre holding the case (the
    centre's own figures; the district's table of centres, which shows no median)."""
    centre = where.centre or NO_CENTRE
    places = [("city", "", ALL_CENTRES, True), ("city", "", centre, True), ("kind", where.kind, ALL_CENTRES, True)]
    if where.district:
        places += [("district", where.district, ALL_CENTRES, True), ("district", where.district, centre, False),
                   ("district_kind", f"{where.district}|{where.kind}", ALL_CENTRES, True)]
    if where.street:
        places.append(("street", where.street, ALL_CENTRES, True))
    return tuple(places)


# ---- what each event adds ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseFacts:
    """What the rates need of a case beyond its events: facts set when it was filed, never changed."""

    filed_on: date
    migrant: bool       # a wage case of a migrant worker: construction, or the worker said so
    collective: bool    # ten or more workers (Art. 7)

    @classmethod
    def of(cls, kind: str, created_at: datetime, fields: Mapping[str, Any]) -> CaseFacts:
        workers = fields.get("workers_affected")
        migrant = kind == DisputeKind.WAGES and (fields.get("industry") == "construction"
                                                 or fields.get("migrant_worker") is True)
        return cls(filed_on=local_day(created_at), migrant=migrant,
                   collective=isinstance(workers, int) and workers >= COLLECTIVE_WORKERS)

    @classmethod
    def of_case(cls, case: Case) -> CaseFacts:
        return cls.of(case.kind, case.created_at, case.fields)


def local_day(moment: datetime) -> date:
    return moment.astimezone(RATES_ZONE).date()


class Happening(NamedTuple):
    """An event as the rates read it."""

    type: str
    track: str | None
    from_state: str | None
    to_state: str | None
    day: date
    where: Where
    payload: Mapping[str, Any]

    @classmethod
    def of_new(cls, event: NewEvent, case: Case) -> Happening:
        """As `CaseRepository` writes it: with the scope of the case after the change."""
        return cls(event.type, event.track, event.from_state, event.to_state, local_day(event.occurred_at),
                   Where(case.centre_id, case.workplace_street, case.workplace_district, case.kind), event.payload)


class Delta(NamedTuple):
    day: date
    where: Where
    measure: Measure
    count: int
    bucket: int = 0


# Events that change what the rates count; any other (evidence, the clocks' notes) adds nothing.
COUNTED_TYPES = frozenset({EventType.MEDIATION_ENDED, EventType.ARBITRATION_ACCEPTED, EventType.ARBITRATION_CLOSED,
                           EventType.INSPECTION_FILED, EventType.INSPECTION_CLOSED, EventType.SUBMITTED,
                           EventType.ASSIGNED, RATED})
# The events whose payload the rates read (the outcome, the limit held, the level, the half hour).
READS_PAYLOAD = frozenset({EventType.MEDIATION_ENDED, EventType.ARBITRATION_CLOSED, EventType.INSPECTION_CLOSED,
                           EventType.ASSIGNED, RATED})


def held(payload: Mapping[str, Any], clock: Limit) -> bool:
    """Whether the closing step recorded (bot.deadlines.held_to: {"clock": ..., "held": bool, ...}) that it came
    within `clock`'s limit; a step that recorded none is not shown within it."""
    record = payload.get(HELD_TO)
    return isinstance(record, Mapping) and record.get("clock") == clock and record.get("held") is True


def is_open(tracks: Mapping[str, str | None]) -> bool:
    """As `CaseState.is_open`: mediation under way, a payment due, an arbitration or inspection open."""
    inspection = tracks.get(Track.INSPECTION)
    return (tracks.get(Track.MEDIATION) in ACTIVE_MEDIATION
            or tracks.get(Track.PAYMENT) in (Payment.DUE, Payment.PARTLY_PAID)
            or tracks.get(Track.ARBITRATION) in OPEN_ARBITRATION
            or inspection in (Inspection.HANDED_OVER, *FILED_INSPECTION))


@lru_cache(maxsize=1024)
def stocks_of(mediation: str | None, payment: str | None, arbitration: str | None, inspection: str | None,
              migrant: bool, collective: bool) -> frozenset[Measure]:
    """The stocks a case is in, from its tracks' states and its facts."""
    inside = set()
    if arbitration in (Arbitration.ACCEPTED, Arbitration.SUSPENDED):
        inside.add(Measure.ARBITRATION_OPEN)
    if inspection in FILED_INSPECTION:
        inside |= {Measure.INSPECTION_OPEN, *([Measure.MIGRANT_OPEN] if migrant else [])}
    if is_open({Track.MEDIATION: mediation, Track.PAYMENT: payment, Track.ARBITRATION: arbitration,
                Track.INSPECTION: inspection}):
        inside |= {Measure.CASES_OPEN, *([Measure.COLLECTIVE_OPEN] if collective else [])}
    return frozenset(inside)


@dataclass
class CaseTally:
    """What the rates remember of one case between its events, and what each event adds."""

    facts: CaseFacts
    tracks: dict[str, str | None] = field(default_factory=dict)
    where: Where | None = None                     # of its latest event: where its stocks are counted
    routing: tuple[date, Where] | None = None      # where its first routing is counted: the filing, till assigned
    assigned: bool = False

    @classmethod
    def before(cls, case: Case, batch: Sequence[Happening], previous: Where | None,
               filed: tuple[date, Where] | None) -> CaseTally:
        """The tally just before `batch` was written, from the case after it: each track as the batch's
        first event on it found it; `previous`, the scope of the case's event before the batch; `filed`, the
        day and scope of its filing (needed when the batch assigns it)."""
        tracks: dict[str, str | None] = {Track.MEDIATION: case.mediation, Track.PAYMENT: case.payment,
                                         Track.ARBITRATION: case.arbitration, Track.INSPECTION: case.inspection}
        for event in reversed(batch):
            if event.track is not None:
                tracks[event.track] = event.from_state
        # A case is assigned once, from "submitted" (the state machine): a batch assigning it is its first.
        assigned = not any(event.type == EventType.ASSIGNED for event in batch)
        return cls(CaseFacts.of_case(case), tracks, previous, filed, assigned)

    def _stocks(self) -> frozenset[Measure]:
        tracks = self.tracks
        return stocks_of(tracks.get(Track.MEDIATION), tracks.get(Track.PAYMENT), tracks.get(Track.ARBITRATION),
                         tracks.get(Track.INSPECTION), self.facts.migrant, self.facts.collective)

    def step(self, event: Happening) -> list[Delta]:
        before, old_where = self._stocks(), self.where
        if event.track is not None and event.to_state is not None:
            self.tracks[event.track] = event.to_state
        after, moved = self._stocks(), old_where != event.where
        self.where = event.where
        if before is after and not moved:   # the usual case: no stock changes
            return self._flows(event)
        deltas = [Delta(event.day, old_where, measure, -1) for measure in sorted(before)
                  if old_where is not None and (measure not in after or moved)]
        deltas += [Delta(event.day, event.where, measure, 1) for measure in sorted(after)
                   if measure not in before or moved]
        return deltas + self._flows(event)

    def _flows(self, event: Happening) -> list[Delta]:
        day, where, payload = event.day, event.where, event.payload

        def count(*measures: Measure) -> list[Delta]:
            return [Delta(day, where, measure, 1) for measure in measures]

        if event.type == EventType.MEDIATION_ENDED:
            return [*count(Measure.MEDIATION_ENDED),
                    *(count(Measure.MEDIATION_AGREEMENT) if payload.get("outcome") == Outcome.AGREEMENT else []),
                    Delta(day, where, Measure.MEDIATION_DAYS, 1, bucket=(day - self.facts.filed_on).days)]
        if event.type == EventType.ARBITRATION_ACCEPTED:
            return count(Measure.ARBITRATION_ACCEPTED)
        if event.type == EventType.ARBITRATION_CLOSED:
            within = held(payload, Limit.ARBITRATION_CLOSE)
            return count(Measure.ARBITRATION_CLOSED, *([Measure.ARBITRATION_CLOSED_WITHIN] if within else []))
        if event.type == EventType.INSPECTION_FILED:
            return count(Measure.INSPECTION_FILED, *([Measure.MIGRANT_FILED] if self.facts.migrant else []))
        if event.type == EventType.INSPECTION_CLOSED and event.from_state in FILED_INSPECTION:
            within = held(payload, Limit.INSPECTION_CLOSE)
            return count(Measure.INSPECTION_CLOSED, *([Measure.INSPECTION_CLOSED_WITHIN] if within else []),
                         *([Measure.MIGRANT_CLOSED] if self.facts.migrant else []))
        if event.type == RATED:
            return count(Measure.RATED, *([Measure.RATED_GOOD] if payload.get("good") is True else []))
        if event.type == EventType.SUBMITTED and self.routing is None:
            self.routing = (day, where)
            return count(Measure.ROUTED)
        if event.type == EventType.ASSIGNED and not self.assigned:
            # The first routing that found a centre: the case's routing is counted here, not at its filing.
            self.assigned = True
            moved_from = [Delta(*self.routing, Measure.ROUTED, -1)] if self.routing else []
            self.routing = (day, where)
            return [*moved_from, *count(Measure.ROUTED),
                    *(count(Measure.ROUTED_WITHIN) if payload.get("within_half_hour") is True else [])]
        return []


RollupKey = tuple[str, str, str, Grain, date, Measure, int]  # scope, value, centre, grain, first day, measure, bucket


def rollup_counts(deltas: Iterable[Delta]) -> Counter[RollupKey]:
    """The rollup rows `deltas` add to, both grains, summed; rows that come to nothing are left out (the days
    are summed first, then the months from the days: a rebuild sums millions)."""
    days: dict[tuple[str, str, str, date, Measure, int], int] = {}
    for delta in deltas:
        count, day, measure, bucket = delta.count, delta.day, delta.measure, delta.bucket
        histogram = measure is Measure.MEDIATION_DAYS
        for scope, value, centre, keeps_histogram in rollup_places(delta.where):
            if keeps_histogram or not histogram:
                key = (scope, value, centre, day, measure, bucket)
                days[key] = days.get(key, 0) + count
    rows: Counter[RollupKey] = Counter()
    months: dict[date, date] = {}
    for (scope, value, centre, day, measure, bucket), count in days.items():
        if count:
            rows[(scope, value, centre, Grain.DAY, day, measure, bucket)] = count
            month = months.get(day) or months.setdefault(day, month_start(day))
            rows[(scope, value, centre, Grain.MONTH, month, measure, bucket)] += count
    return Counter({key: count for key, count in rows.items() if count})   # a stock's change may be negative


# ---- from the rollups' sums to the figures ------------------------------------------------------------

@dataclass(frozen=True)
class Tallies:
    """The rollups summed for one scope (and centre): flows in the period and the one before (a stock:
    its change), stocks at the period's start, the period's mediation endings by days since filing, and
    the closing limits overdue now (from the clocks, not the rollups)."""

    period: Mapping[Measure, int]
    previous: Mapping[Measure, int]
    opening: Mapping[Measure, int]
    days_to_close: Mapping[int, int]
    overdue: int = 0


class RateFigure(BaseModel):
    model_config = ConfigDict(frozen=True)

    numerator: int
    denominator: int
    target: float | None = None

    @property
    def value(self) -> float | None:
        return None if self.denominator == 0 else self.numerator / self.denominator

    @property
    def meets_target(self) -> bool | None:
        if self.target is None or self.denominator == 0:
            return None
        # In integers: 72% of 386 is 277.92, so 278 agreements meet it and 277 do not.
        return self.numerator * 100 >= round(self.target * 100) * self.denominator

    def as_json(self) -> dict[str, Any]:
        return {"numerator": self.numerator, "denominator": self.denominator, "value": self.value,
                "target": self.target}


def rates_of(flows: Mapping[Measure, int], opening: Mapping[Measure, int]) -> dict[RateKey, RateFigure]:
    figures = {}
    for definition in DEFINITIONS:
        numerator = sum(flows.get(measure, 0) for measure in definition.numerator_measures)
        denominator = sum(flows.get(measure, 0) for measure in definition.denominator_measures)
        if definition.opening_stock is not None:
            denominator += opening.get(definition.opening_stock, 0)
        figures[definition.key] = RateFigure(numerator=numerator, denominator=denominator, target=definition.target)
    return figures


def median(histogram: Mapping[int, int]) -> float | None:
    """The median of values given as {value: how many}; None when there are none."""
    counts = sorted((value, count) for value, count in histogram.items() if count > 0)
    total = sum(count for _, count in counts)
    if total == 0:
        return None
    middle = ((total - 1) // 2, total // 2)   # the one or two positions in the middle, counted from 0
    found: list[int] = []
    seen = 0
    for value, count in counts:
        while len(found) < 2 and middle[len(found)] < seen + count:
            found.append(value)
        seen += count
    return (found[0] + found[1]) / 2


class Figures(BaseModel):
    model_config = ConfigDict(frozen=True)

    rates: dict[RateKey, RateFigure]
    previous: dict[RateKey, RateFigure]
    open: int
    collective: int
    overdue: int
    median_days_to_close: float | None

    @classmethod
    def of(cls, tallies: Tallies) -> Figures:
        # The previous period ends the day before this one starts: its opening stocks are this one's,
        # less what changed during it.
        previous_opening = {measure: tallies.opening.get(measure, 0) - tallies.previous.get(measure, 0)
                            for measure in STOCKS}
        return cls(
            rates=rates_of(tallies.period, tallies.opening),
            previous=rates_of(tallies.previous, previous_opening),
            open=tallies.opening.get(Measure.CASES_OPEN, 0) + tallies.period.get(Measure.CASES_OPEN, 0),
            collective=tallies.opening.get(Measure.COLLECTIVE_OPEN, 0)
            + tallies.period.get(Measure.COLLECTIVE_OPEN, 0),
            overdue=tallies.overdue,
            median_days_to_close=median(tallies.days_to_close),
        )

    @property
    def counted_anything(self) -> bool:
        return self.open > 0 or any(figure.denominator for figure in self.rates.values())


def _worst_first(item: tuple[str, Figures]) -> tuple[bool, float, str]:
    value = item[1].rates[RateKey.MEDIATION_SUCCESS].value
    return value is None, value if value is not None else 0.0, item[0]


class Report(BaseModel):
    model_config = ConfigDict(frozen=True)

    period: Period
    previous_period: Period
    scope: Scope
    figures: Figures
    by_centre: list[tuple[str, Figures]]   # worst mediation success first; centres with nothing left out
    complete: bool = True                  # False: events from before the rollups existed are not in them

    def as_json(self) -> dict[str, Any]:
        def period(value: Period) -> dict[str, str]:
            return {"start": value.start.isoformat(), "end": value.end.isoformat()}

        def rates(values: dict[RateKey, RateFigure]) -> dict[str, Any]:
            return {key.value: values[key].as_json() for key in RateKey}

        def counts(figures: Figures) -> dict[str, int]:
            return {"open": figures.open, "overdue": figures.overdue, "collective": figures.collective}

        return {
            "period": period(self.period),
            "scope": self.scope.model_dump(mode="json"),
            "rates": rates(self.figures.rates),
            "previous": {"period": period(self.previous_period), "rates": rates(self.figures.previous)},
            "by_centre": [{"centre_id": None if centre == NO_CENTRE else centre, "rates": rates(figures.rates),
                           **counts(figures)} for centre, figures in self.by_centre],
            **counts(self.figures),
            "median_days_to_close": self.figures.median_days_to_close,
        }


# ---- the store, the places, and who may see what ----------------------------------------------------------

class RateStore(Protocol):
    async def tallies(self, scope: Scope, period: Period, previous: Period, today: date, *, by_centre: bool
                      ) -> dict[str, Tallies]:
        """The sums for `scope` under ALL_CENTRES, and with `by_centre` for each centre that ever counted
        in it (NO_CENTRE: cases no centre held)."""
        ...

    async def complete(self) -> bool:
        """False while events written before the rollups existed are not in them (rebuild them)."""
        ...


class Places(Protocol):
    """Names of the centres, streets and districts, from the registry and the gazetteer."""

    def centre_district(self, centre_id: str) -> str | None: ...

    def street_district(self, street: str) -> str | None: ...

    def centre_name(self, centre_id: str, locale: str) -> str: ...

    def street_name(self, street: str, locale: str) -> str: ...

    def district_name(self, district: str, locale: str) -> str: ...

    def centres(self, district: str | None) -> list[str]: ...

    def streets(self, district: str | None) -> list[str]: ...

    def districts(self) -> list[str]: ...

    def find(self, typed: str) -> Scope | None:
        """The centre (id or name), street or district a typed word names exactly, or None."""
        ...


class RegistryPlaces:
    """`Places` from the centres registry (the current one, so a reload is seen at once) and the gazetteer."""

    def __init__(self, registry: Callable[[], Registry], gazetteer: Gazetteer) -> None:
        self._registry = registry
        self._gazetteer = gazetteer

    def _centre(self, centre_id: str) -> Centre | None:
        try:
            return self._registry().get(centre_id)
        except KeyError:
            return None

    def _street(self, street: str) -> Place | None:
        return next((place for place in self._gazetteer.places if place.street == street), None)

    def centre_district(self, centre_id: str) -> str | None:
        centre = self._centre(centre_id)
        return centre.district if centre else None

    def street_district(self, street: str) -> str | None:
        place = self._street(street)
        return place.district if place else None

    def centre_name(self, centre_id: str, locale: str) -> str:
        centre = self._centre(centre_id)
        return centre.name.pick(locale) if centre else centre_id

    def street_name(self, street: str, locale: str) -> str:
        place = self._street(street)
        return place.street_en if place and not locale.startswith("zh") else street

    def district_name(self, district: str, locale: str) -> str:
        found = next((known for known in self._gazetteer.districts if known.name == district), None)
        return found.name_en if found and not locale.startswith("zh") else district

    def centres(self, district: str | None) -> list[str]:
        return [centre.id for centre in self._registry().centres if district is None or centre.district == district]

    def streets(self, district: str | None) -> list[str]:
        return [street for known in self._gazetteer.districts if district is None or known.name == district
                for street in known.streets]

    def districts(self) -> list[str]:
        return [district.name for district in self._gazetteer.districts]

    def find(self, typed: str) -> Scope | None:
        """A centre's id or full name, a district's or street's name (吴家山 is the street; its centre's
        short name comes last)."""
        word = fold_case(normalise(typed)).strip()
        centres = self._registry().centres
        for centre in centres:
            if word in (centre.id, fold_case(centre.name.zh), fold_case(centre.name.en)):
                return Scope(centre=centre.id)
        for district in self._gazetteer.districts:
            if word in (district.name, district.name.removesuffix("区"), fold_case(district.name_en)):
                return Scope(district=district.name)
        core = core_name(word)
        for place in self._gazetteer.places:
            if place.name == place.street and core in (core_name(place.street), core_name(place.street_en)):
                return Scope(street=place.street)
        return next((Scope(centre=centre.id) for centre in centres
                     if word in (fold_case(centre.label.zh), fold_case(centre.label.en))), None)


_KIND_WORDS = {
    DisputeKind.WAGES: ("wages", "wage", "工资", "欠薪", "拖欠工资", "欠工资"),
    DisputeKind.CONTRACT: ("contract", "contracts", "合同", "劳动合同"),
    DisputeKind.PLATFORM: ("platform", "平台", "平台用工", "新就业形态"),
}
KIND_BY_WORD = {word: kind for kind, words in _KIND_WORDS.items() for word in words}


class Declined(StrEnum):
    NOT_STAFF = "not_staff"                  # neither a supervisor nor a mediator of a centre
    OWN_CENTRE_ONLY = "own_centre_only"      # a mediator asked for more than their centre
    OWN_DISTRICT_ONLY = "own_district_only"  # a district's supervisor asked for outside it


@dataclass(frozen=True)
class Refused:
    reason: Declined
    allowed: str | None = None   # the person's centre or district


def default_scope(person: Person) -> Scope | None:
    if person.role is Role.SUPERVISOR:
        return Scope() if person.city_wide else Scope(district=person.district)
    if person.role is Role.MEDIATOR and person.centre_id:
        return Scope(centre=person.centre_id)
    return None


def allowed_scope(person: Person, asked: Scope | None, places: Places) -> Scope | Refused:
    """What `person` may see of `asked` (None: their default): a supervisor their district (a city-wide
    one anything), a mediator their own centre, nobody else anything. A kind asked by a district's
    supervisor is the kind within their district."""
    home = default_scope(person)
    if home is None:
        return Refused(Declined.NOT_STAFF)
    if asked is None:
        return home
    if person.role is Role.MEDIATOR:
        return asked if asked.centre == person.centre_id else Refused(Declined.OWN_CENTRE_ONLY, person.centre_id)
    if person.city_wide:
        return asked
    district = person.district
    if asked.street is None and asked.district is None and asked.centre is None:
        asked = asked.merged(Scope(district=district)) or asked
    inside = (asked.district in (None, district)
              and (asked.street is None or places.street_district(asked.street) == district)
              and (asked.centre is None or places.centre_district(asked.centre) == district))
    return asked if inside else Refused(Declined.OWN_DISTRICT_ONLY, district)


# ---- asking -------------------------------------------------------------------------------------------

class ScopeProblem(StrEnum):
    UNKNOWN = "unknown"        # no centre, street, district or kind by that name
    TWO_PLACES = "two_places"  # two places of one sort, or a centre or street with anything else


@dataclass(frozen=True)
class ScopeError:
    problem: ScopeProblem
    written: str


@dataclass(frozen=True)
class Request:
    period: Period
    scope: Scope | None   # None: the asker's own


def read_scope(typed: str, places: Places) -> Scope | None:
    word = fold_case(normalise(typed)).strip()
    if word in KIND_BY_WORD:
        return Scope(kind=KIND_BY_WORD[word])
    return places.find(typed.strip())


def read_request(text: str, today: date, places: Places) -> Request | PeriodError | ScopeError:
    """`/rates [period] [scope]`: the words that name a scope are taken out, the rest is the period."""
    scope: Scope | None = None
    period_words = []
    for token in text.split():
        if looks_like_period(token):
            period_words.append(token)
            continue
        found = read_scope(token, places)
        if found is None:
            return ScopeError(ScopeProblem.UNKNOWN, token)
        merged = found if scope is None else scope.merged(found)
        if merged is None:
            return ScopeError(ScopeProblem.TWO_PLACES, token)
        scope = merged
    period = read_period(" ".join(period_words), today)
    if isinstance(period, PeriodError):
        return period
    return Request(period, scope)


def wants_help(text: str) -> bool:
    return fold_case(normalise(text)).strip() in ("help", "帮助", "说明", "定义", "?", "？")


class RatesService:
    """`/rates` and `python -m bot rates`: the figures for a period and scope, within what the asker may see."""

    def __init__(self, store: RateStore, places: Places, clock: Clock) -> None:
        self._store = store
        self._places = places
        self._clock = clock

    @property
    def places(self) -> Places:
        return self._places

    def today(self) -> date:
        return local_today(self._clock, RATES_ZONE)

    async def report(self, period: Period, scope: Scope, *, by_centre: bool = True) -> Report:
        previous = period.previous()
        tallies = await self._store.tallies(scope, period, previous, self.today(), by_centre=by_centre)
        total = tallies.pop(ALL_CENTRES, None) or Tallies({}, {}, {}, {})
        centres = [(centre, Figures.of(values)) for centre, values in tallies.items()]
        centres = sorted((item for item in centres if item[1].counted_anything), key=_worst_first)
        return Report(period=period, previous_period=previous, scope=scope, figures=Figures.of(total),
                      by_centre=centres, complete=await self._store.complete())

    async def ask(self, person: Person, text: str) -> Report | Refused | PeriodError | ScopeError:
        request = read_request(text, self.today(), self._places)
        if not isinstance(request, Request):
            return request
        return await self.for_person(person, request.period, request.scope)

    async def for_person(self, person: Person, period: Period, asked: Scope | None) -> Report | Refused:
        scope = allowed_scope(person, asked, self._places)
        if isinstance(scope, Refused):
            # Who asked for what is kept in the log (not the access log: no worker's details were shown).
            log.warning("rates refused (%s): person %s, role %s, asked %s", scope.reason, person.id, person.role,
                        asked.model_dump(exclude_none=True) if asked else "their own")
            return scope
        return await self.report(period, scope)


# ---- in words ------------------------------------------------------------------------------------------

CENTRES_SHOWN = 30   # the worst ones: the message stays within Telegram's 4096 characters


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def rate_line(definition: Definition, figure: RateFigure, before: RateFigure | None, locale: str) -> str:
    """`调解成功率 74.1%（286/386）目标 ≥72% ✅ · 较上期 +2.1 个百分点`."""
    _ = translations(locale).gettext
    name = _(definition.name)
    value = figure.value
    target = f"{definition.target_percent}%" if definition.target_percent is not None else None
    if value is None:
        if definition.key is RateKey.SATISFACTION:
            line = _("{name} — no ratings yet").format(name=name)
        else:
            line = _("{name} — no cases in this period").format(name=name)
        return line + (_(" (target ≥{target})").format(target=target) if target else "")
    if target:
        line = _("{name} {value} ({numerator}/{denominator}) target ≥{target}").format(
            name=name, value=percent(value), numerator=figure.numerator, denominator=figure.denominator,
            target=target) + (" ✅" if figure.meets_target else " ❌")
    else:
        line = _("{name} {value} ({numerator}/{denominator}), no target").format(
            name=name, value=percent(value), numerator=figure.numerator, denominator=figure.denominator)
    if before is not None and before.value is not None:
        change = (value - before.value) * 100
        line += _(" · {change} pp vs previous").format(change=f"{change:+.1f}")
    elif before is not None:
        line += _(" · no previous figure")
    return line


def kind_name(kind: DisputeKind, locale: str) -> str:
    _ = translations(locale).gettext
    return {DisputeKind.WAGES: _("unpaid wages"), DisputeKind.CONTRACT: _("labour contracts"),
            DisputeKind.PLATFORM: _("platform work")}[kind]


def scope_label(scope: Scope, places: Places, locale: str) -> str:
    _ = translations(locale).gettext
    parts = []
    if scope.street:
        parts.append(places.street_name(scope.street, locale))
    if scope.district:
        parts.append(places.district_name(scope.district, locale))
    if scope.kind:
        parts.append(kind_name(scope.kind, locale))
    if scope.centre:
        parts.append(places.centre_name(scope.centre, locale))
    return " · ".join(parts) if parts else _("the whole city")


def centre_label(centre: str, places: Places, locale: str) -> str:
    _ = translations(locale).gettext
    return _("no centre yet") if centre == NO_CENTRE else places.centre_name(centre, locale)


def _markup(html: bool) -> tuple[Callable[[str], str], Callable[[str], str]]:
    """(escape, bold) for Telegram HTML, or for plain text."""
    if html:
        return (lambda text: escape_html(text, quote=False)), (lambda text: f"<b>{text}</b>")
    return (lambda text: text), (lambda text: text)


def render_report(report: Report, places: Places, locale: str, *, html: bool, today: date | None = None) -> str:
    """The answer to `/rates`, in Telegram HTML or plain text (the command line)."""
    _ = translations(locale).gettext
    escape, bold = _markup(html)
    figures = report.figures
    title = _("📊 {scope} · {start} to {end}").format(
        scope=escape(scope_label(report.scope, places, locale)), start=report.period.start.isoformat(),
        end=report.period.end.isoformat())
    lines = [bold(title)]
    if today is not None and report.period.holds(today):
        lines.append(_("(to date: the period is not over)"))
    lines.append(_("Compared with {start} to {end}").format(start=report.previous_period.start.isoformat(),
                                                             end=report.previous_period.end.isoformat()))
    lines.append("")
    for definition in DEFINITIONS:
        lines.append(escape(rate_line(definition, figures.rates[definition.key],
                                      figures.previous[definition.key], locale)))
    lines.append(_("ℹ️ Inspection figures count only cases this system handed to labour inspection."))
    lines.append("")
    if figures.median_days_to_close is None:
        lines.append(_("Median days to close (mediation): — no mediation ended"))
    else:
        lines.append(_("Median days to close (mediation): {days} ({count} cases)").format(
            days=f"{figures.median_days_to_close:g}", count=figures.rates[RateKey.MEDIATION_SUCCESS].denominator))
    lines.append(_("Open at the period's end: {open} · collective among them: {collective} · overdue now: "
                   "{overdue}").format(open=figures.open, collective=figures.collective, overdue=figures.overdue))
    if report.by_centre:
        lines += ["", bold(_("By centre, worst mediation success first"))]
        for position, (centre, centre_figures) in enumerate(report.by_centre[:CENTRES_SHOWN], start=1):
            success = centre_figures.rates[RateKey.MEDIATION_SUCCESS]
            shown = _("no mediation ended") if success.value is None else \
                ("{}（{}/{}）{}" if locale.startswith("zh") else "{} ({}/{}) {}").format(
                    percent(success.value), success.numerator, success.denominator,
                    "✅" if success.meets_target else "❌")
            lines.append(_("{position}. {centre}: {success} · open {open}").format(
                position=position, centre=escape(centre_label(centre, places, locale)), success=shown,
                open=centre_figures.open))
        if len(report.by_centre) > CENTRES_SHOWN:
            lines.append(_("… and {count} more centres (`python -m bot rates --json` lists them all)").format(
                count=len(report.by_centre) - CENTRES_SHOWN))
    if not report.complete:
        lines += ["", _("⚠️ Events from before the rates existed are not counted yet: the operator runs "
                        "`python -m bot rates --rebuild`.")]
    return "\n".join(lines)


def render_definitions(locale: str, *, html: bool) -> str:
    """Every rate's definition, for `/rates help` and the README."""
    _ = translations(locale).gettext
    escape, bold = _markup(html)
    lines = [bold(_("How the rates are counted"))]
    for definition in DEFINITIONS:
        target = ""
        if definition.target_percent is not None:
            target = (_(" — binding target ≥{target}%") if definition.target_kind is TargetKind.BINDING
                      else _(" — expected ≥{target}%")).format(target=definition.target_percent)
        lines += ["", bold(f"• {escape(_(definition.name))}{target}"),
                  _("  above the line: {text}").format(text=escape(_(definition.numerator))),
                  _("  below the line: {text}").format(text=escape(_(definition.denominator))),
                  _("  in the period by: {text}").format(text=escape(_(definition.dated_by)))]
        if definition.note:
            lines.append(f"  {escape(_(definition.note))}")
    lines += ["", escape(_(SCOPE_RULE))]
    return "\n".join(lines)


def render_examples(locale: str) -> str:
    _ = translations(locale).gettext
    examples = ("、" if locale.startswith("zh") else ", ").join(EXAMPLES)
    return _("Examples: {examples}. Add a centre, street, district or dispute kind to narrow it, e.g. /rates "
             "上个月 吴家山街道.").format(examples=examples)
