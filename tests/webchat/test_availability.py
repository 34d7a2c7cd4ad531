"""One slow or hostile client never takes the web chat from anyone else (issue 18, Availability).

Everything runs on loopback, bounded by FRAME_TIMEOUT; clients that should look like other people
bind other addresses of 127.0.0.0/8.
"""

from __future__ import annotations

import asyncio
import logging
import time
from ipaddress import ip_network

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from bot.ports import HISTORY_LIMIT
from tests.webchat.conftest import (
    FRAME_TIMEOUT,
    Page,
    WebChat,
    bot_message,
    bot_said,
    eventually,
    open_unread_socket,
    origin_of,
    raw_connection,
    serve_public,
    serve_webchat,
    text_of,
)
from webchat.front import HISTORY_PAGE, IDLE_AFTER
from webchat.pages import PageLimits
from webchat.server import COOKIES, FRONT
from webchat.visitors import COOKIE_NAME, DEMO_BY_KEY

LONG_TEXT = "工" * 4096  # a message as long as Telegram allows: 12 KB of UTF-8
ATTACKER, VICTIM = 10**9 + 5, 10**9 + 5 + 64  # once sharing one of 64 chat locks


async def test_a_page_that_never_reads_does_not_keep_anyone_else_waiting(app_settings, db, clock) -> None:
    client = await serve_public(app_settings, db, clock)
    try:
        front, cookies = client.server.app[FRONT], client.server.app[COOKIES]
        for message_id in range(1, 301):  # a long conversation: its whole history is megabytes
            await front.history.put(bot_message(ATTACKER, message_id, LONG_TEXT))
        unread = await open_unread_socket(client, "/socket", Cookie=f"{COOKIE_NAME}={cookies.value_for(ATTACKER)}")
        await eventually(lambda: front.pages_open(ATTACKER) == 1)

        socket = await client.ws_connect("/socket", headers={"Origin": origin_of(client),
                                                             "Cookie": f"{COOKIE_NAME}={cookies.value_for(VICTIM)}"})
        victim = Page(socket)
        assert (await victim.next())["type"] == "history"
        await victim.send(type="text", text="/help")
        await victim.until(bot_said("/cancel"))
        unread.close()
    finally:
        await client.close()


async def test_a_page_that_does_not_drain_is_cut_off_while_the_bot_goes_on(webchat: WebChat) -> None:
    front = webchat.front
    front.page_limits = PageLimits(queue_limit=256 * 1024, send_timeout=1.0)
    zhang = DEMO_BY_KEY["zhang"].user_id
    unread = await open_unread_socket(webchat.client, "/socket?as=zhang")
    await eventually(lambda: front.pages_open(zhang) == 1)

    sent = 0
    async with asyncio.timeout(3 * FRAME_TIMEOUT):  # the bot never waits for the page
        while front.pages_open(zhang):
            await front.bot.send_message(zhang, LONG_TEXT)
            sent += 1
            await asyncio.sleep(0)
    kept = await front.history.recent(zhang, HISTORY_LIMIT)
    assert len(kept.messages) == min(sent, HISTORY_LIMIT) and text_of(front.view(kept.messages[-1])) == LONG_TEXT, \
        "everything the bot said is stored"
    unread.close()

    again = await webchat.open()
    history = await again.next()
    assert history["type"] == "history" and len(history["messages"]) == HISTORY_PAGE and history["more"]


async def closed_by_server(reader: asyncio.StreamReader) -> bool:
    """End of stream, or a reset: a peer still writing to a closed connection gets the latter."""
    try:
        return await asyncio.wait_for(reader.read(), FRAME_TIMEOUT) == b""
    except ConnectionResetError:
        return True


async def test_a_connection_that_never_sends_a_whole_request_is_closed(app_settings, db, clock) -> None:
    client = await serve_webchat(app_settings.model_copy(update={"webchat_request_timeout": 0.5}), db, clock)
    try:
        idle = await raw_connection(client.server.port)
        half = await raw_connection(client.server.port)
        half[1].write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        trickle = await raw_connection(client.server.port)

        async def a_byte_now_and_then() -> None:
            for byte in b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n":
                trickle[1].write(bytes([byte]))
                await asyncio.sleep(0.1)

        trickling = asyncio.create_task(a_byte_now_and_then())
        for reader, _ in (idle, half, trickle):
            assert await closed_by_server(reader), "the server closed it"
        trickling.cancel()
        assert (await client.get("/?as=zhang")).status == 200, "a whole request is served as before"
    finally:
        await client.close()


