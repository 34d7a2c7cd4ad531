"""The outbox and its sender, against the real database file and the faithful fake Telegram: what the
fake recorded as delivered, and what each row says at the end. Time is a FixedClock that the
sender's (injected) sleep moves, so pacing is measured without waiting for it."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.background import Backoff
from bot.chat.faithful_session import Delivery, FaithfulSession, TelegramRefusal, proxy_bad_gateway
from bot.chat.outbox_sender import OutboxSender
from bot.clock import FixedClock
from bot.i18n import LOCALES_DIR
from bot.outbox import IMMEDIATE_GRACE, Notification, OutboxStatus
from bot.people import Front, Person
from storage.db import Database
from storage.outbox import OutboxRepository
from storage.people import PeopleRepository
from tests.conftest import NOW

TEMPLATES = {
    # Rendered when sent, in the recipient's language: `_()` and the locale both show in the text.
    "case_filed": lambda params, locale: f"{_('My cases')} {params['number']} ({locale})",
    "broken_html": lambda params, locale: "<div>not Telegram HTML</div>",
}


@dataclass
class FakeTelegram:
    """One fake Bot API for every sender in a test, recording when each message arrived."""

    clock: FixedClock
    session: FaithfulSession = field(default_factory=FaithfulSession)
    received: list[tuple[datetime, int, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.bot = Bot("42:token", session=self.session, default=DefaultBotProperties(parse_mode="HTML"))

        async def record(delivery: Delivery) -> None:
            if delivery.kind == "message":
                self.received.append((self.clock.now(), delivery.chat_id, delivery.message["text"]))

        self.session.listeners.append(record)

    def texts_to(self, chat_id: int) -> list[str]:
        return [text for _at, chat, text in self.received if chat == chat_id]

    def times_to(self, chat_id: int) -> list[datetime]:
        return [at for at, chat, _text in self.received if chat == chat_id]


class VirtualTime:
    """The sender's sleep: lets what already started run at the current time, then moves the clock."""

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)
        self.clock.set(self.clock.now() + timedelta(seconds=seconds))


@pytest.fixture
def telegram(clock: FixedClock) -> FakeTelegram:
    return FakeTelegram(clock)


@pytest.fixture
def i18n() -> I18n:
    return I18n(path=LOCALES_DIR, default_locale="zh_CN", domain="messages")


@pytest.fixture
def outbox(db: Database) -> OutboxRepository:
    return OutboxRepository(db)


def sender_for(db: Database, telegram: FakeTelegram, i18n: I18n, clock: FixedClock, **options: Any) -> OutboxSender:
    return OutboxSender(OutboxRepository(db), PeopleRepository(db), {Front.TELEGRAM: telegram.bot}, TEMPLATES, i18n,
                        "zh_CN", clock, sleep=VirtualTime(clock).sleep, **options)


@pytest.fixture
def sender(db: Database, telegram: FakeTelegram, i18n: I18n, clock: FixedClock) -> OutboxSender:
    return sender_for(db, telegram, i18n, clock)


async def person(db: Database, telegram: FakeTelegram, user_id: int, language_code: str = "zh-hans") -> Person:
    telegram.session.register_chat({"id": user_id, "type": "private", "first_name": "P"})
    return await PeopleRepository(db).identify(Front.TELEGRAM, user_id, display_name="P", language_code=language_code,
                                               now=NOW)


def filed(recipient: Person, number: str = "LD-2026-000001", *, immediate: bool = False) -> Notification:
    return Notification(recipient_id=recipient.id, template="case_filed", params={"number": number},
                        immediate=immediate)


async def statuses(outbox: OutboxRepository, ids: list[int]) -> list[OutboxStatus]:
    return [(await outbox.get(message_id)).status for message_id in ids]


# --- writing rows ---------------------------------------------------------------------------------

async def test_rows_commit_and_roll_back_with_the_use_case(db: Database, telegram: FakeTelegram,
                                                           outbox: OutboxRepository) -> None:
    worker = await person(db, telegram, 1)
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await outbox.add([filed(worker)], now=NOW)
            raise RuntimeError("the use case failed after writing")
    async with db.transaction():
        ids = await outbox.add([filed(worker, "A"), filed(worker, "B"), filed(worker, "C")], now=NOW)
    assert [(await outbox.get(i)).params["number"] for i in ids] == ["A", "B", "C"]
    async with db.read() as conn, conn.execute("SELECT count(*) FROM outbox") as cursor:
        assert (await cursor.fetchone())[0] == 3


