"""The web chat through its WebSocket and HTTP endpoints, without a browser."""

from __future__ import annotations

import asyncio
import struct
import zlib

import aiohttp
import pytest
from aiohttp import FormData

from bot.people import Front, Role
from storage.people import PeopleRepository
from tests.webchat.conftest import WebChat, bot_said, origin_of, serve_public, serve_webchat, text_of
from webchat.uploads import FILE_SIZE_LIMIT
from webchat.visitors import COOKIE_NAME, DEMO_BY_KEY, DEMO_CENTRE_ID


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def button_data(view: dict, label_part: str) -> str:
    return next(button["data"] for row in view["buttons"] for button in row if label_part in button["text"])


async def test_a_message_gets_a_reply_with_buttons_and_a_press_edits_in_place(webchat: WebChat) -> None:
    page = await webchat.open()
    assert await page.next() == {"type": "history", "messages": [], "more": False}

    await page.send(type="text", text="/language")
    own = await page.next()
    assert own["type"] == "message" and own["message"]["mine"] and own["message"]["text"] == ["/language"]
    offer = (await page.until(bot_said("Choose your language")))["message"]
    assert offer["buttons"], "the reply carries inline buttons"

    await page.send(type="press", message_id=offer["id"], data=button_data(offer, "English"))
    edit = await page.until(lambda frame: frame["type"] == "edit")
    assert edit["message"]["id"] == offer["id"] and edit["message"]["edited"]
    assert "Language set: English" in text_of(edit["message"])
    assert "buttons" not in edit["message"], "the edit took the buttons away"
    assert not webchat.front.session.unanswered_callbacks


async def test_a_reconnecting_page_gets_the_conversation_back(webchat: WebChat) -> None:
    page = await webchat.open()
    await page.next()
    await page.send(type="text", text="/start")
    greeting = (await page.until(bot_said("Hello, 张师傅")))["message"]
    await page.socket.close()

    # Said while the page was away: kept, and shown when it comes back.
    await webchat.front.bot.send_message(DEMO_BY_KEY["zhang"].user_id, "<b>A mediator</b> will call you.")

    again = await webchat.open()
    history = (await again.next())["messages"]
    assert [view["id"] for view in history] == sorted(view["id"] for view in history)
    assert [view["text"] for view in history][:2] == [["/start"], greeting["text"]]
    assert history[-1]["text"] == [{"kind": "b", "children": ["A mediator"]}, " will call you."]


async def test_deliveries_reach_only_the_pages_of_their_chat(webchat: WebChat) -> None:
    zhang, li = await webchat.open(), await webchat.open("/socket?as=li&lang=en")
    await zhang.next()
    await li.next()
    await zhang.send(type="text", text="/start")
    await zhang.until(bot_said("Hello, 张师傅"))
    await li.send(type="text", text="/help")
    await li.until(bot_said("/cancel"))
    assert all("张师傅" not in text_of(frame["message"]) for frame in li.frames if "message" in frame)


@pytest.mark.parametrize("origin", ["http://evil.example", "null", ""])
async def test_a_socket_from_another_origin_is_refused(webchat: WebChat, origin: str) -> None:
    headers = {"Origin": origin} if origin else {}
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await webchat.client.ws_connect("/socket?as=zhang", headers=headers)
    assert refused.value.status == 403


async def test_text_with_markup_is_shown_as_text(webchat: WebChat) -> None:
    page = await webchat.open()
    await page.next()
    said = "<script>alert(1)</script> & <b>"
    await page.send(type="text", text=said)
    own = await page.until(lambda frame: frame["type"] == "message" and frame["message"]["mine"])
    assert own["message"]["text"] == [said], "the person's words are one text leaf, never markup"
    reply = await page.until(lambda frame: frame["type"] == "message" and not frame["message"]["mine"])
    leaves = reply["message"]["text"]
    assert all(node.get("kind") != "plain" for node in leaves if isinstance(node, dict))
    if said[:20] in text_of(reply["message"]):  # an echo of the words is text, not a node
        assert any(isinstance(node, str) and "<script>" in node for node in leaves)

    page_html = await (await webchat.client.get("/", params={"as": "<script>alert(1)</script>"})).text()
    assert "<script>alert(1)" not in page_html and "\\u003cscript\\u003e" in page_html


