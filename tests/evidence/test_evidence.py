"""Evidence kept by the project: fetched from Telegram into the evidence store, retried by its job until
stored, shown only to the mediator holding the case (on Telegram as uploads, on the web chat through its
own route, each view logged), the holder told of new evidence, and the supervisors' list of views."""

from __future__ import annotations

import asyncio
import struct
from datetime import timedelta
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiogram.methods import SendDocument, SendPhoto
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from bot.app import job_runner
from bot.chat.faithful_session import proxy_bad_gateway
from bot.evidence import FETCH_JOB, FetchFailed
from bot.people import Front, Role
from handlers.evidence import BotFiles
from storage.cases import AccessLogRepository, CaseRepository
from storage.db import Database
from storage.evidence import EvidenceRepository
from storage.people import PeopleRepository
from tests.conftest import NOW
from tests.desk.test_desk import MEDIATORS, OTHER_CENTRE, SUPERVISOR, WORKER, button, card_of, staff
from tests.harness import ChatHarness, texts
from tests.intake.helpers import Worker
from tests.intake.test_mycases_and_alerts import fill_wages_complaint
from tests.webchat.conftest import WebChat, bot_said, serve_public, serve_webchat, text_of
from webchat.server import FILES, GATE
from webchat.visitors import COOKIE_NAME, VisitorCookies

MEDIATOR = MEDIATORS[0]
PAYSLIP = b"%PDF-1.4 payslip for March to August " * 40
PHOTO = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + struct.pack(">II", 640, 480) + b"\x08\x02\x00\x00\x00" + b"\0" * 64


def bad_gateway(path: str = "/file/hosted") -> aiohttp.ClientResponseError:
    """What aiohttp raises when the download's answer is a 502."""
    url = URL(f"https://api.telegram.org{path}")
    info = aiohttp.RequestInfo(url, "GET", CIMultiDictProxy(CIMultiDict()), url)
    return aiohttp.ClientResponseError(info, (), status=502, message="Bad Gateway")


async def file_with_payslip(chat: ChatHarness) -> int:
    """The worker files on Telegram with a payslip attached at the summary; the case's id."""
    chat.session.host_file("doc-payslip.pdf", PAYSLIP)
    worker = Worker(chat, WORKER)
    await fill_wages_complaint(worker, "Hongda Construction", 1)
    await worker.sends_document("payslip.pdf", len(PAYSLIP))
    await worker.presses("Submit")
    person = await PeopleRepository(chat.dispatcher["db"]).find(Front.TELEGRAM, WORKER)
    [case] = await CaseRepository(chat.dispatcher["db"]).of_worker(person.id)
    return case.id


def evidence_dir(db: Database):
    return db.path.parent / "evidence"


async def pending_fetch_jobs(db: Database) -> int:
    async with db.read() as conn, conn.execute(
        "SELECT count(*) FROM jobs WHERE kind = ? AND status = 'pending'", (FETCH_JOB,)
    ) as cursor:
        return (await cursor.fetchone())[0]


async def accept_on_telegram(chat: ChatHarness, mediator: int = MEDIATOR) -> None:
    card = card_of(chat, mediator)
    await chat.press(mediator, button(card, "✅"), message=card, language_code="en")


async def test_evidence_from_telegram_is_downloaded_into_the_store_when_filed(chat, db) -> None:
    case_id = await file_with_payslip(chat)

    [stored] = await EvidenceRepository(db).of_case(case_id)
    assert stored.stored and stored.stored_size == len(PAYSLIP)
    assert stored.file_id == "doc-payslip.pdf", "the front's file id is kept beside the stored copy"
    assert (evidence_dir(db) / stored.stored_as).read_bytes() == PAYSLIP
    assert [call.file_id for call in chat.session.calls if call.__api_method__ == "getFile"] == ["doc-payslip.pdf"]


async def test_the_holder_on_telegram_gets_the_files_uploaded_and_each_view_is_logged(chat, db, clock) -> None:
    await staff(chat, db, clock)
    case_id = await file_with_payslip(chat)
    await accept_on_telegram(chat)

    calls = await chat.press(MEDIATOR, button(card_of(chat, MEDIATOR), "📎"), message=card_of(chat, MEDIATOR),
                             language_code="en")
    [sent] = [call for call in calls if isinstance(call, SendDocument)]
    assert sent.document.data == PAYSLIP, "the bytes come from the store, uploaded"
    assert "evidence 1 of 1: payslip.pdf" in sent.caption
    mediator = await PeopleRepository(db).find(Front.TELEGRAM, MEDIATOR)
    [stored] = await EvidenceRepository(db).of_case(case_id)
    assert (mediator.id, f"evidence:{stored.id}") in await AccessLogRepository(db).of_case(case_id)