async def test_due_rows_are_found_through_the_index(db: Database) -> None:
    async with db.read() as conn, conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?"
        " ORDER BY next_attempt_at, id LIMIT 30", (NOW.isoformat(),)
    ) as cursor:
        plan = " ".join(row[3] for row in await cursor.fetchall())
    assert "USING INDEX outbox_due" in plan and "SCAN outbox" not in plan


# --- delivering ------------------------------------------------------------------------------------

async def test_each_recipient_is_told_in_their_own_language(db: Database, telegram: FakeTelegram,
                                                            outbox: OutboxRepository, sender: OutboxSender) -> None:
    chinese, english = await person(db, telegram, 1, "zh-hans"), await person(db, telegram, 2, "en")
    ids = await outbox.add([filed(chinese), filed(english)], now=NOW)

    assert await sender.flush() == 2

    assert telegram.texts_to(1) == ["我的案件 LD-2026-000001 (zh_CN)"]
    assert telegram.texts_to(2) == ["My cases LD-2026-000001 (en)"]
    for message_id, chat_id in zip(ids, (1, 2), strict=True):
        row = await outbox.get(message_id)
        assert (row.status, row.attempts, row.lease_owner) == (OutboxStatus.SENT, 1, None)
        assert [row.sent_at] == telegram.times_to(chat_id)


async def test_the_immediate_reply_is_sent_by_the_handler_and_never_again(
    db: Database, telegram: FakeTelegram, outbox: OutboxRepository, sender: OutboxSender, clock: FixedClock
) -> None:
    worker = await person(db, telegram, 1)
    [reply] = await outbox.add([filed(worker, immediate=True)], now=NOW)

    assert await sender.deliver_now([reply]) == 1
    clock.set(NOW + IMMEDIATE_GRACE + timedelta(minutes=5))
    await sender.flush()

    assert telegram.texts_to(1) == ["我的案件 LD-2026-000001 (zh_CN)"]
    assert (await outbox.get(reply)).status is OutboxStatus.SENT


async def test_a_reply_never_sent_is_delivered_by_the_loop_after_its_grace(
    db: Database, telegram: FakeTelegram, outbox: OutboxRepository, sender: OutboxSender, clock: FixedClock
) -> None:
    """The process died between the commit and the handler's send: the loop tells the worker."""
    worker = await person(db, telegram, 1)
    await outbox.add([filed(worker, immediate=True)], now=NOW)

    assert await sender.flush() == 0  # the handler may still be sending it
    clock.set(NOW + IMMEDIATE_GRACE)
    assert await sender.flush() == 1

    assert telegram.texts_to(1) == ["我的案件 LD-2026-000001 (zh_CN)"]


async def test_a_failed_immediate_send_is_left_to_the_loop_and_never_raises(
    db: Database, telegram: FakeTelegram, outbox: OutboxRepository, sender: OutboxSender, clock: FixedClock
) -> None:
    worker = await person(db, telegram, 1)
    [reply] = await outbox.add([filed(worker, immediate=True)], now=NOW)
    telegram.session.inject_fault(TelegramRefusal("Bad Gateway", 502))

    assert await sender.deliver_now([reply]) == 0  # and no exception reaches the handler

    row = await outbox.get(reply)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.PENDING, 1, "server error: Bad Gateway")
    assert telegram.received == []
    clock.set(row.next_attempt_at)
    await sender.flush()
    assert telegram.texts_to(1) == ["我的案件 LD-2026-000001 (zh_CN)"]
    assert (await outbox.get(reply)).status is OutboxStatus.SENT


FAILED_BEFORE_SENDING = [
    ("502 from the Bot API", TelegramRefusal("Bad Gateway", 502), "server error: Bad Gateway"),
    ("502 page from a proxy", proxy_bad_gateway(), "undecodable answer (a proxy's error page?)"),
    ("timeout", None, "network error"),
]


