"""The upload store: bounded, streamed, limited per visitor and in all, and never losing a case's evidence."""

from __future__ import annotations

import asyncio
import sqlite3
import tracemalloc
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestClient

from storage.webchat_history import WebChatFiles
from tests.conftest import NOW
from tests.webchat.conftest import FRAME_TIMEOUT, WebChat, eventually, origin_of, raw_connection, serve_webchat
from webchat.uploads import FILE_SIZE_LIMIT, INCOMING_PREFIX, FileStore

FILE_SIZE = 400


def hold_as_evidence(db_path: Path, file_ids: list[str]) -> None:
    """Evidence rows as a filed case's intake writes them (the case itself does not matter here)."""
    with sqlite3.connect(db_path) as connection:  # foreign keys are off on a plain connection
        connection.executemany(
            "INSERT INTO case_evidence (case_id, type, file_id, file_unique_id, name, added_at)"
            " VALUES (1, 'photo', ?, ?, 'payslip.jpg', '2026-11-24T02:30:00+00:00')",
            [(file_id, file_id) for file_id in file_ids])


async def test_a_full_upload_store_evicts_only_files_no_case_holds(db, db_path, clock, tmp_path: Path) -> None:
    store = FileStore(tmp_path / "uploads", WebChatFiles(db), clock, store_limit=5 * FILE_SIZE)
    evidence = [(await store.keep(101, f"evidence-{number}.jpg", "image/jpeg", b"e" * FILE_SIZE)).file_id
                for number in range(3)]
    hold_as_evidence(db_path, evidence)

    uploads = []
    for number in range(20):
        clock.set(NOW + timedelta(minutes=number + 1))
        uploads.append(await store.keep(102, f"upload-{number}.bin", "application/octet-stream", b"u" * FILE_SIZE))

    for file_id in evidence:
        assert await store.read(file_id) == b"e" * FILE_SIZE, "every file a case holds survives"
    kept = [stored for stored in uploads if await store.find(stored.file_id) is not None]
    assert len(kept) == 5 and kept == uploads[-5:], "the newest uploads fill what the limit allows"
    assert await WebChatFiles(db).evictable_size() == 5 * FILE_SIZE


class RawUpload:
    """An upload sent by hand, so that it can stop halfway through its file for as long as a test wants."""

    BOUNDARY = "upload-boundary"
    CONTENT = b"\0" * 1000

    def __init__(self, client: TestClient, who: str) -> None:
        self._client = client
        self._who = who
        # Only the file: aiohttp looks ahead past a part's end before it returns it, which a stalled
        # upload would never let a small first part do.
        self._head = (f"--{self.BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{who}.bin\"\r\n"
                      "Content-Type: application/octet-stream\r\n\r\n").encode()
        self._tail = f"\r\n--{self.BOUNDARY}--\r\n".encode()

    async def start(self) -> None:
        """The request and the first bytes of its file."""
        self._reader, self._writer = await raw_connection(self._client.server.port)
        length = len(self._head) + len(self.CONTENT) + len(self._tail)
        self._writer.write(
            f"POST /upload?as={self._who} HTTP/1.1\r\nHost: 127.0.0.1:{self._client.server.port}\r\n"
            f"Origin: {origin_of(self._client)}\r\nContent-Type: multipart/form-data; boundary={self.BOUNDARY}\r\n"
            f"Content-Length: {length}\r\nConnection: close\r\n\r\n".encode() + self._head + self.CONTENT[:10])

    async def finish(self) -> int:
        """The rest of the file; the answer's status."""
        self._writer.write(self.CONTENT[10:] + self._tail)
        return await self.status()

    async def status(self) -> int:
        status_line = await asyncio.wait_for(self._reader.readline(), FRAME_TIMEOUT)
        self._writer.close()
        return int(status_line.split()[1])


async def test_uploads_are_limited_per_visitor_and_in_all(app_settings, db, clock) -> None:
    client = await serve_webchat(app_settings.model_copy(update={"webchat_uploads_at_once": 3}), db, clock)
    incoming = app_settings.database_path.parent / "uploads"
    try:
        running = [RawUpload(client, who) for who in ("zhang", "zhang", "li")]
        for upload in running:
            await upload.start()
        await eventually(lambda: len(list(incoming.glob(f"{INCOMING_PREFIX}*"))) == 3)
        statuses = []
        for who in ("zhang", "mediator"):  # zhang has two going; three are going in all
            refused = RawUpload(client, who)
            await refused.start()
            statuses.append(await refused.status())
        assert statuses == [429, 429]

        assert [await upload.finish() for upload in running] == [200, 200, 200]
        again = RawUpload(client, "mediator")
        await again.start()
        assert await again.finish() == 200, "a slot is free again"
    finally:
        await client.close()


async def test_an_upload_streams_to_disk_instead_of_memory(webchat: WebChat) -> None:
    chunk = b"\1" * (256 * 1024)
    count = FILE_SIZE_LIMIT // len(chunk)

    async def body() -> AsyncIterator[bytes]:
        for _ in range(count):
            yield chunk

    with aiohttp.MultipartWriter("form-data") as form:
        form.append("document").set_content_disposition("form-data", name="kind")
        form.append(body(), {"Content-Type": "application/octet-stream"}).set_content_disposition(
            "form-data", name="file", filename="scan.pdf")
        tracemalloc.start()
        try:
            response = await webchat.client.post("/upload?as=zhang", data=form,
                                                 headers={"Origin": origin_of(webchat.client)})
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert response.status == 200
    assert peak < 8 * 1024 * 1024, f"a 20 MB upload took {peak / 2**20:.0f} MB of memory at its peak"
    served = await webchat.client.get(f"/files/{(await response.json())['file_id']}")
    assert len(await served.read()) == count * len(chunk)
