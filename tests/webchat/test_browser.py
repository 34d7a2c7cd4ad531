"""The web chat in headless Chromium on a phone-sized screen: pick a worker, /start, press a button.

Uses Debian's chromium through Playwright's Python package (never Playwright's own browser download).
Screenshots are left in test-artifacts/ (webchat.png, webchat-picker.png) for people to look at.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.settings import PROJECT_ROOT
from tests.webchat.conftest import WebChat, bot_message
from webchat.visitors import DEMO_BY_KEY

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = PROJECT_ROOT / "test-artifacts" / "webchat.png"
PICKER_SCREENSHOT = SCREENSHOT.with_name("webchat-picker.png")
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
STEP_TIMEOUT_MS = 10_000

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() or shutil.which("chromium") is None,
    reason="Debian's chromium is not installed at /usr/bin/chromium: run `make deps` (as root)",
)


@asynccontextmanager
async def phone_page(tmp_path: Path) -> AsyncIterator[Any]:
    """A page in headless Chromium on a phone-sized screen."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN",
        )
        try:
            page = browser.pages[0] if browser.pages else await browser.new_page()
            page.set_default_timeout(STEP_TIMEOUT_MS)
            yield page
        finally:
            await browser.close()


def base_of(webchat: WebChat) -> str:
    return f"http://{webchat.client.server.host}:{webchat.client.server.port}"


async def test_a_worker_talks_to_the_bot_in_a_phone_browser(webchat: WebChat, tmp_path: Path) -> None:
    from playwright.async_api import expect

    async with phone_page(tmp_path) as page:
        await page.goto(f"{base_of(webchat)}/?lang=zh_CN")
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(PICKER_SCREENSHOT))
        await page.get_by_role("link", name="张师傅").click()
        await expect(page.locator(".status")).to_have_text("在线")

        await page.get_by_role("textbox").fill("/start")
        await page.get_by_role("button", name="发送").click()
        await expect(page.locator(".row.theirs .text").first).to_contain_text("张师傅，您好")

        await page.locator(".inline-button", has_text="帮助").first.click()
        await expect(page.locator(".row.theirs .text").last).to_contain_text("/cancel")

        await page.screenshot(path=str(SCREENSHOT))


async def test_a_long_conversation_shows_its_recent_part_and_earlier_messages_on_request(
        webchat: WebChat, tmp_path: Path) -> None:
    from playwright.async_api import expect

    li = DEMO_BY_KEY["li"].user_id
    for message_id in range(1, 61):
        await webchat.front.history.put(bot_message(li, message_id, f"第{message_id}条"))
    async with phone_page(tmp_path) as page:
        await page.goto(f"{base_of(webchat)}/?as=li&lang=zh_CN")
        await expect(page.locator(".row")).to_have_count(40)
        await expect(page.locator(".row").first).to_contain_text("第21条")
        await page.get_by_role("button", name="更早的消息").click()
        await expect(page.locator(".row")).to_have_count(60)
        await expect(page.locator(".row").first).to_contain_text("第1条")
        await expect(page.get_by_role("button", name="更早的消息")).to_have_count(0)


async def test_the_location_sheet_fits_a_phone_screen(webchat: WebChat, tmp_path: Path) -> None:
    async with phone_page(tmp_path) as page:
        await page.goto(f"{base_of(webchat)}/?as=zhang&lang=zh_CN")
        await page.get_by_role("button", name="附件").click()
        await page.locator(".attach-choice.location").click()
        sheet = await page.locator(".sheet").bounding_box()
        for name in ("latitude", "longitude"):
            field = await page.locator(f"input[name={name}]").bounding_box()
            assert sheet is not None and field is not None
            assert field["x"] >= sheet["x"] and field["x"] + field["width"] <= sheet["x"] + sheet["width"], name
            assert field["x"] + field["width"] <= PHONE["width"], f"the {name} field stays on the screen"
        await page.screenshot(path=str(SCREENSHOT.with_name("webchat-location.png")))


async def test_a_message_too_long_for_one_is_kept_and_explained(webchat: WebChat, tmp_path: Path) -> None:
    from playwright.async_api import expect

    text = "工资" * 2500  # 5,000 characters: more than one message holds
    async with phone_page(tmp_path) as page:
        await page.goto(f"{base_of(webchat)}/?as=zhang&lang=zh_CN")
        await expect(page.locator(".status")).to_have_text("在线")
        box = page.get_by_role("textbox")
        await box.fill(text)
        await expect(page.locator(".too-long")).to_contain_text("4096")
        await page.get_by_role("button", name="发送").click()
        assert await box.input_value() == text, "nothing typed is cut off or cleared"
        await expect(page.locator(".row.mine")).to_have_count(0)

        await box.fill(text[:4000])
        await expect(page.locator(".too-long")).to_be_hidden()
        await page.get_by_role("button", name="发送").click()
        await expect(page.locator(".row.mine")).to_have_count(1)
        assert await box.input_value() == ""


async def test_a_new_visitor_is_greeted_and_can_start(webchat: WebChat, tmp_path: Path) -> None:
    from playwright.async_api import expect

    async with phone_page(tmp_path) as page:
        await page.goto(f"{base_of(webchat)}/?as=li&lang=zh_CN")
        greeting = page.locator(".empty-chat")
        await expect(greeting).to_contain_text("劳动争议")
        await page.screenshot(path=str(SCREENSHOT.with_name("webchat-new-visitor.png")))
        await greeting.get_by_role("button", name="开始").click()
        await expect(page.locator(".row.theirs .text").first).to_contain_text("您好")
        await expect(greeting).to_have_count(0)