@pytest.mark.parametrize(("case", "fault", "reason"), FAILED_BEFORE_SENDING, ids=[f[0] for f in FAILED_BEFORE_SENDING])
async def test_a_send_that_really_failed_is_retried_with_backoff_and_delivered_once(
    db: Database, telegram: FakeTelegram, outbox: OutboxRepository, sender: OutboxSender, clock: FixedClock,
    case: str, fault: TelegramRefusal | None, reason: str,
) -> None:
    worker = await person(db, telegram, 1)
    [message_id] = await outbox.add([filed(worker)], now=NOW)
    telegram.session.inject_fault(fault)
    telegram.session.inject_fault(fault)

    await sender.flush()
    first = await outbox.get(message_id)
    assert (first.attempts, first.last_error, first.next_attempt_at) == (1, reason, NOW + timedelta(seconds=5))
    clock.set(first.next_attempt_at)
    await sender.flush()
    second = await outbox.get(message_id)
    assert (second.attempts, second.next_attempt_at) == (2, first.next_attempt_at + timedelta(seconds=10))
    clock.set(second.next_attempt_at)
    await sender.flush()

    assert telegram.texts_to(1) == ["我的案件 LD-2026-000001 (zh_CN)"]
    final = await outbox.get(message_id)
    assert (final.status, final.attempts) == (OutboxStatus.SENT, 3)


@pytest.mark.parametrize("fault", [proxy_bad_gateway(), None], ids=["502 page from a proxy", "timeout"])
async def test_an_answer_lost_after_telegram_sent_is_the_documented_duplicate(
    db: Database, telegram: FakeTelegram, outbox: OutboxRepository, sender: OutboxSender, clock: FixedClock,
    fault: TelegramRefusal | None,
) -> None:
    """At least once: the sender cannot know that Telegram delivered, so the person sees it twice."""
    worker = await person(db, telegram, 1)
    [message_id] = await outbox.add([filed(worker)], now=NOW)
    telegram.session.inject_fault(fault, after_delivery=True)

    await sender.flush()
    clock.set((await outbox.get(message_id)).next_attempt_at)
    await sender.flush()

    assert telegram.texts_to(1) == ["我的案件 LD-2026-000001 (zh_CN)"] * 2
    assert (await outbox.get(message_id)).status is OutboxStatus.SENT


async def test_flood_control_holds_the_bot_and_the_row_is_retried_after_retry_after(
    db: Database, telegram: FakeTelegram, outbox: OutboxRepository, sender: OutboxSender, clock: FixedClock
) -> None:
    first, second = await person(db, telegram, 1), await person(db, telegram, 2)
    ids = await outbox.add([filed(first), filed(second)], now=NOW)
    telegram.session.inject_flood(retry_after=3)

    await sender.flush()
    flooded = await outbox.get(ids[0])
    assert (flooded.status, flooded.last_error, flooded.next_attempt_at) == (
        OutboxStatus.PENDING, "flood control: 3 s", NOW + timedelta(seconds=3))
    assert telegram.times_to(2) == [NOW + timedelta(seconds=3)]  # nothing to any chat of that bot meanwhile
    await sender.flush()

    assert telegram.times_to(1) == [NOW + timedelta(seconds=3, milliseconds=1000 / 30)]
    assert telegram.texts_to(1) == ["我的案件 LD-2026-000001 (zh_CN)"]
    assert await statuses(outbox, ids) == [OutboxStatus.SENT, OutboxStatus.SENT]


async def test_rows_a_long_flood_control_would_keep_waiting_go_back_unattempted(
    db: Database, telegram: FakeTelegram, outbox: OutboxRepository, sender: OutboxSender, clock: FixedClock
) -> None:
    first, second = await person(db, telegram, 1), await person(db, telegram, 2)
    ids = await outbox.add([filed(first), filed(second)], now=NOW)
    telegram.session.inject_flood(retry_after=120)  # longer than the sender holds its lease for

    await sender.flush()

    waiting = await outbox.get(ids[1])
    assert (waiting.status, waiting.attempts, waiting.lease_owner, waiting.next_attempt_at) == (
        OutboxStatus.PENDING, 0, None, NOW + timedelta(seconds=120))
    assert telegram.received == [] and clock.now() < NOW + timedelta(seconds=1)  # released, not waited for
    clock.set(NOW + timedelta(seconds=120))
    await sender.flush()
    assert [chat for _at, chat, _text in telegram.received] == [1, 2]


