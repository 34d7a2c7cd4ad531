"""`python -m bot [command]`: the bot itself (`run`, the default) and the operator commands.

Machine-readable output goes to stdout alone; logs and library chatter go to stderr, so
`python -m bot ... | jq` always works. Each command imports what it needs only when it runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import ValidationError

if TYPE_CHECKING:  # the commands import what they use when they run
    from bot.settings import Settings
    from storage.db import Database


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    module: str       # imported only when this command runs (or its --help is asked for)
    configure: str    # function(parser) adding the command's arguments
    run: str          # function(args) -> exit code


COMMANDS = (
    Command("run", "start the bot (Telegram and/or the web chat); the default", "bot.cli", "_no_arguments", "_run"),
    Command("migrate", "apply database migrations and print the applied ones as JSON", "bot.cli",
            "_no_arguments", "_migrate"),
    Command("understand", "show the fields the bot understands in a complaint text (JSON)",
            "bot.understanding.cli", "configure", "run"),
    Command("route", "route a worker's position to a mediation centre (JSON)", "bot.routing.cli",
            "configure_route", "run_route"),
    Command("centres", "print the centres registry (JSON)", "bot.routing.cli", "configure_centres", "run_centres"),
    Command("coverage", "half-hour coverage of a district as a PNG map (JSON summary)", "bot.routing.cli",
            "configure_coverage", "run_coverage"),
    Command("staff", "add, list and remove staff in the bot's database, also while it runs (JSON)", "bot.cli",
            "_configure_staff", "_staff"),
    Command("deadlines", "statutory due dates from given start dates (JSON)", "bot.deadlines_cli", "configure", "run"),
    Command("rates", "the rates the district is judged by, for a period and a scope (JSON with --json)", "bot.cli",
            "_configure_rates", "_rates"),
    Command("export", "every case with everything the store holds for it (JSON, see docs/export-format.md), or its "
                      "rows as CSV or XLSX", "bot.cli", "_configure_export", "_export"),
    Command("import", "load the cases of an export's JSON into this store, in one transaction", "bot.cli",
            "_configure_import", "_import"),
)


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    """The command takes no arguments beyond the environment's settings."""


def load_settings():
    from bot.settings import Settings, describe_settings_error

    try:
        return Settings()
    except ValidationError as error:
        print(describe_settings_error(error), file=sys.stderr)
        raise SystemExit(2) from None


def _run(args: argparse.Namespace) -> int:
    from bot.app import serve
    from bot.calendar import HolidaysFileError
    from bot.routing import GazetteerError, RegistryError

    settings = load_settings()
    try:
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is the normal way to stop
            asyncio.run(serve(settings))
    except (RegistryError, GazetteerError, HolidaysFileError) as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from storage.db import Database

    settings = load_settings()

    async def migrate() -> list[str]:
        db = await Database.open(settings.database_path, durability=settings.durability)
        await db.close()
        return db.applied_migrations

    applied = asyncio.run(migrate())
    print(json.dumps({"database": str(settings.database_path), "applied": applied}, ensure_ascii=False))
    return 0


def _configure_staff(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="staff_action", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add", help="make a person staff, or print a one-time code that does (--web-code)",
        description="--role mediator --centre ID | --role supervisor (--district NAME | --city) | "
                    "--role inspection --district NAME; then --telegram-id ID or --web-code")
    add.add_argument("--role", required=True, choices=["mediator", "supervisor", "inspection"])
    place = add.add_mutually_exclusive_group()
    place.add_argument("--centre", metavar="CENTRE_ID", help="a mediator's centre (`python -m bot centres`)")
    place.add_argument("--district", metavar="NAME", help="a supervisor's or inspection liaison's district")
    place.add_argument("--city", action="store_true", help="a supervisor of the whole city")
    who = add.add_mutually_exclusive_group(required=True)
    who.add_argument("--telegram-id", type=int, metavar="ID", help="the person's Telegram user id")
    who.add_argument("--web-code", action="store_true",
                     help="print a one-time code instead, which the person sends as /join CODE (on the web chat)")
    add.add_argument("--valid-hours", type=int, default=72, metavar="HOURS", help="how long a code works (72)")
    listing = actions.add_parser("list", help="staff with their roles and open cases")
    listing.add_argument("--centre", metavar="CENTRE_ID", help="only this centre's mediators")
    remove = actions.add_parser("remove", help="make a member of staff a worker again; their open cases go back "
                                               "to the centre's queue")
    remove.add_argument("person_id", type=int, metavar="ID", help="the id `staff list` shows")
    signin = actions.add_parser("signin", help="print a one-time link that signs a member of staff in on the web "
                                               "chat again (after their session ended), valid for an hour")
    signin.add_argument("person_id", type=int, metavar="ID", help="the id `staff list` shows")