async def test_the_page_declares_utf8_and_a_strict_content_security_policy(webchat: WebChat) -> None:
    response = await webchat.client.get("/", params={"lang": "zh_CN"})
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    body = await response.text()
    assert '<meta charset="utf-8">' in body and "发送" in body and "http" not in body.split("<body>")[0].replace(
        "http-equiv", ""), "no external resource in the page head"
    english = await (await webchat.client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"})).text()
    assert '"send": "Send"' in english


async def test_demo_people_exist_with_their_roles(webchat: WebChat, db) -> None:
    people = PeopleRepository(db)
    mediator = await people.find(Front.WEB, DEMO_BY_KEY["mediator"].user_id)
    assert mediator is not None and mediator.role is Role.MEDIATOR and mediator.centre_id == DEMO_CENTRE_ID
    supervisor = await people.find(Front.WEB, DEMO_BY_KEY["supervisor"].user_id)
    assert supervisor is not None and supervisor.role is Role.SUPERVISOR
    # A demo person who never opened the page can still be written to (a case routed to the mediator).
    await webchat.front.bot.send_message(DEMO_BY_KEY["mediator"].user_id, "New case")


async def test_location_and_contact_reach_the_bot(webchat: WebChat) -> None:
    page = await webchat.open()
    await page.next()
    await page.send(type="location", latitude=30.63299, longitude=114.13401)
    shared = await page.until(lambda frame: frame["type"] == "message" and frame["message"]["mine"])
    assert shared["message"]["location"] == {"latitude": 30.63299, "longitude": 114.13401}
    await page.send(type="contact", phone_number="138 0013 8000", first_name="张师傅")
    contact = await page.until(lambda frame: frame["type"] == "message" and frame["message"]["mine"])
    assert contact["message"]["contact"] == {"phone": "138 0013 8000", "name": "张师傅"}
    await page.send(type="location", latitude=91, longitude=0)
    assert (await page.until(lambda frame: frame["type"] == "error"))["text"]


async def test_an_uploaded_photo_reaches_the_bot_with_a_file_id_that_serves_it(webchat: WebChat) -> None:
    page = await webchat.open()
    await page.next()
    seen = []
    webchat.front.dispatcher.message.outer_middleware(lambda handler, event, data: seen.append(event) or handler(
        event, data))
    form = FormData()
    form.add_field("kind", "photo")
    form.add_field("caption", "工资条")
    form.add_field("file", tiny_png(), filename="payslip.png", content_type="image/png")
    response = await webchat.client.post("/upload?as=zhang", data=form, headers={"Origin": origin_of(webchat.client)})
    assert response.status == 200
    file_id = (await response.json())["file_id"]

    shown = await page.until(lambda frame: frame["type"] == "message" and frame["message"]["mine"])
    assert shown["message"]["photo"] == {"url": f"/files/{file_id}", "width": 3, "height": 2}
    [message] = seen
    assert message.photo[-1].file_id == file_id and message.caption == "工资条"
    served = await webchat.client.get(f"/files/{file_id}")
    assert served.headers["Content-Type"] == "image/png" and await served.read() == tiny_png()

    # The bot can download it, and send it on (to a mediator) under the same id.
    downloaded = await webchat.front.bot.download(file_id)
    assert downloaded is not None and downloaded.read() == tiny_png()
    sent = await webchat.front.bot.send_photo(DEMO_BY_KEY["mediator"].user_id, file_id)
    assert sent.photo[-1].file_id == file_id


async def test_a_document_is_downloaded_not_rendered(webchat: WebChat) -> None:
    form = FormData()
    form.add_field("kind", "document")
    form.add_field("file", b"<html><script>alert(1)</script>", filename="contract.html",
                   content_type="text/html")
    response = await webchat.client.post("/upload?as=zhang", data=form, headers={"Origin": origin_of(webchat.client)})
    file_id = (await response.json())["file_id"]
    served = await webchat.client.get(f"/files/{file_id}")
    assert served.headers["Content-Type"] == "application/octet-stream"
    assert served.headers["Content-Disposition"] == "attachment; filename*=UTF-8''contract.html"


async def test_uploads_are_refused_across_origins_and_beyond_20_mb(webchat: WebChat) -> None:
    form = FormData()
    form.add_field("file", tiny_png(), filename="a.png", content_type="image/png")
    refused = await webchat.client.post("/upload?as=zhang", data=form, headers={"Origin": "http://evil.example"})
    assert refused.status == 403
    big = FormData()
    big.add_field("file", b"\0" * (FILE_SIZE_LIMIT + 1), filename="big.bin")
    too_large = await webchat.client.post("/upload?as=zhang", data=big, headers={"Origin": origin_of(webchat.client)})
    assert too_large.status == 413


async def test_without_demo_mode_a_visitor_is_a_worker_known_by_a_signed_cookie(app_settings, db, clock) -> None:
    client = await serve_public(app_settings, db, clock)
    try:
        with pytest.raises(aiohttp.WSServerHandshakeError) as forged:
            await client.ws_connect("/socket?as=zhang", headers={"Origin": origin_of(client),
                                                                 "Cookie": f"{COOKIE_NAME}=101.0000"})
        assert forged.value.status == 403, "neither ?as= nor a forged cookie makes one a demo person"
        with pytest.raises(aiohttp.WSServerHandshakeError) as odd:
            await client.ws_connect("/socket", headers={"Origin": origin_of(client),
                                                        "Cookie": f"{COOKIE_NAME}=\u00b2.0000"})
        assert odd.value.status == 403, "a cookie of non-ASCII digits is refused, not a server error"
        page = await client.get("/?as=mediator")
        assert '"people"' not in await page.text(), "no picker"
        cookie = page.cookies[COOKIE_NAME]
        assert cookie["httponly"] and cookie["samesite"] == "Strict"
        socket = await client.ws_connect("/socket", headers={"Origin": origin_of(client)})
        assert (await socket.receive_json())["type"] == "history"
        await socket.send_json({"type": "text", "text": "/start"})
        while (frame := await asyncio.wait_for(socket.receive_json(), 5))["message"]["mine"]:
            pass
        assert "Hello" in str(frame["message"]["text"]) or "您好" in str(frame["message"]["text"])
        visitor_id = int(cookie.value.split(".")[0])
        person = await PeopleRepository(db).find(Front.WEB, visitor_id)
        assert person is not None and person.role is Role.WORKER
    finally:
        await client.close()


async def test_after_a_restart_message_ids_go_on_and_old_buttons_still_work(app_settings, db, clock) -> None:
    first = WebChat(await serve_webchat(app_settings, db, clock))
    page = await first.open()
    await page.next()
    await page.send(type="text", text="/language")
    offer = (await page.until(bot_said("Choose your language")))["message"]
    await first.client.close()

    second = WebChat(await serve_webchat(app_settings, db, clock))
    try:
        page = await second.open()
        history = (await page.next())["messages"]
        assert history[-1]["id"] == offer["id"]
        await page.send(type="press", message_id=offer["id"], data=button_data(offer, "English"))
        edit = await page.until(lambda frame: frame["type"] == "edit")
        assert edit["message"]["id"] == offer["id"]
        menu = await page.until(lambda frame: frame["type"] == "message")
        assert menu["message"]["id"] > offer["id"], "ids are never reused"
    finally:
        await second.client.close()


async def test_a_press_on_a_button_the_message_does_not_have_is_refused(webchat: WebChat) -> None:
    page = await webchat.open()
    await page.next()
    await page.send(type="text", text="/language")
    offer = (await page.until(bot_said("Choose your language")))["message"]
    await page.send(type="press", message_id=offer["id"], data="lang:fr")
    toast = await page.until(lambda frame: frame["type"] == "toast")
    assert toast["text"] == "This button is no longer active."


async def test_a_flooding_page_is_told_to_slow_down(webchat: WebChat) -> None:
    page = await webchat.open()
    await page.next()
    for number in range(25):
        await page.send(type="text", text=f"hello {number}")
    toast = await page.until(lambda frame: frame["type"] == "toast")
    assert "Slow down" in toast["text"]