async def test_a_person_who_blocked_the_bot_is_given_up_and_the_rest_are_told(
    db: Database, telegram: FakeTelegram, outbox: OutboxRepository, sender: OutboxSender
) -> None:
    blocker, other = await person(db, telegram, 1), await person(db, telegram, 2)
    telegram.session.block(1)
    ids = await outbox.add([filed(blocker), filed(other)], now=NOW)

    await sender.flush()

    gave_up = await outbox.get(ids[0])
    assert (gave_up.status, gave_up.last_error, gave_up.attempts) == (OutboxStatus.GAVE_UP, "blocked", 1)
    assert telegram.texts_to(1) == []
    assert telegram.texts_to(2) == ["我的案件 LD-2026-000001 (zh_CN)"]


async def test_a_refused_request_is_given_up_with_telegrams_reason(
    db: Database, telegram: FakeTelegram, outbox: OutboxRepository, sender: OutboxSender
) -> None:
    worker = await person(db, telegram, 1)
    stranger = await PeopleRepository(db).identify(Front.TELEGRAM, 3, display_name="S", language_code=None, now=NOW)
    ids = await outbox.add([Notification(recipient_id=worker.id, template="broken_html"), filed(stranger)], now=NOW)

    await sender.flush()

    malformed, refused = await outbox.get(ids[0]), await outbox.get(ids[1])
    assert (malformed.status, malformed.last_error) == (OutboxStatus.GAVE_UP, "not valid Telegram HTML")
    assert (refused.status, refused.last_error) == (OutboxStatus.GAVE_UP, "bad request: Bad Request: chat not found")
    assert telegram.received == []


async def test_a_failure_that_persists_is_given_up_after_the_maximum(
    db: Database, telegram: FakeTelegram, i18n: I18n, outbox: OutboxRepository, clock: FixedClock
) -> None:
    sender = sender_for(db, telegram, i18n, clock, retry=Backoff(first=timedelta(seconds=1), max_attempts=3))
    worker = await person(db, telegram, 1)
    [message_id] = await outbox.add([filed(worker)], now=NOW)
    for _attempt in range(5):
        telegram.session.inject_fault(TelegramRefusal("Internal Server Error", 500))

    for _attempt in range(5):
        await sender.flush()
        clock.set(clock.now() + timedelta(minutes=1))

    row = await outbox.get(message_id)
    assert (row.status, row.attempts, row.last_error) == (
        OutboxStatus.GAVE_UP, 3, "server error: Internal Server Error")
    assert telegram.received == []


async def test_rows_the_sender_cannot_address(
    db: Database, telegram: FakeTelegram, i18n: I18n, outbox: OutboxRepository, clock: FixedClock
) -> None:
    web = await PeopleRepository(db).identify(Front.WEB, 5, display_name="W", language_code=None, now=NOW)
    worker = await person(db, telegram, 1)
    ids = await outbox.add([filed(web), Notification(recipient_id=worker.id, template="newer_template")], now=NOW)
    sender = sender_for(db, telegram, i18n, clock)  # the web front is not running here

    await sender.flush()

    not_running, unknown = await outbox.get(ids[0]), await outbox.get(ids[1])
    assert (not_running.status, not_running.last_error) == (OutboxStatus.PENDING, "the web front is not running")
    assert (unknown.status, unknown.last_error) == (OutboxStatus.PENDING, "no template 'newer_template'")


async def test_a_recipient_who_no_longer_exists_is_given_up(
    db: Database, telegram: FakeTelegram, outbox: OutboxRepository, sender: OutboxSender
) -> None:
    worker = await person(db, telegram, 1)
    [message_id] = await outbox.add([filed(worker)], now=NOW)
    async with db.read() as conn:  # deleted since (a purge), past the foreign key
        await conn.execute("PRAGMA foreign_keys = OFF")
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM people WHERE id = ?", (worker.id,))

    await sender.flush()

    row = await outbox.get(message_id)
    assert (row.status, row.last_error) == (OutboxStatus.GAVE_UP, "no such recipient")


# --- pacing ----------------------------------------------------------------------------------------