def _staff_add_problem(args: argparse.Namespace) -> str | None:
    """What `staff add` is missing (or has too much) for its role, if anything."""
    if args.role == "mediator" and not args.centre:
        return "a mediator needs --centre CENTRE_ID"
    if args.role != "mediator" and args.centre:
        return "only a mediator has a --centre"
    if args.role == "supervisor" and not (args.district or args.city):
        return "a supervisor needs --district NAME, or --city for the whole city"
    if args.role == "inspection" and not args.district:
        return "an inspection liaison needs --district NAME"
    if args.valid_hours < 1:
        return "--valid-hours must be 1 or more"
    return None


async def _web_sign_in_link(db: Database, settings: Settings, person_id: int) -> object:
    """A staff sign-in code for the web chat, as the link to open (`bot.recovery`, channel "staff")."""
    from bot.clock import SystemClock
    from bot.recovery import IssuedCode, RecoveryService, recovery_link
    from storage.recovery import SQLiteRecoveryUnitOfWork

    service = RecoveryService(SQLiteRecoveryUnitOfWork(db), SystemClock(), chat_address=settings.chat_address,
                              sms_on=False)
    issued = await service.issue(person_id, by=None, channel="staff")
    if not isinstance(issued, IssuedCode):
        return {"error": "no member of staff has this id (`python -m bot staff list`)"}
    return {"link": recovery_link(settings.chat_address, issued.code), "expires_at": issued.expires_at.isoformat()}