async def test_connections_are_capped_per_address_and_in_all_and_refusals_logged_once(
        app_settings, db, clock, caplog: pytest.LogCaptureFixture) -> None:
    settings = app_settings.model_copy(update={"webchat_connections_per_address": 3, "webchat_max_connections": 5})
    client = await serve_webchat(settings, db, clock)
    port = client.server.port
    try:
        held = [await raw_connection(port) for _ in range(3)]
        caplog.set_level(logging.WARNING, logger="webchat.limits")
        over = await raw_connection(port)
        assert (await asyncio.wait_for(over[0].read(), FRAME_TIMEOUT)).startswith(b"HTTP/1.1 503")

        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))) as other:
            response = await other.get(f"{origin_of(client)}/?as=li")
            assert response.status == 200, "someone at another address is served"
        held += [await raw_connection(port, source="127.0.0.3") for _ in range(2)]
        beyond = [await raw_connection(port, source=f"127.0.0.{4 + number}") for number in range(3)]
        for reader, _ in beyond:
            assert (await asyncio.wait_for(reader.read(), FRAME_TIMEOUT)).startswith(b"HTTP/1.1 503")

        reports = [record.getMessage() for record in caplog.records if "under pressure" in record.getMessage()]
        assert reports == ["web chat under pressure, refused since the last report: "
                           "1 connections over the per-address limit"], "four refusals, one line, no addresses"
        for _, writer in held:
            writer.close()
    finally:
        await client.close()


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limits(app_settings, db, clock) -> None:
    client = await serve_public(app_settings, db, clock, webchat_trusted_proxies=[ip_network("127.0.0.1/32")],
                                webchat_new_visitors_per_address=2, webchat_connections_per_address=2)
    try:
        def through_proxy(client_address: str) -> dict[str, str]:
            return {"X-Forwarded-For": f"198.51.100.9, {client_address}", "X-Forwarded-Proto": "http"}

        statuses = [(await new_visitor(client, through_proxy("203.0.113.5"))).status for _ in range(3)]
        assert statuses == [200, 200, 429], "new identities are paced per forwarded client"
        refused = await new_visitor(client, {**through_proxy("203.0.113.5"), "Accept-Language": "zh-CN"})
        assert "几分钟后再试" in await refused.text()
        assert (await new_visitor(client, through_proxy("203.0.113.6"))).status == 200, "another client is not"

        cookie = (await new_visitor(client, through_proxy("203.0.113.7"))).cookies[COOKIE_NAME].value
        headers = {**through_proxy("203.0.113.7"), "Origin": origin_of(client), "Cookie": f"{COOKIE_NAME}={cookie}"}
        sockets = [await client.ws_connect("/socket", headers=headers) for _ in range(2)]
        with pytest.raises(aiohttp.WSServerHandshakeError) as third:
            await client.ws_connect("/socket", headers=headers)
        assert third.value.status == 503, "connections are capped per forwarded client too"
        for socket in sockets:
            await socket.close()

        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=("127.0.0.2", 0)),
                                         cookie_jar=aiohttp.DummyCookieJar()) as untrusted:
            statuses = [(await untrusted.get(f"{origin_of(client)}/", headers={"X-Forwarded-For": forged})).status
                        for forged in ("203.0.113.8", "203.0.113.9", "203.0.113.10")]
            assert statuses == [200, 200, 429], "from anyone but the proxy, X-Forwarded-For is not believed"
    finally:
        await client.close()


async def test_new_identities_are_paced_per_address_but_returning_visitors_are_not(app_settings, db, clock) -> None:
    client = await serve_public(app_settings, db, clock, webchat_new_visitors_per_address=2)
    try:
        first = await new_visitor(client)
        cookie = first.cookies[COOKIE_NAME].value
        assert (await new_visitor(client)).status == 200
        assert (await new_visitor(client)).status == 429
        again = await client.get("/", headers={"Cookie": f"{COOKIE_NAME}={cookie}"})
        assert again.status == 200, "someone who has a cookie is no new identity"
    finally:
        await client.close()


async def new_visitor(client: TestClient, headers: dict[str, str] | None = None) -> aiohttp.ClientResponse:
    """The page, asked for without a cookie."""
    client.session.cookie_jar.clear()
    return await client.get("/", headers=headers)


async def test_one_person_is_paced_across_all_their_pages(webchat: WebChat) -> None:
    first, second = await webchat.open(), await webchat.open()
    await first.next()
    await second.next()
    for number in range(12):
        await first.send(type="text", text=f"hello {number}")
        await second.send(type="text", text=f"hello again {number}")
    waiting = [asyncio.create_task(page.until(lambda frame: frame["type"] == "toast")) for page in (first, second)]
    done, pending = await asyncio.wait(waiting, timeout=FRAME_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    assert done, "24 actions in a moment are more than 20, whatever the number of pages"
    assert "Slow down" in done.pop().result()["text"]


async def test_an_idle_conversation_leaves_memory_and_comes_back_from_the_store(webchat: WebChat) -> None:
    front = webchat.front
    page = await webchat.open()
    await page.next()
    await page.send(type="text", text="/language")
    offer = (await page.until(bot_said("Choose your language")))["message"]
    li = await webchat.open("/socket?as=li&lang=en")
    await li.next()
    await page.socket.close()
    await eventually(lambda: front.pages_open(DEMO_BY_KEY["zhang"].user_id) == 0)

    front.evict_idle(time.monotonic() + IDLE_AFTER + 1)
    assert front.session.chats_in_memory == 1, "only the conversation on an open page stays in memory"

    again = await webchat.open()
    assert (await again.next())["messages"][-1]["id"] == offer["id"]
    english = next(button["data"] for row in offer["buttons"] for button in row if "English" in button["text"])
    await again.send(type="press", message_id=offer["id"], data=english)
    edit = await again.until(lambda frame: frame["type"] == "edit")
    assert edit["message"]["id"] == offer["id"], "the old button still works after the conversation left memory"
    menu = await again.until(lambda frame: frame["type"] == "message")
    assert menu["message"]["id"] > offer["id"], "and message ids go on"


async def test_a_reconnecting_page_gets_the_recent_part_and_pages_back_on_demand(webchat: WebChat) -> None:
    zhang = DEMO_BY_KEY["zhang"].user_id
    for message_id in range(1, 101):
        await webchat.front.history.put(bot_message(zhang, message_id, f"message {message_id}"))
    page = await webchat.open()
    history = await page.next()
    assert [view["id"] for view in history["messages"]] == list(range(61, 101)) and history["more"]

    await page.send(type="older", before=61)
    older = await page.until(lambda frame: frame["type"] == "older")
    assert [view["id"] for view in older["messages"]] == list(range(21, 61)) and older["more"]
    await page.send(type="older", before=21)
    oldest = await page.until(lambda frame: frame["type"] == "older")
    assert [view["id"] for view in oldest["messages"]] == list(range(1, 21)) and not oldest["more"]
