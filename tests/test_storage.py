"""The SQLite store: migrations, the event log, chat state, cross-process changes."""

from datetime import UTC, datetime

import aiosqlite
from aiogram.fsm.storage.base import StorageKey

from bot.people import Front, Role
from storage.chat_state import SQLiteStorage, rename_states
from storage.db import Database
from storage.migrations import apply_migrations, available_migrations
from storage.people import PeopleRepository

AT = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


async def test_a_first_migration_database_upgrades_in_place(db_path) -> None:
    async with aiosqlite.connect(db_path, isolation_level=None) as connection:
        assert await apply_migrations(connection, up_to=1) == ["0001_initial.sql"]
        await connection.execute(
            "INSERT INTO people (front, user_id, created_at, updated_at) VALUES ('telegram', 5, 'x', 'x')"
        )
    db = await Database.open(db_path)
    try:
        latest = [name for _, name, _ in available_migrations()]
        assert db.applied_migrations == latest[1:]
        async with db.read() as conn, conn.execute("SELECT name FROM schema_migrations ORDER BY number") as cursor:
            assert [row[0] for row in await cursor.fetchall()] == latest
        person = await PeopleRepository(db).find(Front.TELEGRAM, 5)
        assert person is not None, "data from before the upgrade is kept"
    finally:
        await db.close()
    reopened = await Database.open(db_path)
    assert reopened.applied_migrations == [], "nothing runs twice"
    await reopened.close()


async def test_pragmas(db: Database) -> None:
    async with db.read() as conn:
        for pragma, expected in (("journal_mode", "wal"), ("foreign_keys", 1), ("synchronous", 1),
                                 ("busy_timeout", 5000)):
            async with conn.execute(f"PRAGMA {pragma}") as cursor:
                assert (await cursor.fetchone())[0] == expected, pragma


async def test_full_durability_switches_synchronous(tmp_path) -> None:
    db = await Database.open(tmp_path / "full.sqlite3", durability="full")
    async with db.read() as conn, conn.execute("PRAGMA synchronous") as cursor:
        assert (await cursor.fetchone())[0] == 2
    await db.close()


KEY = StorageKey(bot_id=42, chat_id=7, user_id=7)


async def test_chat_state_keeps_every_key_field_apart(db: Database) -> None:
    storage = SQLiteStorage(db)
    await storage.set_state(KEY, "Form:a")
    await storage.set_data(KEY, {"name": "李雷"})
    other_thread = StorageKey(bot_id=42, chat_id=7, user_id=7, thread_id=3)
    other_bot = StorageKey(bot_id=43, chat_id=7, user_id=7)
    other_destiny = StorageKey(bot_id=42, chat_id=7, user_id=7, destiny="x")
    for key in (other_thread, other_bot, other_destiny):
        assert await storage.get_state(key) is None and await storage.get_data(key) == {}
    assert await storage.get_state(KEY) == "Form:a" and await storage.get_data(KEY) == {"name": "李雷"}
    await storage.set_state(KEY, None)
    await storage.set_data(KEY, {})
    async with db.read() as conn, conn.execute("SELECT COUNT(*) FROM chat_state") as cursor:
        assert (await cursor.fetchone())[0] == 0, "a cleared state leaves no row behind"


async def test_drafts_survive_a_rename_of_states(db: Database) -> None:
    await SQLiteStorage(db, upgrades=[]).set_state(KEY, "Intake:wage_amount")
    await SQLiteStorage(db, upgrades=[]).set_data(KEY, {"amount": 12000})
    renamed = SQLiteStorage(db, upgrades=[rename_states({"Intake:wage_amount": "Wages:amount"})])
    assert await renamed.get_state(KEY) == "Wages:amount"
    assert await renamed.get_data(KEY) == {"amount": 12000}
    async with db.read() as conn, conn.execute("SELECT version FROM chat_state") as cursor:
        assert (await cursor.fetchone())[0] == 1, "the upgraded draft is written back at the new version"


async def test_a_role_changed_by_another_process_is_seen_at_once(db: Database, db_path) -> None:
    people = PeopleRepository(db)
    person = await people.identify(Front.TELEGRAM, 77, display_name="m", language_code=None, now=AT)
    assert person.role is Role.WORKER
    assert (await people.find(Front.TELEGRAM, 77)).role is Role.WORKER  # now cached
    other = await Database.open(db_path)  # the operator CLI, say
    await PeopleRepository(other).set_role(Front.TELEGRAM, 77, Role.MEDIATOR, "c1", now=AT)
    await other.close()
    fresh = await people.find(Front.TELEGRAM, 77)
    assert fresh.role is Role.MEDIATOR and fresh.centre_id == "c1"


async def test_the_people_cache_keeps_only_the_most_recently_seen(db: Database, monkeypatch) -> None:
    import storage.people

    monkeypatch.setattr(storage.people, "CACHED_PEOPLE", 3)
    people = PeopleRepository(db)
    for user_id in range(1, 6):
        await people.identify(Front.WEB, user_id, display_name="v", language_code=None, now=AT)
    await people.find(Front.WEB, 3)  # seen again: kept
    await people.identify(Front.WEB, 6, display_name="v", language_code=None, now=AT)
    assert list(storage.people._CACHES[db]) == [(Front.WEB, 5), (Front.WEB, 3), (Front.WEB, 6)]