def _staff(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from bot.clock import SystemClock
    from bot.codes import shown_code
    from bot.people import Front, Person, Role
    from bot.routing import RegistryError, RegistryHolder
    from bot.staff import Issued, StaffRefusal, StaffRefused, StaffService
    from storage.db import Database
    from storage.recovery import WebIdentities
    from storage.staff import SQLiteStaffUnitOfWork

    if args.staff_action == "add" and (problem := _staff_add_problem(args)):
        print(f"error: {problem}", file=sys.stderr)
        return 2
    settings = load_settings()
    try:
        centres = RegistryHolder.from_file(settings.centres_file)
    except RegistryError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    def person_json(person: Person) -> dict:
        return person.model_dump(mode="json", include={"id", "front", "user_id", "role", "centre_id", "district",
                                                       "display_name"})

    async def act(service: StaffService) -> object:
        """The JSON to print, or the refusal."""
        if args.staff_action == "list":
            return [person_json(member.person) | {"open_cases": member.open_cases}
                    for member in await service.listing(args.centre)]
        if args.staff_action == "remove":
            removed = await service.revoke(None, args.person_id)
            if isinstance(removed, StaffRefused):
                return removed
            return {"removed": person_json(removed.person), "cases_back_in_queue": [c.number for c in removed.moved]}
        role, district = Role(args.role), None if args.city else args.district
        if not args.web_code:
            added = await service.add(Front.TELEGRAM, args.telegram_id, role, centre_id=args.centre, district=district)
            return added if isinstance(added, StaffRefused) else person_json(added)
        issued = await service.issue(role, centre_id=args.centre, district=district,
                                     lifetime=timedelta(hours=args.valid_hours))
        if not isinstance(issued, Issued):
            return issued
        return {"code": shown_code(issued.code), "send": f"/join {shown_code(issued.code)}", "role": role,
                "centre_id": issued.invite.centre_id, "district": issued.invite.district,
                "expires_at": issued.invite.expires_at.isoformat()}

    async def run() -> object:
        db = await Database.open(settings.database_path, durability=settings.durability)
        try:
            if args.staff_action == "signin":
                return await _web_sign_in_link(db, settings, args.person_id)
            # A member of staff removed here loses their web chat identity too (its chat holds case cards).
            return await act(StaffService(SQLiteStaffUnitOfWork(db), SystemClock(), centres,
                                          on_revoked=WebIdentities(db, SystemClock()).staff_revoked))
        finally:
            await db.close()

    result = asyncio.run(run())
    if isinstance(result, StaffRefused):
        known = ", ".join(dict.fromkeys(centre.district for centre in centres.registry.centres))
        reasons = {
            StaffRefusal.UNKNOWN_CENTRE: "no such centre in the registry (`python -m bot centres` lists them)",
            StaffRefusal.UNKNOWN_DISTRICT: f"no centre of the registry is in this district; known: {known}",
            StaffRefusal.NOT_STAFF: "this person is not staff",
            StaffRefusal.HOLDS_CASES: f"this mediator holds {result.cases} open cases at their centre: "
                                      "`staff remove` them first (the cases go back to the centre's queue)",
            StaffRefusal.CASE_REFUSED: "one of their cases changed at this moment; nothing was changed, try again",
        }
        print(f"error: {reasons.get(result.reason, result.reason)}", file=sys.stderr)
        return 2 if result.reason in (StaffRefusal.UNKNOWN_CENTRE, StaffRefusal.UNKNOWN_DISTRICT) else 1
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


def _configure_rates(parser: argparse.ArgumentParser) -> None:
    from bot.cases import DisputeKind
    from bot.settings import SUPPORTED_LOCALES

    parser.add_argument("--period", default="", metavar="P",
                        help="本月, 上个月, 今年, 2025年第三季度, 2025, 最近30天, 'last 30 days', "
                             "2025-01-01..2025-06-30 (default: this month)")
    parser.add_argument("--today", metavar="YYYY-MM-DD",
                        help="read the period, and count overdue cases, as on this day")
    place = parser.add_mutually_exclusive_group()
    place.add_argument("--centre", metavar="ID", help="the centre that held the cases (`python -m bot centres`)")
    place.add_argument("--district", metavar="NAME", help="the workplace's district, e.g. 东西湖区")
    place.add_argument("--street", metavar="NAME", help="the workplace's street, e.g. 吴家山街道")
    parser.add_argument("--kind", choices=[kind.value for kind in DisputeKind],
                        help="the dispute kind, in the city or with --district")
    parser.add_argument("--json", action="store_true", help="print JSON (the figures, the previous period, by centre)")
    parser.add_argument("--locale", choices=SUPPORTED_LOCALES,
                        help="the language of the text (default: DEFAULT_LOCALE)")
    parser.add_argument("--rebuild", action="store_true",
                        help="first make the rollups again from the events (holds the database for about a minute "
                             "per million cases)")
    parser.add_argument("--definitions", action="store_true", help="print how each rate is counted, and stop")


def _rates_scope_problem(args: argparse.Namespace, places) -> str | None:
    """What is wrong with the scope asked for, if anything."""
    if args.centre and places.centre_district(args.centre) is None:
        return f"no centre {args.centre!r} in the registry (`python -m bot centres` lists them)"
    if args.district and args.district not in places.districts():
        return f"no district {args.district!r}; known: {', '.join(places.districts())}"
    if args.street and places.street_district(args.street) is None:
        return f"no street {args.street!r} in the gazetteer"
    if args.kind and (args.street or args.centre):
        return "--kind goes alone or with --district"
    return None


def _clock_for(today: str | None):
    """The system clock, or noon of `--today` in the rates' zone (None, with the error printed, if not a date)."""
    from datetime import date, datetime, time

    from bot.clock import FixedClock, SystemClock
    from bot.rates import RATES_ZONE

    if not today:
        return SystemClock()
    try:
        return FixedClock(datetime.combine(date.fromisoformat(today), time(12), RATES_ZONE))
    except ValueError:
        print(f"error: --today {today!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
        return None


def _rates(args: argparse.Namespace) -> int:
    import time as timer

    from bot.rates import (
        RATES_ZONE,
        PeriodError,
        RatesService,
        RegistryPlaces,
        Scope,
        read_period,
        render_definitions,
        render_examples,
        render_report,
    )
    from bot.routing import GazetteerError, RegistryError, RegistryHolder, load_gazetteer
    from storage.db import Database
    from storage.rates import SQLiteRateStore

    settings = load_settings()
    locale = args.locale or settings.default_locale
    if args.definitions:
        print(render_definitions(locale, html=False))
        return 0
    clock = _clock_for(args.today)
    if clock is None:
        return 2
    try:
        holder = RegistryHolder.from_file(settings.centres_file)
        places = RegistryPlaces(lambda: holder.registry, load_gazetteer(settings.gazetteer_file))
    except (RegistryError, GazetteerError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if problem := _rates_scope_problem(args, places):
        print(f"error: {problem}", file=sys.stderr)
        return 2
    scope = Scope(centre=args.centre, district=args.district, street=args.street, kind=args.kind)

    async def run() -> tuple[object, bool]:
        db = await Database.open(settings.database_path, durability=settings.durability)
        try:
            store = SQLiteRateStore(db)
            if args.rebuild:
                started = timer.perf_counter()
                rebuilt = await store.rebuild(now=clock.now())
                print(f"rollups rebuilt: {rebuilt.rows} rows from {rebuilt.events} events of {rebuilt.cases} cases"
                      f" in {timer.perf_counter() - started:.1f} s", file=sys.stderr)
            service = RatesService(store, places, clock)
            period = read_period(args.period, service.today())
            if isinstance(period, PeriodError):
                return period, True
            return await service.report(period, scope), await store.complete()
        finally:
            await db.close()

    result, complete = asyncio.run(run())
    if isinstance(result, PeriodError):
        print(f"error: {result.problem.value.replace('_', ' ')}: {result.written!r}. {render_examples('en')}",
              file=sys.stderr)
        return 2
    if not complete:
        print("warning: events from before the rates existed are not counted: run with --rebuild", file=sys.stderr)
    print(json.dumps(result.as_json(), ensure_ascii=False, indent=2) if args.json
          else render_report(result, places, locale, html=False, today=clock.now().astimezone(RATES_ZONE).date()))
    return 0


def _configure_export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=["json", "csv", "xlsx"], default="json",
                        help="json: everything (the default); csv, xlsx: one row per case (xlsx adds the rates)")
    parser.add_argument("--period", default=None, metavar="P",
                        help="only cases filed in this period, as /rates reads it (上个月, 2025, "
                             "2025-01-01..2025-06-30); default: every case")
    parser.add_argument("--today", metavar="YYYY-MM-DD", help="read the period as on this day")
    parser.add_argument("--district", metavar="NAME", help="only cases whose workplace is in this district")
    parser.add_argument("--output", metavar="FILE", help="write here (default: JSON and CSV to stdout)")
    parser.add_argument("--with-files", action="store_true",
                        help="embed the web chat's evidence files (base64) instead of referring to the file store")


def _progress(verb: str) -> Callable[[int, int], None]:
    """A line on stderr now and then while a long export or import runs."""
    shown = [0]

    def report(done: int, total: int) -> None:
        if total >= 1000 and (done - shown[0] >= 500 or done == total):
            shown[0] = done
            print(f"{verb} {done}/{total} cases", file=sys.stderr)

    return report


def _file_stores(settings) -> tuple:
    """The web chat's file store and the evidence store, beside the database (as the bot keeps them)."""
    return settings.database_path.parent / "uploads", settings.database_path.parent / "evidence"


def _export(args: argparse.Namespace) -> int:
    from datetime import datetime

    from bot.rates import RATES_ZONE, Period, PeriodError, RatesService, RegistryPlaces, Scope, read_period
    from bot.register import Selection, render_csv, render_workbook
    from bot.routing import GazetteerError, RegistryError, RegistryHolder, load_gazetteer
    from storage.db import Database
    from storage.rates import SQLiteRateStore
    from storage.register import RegisterRepository

    settings = load_settings()
    if args.format == "xlsx" and not args.output:
        print("error: an XLSX workbook needs --output FILE", file=sys.stderr)
        return 2
    clock = _clock_for(args.today)
    if clock is None:
        return 2
    today = clock.now().astimezone(RATES_ZONE).date()
    period = read_period(args.period, today) if args.period is not None else None
    if isinstance(period, PeriodError):
        print(f"error: {period.problem.value.replace('_', ' ')}: {period.written!r}", file=sys.stderr)
        return 2
    places = None
    if args.format == "xlsx":
        try:
            holder = RegistryHolder.from_file(settings.centres_file)
            places = RegistryPlaces(lambda: holder.registry, load_gazetteer(settings.gazetteer_file))
        except (RegistryError, GazetteerError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2

    async def run() -> bytes:
        db = await Database.open(settings.database_path, durability=settings.durability)
        try:
            register = await RegisterRepository(db, *_file_stores(settings)).export(
                Selection(period=period, district=args.district), exported_at=clock.now(),
                with_files=args.with_files, progress=_progress("exported"))
            summaries = [record.summary for record in register.cases]
            if args.format == "json":
                return register.dump().encode()
            if args.format == "csv":
                return render_csv(summaries, None)
            first = min((datetime.fromisoformat(summary.submitted_at).astimezone(RATES_ZONE).date()
                         for summary in summaries), default=today)
            rates = RatesService(SQLiteRateStore(db), places, clock)
            report = await rates.report(period or Period(start=min(first, today), end=today),
                                        Scope(district=args.district) if args.district else Scope())
            return render_workbook(summaries, None, report, places)
        finally:
            await db.close()

    content = asyncio.run(run())
    if args.output:
        with open(args.output, "wb") as out:
            out.write(content)
    else:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
    return 0


def _configure_import(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="a JSON file `python -m bot export` wrote")


def _import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.register import Loaded, read_register
    from storage.db import Database
    from storage.register import RegisterRepository

    settings = load_settings()
    try:
        text = Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    register = read_register(text)

    async def run():
        db = await Database.open(settings.database_path, durability=settings.durability)
        try:
            return await RegisterRepository(db, *_file_stores(settings)).load(
                register, progress=_progress("imported"))
        finally:
            await db.close()

    result = register if isinstance(register, list) else asyncio.run(run())
    if not isinstance(result, Loaded):
        print(f"error: nothing was imported; {len(result)} problem(s):", file=sys.stderr)
        for problem in result:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(json.dumps({"cases": result.cases, "people_added": result.people,
                      "case_number_sequences": {str(year): value for year, value in result.numbers_from.items()}},
                     ensure_ascii=False, indent=2))
    return 0


def _resolve(module: str, name: str) -> Callable:
    return getattr(importlib.import_module(module), name)


def build_parser(chosen: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="半小时调解 Half-Hour Mediation")
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        sub = subcommands.add_parser(command.name, help=command.help, description=command.help)
        # Only the chosen command's module is imported: the others' options are not needed.
        if command.name == chosen:
            _resolve(command.module, command.configure)(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    names = {command.name: command for command in COMMANDS}
    chosen = next((arg for arg in argv if not arg.startswith("-")), None)
    if chosen is None and not any(arg in ("-h", "--help") for arg in argv):
        argv, chosen = ["run", *argv], "run"
    args = build_parser(chosen if chosen in names else None).parse_args(argv)
    command = names[args.command]
    return int(_resolve(command.module, command.run)(args) or 0)
