"""The SMS port (issue 13, "Reaching people who are away") against a fake gateway on loopback: a web
worker's notice left unread for the set time is announced by one text; a read one by none; a gateway
that is down is retried with backoff and holds nothing else up."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.clock import FixedClock
from bot.outbox.model import Notification
from bot.sms import SMS_UNREAD_JOB, Accepted, Failed, HttpSmsGateway, SmsService
from storage.outbox import OutboxRepository
from storage.recovery import SQLiteRecoveryUnitOfWork, WebIdentities
from storage.sms import SmsRepository
from tests.conftest import NOW
from tests.identity.gateway import FakeGateway
from tests.identity.world import PHONE, World

AFTER = timedelta(minutes=60)


@pytest.fixture
async def gateway() -> AsyncIterator[FakeGateway]:
    fake = FakeGateway()
    yield fake
    await fake.stop()


@pytest.fixture
async def world(db) -> World:
    built = World(db, FixedClock(NOW))
    await built.setup()
    return built


async def service(world: World, gateway: FakeGateway, *, url: str | None = None) -> SmsService:
    address = url or await gateway.start()
    return SmsService(SQLiteRecoveryUnitOfWork(world.db), SmsRepository(world.db),
                      HttpSmsGateway(address, "secret-token", timeout=2.0), world.clock, after=AFTER,
                      chat_address="https://chat.example.gov.cn")


async def notice(world: World, case_id: int, recipient: int, *, immediate: bool = False) -> None:
    outbox = OutboxRepository(world.db)
    [row] = await outbox.add([Notification(recipient_id=recipient, template="desk.accepted", case_id=case_id,
                                           immediate=immediate)], now=world.clock.now())
    await outbox.mark_sent(row, world.clock.now())


async def test_an_unread_notice_is_announced_once_after_the_set_time(world, gateway) -> None:
    sms = await service(world, gateway)
    case = await world.case_of(world.old_web)
    await notice(world, case.id, world.old_web.id)
    world.later(minutes=59)
    assert await sms.check_unread() == 0, "not before the set time"
    world.later(minutes=2)
    await notice(world, case.id, world.old_web.id)  # a second notice in the same burst
    assert await sms.check_unread() == 1
    assert await sms.send_due() == 1
    [sent] = gateway.received
    assert sent["to"] == PHONE and case.number in sent["text"] and "chat.example.gov.cn" in sent["text"]
    assert "张三" not in sent["text"] and "鸿达" not in sent["text"], "no personal details"
    assert gateway.headers[0]["Authorization"] == "Bearer secret-token"
    world.later(hours=2)
    assert await sms.check_unread() == 0 and await sms.send_due() == 0, "one text per unread burst"
    assert len(gateway.received) == 1
    assert await world.rows("SELECT text FROM sms_messages") == [("",)], "the text is not kept once sent"


async def test_a_notice_shown_on_a_page_sends_nothing_and_a_later_burst_is_announced_again(world, gateway) -> None:
    sms = await service(world, gateway)
    case = await world.case_of(world.old_web)
    await notice(world, case.id, world.old_web.id)
    world.later(minutes=5)
    await WebIdentities(world.db, world.clock).mark_seen(world.old_web.user_id, 7, at=world.clock.now())
    world.later(hours=2)
    assert await sms.check_unread() == 0
    await notice(world, case.id, world.old_web.id)
    world.later(minutes=61)
    assert await sms.check_unread() == 1, "read since the last text: a new burst"


async def test_immediate_replies_telegram_people_and_staff_are_not_texted(world, gateway) -> None:
    sms = await service(world, gateway)
    web_case, telegram_case = await world.case_of(world.old_web), await world.case_of(world.telegram)
    await notice(world, web_case.id, world.old_web.id, immediate=True)
    await notice(world, telegram_case.id, world.telegram.id)
    await notice(world, web_case.id, world.mediator.id)
    world.later(hours=2)
    assert await sms.check_unread() == 0


async def test_a_case_without_a_phone_is_skipped_once(world, gateway) -> None:
    sms = await service(world, gateway)
    case = await world.case_of(world.old_web, phone=None)
    await notice(world, case.id, world.old_web.id)
    world.later(hours=2)
    assert await sms.check_unread() == 0 and await sms.check_unread() == 0
    assert await world.rows("SELECT status FROM sms_messages") == [("skipped",)]


async def test_a_gateway_that_is_down_is_retried_with_backoff(world, gateway) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/sms"
    down = await service(world, gateway, url=dead)
    case = await world.case_of(world.old_web)
    await notice(world, case.id, world.old_web.id)
    world.later(minutes=61)
    assert await down.check_unread() == 1
    assert await down.send_due() == 0
    [(status, attempts, error, due)] = await world.rows(
        "SELECT status, attempts, last_error, next_attempt_at FROM sms_messages")
    assert (status, attempts) == ("pending", 1) and error.startswith("network")
    assert due > world.clock.now().isoformat(), "backed off"
    assert await down.send_due() == 0, "not again before the backoff"

    gateway.status = 503
    up = await service(world, gateway)
    world.later(minutes=1)
    assert await up.send_due() == 0
    assert (await world.rows("SELECT attempts, last_error FROM sms_messages")) == [(2, "http 503")]
    gateway.status = 200
    world.later(minutes=5)
    assert await up.send_due() == 1 and len(gateway.received) == 1


async def test_a_refusal_is_given_up_at_once(world, gateway) -> None:
    gateway.status = 400
    sms = await service(world, gateway)
    case = await world.case_of(world.old_web)
    await notice(world, case.id, world.old_web.id)
    world.later(minutes=61)
    await sms.check_unread()
    assert await sms.send_due() == 0
    assert await world.rows("SELECT status, last_error, text FROM sms_messages") == [("gave_up", "http 400", "")]


async def test_the_gateway_answers(gateway) -> None:
    http = HttpSmsGateway(await gateway.start(), timeout=2.0)
    assert await http.send(PHONE, "您的案件 LD-2026-000001 有新消息", reference="sms-1") == Accepted()
    assert gateway.received == [{"to": PHONE, "text": "您的案件 LD-2026-000001 有新消息", "reference": "sms-1"}]
    assert "Authorization" not in gateway.headers[0]
    gateway.status = 429
    assert await http.send(PHONE, "x", reference="sms-2") == Failed("http 429", retry=True)


async def test_the_job_schedules_the_next_check_and_nothing_runs_without_a_gateway(world, gateway) -> None:
    sms = await service(world, gateway)
    await sms.start_watching()
    [(kind, due)] = await world.rows("SELECT kind, due_at FROM jobs")
    assert kind == SMS_UNREAD_JOB and due > world.clock.now().isoformat()
    off = SmsService(SQLiteRecoveryUnitOfWork(world.db), SmsRepository(world.db), None, world.clock, after=AFTER,
                     chat_address="https://chat.example.gov.cn")
    case = await world.case_of(world.old_web)
    await notice(world, case.id, world.old_web.id)
    world.later(hours=2)
    assert not off.on and await off.check_unread() == 0 and await off.send_due() == 0


def test_the_gateway_settings_are_read_from_the_environment() -> None:
    from pydantic import ValidationError

    from bot.settings import Settings, describe_settings_error

    settings = Settings(_env_file=None, sms_gateway_url="https://sms.example.gov.cn/send/", sms_after_minutes="30",
                        webchat_origins="https://chat.example.gov.cn")
    assert settings.sms_gateway_url == "https://sms.example.gov.cn/send" and settings.sms_after_minutes == 30
    assert settings.chat_address == "https://chat.example.gov.cn", "the first public origin"
    assert Settings(_env_file=None).sms_gateway_url is None, "off by default"
    with pytest.raises(ValidationError) as bad:
        Settings(_env_file=None, sms_gateway_url="sms.example.gov.cn")
    assert describe_settings_error(bad.value).startswith("Configuration error: SMS_GATEWAY_URL: expected an http")
