import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from bot.clock import FixedClock
from bot.settings import Settings
from storage.db import Database
from tests.harness import ChatHarness

# Property tests: deterministic and without deadlines in CI (a noisy 2-core machine), bounded everywhere.
settings.register_profile(
    "ci", deadline=None, derandomize=True, max_examples=60, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=60)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))

NOW = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)  # 10:30 in Wuhan


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "mediation.sqlite3"


@pytest.fixture
def app_settings(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in ("BOT_TOKEN", "WEBHOOK_URL", "WEBHOOK_SECRET", "TELEGRAM_API_URL", "SUPERVISOR_IDS", "DEMO"):
        monkeypatch.delenv(name, raising=False)
    return Settings(_env_file=None, database_path=db_path, supervisor_ids=[900])


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One store with every migration applied, copied for each test: migrating anew costs ~30 ms a test."""
    path = tmp_path_factory.mktemp("template") / "migrated.sqlite3"

    async def migrate() -> None:
        await (await Database.open(path)).close()  # closing the last connection folds the WAL into the file

    asyncio.run(migrate())
    return path


@pytest.fixture
async def db(db_path: Path, migrated_template: Path) -> AsyncIterator[Database]:
    if not db_path.exists():
        shutil.copyfile(migrated_template, db_path)
    database = await Database.open(db_path)
    yield database
    await database.close()


@pytest.fixture
async def chat(app_settings: Settings, db: Database, clock: FixedClock) -> ChatHarness:
    return ChatHarness.build(app_settings, db, clock)
