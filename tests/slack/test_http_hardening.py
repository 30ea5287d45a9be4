"""Hostile requests against the real `newsbot serve --http` process, started as the README says.

Each attack is asserted on its status code, then the server's memory and threads stay bounded and a
following signed mention is still acked and answered. Nothing of an unsigned body reaches the log.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.slack.http_server import HttpServer, _DeadlineServer, signed, well_formed
from tests.support.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, event_body, mention, post, sign
from tests.support.services import NEWSBOT, free_port

MARKER = "unsigned-body-marker-7Q"


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path
    fake: FakeSlack

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def status(self, field: str) -> int:
        """A ``/proc/PID/status`` figure of the bot: VmRSS in kB, Threads."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise AssertionError(field)

    def raw(self, request: bytes, *, timeout: float = 10.0) -> bytes:
        """Send raw bytes, return the status line the server answers with."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            try:
                sock.sendall(request)
            except OSError:  # the server may answer and close before taking the whole body
                pass
            return sock.recv(200).split(b"\r\n", 1)[0]

    def answered_after(self, ts: str) -> None:
        body = json.dumps(event_body(mention("Who proposed the US-Japan fund?", ts=ts))).encode()
        earlier = len(self.fake.calls_to("chat.postMessage"))
        reply = post(self.url, body, "application/json")
        assert reply.status == 200 and reply.seconds < 3
        posted = self.fake.wait_for("chat.postMessage", earlier + 1, timeout=60)
        assert any(p.get("thread_ts") == ts for p in posted)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("served")
    fake = FakeSlack().start()
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env = {k: v for k, v in env.items() if not k.startswith(("NEWSBOT_", "SLACK_", "CHROMA_", "REDIS_"))}
    env.update(
        NEWSBOT_DATA_DIR=str(root / "data"),
        NEWSBOT_EMBEDDING_BACKEND="torch",
        NEWSBOT_LOG_LEVEL="INFO",
        SLACK_API_URL=fake.api_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        HF_HUB_OFFLINE="1",
        OMP_NUM_THREADS="1",
    )
    port, log = free_port(), root / "bot.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [NEWSBOT, "serve", "--http", "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=root, stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    bot = Served(proc, port, log, fake)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
        try:
            if opener.open(f"http://127.0.0.1:{port}/healthz", timeout=1).read() == b"ok":
                break
        except OSError:
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(0.25)
    yield bot
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
    fake.stop()
    text = log.read_text(errors="replace")
    assert "Traceback" not in text and MARKER not in text, text[-3000:]


def _request(body: bytes, headers: dict[str, str], path: str = "/slack/events") -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def test_oversize_bodies_are_refused_before_they_are_read(served: Served) -> None:
    before = served.status("VmRSS")
    claimed = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 209715200\r\n\r\n" + b"{" * 65536
    assert served.raw(claimed) == b"HTTP/1.1 413 Request Entity Too Large"
    chunked = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunk = b"%x\r\n%s\r\n" % (256 * 1024, b"a" * 256 * 1024)
    assert served.raw(chunked + chunk * 6) == b"HTTP/1.1 413 Request Entity Too Large"
    assert served.status("VmRSS") - before < 30_000  # kB: nothing near the claimed 200 MB was held
    served.answered_after("1748300000.000101")


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b'{"not json' + MARKER.encode(), {"Content-Type": "application/json"}, 401),
        (b"\xff\xfe\x00" + MARKER.encode(), {"Content-Type": "application/json"}, 401),
        (MARKER.encode(), {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"}, 401),
        (MARKER.encode(), {"X-Slack-Request-Timestamp": "9" * 400, "X-Slack-Signature": "v0=00"}, 401),
    ],
    ids=["bad-json", "not-utf8", "timestamp-abc", "timestamp-huge"],
)
def test_unsigned_junk_is_401_never_500(served: Served, body: bytes, headers: dict[str, str], status: int) -> None:
    assert served.raw(_request(body, headers)) == f"HTTP/1.1 {status} Unauthorized".encode()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"type": "event_callback", ', "application/json"),
        (b"\xff\xfe not utf-8", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b"payload=%7Bnot-json", "application/x-www-form-urlencoded"),
        (b"[" * 100_000, "application/json"),
    ],
    ids=["truncated-json", "not-utf8", "json-list", "form-bad-payload", "deep-nesting"],
)
def test_signed_but_malformed_is_400(served: Served, body: bytes, content_type: str) -> None:
    reply = post(served.url, body, content_type)
    assert (reply.status, reply.body) == (400, "malformed body")


def test_stale_and_wrongly_signed_requests_are_401(served: Served) -> None:
    body = json.dumps(event_body(mention("old news", ts="1748300000.000102"))).encode()
    stale = int(time.time()) - 6 * 60
    assert post(served.url, body, "application/json", timestamp=stale).status == 401
    assert post(served.url, body, "application/json", secret="not-the-secret").status == 401
    assert served.raw(b"GET /slack/events HTTP/1.1\r\nHost: x\r\n\r\n") == b"HTTP/1.1 405 Method Not Allowed"
    assert served.raw(_request(b"", {}, "/nowhere")) == b"HTTP/1.1 404 Not Found"


def test_slow_and_idle_clients_hold_no_workers(served: Served) -> None:
    threads_before = served.status("Threads")
    socks = []
    try:
        for n in range(300):  # half send a header line and stall, half connect and say nothing
            sock = socket.create_connection(("127.0.0.1", served.port), timeout=5)
            if n % 2:
                sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")
            socks.append(sock)
        time.sleep(1)
        assert served.status("Threads") <= threads_before + 2  # no thread per connection
        started = time.monotonic()
        served.answered_after("1748300000.000103")
        assert time.monotonic() - started < 60
    finally:
        for sock in socks:
            sock.close()


def test_the_signature_check_itself() -> None:
    now = 1_748_300_000
    body = b'{"a": 1}'
    good = sign(body, now)
    assert signed(body, str(now), good, SIGNING_SECRET, now=now)
    assert not signed(body + b" ", str(now), good, SIGNING_SECRET, now=now)
    assert not signed(body, str(now), good, SIGNING_SECRET, now=now + 301)
    assert not signed(body, str(now), good, "", now=now)  # no secret configured: nothing is valid
    assert not signed(body, "١٧٤٨٣٠٠٠٠٠", good, SIGNING_SECRET, now=now)  # non-ASCII digits
    assert not signed(body, str(now), "v0=ü", SIGNING_SECRET, now=now)
    assert well_formed(b"payload=%7B%22type%22%3A%22block_actions%22%7D", "application/x-www-form-urlencoded")
    assert well_formed(b"command=%2Fnews&text=hi", "application/x-www-form-urlencoded")
    assert not well_formed(b'"just a string"', "application/json")


def test_a_request_still_dripping_after_the_deadline_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    from slack_bolt import App

    monkeypatch.setattr(_DeadlineServer, "request_deadline_s", 1)
    app = App(signing_secret=SIGNING_SECRET, token_verification_enabled=False, token="xoxb-test")
    server = HttpServer(app, SIGNING_SECRET, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")
            started, closed = time.monotonic(), False
            while time.monotonic() - started < 8:
                try:
                    sock.sendall(b"X-Drip: 1\r\n")  # never idle, never finished
                    if sock.recv(1, socket.MSG_DONTWAIT) == b"":
                        closed = True
                        break
                except BlockingIOError:
                    pass
                except OSError:
                    closed = True
                    break
                time.sleep(0.3)
            assert closed and time.monotonic() - started < 5
    finally:
        server.shutdown()


def test_a_second_shutdown_does_nothing_even_when_the_trigger_fd_was_reused() -> None:
    from slack_bolt import App

    app = App(signing_secret=SIGNING_SECRET, token_verification_enabled=False, token="xoxb-test")
    server = HttpServer(app, SIGNING_SECRET, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    while not server._running:  # the loop is up
        time.sleep(0.01)
    trigger_fd = server._server.trigger.trigger
    server.shutdown()
    thread.join(timeout=10)
    assert not thread.is_alive()
    read_end, write_end = os.pipe()  # may take the closed trigger's file descriptor number
    try:
        os.set_blocking(read_end, False)
        server.shutdown()  # e.g. a signal handler and a finally block both stop the server: no error
        if trigger_fd == write_end:
            with pytest.raises(BlockingIOError):
                os.read(read_end, 1)  # and nothing was written into someone else's pipe
    finally:
        os.close(read_end)
        os.close(write_end)