async def test_one_message_a_second_per_chat(
    db: Database, telegram: FakeTelegram, outbox: OutboxRepository, sender: OutboxSender
) -> None:
    busy, quiet = await person(db, telegram, 1), await person(db, telegram, 2)
    await outbox.add([filed(busy, str(n)) for n in range(4)] + [filed(quiet)], now=NOW)

    await sender.flush()

    assert telegram.times_to(1) == [NOW + timedelta(seconds=n) for n in range(4)]
    assert [text.split()[1] for text in telegram.texts_to(1)] == ["0", "1", "2", "3"]  # in order
    assert telegram.times_to(2) == [NOW + timedelta(seconds=1 / 30)]  # not behind the busy chat


async def test_thirty_messages_a_second_overall(
    db: Database, telegram: FakeTelegram, outbox: OutboxRepository, sender: OutboxSender
) -> None:
    recipients = [await person(db, telegram, user_id) for user_id in range(1, 76)]
    await outbox.add([filed(recipient) for recipient in recipients], now=NOW)

    assert await sender.flush() == 75  # three batches

    times = [at for at, _chat, _text in telegram.received]
    assert len(times) == 75
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= 1 / 30 - 1e-6
    assert times[-1] - times[0] <= timedelta(seconds=74 / 30 + 1e-3)  # and no slower than that


# --- leases: two senders, a dead sender -------------------------------------------------------------

@pytest.fixture
async def second_db(db_path: Path, db: Database) -> AsyncIterator[Database]:
    other = await Database.open(db_path)  # another process's connection to the same file
    yield other
    await other.close()


async def test_two_senders_on_one_file_send_each_row_once(
    db: Database, second_db: Database, telegram: FakeTelegram, i18n: I18n, outbox: OutboxRepository, clock: FixedClock
) -> None:
    recipients = [await person(db, telegram, user_id) for user_id in range(1, 41)]
    loop_rows = await outbox.add([filed(recipient) for recipient in recipients], now=NOW)
    replies = await outbox.add([filed(recipient, "reply", immediate=True) for recipient in recipients[:10]], now=NOW)
    first = sender_for(db, telegram, i18n, clock, batch=7)
    second = sender_for(second_db, telegram, i18n, clock, batch=7)

    by_first, by_second, _, _ = await asyncio.gather(
        first.flush(), second.flush(), first.deliver_now(replies), second.deliver_now(replies))

    assert by_first + by_second == 40  # (how they share depends on SQLite's lock; the replies are a sure race)

    for recipient in recipients:
        replied = ["我的案件 reply (zh_CN)"] if recipient in recipients[:10] else []
        assert sorted(telegram.texts_to(recipient.user_id)) == sorted(["我的案件 LD-2026-000001 (zh_CN)", *replied])
    assert set(await statuses(outbox, loop_rows + replies)) == {OutboxStatus.SENT}


async def test_a_row_whose_sender_died_is_delivered_after_its_lease(
    db: Database, telegram: FakeTelegram, outbox: OutboxRepository, sender: OutboxSender, clock: FixedClock
) -> None:
    worker = await person(db, telegram, 1)
    [message_id] = await outbox.add([filed(worker)], now=NOW)
    await outbox.claim_due(NOW, "dead-sender", timedelta(minutes=2), 10)  # claimed, then the process died

    assert await sender.flush() == 0
    clock.set(NOW + timedelta(minutes=2))
    assert await sender.flush() == 1

    assert telegram.texts_to(1) == ["我的案件 LD-2026-000001 (zh_CN)"]
    assert (await outbox.get(message_id)).status is OutboxStatus.SENT


async def test_the_loop_delivers_until_stopped(
    db: Database, telegram: FakeTelegram, i18n: I18n, outbox: OutboxRepository, clock: FixedClock
) -> None:
    sender = sender_for(db, telegram, i18n, clock, poll_interval=0.002)
    worker = await person(db, telegram, 1)
    stop = asyncio.Event()
    loop = asyncio.create_task(sender.run(stop))
    [message_id] = await outbox.add([filed(worker)], now=NOW)

    for _poll in range(500):
        if (await outbox.get(message_id)).status is OutboxStatus.SENT:
            break
        await asyncio.sleep(0.002)
    stop.set()
    await asyncio.wait_for(loop, timeout=5)

    assert telegram.texts_to(1) == ["我的案件 LD-2026-000001 (zh_CN)"]
