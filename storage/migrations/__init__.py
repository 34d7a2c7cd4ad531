"""Numbered schema migrations (`NNNN_name.sql`), applied in order at start-up and recorded.

An old file upgrades in place: only migrations not yet in `schema_migrations` run, each in its
own transaction together with its record.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from importlib import resources

import aiosqlite

MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def available_migrations() -> list[tuple[int, str, str]]:
    """(number, name, sql) for every migration shipped with the code, in order."""
    found = []
    for entry in resources.files(__package__).iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


async def apply_migrations(connection: aiosqlite.Connection, *, up_to: int | None = None) -> list[str]:
    await connection.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " number INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    async with connection.execute("SELECT number FROM schema_migrations") as cursor:
        done = {row[0] for row in await cursor.fetchall()}
    applied = []
    for number, name, sql in available_migrations():
        if number in done or (up_to is not None and number > up_to):
            continue
        # executescript would COMMIT on its own; wrap the statements so the migration and its
        # record land together or not at all.
        try:
            await connection.executescript(
                "BEGIN IMMEDIATE;\n"
                + sql
                + f"\nINSERT INTO schema_migrations (number, name, applied_at) VALUES"
                f" ({number}, '{name}', '{datetime.now(UTC).isoformat()}');\nCOMMIT;"
            )
        except Exception:
            if connection.in_transaction:
                await connection.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied
