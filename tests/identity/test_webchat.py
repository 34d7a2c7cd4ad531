"""The web chat's side of identity (issue 18) and of the SMS port (issue 13), on loopback with the app as
deployed (no demo): staff sessions that end when idle, by /logout or with the staff role, on an open
socket too; a recovery link that moves the cases and shuts the old identity out; a staff sign-in link;
read marks from a visible page that keep an SMS from being sent."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from bot.clock import FixedClock
from bot.outbox.model import Notification
from bot.people import Front, Person, Role
from bot.recovery import IssuedCode
from bot.sms import SmsService
from bot.staff import Revoked, StaffService
from storage.outbox import OutboxRepository
from storage.recovery import SQLiteRecoveryUnitOfWork
from storage.sms import SmsRepository
from storage.staff import SQLiteStaffUnitOfWork
from tests.identity.world import CENTRE, World
from tests.webchat.conftest import FRAME_TIMEOUT, Page, origin_of, serve_public
from webchat.server import FRONT
from webchat.visitors import COOKIE_NAME

CONFIG = re.compile(r'<script id="config" type="application/json">(.*?)</script>', re.S)


@pytest.fixture
def clock() -> FixedClock:
    from tests.conftest import NOW

    return FixedClock(NOW)


@pytest.fixture
async def client(app_settings, db, clock) -> AsyncIterator[TestClient]:
    served = await serve_public(app_settings, db, clock)
    yield served
    await served.close()


@pytest.fixture
async def world(db, clock) -> World:
    built = World(db, clock)
    await built.setup()
    return built


async def visit(client: TestClient, cookie: str | None = None, query: str = "") -> tuple[str | None, dict]:
    """A page load: the cookie the server set (if any) and the page's config."""
    client.session.cookie_jar.clear()
    headers = {"Cookie": f"{COOKIE_NAME}={cookie}"} if cookie else {}
    response = await client.get(f"/{query}", headers=headers)
    assert response.status == 200
    match = CONFIG.search(await response.text())
    assert match is not None
    set_cookie = response.cookies.get(COOKIE_NAME)
    return (set_cookie.value if set_cookie else None), json.loads(match.group(1))


async def open_socket(client: TestClient, cookie: str) -> Page:
    client.session.cookie_jar.clear()
    socket = await client.ws_connect("/socket", headers={"Origin": origin_of(client),
                                                         "Cookie": f"{COOKIE_NAME}={cookie}"})
    page = Page(socket)
    assert (await page.next())["type"] == "history"
    return page


async def refused(client: TestClient, cookie: str) -> bool:
    client.session.cookie_jar.clear()
    try:
        socket = await client.ws_connect("/socket", headers={"Origin": origin_of(client),
                                                             "Cookie": f"{COOKIE_NAME}={cookie}"})
    except aiohttp.WSServerHandshakeError as error:
        return error.status == 403
    await socket.close()
    return False


async def closed_with_sign_out(page: Page) -> dict:
    frame = await page.until(lambda frame: frame["type"] == "signed_out")
    message = await page.socket.receive(timeout=FRAME_TIMEOUT)
    assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
    return frame


def user_of(cookie: str) -> int:
    return int(cookie.split(".")[0])


async def web_mediator(world: World, cookie: str) -> Person:
    """The visitor behind `cookie` made a mediator, as /join does."""
    return await world.people.set_role(Front.WEB, user_of(cookie), Role.MEDIATOR, CENTRE, now=world.clock.now(),
                                       display_name="赵调解员")


async def test_a_staff_session_ends_after_the_idle_time_and_is_renewed_by_use(client, world) -> None:
    cookie, _ = await visit(client)
    await web_mediator(world, cookie)
    page = await open_socket(client, cookie)
    _, config = await visit(client, cookie)
    assert config["staff"] and config["texts"]["logout"] == "退出登录", "the page offers Sign out"
    world.later(hours=11)
    await page.send(type="text", text="/help")
    await page.next()  # used within the idle time: renewed
    world.later(hours=11)
    await page.send(type="text", text="/help")
    await page.next()
    world.later(hours=12, seconds=1)
    await page.send(type="text", text="/help")
    assert (await closed_with_sign_out(page))["reason"] == "signed_out"
    assert await refused(client, cookie)
    fresh, config = await visit(client, cookie)
    assert fresh is not None and user_of(fresh) != user_of(cookie), "the browser starts afresh"
    assert config["notice"] == "signed_out" and not config["staff"]
    assert not await refused(client, fresh)


async def test_logout_ends_the_session_at_once(client, world) -> None:
    cookie, _ = await visit(client)
    await web_mediator(world, cookie)
    page = await open_socket(client, cookie)
    other_tab = await open_socket(client, cookie)
    await page.send(type="text", text="/logout")
    await closed_with_sign_out(page)
    await closed_with_sign_out(other_tab)
    assert await refused(client, cookie)


async def test_a_revoked_member_of_staff_is_cut_off_on_an_open_socket(client, world) -> None:
    cookie, _ = await visit(client)
    member = await web_mediator(world, cookie)
    page = await open_socket(client, cookie)
    dispatcher = client.server.app[FRONT].dispatcher
    staff = StaffService(SQLiteStaffUnitOfWork(world.db), world.clock, dispatcher["routing"],
                         on_revoked=dispatcher["web_identities"].staff_revoked)
    assert isinstance(await staff.revoke(None, member.id), Revoked)
    assert (await closed_with_sign_out(page))["reason"] == "revoked"
    assert await refused(client, cookie)
    assert (await world.people.find(Front.WEB, user_of(cookie))).role is Role.WORKER


async def test_a_role_revoked_without_the_hook_still_shuts_the_identity_out(client, world) -> None:
    """The operator's command line revokes in another process: the next action finds out."""
    cookie, _ = await visit(client)
    await web_mediator(world, cookie)
    page = await open_socket(client, cookie)
    await world.people.set_role(Front.WEB, user_of(cookie), Role.WORKER, None, now=world.clock.now())
    await page.send(type="text", text="/help")
    assert (await closed_with_sign_out(page))["reason"] == "revoked"


async def test_a_recovery_link_moves_the_cases_and_shuts_the_old_identity_out(client, world) -> None:
    old_cookie, _ = await visit(client)
    old_page = await open_socket(client, old_cookie)
    await old_page.send(type="text", text="/help")  # the visitor becomes a person
    await old_page.until(lambda frame: frame["type"] == "message" and not frame["message"]["mine"])
    old = await world.people.find(Front.WEB, user_of(old_cookie))
    case = await world.case_of(old)
    issued = await world.service.issue(old.id, by=world.mediator, channel="mediator")
    assert isinstance(issued, IssuedCode)

    new_cookie, config = await visit(client, query=f"?code={issued.shown}")
    assert new_cookie is not None and config["notice"] == "recovered"
    new = await world.people.find(Front.WEB, user_of(new_cookie))
    assert new is not None
    assert [row[0] for row in await world.rows("SELECT worker_id FROM cases WHERE id = ?", case.id)] == [new.id]
    assert (await closed_with_sign_out(old_page))["reason"] == "revoked"
    assert await refused(client, old_cookie), "whoever holds the lost phone is shut out"
    assert not await refused(client, new_cookie)
    _, again = await visit(client, new_cookie, query=f"?code={issued.code}")
    assert again["notice"] == "recovered", "opening the link twice says it is done"
    _, wrong = await visit(client, new_cookie, query="?code=LD-2026-000001")
    assert wrong["notice"] == "code_refused"


async def test_a_staff_sign_in_link_gives_the_page_back_to_the_member_of_staff(client, world) -> None:
    cookie, _ = await visit(client)
    member = await web_mediator(world, cookie)
    page = await open_socket(client, cookie)
    await page.send(type="text", text="/logout")
    await closed_with_sign_out(page)
    issued = await world.service.issue(member.id, by=None, channel="staff")
    assert isinstance(issued, IssuedCode)
    signed_in, config = await visit(client, query=f"?code={issued.code}")
    assert signed_in is not None and user_of(signed_in) == member.user_id and config["notice"] == "signed_in"
    assert config["staff"]
    assert not await refused(client, signed_in)
    _, reused = await visit(client, query=f"?code={issued.code}")
    assert reused["notice"] == "code_refused", "once only"


async def test_a_notice_shown_on_a_visible_page_is_not_texted(client, world) -> None:
    cookie, _ = await visit(client)
    page = await open_socket(client, cookie)
    await page.send(type="text", text="/help")
    reply = await page.until(lambda frame: frame["type"] == "message" and not frame["message"]["mine"])
    worker = await world.people.find(Front.WEB, user_of(cookie))
    away = await world.people.identify(Front.WEB, 5_000_000_077, display_name="访客", language_code="zh",
                                       now=world.clock.now())
    outbox = OutboxRepository(world.db)
    for person in (worker, away):
        case = await world.case_of(person)
        [row] = await outbox.add([Notification(recipient_id=person.id, template="x", case_id=case.id)],
                                 now=world.clock.now())
        await outbox.mark_sent(row, world.clock.now())
    world.later(seconds=5)
    await page.send(type="seen", message_id=reply["message"]["id"])
    await page.send(type="seen", message_id=10**30)  # nonsense is ignored
    await page.send(type="text", text="/help")
    await page.until(lambda frame: frame["type"] == "message" and not frame["message"]["mine"])
    sms = SmsService(SQLiteRecoveryUnitOfWork(world.db), SmsRepository(world.db), _NoGateway(), world.clock,
                     after=timedelta(minutes=60), chat_address="https://chat.example.gov.cn")
    world.later(minutes=61)
    assert await sms.check_unread() == 1
    assert await world.rows("SELECT person_id FROM sms_messages") == [(away.id,)], "only the one away"


class _NoGateway:
    async def send(self, phone: str, text: str, *, reference: str):  # pragma: no cover - never sent here
        raise AssertionError("not sent in this test")


async def test_the_operator_prints_a_sign_in_link_and_removing_staff_shuts_their_page(client, world, db_path) -> None:
    from tests.staff.test_cli import staff_cli

    cookie, _ = await visit(client)
    member = await web_mediator(world, cookie)
    code, printed, _ = await staff_cli(db_path, "signin", str(member.id))
    assert code == 0 and "?code=" in printed["link"]
    link_code = printed["link"].split("?code=")[1]
    signed_in, config = await visit(client, query=f"?code={link_code}")
    assert signed_in is not None and user_of(signed_in) == member.user_id and config["notice"] == "signed_in"
    code, _, _ = await staff_cli(db_path, "remove", str(member.id))
    assert code == 0
    assert await refused(client, signed_in), "the command line's removal shuts the web identity out"


async def test_a_gateway_that_hangs_never_holds_up_the_chat(client, world) -> None:
    import asyncio

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        await asyncio.sleep(30)  # accepts, reads, never answers

    hanging = await asyncio.start_server(hang, "127.0.0.1", 0)
    port = hanging.sockets[0].getsockname()[1]
    from bot.sms import HttpSmsGateway

    sms = SmsService(SQLiteRecoveryUnitOfWork(world.db), SmsRepository(world.db),
                     HttpSmsGateway(f"http://127.0.0.1:{port}/sms", timeout=1.0), world.clock,
                     after=timedelta(minutes=60), chat_address="https://chat.example.gov.cn")
    away = await world.people.identify(Front.WEB, 5_000_000_078, display_name="访客", language_code="zh",
                                       now=world.clock.now())
    case = await world.case_of(away)
    outbox = OutboxRepository(world.db)
    [row] = await outbox.add([Notification(recipient_id=away.id, template="x", case_id=case.id)], now=world.clock.now())
    await outbox.mark_sent(row, world.clock.now())
    world.later(minutes=61)
    assert await sms.check_unread() == 1
    cookie, _ = await visit(client)
    page = await open_socket(client, cookie)
    sending = asyncio.create_task(sms.send_due())
    try:
        await asyncio.sleep(0.05)
        assert not sending.done(), "the gateway is still not answering"
        await page.send(type="text", text="/help")
        reply = await page.until(lambda frame: frame["type"] == "message" and not frame["message"]["mine"])
        assert reply["message"]["text"], "the chat answered meanwhile"
        assert await asyncio.wait_for(sending, 5) == 0
        [(status, error)] = await world.rows("SELECT status, last_error FROM sms_messages")
        assert status == "pending" and error.startswith("network"), "timed out, to be tried again"
    finally:
        hanging.close()


async def test_the_running_bot_checks_by_job_and_sends(app_settings, db, clock, world) -> None:
    from bot.app import build_dispatcher, job_runner
    from tests.identity.gateway import FakeGateway

    gateway = FakeGateway()
    url = await gateway.start()
    try:
        settings = app_settings.model_copy(update={"sms_gateway_url": url, "sms_after_minutes": 30})
        dispatcher = build_dispatcher(settings, db, clock=clock)
        await dispatcher["sms"].start_watching()
        away = await world.people.identify(Front.WEB, 5_000_000_079, display_name="访客", language_code="zh",
                                           now=clock.now())
        case = await world.case_of(away)
        outbox = OutboxRepository(db)
        [row] = await outbox.add([Notification(recipient_id=away.id, template="x", case_id=case.id)], now=clock.now())
        await outbox.mark_sent(row, clock.now())
        runner = job_runner(dispatcher, db)
        world.later(minutes=31)
        assert await runner.run_due() >= 1
        assert await dispatcher["sms"].send_due() == 1
        assert [sms["to"] for sms in gateway.received] == ["+8613800000000"]
        world.later(minutes=10)
        await runner.run_due()  # the check scheduled its successor: it runs, and finds nothing new
        assert await dispatcher["sms"].send_due() == 0
        assert len(await world.rows("SELECT 1 FROM jobs WHERE kind = 'sms.unread' AND status = 'pending'")) == 1
    finally:
        await gateway.stop()


async def test_an_open_staff_page_left_idle_is_closed_by_the_sweep(client, world) -> None:
    from webchat.server import close_ended_sessions

    cookie, _ = await visit(client)
    await web_mediator(world, cookie)
    page = await open_socket(client, cookie)
    world.later(hours=6)
    await close_ended_sessions(client.server.app)  # looking does not renew the session
    world.later(hours=6, seconds=1)
    await close_ended_sessions(client.server.app)
    assert (await closed_with_sign_out(page))["reason"] == "signed_out"
