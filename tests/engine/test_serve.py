"""`python -m bot run` as an operator runs it: the outbox sender delivers what is due, and SIGTERM stops it
gracefully (no new updates, those in flight finished, the outbox flushed), exiting 0."""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time

from bot.settings import PROJECT_ROOT
from storage.db import Database

WEB_USER = 7_000_123


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def outbox_status(db_path) -> str:
    db = await Database.open(db_path)
    try:
        async with db.read() as conn, conn.execute("SELECT status FROM outbox") as cursor:
            return (await cursor.fetchone())[0]
    finally:
        await db.close()


async def test_the_service_delivers_the_outbox_and_stops_gracefully_on_sigterm(tmp_path) -> None:
    db_path = tmp_path / "serve.sqlite3"
    db = await Database.open(db_path)
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO people (id, front, user_id, display_name, created_at, updated_at)"
                           " VALUES (1, 'web', ?, 'w', 'x', 'x')", (WEB_USER,))
        await conn.execute("INSERT INTO webchat_chats (chat_id, chat, last_message_id) VALUES (?, ?, 0)",
                           (WEB_USER, json.dumps({"id": WEB_USER, "type": "private", "first_name": "w"})))
        stamp = "2026-01-01T00:00:00+00:00"  # long due
        await conn.execute(
            "INSERT INTO outbox (recipient_id, template, params, created_at, deliver_after, status, attempts,"
            " next_attempt_at) VALUES (1, 'case.withdrawn', ?, ?, ?, 'pending', 0, ?)",
            (json.dumps({"number": "LD-2026-000009"}), stamp, stamp, stamp))
    await db.close()
    env = {**os.environ, "DATABASE_PATH": str(db_path), "WEBCHAT_PORT": str(free_port()), "BOT_TOKEN": "",
           "PYTHONPATH": str(PROJECT_ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=PROJECT_ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while await outbox_status(db_path) != "sent":
            assert server.poll() is None and time.monotonic() < deadline, "the sender never delivered the row"
            await asyncio.sleep(0.2)
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode == 0, stderr[-3000:]
    assert "stopped" in stderr
