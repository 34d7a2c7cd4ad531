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

from pydantic import ValidationError


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
