"""`python -m bot deadlines`: the statutory due dates for given start dates, as JSON, counted by the
clocks' own function with the published calendar (and an overrides file, if given)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from bot.calendar import HolidaysFileError, WorkingCalendar
from bot.clocks import PERIODS, Limit, due_date

# output key: (the option it is counted from, the limit, the extension counted in)
OUTPUTS = {
    "mediation_period_ends": ("mediation_received", Limit.MEDIATION_PERIOD, 0),
    "platform_mediation_ends": ("platform_accepted", Limit.PLATFORM_MEDIATION_CLOSE, 0),
    "acceptance_decision_by": ("arbitration_received", Limit.ACCEPTANCE_DECISION, 0),
    "arbitration_ends": ("arbitration_accepted", Limit.ARBITRATION_CLOSE, 0),
    "arbitration_extended_ends": ("arbitration_accepted", Limit.ARBITRATION_CLOSE,
                                  PERIODS[Limit.ARBITRATION_CLOSE].longest_extension),
    "inspection_ends": ("inspection_filed", Limit.INSPECTION_CLOSE, 0),
    "inspection_extended_ends": ("inspection_filed", Limit.INSPECTION_CLOSE,
                                 PERIODS[Limit.INSPECTION_CLOSE].longest_extension),
}
OPTIONS = {
    "mediation_received": "the mediation centre received the application (Art. 14: the 15-day period)",
    "platform_accepted": "a mediator accepted a platform-work case (15 days to close it)",
    "arbitration_received": "the arbitration committee received the complete application (5 working days)",
    "arbitration_accepted": "the arbitration was accepted (45 days; 60 with the extension)",
    "inspection_filed": "labour inspection filed the complaint (60 working days; 90 with the extension)",
}


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {text!r}") from None


def configure(parser: argparse.ArgumentParser) -> None:
    for name, help_text in OPTIONS.items():
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, type=iso_date, metavar="DATE", help=help_text)
    parser.add_argument("--holidays", metavar="FILE",
                        help="an overrides file (the format of data/holidays/overrides.sample.yaml)")


def deadlines(starts: dict[str, date | None], calendar: WorkingCalendar) -> dict[str, object]:
    """Each due date whose start is given, and the keys whose date is provisional."""
    result: dict[str, object] = {}
    provisional = []
    for key, (option, limit, extension) in OUTPUTS.items():
        start = starts.get(option)
        if start is None:
            continue
        due = due_date(limit, start, calendar, extension_days=extension)
        result[key] = due.day.isoformat()
        if due.provisional:
            provisional.append(key)
    result["provisional"] = provisional
    return result


def run(args: argparse.Namespace) -> int:
    try:
        calendar = WorkingCalendar.from_file(args.holidays)
    except HolidaysFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(deadlines({option: getattr(args, option) for option in OPTIONS}, calendar), indent=2))
    return 0
