"""`python -m bot understand [--today YYYY-MM-DD] TEXT`: the fields understood, as JSON on stdout."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from zoneinfo import ZoneInfo

WUHAN = ZoneInfo("Asia/Shanghai")


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in the form YYYY-MM-DD: {value!r}") from None


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--today", type=_iso_date, default=None,
                        help="the date relative phrases count from (default: today in Wuhan)")
    parser.add_argument("text", help="the complaint message, in quotes")


def run(args: argparse.Namespace) -> int:
    from bot.understanding import understand  # the parsers load only when the command runs

    today = args.today or datetime.now(WUHAN).date()
    fields = understand(args.text, today).to_json_dict()
    json.dump(fields, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0