async def test_only_the_holder_gets_the_files(chat, db, clock) -> None:
    await staff(chat, db, clock)
    case_id = await file_with_payslip(chat)
    await accept_on_telegram(chat)
    before = await AccessLogRepository(db).of_case(case_id)

    for someone in (MEDIATORS[1], OTHER_CENTRE, SUPERVISOR, WORKER):  # a colleague, another centre, a supervisor
        calls = await chat.press(someone, f"ev:f:{case_id}:0", language_code="en")
        assert not [call for call in calls if isinstance(call, SendDocument | SendPhoto)]
        assert not texts(calls), "nothing but the refusal"
    assert await AccessLogRepository(db).of_case(case_id) == before, "nothing logged as a view"


async def test_a_failed_download_is_kept_and_retried_by_its_job_until_stored(chat, db, clock) -> None:
    chat.session.fail_next_download(bad_gateway())  # the download right after filing: a 502
    case_id = await file_with_payslip(chat)
    [waiting] = await EvidenceRepository(db).of_case(case_id)
    assert not waiting.stored and waiting.file_id == "doc-payslip.pdf", "nothing lost: the file id is kept"

    runner = job_runner(chat.dispatcher, db)
    chat.session.inject_fault(proxy_bad_gateway())  # the first job's getFile: a proxy's 502 page
    clock.set(NOW + timedelta(minutes=2))
    assert await runner.run_due() == 1
    await chat.dispatcher["evidence"].settle()
    [still] = await EvidenceRepository(db).of_case(case_id)
    assert not still.stored, "failed again; the next check was written with this run"

    clock.set(NOW + timedelta(minutes=3))
    assert await runner.run_due() == 0, "the next check waits its backoff"
    clock.set(NOW + timedelta(minutes=5))
    assert await runner.run_due() == 1
    await chat.dispatcher["evidence"].settle()
    [stored] = await EvidenceRepository(db).of_case(case_id)
    assert stored.stored and (evidence_dir(db) / stored.stored_as).read_bytes() == PAYSLIP

    assert await pending_fetch_jobs(db) == 1, "the check after the download that worked"
    clock.set(NOW + timedelta(days=1))
    await runner.run_due()
    await chat.dispatcher["evidence"].settle()
    assert await pending_fetch_jobs(db) == 0, "finds the file stored and schedules nothing more"
    assert [call.__api_method__ for call in chat.session.calls].count("getFile") == 3


async def test_a_file_too_large_to_fetch_is_asked_for_another_way(chat, db) -> None:
    chat.session.host_file("doc-scan.pdf", b"\0" * (20 * 1024 * 1024 + 1))
    worker = Worker(chat, WORKER)
    await fill_wages_complaint(worker, "Hongda Construction", 1)
    await worker.says(document={"file_id": "doc-scan.pdf", "file_unique_id": "u-scan", "file_name": "scan.pdf"})
    await worker.presses("Submit")
    person = await PeopleRepository(db).find(Front.TELEGRAM, WORKER)
    [case] = await CaseRepository(db).of_worker(person.id)

    [item] = await EvidenceRepository(db).of_case(case.id)
    assert item.unavailable == "too_large" and not item.stored
    assert "send it smaller" in worker.last() and "bring it to the centre" in worker.last()
    assert not await EvidenceRepository(db).to_fetch(case.id), "no job tries it again"


async def test_the_holder_is_told_when_the_worker_adds_evidence_after_filing(chat, db, clock) -> None:
    await staff(chat, db, clock)
    await file_with_payslip(chat)
    await accept_on_telegram(chat)
    await chat.send(MEDIATOR, "/start", language_code="en")  # the mediator reads English
    worker = Worker(chat, WORKER)
    await worker.says("/mycases")
    await worker.presses("LD-2026-000001")
    await worker.presses("Add evidence")
    chat.session.host_file("photo-late", PHOTO)
    before = len(chat.deliveries)
    await worker.sends_photo("late")

    [told] = [d.message for d in chat.deliveries[before:] if d.chat_id == MEDIATOR]
    assert "The worker added a photo to case LD-2026-000001 (2 files in all)" in told["text"]
    calls = await chat.press(MEDIATOR, button(told, "📎"), message=told, language_code="en")
    [photo] = [call for call in calls if isinstance(call, SendPhoto)]
    [document] = [call for call in calls if isinstance(call, SendDocument)]
    assert photo.photo.data == PHOTO and document.document.data == PAYSLIP


