"""Web chat soak: another visitor's reply time while the web chat is under pressure, and the server's memory
after many identities came and went (issue 18).

The server runs in a child process as deployed (WebChatRunner, the default limits except where printed),
on loopback with its own database in a temporary directory; clients bind several addresses of 127.0.0.0/8
to look like different people. A visitor's reply time is from sending /help to the bot's answer on its
socket. Phases, each printed beside the baseline measured first in the same run:
  1. baseline;
  2. pages that never read, all on one conversation of 300 long messages (megabytes of history);
  3. idle connections that never send a request (200 from each of several addresses);
  4. uploads of 20 MB at once, each paced to last about five seconds: the server's resident memory too;
  5. identities come and go (page, socket, /start, the reply, close); then idle conversations are evicted
     (the child shortens the idle time to one second for this): resident memory and conversations left.
Runs in about 30 s; exits 1 only if the visitor got no answer at all. `--identities 10000` takes about 100 s.

    python bench/webchat_soak.py [--unread 64] [--idle 1000] [--uploads 10] [--identities 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import resource
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import aiohttp

from bot.clock import SystemClock
from webchat.visitors import COOKIE_NAME, VisitorCookies

TARGET_MS = 100.0
SECRET = "webchat soak"
ATTACKER = 10**9 + 5  # the visitor whose pages never read
SAMPLES = 12  # replies timed per phase, within one visitor's pace of 20 actions in 10 seconds
UPLOAD_SIZE = 20 * 1024 * 1024
UPLOAD_CHUNK = 256 * 1024
UPLOAD_SECONDS = 5.0
OPEN_FILES = 8192


def raise_open_files() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, OPEN_FILES)), hard))


# --- the server (child process) --------------------------------------------------------------------
async def serve(directory: Path, port: int) -> None:
    from aiohttp import web

    import webchat.front
    import webchat.server
    from bot.app import build_dispatcher, webchat_stores
    from bot.settings import Settings
    from storage.db import Database

    raise_open_files()
    webchat.front.IDLE_AFTER = 1.0  # so that phase 5 sees eviction within the run
    webchat.server.SWEEP_INTERVAL = 1.0
    settings = Settings(
        _env_file=None, database_path=directory / "soak.sqlite3", demo=False, webchat_secret=SECRET,
        webchat_origins=[f"http://127.0.0.1:{port}"],
        webchat_max_connections=1500,  # room for the idle connections and the visitor measured beside them
        webchat_request_timeout=60,  # the idle connections stay for the whole phase
        webchat_new_visitors_per_address=1_000_000,  # phase 5 makes all its identities from one address
    )
    db = await Database.open(settings.database_path)
    app = await webchat.server.build_webchat(build_dispatcher(settings, db), settings, webchat_stores(db))
    front = app[webchat.server.FRONT]
    for message_id in range(1, 301):
        await front.history.put({"message_id": message_id, "date": int(time.time()), "text": "工" * 4096,
                                 "chat": {"id": ATTACKER, "type": "private", "first_name": "Visitor"},
                                 "from": {"id": front.bot.id, "is_bot": True, "first_name": "bot"}})
    runner = webchat.server.WebChatRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()

    def report() -> None:
        print(json.dumps({"chats_in_memory": front.session.chats_in_memory,
                          "connections": app[webchat.server.LIMITS].guard.open}), flush=True)

    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, report)
    print(json.dumps({"ready": True}), flush=True)
    await asyncio.Event().wait()


# --- the clients -----------------------------------------------------------------------------------
class Server:
    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.port = port
        self.base = f"http://127.0.0.1:{port}"

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    async def stats(self) -> dict:
        assert self.process.stdout is not None
        self.process.send_signal(signal.SIGUSR1)
        return json.loads(await asyncio.wait_for(self.process.stdout.readline(), 10))


class Visitor:
    """A person on the page: a cookie, a socket, and the time their replies take."""

    def __init__(self, server: Server, source: str = "127.0.0.1") -> None:
        self.server = server
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(source, 0)),
                                             cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.socket: aiohttp.ClientWebSocketResponse | None = None

    async def open(self) -> None:
        page = await self.session.get(f"{self.server.base}/")
        page.raise_for_status()
        self.socket = await self.session.ws_connect(f"{self.server.base}/socket", headers={"Origin": self.server.base})
        await self.socket.receive_json(timeout=10)

    async def reply_ms(self, text: str = "/help") -> float:
        assert self.socket is not None
        started = time.perf_counter()
        await self.socket.send_json({"type": "text", "text": text})
        while True:
            frame = await self.socket.receive_json(timeout=10)
            if frame["type"] == "message" and not frame["message"]["mine"]:
                return (time.perf_counter() - started) * 1000

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        await self.session.close()


async def reply_times(server: Server) -> list[float]:
    visitor = Visitor(server)
    await visitor.open()
    times = []
    for _ in range(SAMPLES):
        times.append(await visitor.reply_ms())
        await asyncio.sleep(0.05)
    await visitor.close()
    return times


def figures(label: str, times: list[float], baseline: list[float] | None) -> str:
    median, p95 = statistics.median(times), sorted(times)[int(0.95 * (len(times) - 1))]
    against = f"  ({median / statistics.median(baseline):.1f}x baseline)" if baseline else ""
    verdict = "under" if median < TARGET_MS else "OVER"
    return f"{label:<48} median {median:6.1f} ms  p95 {p95:6.1f} ms  {verdict} {TARGET_MS:.0f} ms{against}"


async def raw_connection(port: int, source: str, receive_buffer: int | None = None) -> socket.socket:
    connection = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer is not None:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    connection.bind((source, 0))
    connection.setblocking(False)
    await asyncio.get_running_loop().sock_connect(connection, ("127.0.0.1", port))
    return connection


async def unread_page(server: Server, cookie: str) -> socket.socket:
    """A WebSocket that completes its handshake and never reads again."""
    connection = await raw_connection(server.port, "127.0.0.1", receive_buffer=4096)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET /socket HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
               f"Origin: {server.base}\r\nCookie: {COOKIE_NAME}={cookie}\r\n\r\n")
    loop = asyncio.get_running_loop()
    await loop.sock_sendall(connection, request.encode())
    await loop.sock_recv(connection, 1024)
    return connection


async def paced_upload(server: Server, index: int) -> int:
    visitor = Visitor(server, source=f"127.0.1.{index + 1}")
    await visitor.session.get(f"{server.base}/")
    chunks = UPLOAD_SIZE // UPLOAD_CHUNK

    async def body() -> AsyncIterator[bytes]:
        for _ in range(chunks):
            yield b"\1" * UPLOAD_CHUNK
            await asyncio.sleep(UPLOAD_SECONDS / chunks)

    with aiohttp.MultipartWriter("form-data") as form:
        form.append("document").set_content_disposition("form-data", name="kind")
        form.append(body(), {"Content-Type": "application/octet-stream"}).set_content_disposition(
            "form-data", name="file", filename="scan.pdf")
        response = await visitor.session.post(f"{server.base}/upload", data=form, headers={"Origin": server.base})
    await visitor.close()
    return response.status


async def identity_comes_and_goes(server: Server) -> None:
    visitor = Visitor(server)
    try:
        await visitor.open()
        await visitor.reply_ms("/start")
    finally:
        await visitor.close()


async def main(arguments: argparse.Namespace) -> int:
    raise_open_files()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as directory:
        process = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--serve", directory, str(port), stdout=asyncio.subprocess.PIPE)
        assert process.stdout is not None
        server = Server(process, port)
        try:
            await asyncio.wait_for(process.stdout.readline(), 60)
            print(f"web chat soak on 127.0.0.1:{port}; server memory at start {server.rss_mb():.0f} MB")
            baseline = await reply_times(server)
            print(figures("1. baseline", baseline, None))

            cookie = VisitorCookies(SECRET, SystemClock()).value_for(ATTACKER)
            unread = [await unread_page(server, cookie) for _ in range(arguments.unread)]
            print(figures(f"2. {arguments.unread} pages that never read", await reply_times(server), baseline))
            for connection in unread:
                connection.close()

            sources = [f"127.0.0.{2 + number}" for number in range((arguments.idle + 199) // 200)]
            idle = [await raw_connection(port, sources[number // 200]) for number in range(arguments.idle)]
            held = (await server.stats())["connections"]
            print(figures(f"3. {held} idle connections open", await reply_times(server), baseline))
            for connection in idle:
                connection.close()

            before_uploads = server.rss_mb()
            uploads = asyncio.gather(*(paced_upload(server, index) for index in range(arguments.uploads)))
            peak = before_uploads
            during: list[float] = []
            while not uploads.done():
                during += await reply_times(server)
                peak = max(peak, server.rss_mb())
            statuses = await uploads
            print(figures(f"4. {arguments.uploads} uploads of 20 MB running", during, baseline))
            print(f"   memory {before_uploads:.0f} MB before, {peak:.0f} MB at the peak "
                  f"(+{peak - before_uploads:.0f} MB); answers {sorted(set(statuses))}")

            before_identities = server.rss_mb()
            started = time.perf_counter()
            for start in range(0, arguments.identities, 20):
                await asyncio.gather(*(identity_comes_and_goes(server)
                                       for _ in range(min(20, arguments.identities - start))))
            elapsed = time.perf_counter() - started
            after_identities = server.rss_mb()
            in_memory = (await server.stats())["chats_in_memory"]
            await asyncio.sleep(2.5)  # the idle time (1 s) and a sweep (every 1 s) pass
            evicted = (await server.stats())["chats_in_memory"]
            print(f"5. {arguments.identities} identities came and went in {elapsed:.1f} s: memory "
                  f"{before_identities:.0f} MB before, {after_identities:.0f} MB after "
                  f"(+{(after_identities - before_identities) * 1024 / arguments.identities:.0f} KB each); "
                  f"conversations in memory {in_memory}, {evicted} after eviction, "
                  f"memory then {server.rss_mb():.0f} MB")
        finally:
            process.terminate()
            await process.wait()
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        asyncio.run(serve(Path(sys.argv[2]), int(sys.argv[3])))
    else:
        parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
        parser.add_argument("--unread", type=int, default=64)
        parser.add_argument("--idle", type=int, default=1000)
        parser.add_argument("--uploads", type=int, default=10)
        parser.add_argument("--identities", type=int, default=1000)
        try:
            sys.exit(asyncio.run(main(parser.parse_args())))
        except (TimeoutError, aiohttp.ClientError) as failure:
            print(f"the visitor got no answer: {type(failure).__name__}: {failure}")
            sys.exit(1)
