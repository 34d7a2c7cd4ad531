"""The working-day calendar: which days are working days in mainland China, and counting by them.

China's holidays and swapped working days (调休) are set by the State Council every year, usually in
November for the next. `chinese-calendar` knows the years published when it was released; the
operator adds a year it does not know yet, or corrects one, in an overrides file (`HOLIDAYS_FILE`,
format in data/holidays/overrides.sample.yaml). A year neither knows falls back to weekends, and a
date counted through such a year is not `known`: callers show it as provisional.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, NamedTuple

import chinese_calendar
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.routing.files import read_structured_file

ONE_DAY = timedelta(days=1)
# The package raises for any year outside the range it ships; these are the years it covers.
PUBLISHED_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)


class HolidaysFileError(Exception):
    """The overrides file cannot be used; the message names the file and the entry."""


class YearOverrides(BaseModel):
    """One year's schedule as the State Council published it (or the operator's correction of it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    holidays: list[date] = Field(default_factory=list)       # rest days, weekdays included (放假)
    working_days: list[date] = Field(default_factory=list)   # weekend days worked instead (调休上班)
    source: str | None = None                                # e.g. the notice's number and date


class HolidayOverrides(BaseModel):
    """A year listed here is known. One the package does not know is its weekends, minus its working
    days, plus its holidays; for one it knows, the entries correct the package day by day."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sample: bool = False
    note: str | None = None
    years: dict[Annotated[int, Field(ge=2000, le=2100)], YearOverrides] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _dates_in_their_year_and_one_kind_each(self) -> HolidayOverrides:
        for year, schedule in self.years.items():
            for field in ("holidays", "working_days"):
                for index, day in enumerate(getattr(schedule, field)):
                    if day.year != year:
                        raise ValueError(f"years.{year}.{field}[{index}]: {day.isoformat()} is not in {year}")
            for index, day in enumerate(schedule.working_days):
                if day in schedule.holidays:
                    raise ValueError(f"years.{year}.working_days[{index}]: {day.isoformat()} is also "
                                     f"listed as a holiday")
        return self


class _DatesAsText(yaml.SafeLoader):
    """Leaves dates to pydantic, which names the entry of an impossible one (PyYAML fails without saying where)."""


_DatesAsText.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_overrides(path: Path | str) -> HolidayOverrides:
    path = Path(path)
    raw = read_structured_file(path, error=HolidaysFileError, yaml_loader=_DatesAsText)
    try:
        return HolidayOverrides.model_validate({} if raw is None else raw)
    except ValidationError as error:
        raise HolidaysFileError(f"{path}: {_describe_first_error(error)}") from None


def _describe_first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    message = first["msg"].removeprefix("Value error, ")
    if not first["loc"]:  # a whole-file check names its entry in the message
        return message
    where = ""
    for part in first["loc"]:
        if part == "[key]":  # pydantic's mark for a bad year: the year itself is already named
            continue
        where += f"[{part}]" if isinstance(part, int) and where.endswith(("holidays", "working_days")) else f".{part}"
    return f"{where.removeprefix('.')}: {message} (got {first.get('input')!r})"


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


class Reckoning(NamedTuple):
    day: date
    known: bool  # every day the count depended on lies in a year the calendar knows


class WorkingCalendar:
    def __init__(self, overrides: HolidayOverrides | None = None) -> None:
        # The package's own is_workday checks the year range on every call (~30 µs here, 0.14 µs this
        # way), and recomputing every stored due date asks for each day counted: its tables are merged once.
        rest, worked = set(chinese_calendar.holidays), set(chinese_calendar.workdays)
        years = overrides.years if overrides else {}
        for schedule in years.values():
            rest = (rest - set(schedule.working_days)) | set(schedule.holidays)
            worked = (worked - set(schedule.holidays)) | set(schedule.working_days)
        self._rest_days, self._worked_days = frozenset(rest), frozenset(worked)
        self._known_years = frozenset(PUBLISHED_YEARS) | frozenset(years)

    @classmethod
    def from_file(cls, path: Path | str | None) -> WorkingCalendar:
        """The published calendar with the operator's overrides, if a file is given."""
        return cls(load_overrides(path) if path is not None else None)

    def knows(self, day: date) -> bool:
        return day.year in self._known_years

    def is_working_day(self, day: date) -> bool:
        return day in self._worked_days or (day.weekday() < 5 and day not in self._rest_days)

    def add_working_days(self, start: date, days: int) -> Reckoning:
        """The `days`-th working day after `start` (the day of the event itself is not counted)."""
        _require_positive(days)
        day, counted, known = start, 0, True
        while counted < days:
            day += ONE_DAY
            known = known and self.knows(day)
            counted += self.is_working_day(day)
        return Reckoning(day, known)

    def add_calendar_days(self, start: date, days: int) -> Reckoning:
        """`days` calendar days after `start`; a period whose last day is a rest day ends on the next working day."""
        _require_positive(days)
        return self.roll_forward(start + timedelta(days=days))

    def roll_forward(self, day: date) -> Reckoning:
        """`day` if it is a working day, else the next working day."""
        known = self.knows(day)
        while not self.is_working_day(day):
            day += ONE_DAY
            known = known and self.knows(day)
        return Reckoning(day, known)


def _require_positive(days: int) -> None:
    if days < 1:
        raise ValueError(f"a period has at least one day (got {days})")


# The published schedules alone, for callers not handed the operator's calendar.
PUBLISHED_CALENDAR = WorkingCalendar()
