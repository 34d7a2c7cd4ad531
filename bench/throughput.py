"""Throughput of the real dispatcher on intake traffic, next to aiogram's echo handler in the same run.

Workers file wages complaints end to end (notice, consent, their own words, the questions, the
summary, Submit: 17 updates each) through the dispatcher `python -m bot` builds, with its persistent
chat state and case store in an SQLite file and the outbox sender delivering the notices (flushed
after each batch; its pacing waits are not counted, as the echo does not pace either), on the
faithful session (a fake Telegram that checks every request the way Telegram does, with no network).
The baseline is aiogram's echo handler with MemoryStorage on the same session. Prints updates per
second of both, their ratio and the SQL statements per update, for each run. Several runs, because
the machine is noisy. About 20 s.

    python bench/throughput.py [--workers 40] [--concurrency 10] [--echo 2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import Message

from bot.chat.faithful_session import FaithfulSession
from bot.chat.updates import UpdateFactory
from bot.clock import FixedClock
from bot.settings import Settings
from storage.db import Database
from tests.conftest import NOW
from tests.harness import TEST_TOKEN, ChatHarness
from tests.intake.helpers import Worker
from tests.intake.test_mycases_and_alerts import fill_wages_complaint

FIRST_WORKER = 100_000


async def echo_updates_per_second(count: int, concurrency: int) -> float:
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    dispatcher = Dispatcher(storage=MemoryStorage())
    dispatcher.include_router(router)
    session = FaithfulSession()
    bot = Bot(TEST_TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))
    updates = UpdateFactory(session)
    batch = [updates.message(FIRST_WORKER + n % concurrency, text=f"hello {n}") for n in range(count)]
    started = time.perf_counter()
    for index in range(0, count, concurrency):
        await asyncio.gather(*(dispatcher.feed_update(bot, update) for update in batch[index:index + concurrency]))
    return count / (time.perf_counter() - started)


class ServedHarness(ChatHarness):
    """As the service runs: the outbox sender is a loop of its own (flushed per batch below), not a step
    of every update as in the tests."""

    async def _feed(self, update):
        before = len(self.session.calls)
        await self.dispatcher.feed_update(self.bot, update)
        return self.session.calls[before:]


async def intake_updates_per_second(workers: int, concurrency: int, folder: Path) -> tuple[float, float, int]:
    path = folder / f"bench-{time.monotonic_ns()}.sqlite3"
    db = await Database.open(path)
    try:
        chat = ServedHarness.build(Settings(_env_file=None, database_path=path), db, FixedClock(NOW))
        handled = 0
        feed = chat.dispatcher.feed_update

        async def counted(bot, update, **kwargs):
            nonlocal handled
            handled += 1
            return await feed(bot, update, **kwargs)

        chat.dispatcher.feed_update = counted
        statements_before = db.statements
        started = time.perf_counter()
        for first in range(0, workers, concurrency):
            people = [Worker(chat, FIRST_WORKER + n) for n in range(first, min(first + concurrency, workers))]
            await asyncio.gather(*(file_one(worker) for worker in people))
            await chat.dispatcher["outbox"].flush()  # the centre's cards, as the sender loop sends them
        elapsed = time.perf_counter() - started
        statements = db.statements - statements_before
        async with db.read() as conn, conn.execute("SELECT count(*) FROM cases") as cursor:
            filed = (await cursor.fetchone())[0]
        if filed != workers:
            raise SystemExit(f"{filed} cases filed by {workers} workers: the benchmark drove the intake wrongly")
        return handled / elapsed, statements / handled, handled
    finally:
        await db.close()


async def file_one(worker: Worker) -> None:
    await fill_wages_complaint(worker, f"Hongda Construction {worker.user_id}", 1)
    await worker.presses("Submit")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=10, help="workers filing at the same time")
    parser.add_argument("--echo", type=int, default=2000, help="updates for the echo baseline")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    ratios = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(1, args.runs + 1):
            echo = await echo_updates_per_second(args.echo, args.concurrency)
            intake, per_update, handled = await intake_updates_per_second(args.workers, args.concurrency,
                                                                          Path(folder))
            ratios.append(intake / echo)
            print(f"run {run}: echo {echo:7.0f} updates/s | intake {intake:6.0f} updates/s ({handled} updates) | "
                  f"ratio {intake / echo:.2f} | {per_update:.1f} SQL statements per update")
    print(f"median ratio {statistics.median(ratios):.2f} of the echo baseline (target for a later issue: 0.5)")


if __name__ == "__main__":
    asyncio.run(main())
