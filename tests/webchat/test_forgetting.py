"""A declined notice or a cancelled draft forgets only the draft's part of the web conversation: its
messages and uploads no case holds. What came before, a staff member's notices and whatever the bot
said about a filed case stay."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from aiohttp import FormData

from bot.cases.model import case_number
from tests.webchat.conftest import WebChat, bot_said, origin_of, text_of
from tests.webchat.test_protocol import button_data, tiny_png
from webchat.visitors import DEMO_BY_KEY

ZHANG = DEMO_BY_KEY["zhang"].user_id
MEDIATOR = DEMO_BY_KEY["mediator"].user_id
FILED = "✅ Your complaint is filed. Case number: LD-2026-000001. Wujiashan centre contacts you by 27 November."


def stored(db_path: Path, chat_id: int) -> str:
    with sqlite3.connect(db_path) as connection:
        return " ".join(body for (body,) in connection.execute(
            "SELECT body FROM webchat_messages WHERE chat_id = ? ORDER BY message_id", (chat_id,)))


def shown(history: dict[str, Any]) -> str:
    return " ".join(text_of(message) for message in history["messages"])


async def upload_photo(webchat: WebChat, who: str, name: str) -> str:
    form = FormData()
    form.add_field("kind", "photo")
    form.add_field("file", tiny_png(), filename=name, content_type="image/png")
    response = await webchat.client.post(f"/upload?as={who}&lang=en", data=form,
                                         headers={"Origin": origin_of(webchat.client)})
    assert response.status == 200
    return (await response.json())["file_id"]


def test_a_case_number_is_recognised_as_the_case_store_writes_it() -> None:
    from webchat.front import CASE_NUMBER

    assert CASE_NUMBER.fullmatch(case_number(2026, 1)) and CASE_NUMBER.fullmatch(case_number(2031, 123456))


async def test_declining_forgets_what_was_written_for_the_draft_and_keeps_the_rest(
        webchat: WebChat, db_path: Path) -> None:
    page = await webchat.open()
    await page.next()
    kept_photo = await upload_photo(webchat, "zhang", "before.png")  # before any draft: not the draft's
    await page.send(type="text", text="/start")
    await page.until(bot_said("Hello, 张师傅"))
    await webchat.front.bot.send_message(ZHANG, FILED)  # an earlier case's confirmation
    await page.until(bot_said("Case number: LD-2026-000001"))

    await page.send(type="text", text="/new")
    await page.until(bot_said("Before you start"))
    draft_photo = await upload_photo(webchat, "zhang", "payslip.png")
    await page.until(bot_said("tap “I agree”"))
    await webchat.front.bot.send_message(ZHANG, "👤 Your case LD-2026-000001 has a mediator: 王.")  # meanwhile
    await page.until(bot_said("has a mediator"))
    await page.send(type="text", text="Hongda owes me 5000 yuan, my phone is 13800138000")
    reminder = (await page.until(lambda frame: frame["type"] == "message" and bot_said("tap “I agree”")(frame)))[
        "message"]  # the newest consent buttons: those before it were taken away
    await page.send(type="press", message_id=reminder["id"], data=button_data(reminder, "No, thanks"))

    history = await page.until(lambda frame: frame["type"] == "history")
    seen = shown(history)
    assert "Hello, 张师傅" in seen and "Case number: LD-2026-000001" in seen, "what came before stays"
    assert "has a mediator" in seen, "a notice about a filed case stays, though it came during the draft"
    assert "13800138000" not in json.dumps(history) and "Before you start" not in seen
    await page.until(bot_said("nothing about a complaint has been kept"))

    kept = stored(db_path, ZHANG)
    assert "13800138000" not in kept and "Hongda" not in kept and draft_photo not in kept
    assert FILED.split(".")[0] in kept and kept_photo in kept
    assert (await webchat.client.get(f"/files/{draft_photo}")).status == 404, "the draft's upload is deleted"
    assert (await webchat.client.get(f"/files/{kept_photo}")).status == 200

    again = await webchat.open()
    assert "Case number: LD-2026-000001" in shown(await again.next())


async def test_cancelling_a_second_draft_keeps_the_first_cases_confirmation(webchat: WebChat, db_path: Path) -> None:
    page = await webchat.open()
    await page.next()
    await webchat.front.bot.send_message(ZHANG, FILED)
    await page.until(bot_said("Case number"))
    await page.send(type="text", text="/new")
    notice = (await page.until(bot_said("Before you start")))["message"]
    await page.send(type="press", message_id=notice["id"], data=button_data(notice, "I agree"))
    await page.until(bot_said("Tell me in your own words"))
    await page.send(type="text", text="Hongda Construction owes me 8000 yuan for October")
    await page.until(bot_said("This is what I understood"))
    payslip = await upload_photo(webchat, "zhang", "payslip.png")
    received = await page.until(bot_said("📎 Received"))
    assert text_of(received["message"]).startswith("📎 Received Photo 1 (1 KB)."), "no made-up .jpg, no 0.0 MB"
    await page.send(type="text", text="/cancel")
    confirm = (await page.until(bot_said("Delete what you have filled in")))["message"]
    await page.send(type="press", message_id=confirm["id"], data=button_data(confirm, "Yes, delete"))

    history = await page.until(lambda frame: frame["type"] == "history")
    assert "Case number: LD-2026-000001" in shown(history) and "Hongda" not in json.dumps(history)
    await page.until(lambda frame: frame["type"] == "edit" and "Cancelled" in text_of(frame["message"]))
    kept = stored(db_path, ZHANG)
    assert "Case number: LD-2026-000001" in kept and "Hongda" not in kept and "8000" not in kept
    assert "Cancelled: the draft is deleted." in kept, "the confirmation of the cancel itself is shown"
    assert (await webchat.client.get(f"/files/{payslip}")).status == 404


async def test_a_mediator_who_declines_keeps_the_new_case_notices(webchat: WebChat) -> None:
    page = await webchat.open("/socket?as=mediator&lang=en")
    await page.next()
    await webchat.front.bot.send_message(MEDIATOR, "📥 New case LD-2026-000001 (unpaid wages) is waiting.")
    await page.until(bot_said("New case LD-2026-000001"))
    await page.send(type="text", text="/new")
    notice = (await page.until(bot_said("Before you start")))["message"]
    await page.send(type="press", message_id=notice["id"], data=button_data(notice, "No, thanks"))
    history = await page.until(lambda frame: frame["type"] == "history")
    assert "New case LD-2026-000001" in shown(history), "the mediator's only record of the case stays"
    assert "Before you start" not in shown(history)