async def test_nobody_is_told_of_evidence_on_a_case_nobody_holds(chat, db, clock) -> None:
    await staff(chat, db, clock)
    await file_with_payslip(chat)
    worker = Worker(chat, WORKER)
    await worker.says("/mycases")
    await worker.presses("LD-2026-000001")
    await worker.presses("Add evidence")
    chat.session.host_file("photo-late", PHOTO)
    before = len(chat.deliveries)
    await worker.sends_photo("late")
    assert {d.chat_id for d in chat.deliveries[before:]} == {WORKER}


async def test_evidence_from_telegram_is_shown_to_the_web_chat_mediator_and_no_one_else(app_settings, db,
                                                                                        clock) -> None:
    client = await serve_webchat(app_settings, db, clock)
    public = await serve_public(app_settings, db, clock)
    try:
        chat = ChatHarness.build(app_settings, db, clock)  # the worker files on Telegram
        case_id = await file_with_payslip(chat)
        page = await WebChat(client).open("/socket?as=mediator&lang=en")
        await page.next()
        await page.send(type="text", text="/case LD-2026-000001")
        card = (await page.until(bot_said("LD-2026-000001")))["message"]
        accept = next(b["data"] for row in card["buttons"] for b in row if b["text"].startswith("✅"))
        await page.send(type="press", message_id=card["id"], data=accept)
        held = (await page.until(lambda frame: frame["type"] in ("message", "edit")
                                 and "Chen Gang" in text_of(frame["message"])))["message"]
        files = next(b["data"] for row in held["buttons"] for b in row if b["text"].startswith("📎"))
        await page.send(type="press", message_id=held["id"], data=files)
        listing = (await page.until(bot_said("Evidence of case LD-2026-000001")))["message"]
        [[link]] = listing["buttons"]
        assert link["text"] == "1. payslip.pdf"
        address = urlsplit(link["url"])
        path = f"{address.path}?{address.query}"

        served = await client.get(path)
        assert served.status == 200 and await served.read() == PAYSLIP
        assert served.headers["Cache-Control"] == "no-store", "every view reaches the log"
        assert "attachment" in served.headers["Content-Disposition"]
        holder = await PeopleRepository(db).find(Front.WEB, 201)
        [stored] = await EvidenceRepository(db).of_case(case_id)
        views = await AccessLogRepository(db).of_case(case_id)
        assert views.count((holder.id, f"evidence:{stored.id}")) == 1

        # A web mediator of another centre, with a valid cookie, and a visitor without one.
        await PeopleRepository(db).set_role(Front.WEB, 7_700_001, Role.MEDIATOR, "dxh-jiangjunlu", now=clock.now())
        cookie = VisitorCookies("test secret", clock, app_settings.webchat_cookie_days).value_for(7_700_001)
        other = await public.get(address.path, headers={"Cookie": f"{COOKIE_NAME}={cookie}"})
        assert other.status == 403 and PAYSLIP not in await other.read()
        nobody = await public.get(address.path)
        assert nobody.status == 403
        as_worker = await client.get(f"{address.path}?as=zhang")
        assert as_worker.status == 403
        assert await AccessLogRepository(db).of_case(case_id) == views, "nothing logged as a view of data"

        # The holder's own cookie, outside demo mode: served while signed in, refused once signed out.
        signed = {"Cookie": f"{COOKIE_NAME}={VisitorCookies('test secret', clock, 30).value_for(201)}"}
        assert (await public.get(address.path, headers=signed)).status == 200
        assert await public.server.app[GATE].sign_out(201)
        assert (await public.get(address.path, headers=signed)).status == 403
    finally:
        await client.close()
        await public.close()


