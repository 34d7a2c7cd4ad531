"""Hostile input never ends a socket, answers 500 or reaches the page as something it is not (issue 18)."""

from __future__ import annotations

import socket
import struct

from aiohttp import FormData

from tests.webchat.conftest import (
    WebChat,
    bot_message,
    bot_said,
    eventually,
    open_unread_socket,
    origin_of,
    serve_public,
    text_of,
)
from tests.webchat.test_protocol import tiny_png
from webchat.visitors import COOKIE_NAME, DEMO_BY_KEY


async def test_frames_that_once_crashed_the_socket_are_answered_and_the_chat_goes_on(webchat: WebChat) -> None:
    page = await webchat.open()
    await page.next()

    await page.socket.send_str('{"type": "text", "text": ' + "[" * 20_000 + "]" * 20_000 + "}")
    await page.send(type="press", message_id=10**23, data="lang:en")
    toast = await page.until(lambda frame: frame["type"] == "toast")
    assert toast["text"] == "This button is no longer active."

    await page.send(type="text", text="工资\ud800没发")  # a lone surrogate: JSON carries it, UTF-8 cannot
    own = await page.until(lambda frame: frame["type"] == "message" and frame["message"]["mine"])
    assert own["message"]["text"] == ["工资\ufffd没发"], "the words arrive, the broken character replaced"
    await page.send(type="contact", phone_number="13800138000", first_name="张\udc00师傅")
    contact = await page.until(lambda frame: frame["type"] == "message" and "contact" in frame["message"])
    assert contact["message"]["contact"] == {"phone": "13800138000", "name": "张\ufffd师傅"}

    await page.send(type="text", text="/help")
    await page.until(bot_said("/cancel"))
    assert not page.socket.closed


async def test_a_cookie_with_a_huge_number_is_a_new_visitor_not_a_server_error(app_settings, db, clock) -> None:
    client = await serve_public(app_settings, db, clock)
    try:
        for odd in (f"{10**9}.{2**32}.签名", f"{10**9}.{'9' * 5000}.{'0' * 64}"):
            client.session.cookie_jar.clear()
            response = await client.get("/", headers={"Cookie": f"{COOKIE_NAME}={odd}"})
            assert response.status == 200 and COOKIE_NAME in response.cookies
        huge = f"{COOKIE_NAME}={'9' * 5000}.{'0' * 64}"
        client.session.cookie_jar.clear()
        response = await client.get("/", headers={"Cookie": huge})
        assert response.status == 200 and COOKIE_NAME in response.cookies, "a new identity, not a 500"
        client.session.cookie_jar.clear()
        refused = await client.get("/socket", headers={"Cookie": huge, "Origin": origin_of(client),
                                                       "Connection": "Upgrade", "Upgrade": "websocket",
                                                       "Sec-WebSocket-Version": "13",
                                                       "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
        assert refused.status == 403
    finally:
        await client.close()


async def test_a_page_that_goes_away_while_its_history_is_sent_leaves_nothing_behind(webchat: WebChat) -> None:
    zhang = DEMO_BY_KEY["zhang"].user_id
    for message_id in range(1, 301):  # megabytes of history, more than the connection takes at once
        await webchat.front.history.put(bot_message(zhang, message_id, "工" * 4096))
    gone = await open_unread_socket(webchat.client, "/socket?as=zhang")
    await eventually(lambda: webchat.front.pages_open(zhang) == 1)
    # The page resets its connection (SO_LINGER 0) while the history is on its way.
    gone.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    gone.close()
    await eventually(lambda: webchat.front.pages_open(zhang) == 0)
    page = await webchat.open()
    assert (await page.next())["messages"][-1]["id"] == 300


def png_header(width: int, height: int) -> bytes:
    return tiny_png()[:16] + struct.pack(">II", width, height) + tiny_png()[24:]


async def test_a_picture_claiming_absurd_dimensions_is_a_file_not_a_photo(webchat: WebChat) -> None:
    page = await webchat.open()
    await page.next()
    form = FormData()
    form.add_field("kind", "photo")
    form.add_field("file", png_header(4294967295, 4294967295), filename="huge.png", content_type="image/png")
    response = await webchat.client.post("/upload?as=zhang", data=form, headers={"Origin": origin_of(webchat.client)})
    assert response.status == 200
    shown = await page.until(lambda frame: frame["type"] == "message" and frame["message"]["mine"])
    assert "photo" not in shown["message"] and shown["message"]["document"]["name"] == "huge.png"
    served = await webchat.client.get(shown["message"]["document"]["url"])
    assert served.headers["Content-Type"] == "application/octet-stream", "nor is it served as a picture"
    assert "attachment" in served.headers["Content-Disposition"]

    panorama = FormData()
    panorama.add_field("kind", "photo")
    panorama.add_field("file", png_header(4000, 3000), filename="site.png", content_type="image/png")
    await webchat.client.post("/upload?as=zhang", data=panorama, headers={"Origin": origin_of(webchat.client)})
    photo = await page.until(lambda frame: frame["type"] == "message" and "photo" in frame["message"])
    assert (photo["message"]["photo"]["width"], photo["message"]["photo"]["height"]) == (4000, 3000)
    assert text_of(photo["message"]) == ""
