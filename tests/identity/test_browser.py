"""The page's side in headless Chromium, deployed as for real (no demo): a visible page reports what it
showed (read marks), the start page offers recovery, and a member of staff signs out with one tap."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from bot.people import Front, Role
from tests.identity.world import CENTRE
from tests.webchat import test_browser as browser
from tests.webchat.conftest import origin_of, serve_public
from tests.webchat.test_browser import phone_page
from webchat.visitors import COOKIE_NAME

pytestmark = browser.pytestmark  # skipped, with the reason, where Debian's chromium is missing


@pytest.fixture
async def client(app_settings, db, clock) -> AsyncIterator[TestClient]:
    served = await serve_public(app_settings, db, clock)
    yield served
    await served.close()


async def rows(db, sql: str) -> list[tuple]:
    async with db.read() as conn, conn.execute(sql) as cursor:
        return [tuple(row) for row in await cursor.fetchall()]


async def test_a_visible_page_marks_what_it_showed_and_offers_recovery(client, db, tmp_path: Path) -> None:
    from playwright.async_api import expect

    async with phone_page(tmp_path) as page:
        await page.goto(f"{origin_of(client)}/?lang=zh_CN")
        start = page.locator(".empty-chat")
        await start.get_by_role("button", name="找回我的案件").click()
        await expect(page.locator(".row.theirs .text").last).to_contain_text("一次性找回码")
        await expect(page.get_by_role("button", name="短信发送找回码")).to_be_visible()
        marks: list[tuple] = []
        for _ in range(100):  # bounded: 5 s
            marks = await rows(db, "SELECT seen_message_id FROM webchat_reads")
            if marks and marks[0][0] >= 2:
                break
            await page.wait_for_timeout(50)
        assert marks and marks[0][0] >= 2, "the bot's answer was shown, and the page said so"


async def test_a_member_of_staff_signs_out_with_one_tap(client, db, clock, tmp_path: Path) -> None:
    from playwright.async_api import expect

    from storage.people import PeopleRepository

    async with phone_page(tmp_path) as page:
        await page.goto(f"{origin_of(client)}/?lang=zh_CN")
        cookie = next(c for c in await page.context.cookies() if c["name"] == COOKIE_NAME)["value"]
        await PeopleRepository(db).set_role(Front.WEB, int(cookie.split(".")[0]), Role.MEDIATOR, CENTRE,
                                            now=clock.now(), display_name="赵调解员")
        await page.reload()
        await page.get_by_role("button", name="退出登录").click()
        await expect(page.locator(".toast")).to_contain_text("您已退出登录")
        await expect(page.get_by_role("button", name="退出登录")).to_have_count(0)
        fresh = next(c for c in await page.context.cookies() if c["name"] == COOKIE_NAME)["value"]
        assert fresh.split(".")[0] != cookie.split(".")[0], "the browser is a new visitor now"