async def test_supervisors_list_the_staff_views_of_the_workers_details_paged(chat, db, clock) -> None:
    await staff(chat, db, clock)
    case_id = await file_with_payslip(chat)
    await accept_on_telegram(chat)  # the holder sees the worker's name and phone: a view
    await chat.press(MEDIATOR, button(card_of(chat, MEDIATOR), "📎"), message=card_of(chat, MEDIATOR))

    await chat.send(SUPERVISOR, "/case LD-2026-000001", language_code="en")
    card = chat.last_message(SUPERVISOR)  # read-only: no desk buttons, but the views
    [listing] = texts(await chat.press(SUPERVISOR, button(card, "👁"), message=card, language_code="en"))
    assert "Views of the worker's details, case LD-2026-000001" in listing and "2 in all" in listing
    # Who (the name their chat gives), in which role, when, and what.
    assert "Nov 24, 2026 10:30\u202fAM · User (mediator) · evidence file 1" in listing
    assert "User (mediator) · the worker's name and phone" in listing
    assert listing.index("evidence file 1") < listing.index("name and phone"), "newest first"

    mediator = await PeopleRepository(db).find(Front.TELEGRAM, MEDIATOR)
    for minute in range(10):
        await AccessLogRepository(db).record(mediator.id, case_id, "worker identity",
                                             at=NOW + timedelta(minutes=minute + 1))
    first = chat.last_message(SUPERVISOR)
    [page_one] = texts(await chat.press(SUPERVISOR, button(card, "👁"), message=card, language_code="en"))
    assert "12 in all" in page_one and page_one.count("(mediator)") == 10
    older = chat.last_message(SUPERVISOR)
    assert older is not first
    [page_two] = texts(await chat.press(SUPERVISOR, button(older, "Older"), message=older, language_code="en"))
    assert page_two.count("(mediator)") == 2 and "evidence file 1" in page_two

    # A supervisor of another district, and the holder: neither gets the list.
    await PeopleRepository(db).set_role(Front.TELEGRAM, 9301, Role.SUPERVISOR, None, now=clock.now(),
                                        district="江岸区")
    chat.session.register_chat({"id": 9301, "type": "private", "first_name": "江"})
    for someone in (9301, MEDIATOR):
        assert not texts(await chat.press(someone, f"ev:v:{case_id}:0", language_code="en"))
    holder_card = card_of(chat, MEDIATOR)
    assert not any("👁" in b["text"] for row in holder_card["reply_markup"]["inline_keyboard"] for b in row)


async def test_a_web_chat_upload_is_fetched_through_the_web_front_like_a_telegram_file(app_settings, db,
                                                                                    clock) -> None:
    """The web chat's own session answers getFile and the download from its upload store, so the evidence
    store takes a web chat worker's files by the same path."""
    client = await serve_webchat(app_settings, db, clock)
    try:
        front = WebChat(client).front
        uploaded = await client.server.app[FILES].keep(101, "contract.pdf", "application/pdf", PAYSLIP)
        fetched = await BotFiles({Front.WEB: front.bot}).download(Front.WEB, uploaded.file_id)
        assert fetched == PAYSLIP
        with pytest.raises(FetchFailed):
            await BotFiles({Front.WEB: front.bot}).download(Front.WEB, "no-such-file")
        with pytest.raises(FetchFailed):
            await BotFiles({}).download(Front.TELEGRAM, uploaded.file_id)  # that front does not run here
    finally:
        await client.close()


async def test_a_slow_download_does_not_hold_up_the_workers_next_message(chat, db, monkeypatch) -> None:
    """The download runs after the update: the chat (one update at a time per person) is free meanwhile."""
    release = asyncio.Event()
    download = chat.bot.download_file

    async def slow_download(*args, **kwargs):
        await release.wait()
        return await download(*args, **kwargs)

    evidence = chat.dispatcher["evidence"]
    settle = evidence.settle

    async def not_waiting() -> None:  # the harness waits for downloads after each update; not in this test
        return None

    monkeypatch.setattr(chat.bot, "download_file", slow_download)
    monkeypatch.setattr(evidence, "settle", not_waiting)
    chat.session.host_file("doc-payslip.pdf", PAYSLIP)
    worker = Worker(chat, WORKER)
    await fill_wages_complaint(worker, "Hongda Construction", 1)
    await worker.sends_document("payslip.pdf", len(PAYSLIP))
    # Bounded so that a download held inside the update fails the test instead of hanging it.
    await asyncio.wait_for(worker.presses("Submit"), 10)
    replies = texts(await asyncio.wait_for(chat.send(WORKER, "/mycases", language_code="en"), 10))
    assert any("LD-2026-000001" in reply for reply in replies)
    assert not any(evidence_dir(db).glob("*")), "the download is still under way"

    release.set()
    await settle()
    assert len(list(evidence_dir(db).glob("*"))) == 1
