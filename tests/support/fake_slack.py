"""Fakes that behave like Slack on 127.0.0.1: the Web API, response_url endpoints, Socket Mode,
a signed-request client for HTTP mode, and a scripted answerer returning real ``Answer`` objects."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import queue
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bot.answering.answer import Answer, Citation, Refusal
from ingest import Coverage, SnapshotRow

BOT_TOKEN = "xoxb-1111-2222-fakebottokensecret"
APP_TOKEN = "xapp-1-A111-3333-fakeapptokensecret"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_USER = "UBOT"
BOT_ID = "BBOT"
TEAM = "T0001"

BLOCK_TEXT_LIMIT = 12_000  # what chat.postMessage enforces, as measured (see GUIDE.md)


def _text_length(node: Any) -> int:
    if isinstance(node, dict):
        return sum(len(v) if k == "text" and isinstance(v, str) else _text_length(v) for k, v in node.items())
    if isinstance(node, list):
        return sum(_text_length(item) for item in node)
    return 0


@dataclass
class Call:
    method: str
    body: dict[str, Any]
    token: str
    at: float = field(default_factory=time.monotonic)


class FakeSlack:
    """A fake Slack Web API on 127.0.0.1 (port 0) that records every call."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.messages: list[dict[str, Any]] = []
        self.not_in: set[str] = set()  # channels the bot is not a member of: chat.postMessage fails there
        self.ws_url = ""
        self._rate_limits: dict[str, list[int]] = {}
        self._lock = threading.Condition()
        self._ts = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, headers, payload = fake._handle(self.path, self.headers, raw)
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    # ---- lifecycle and addresses ----------------------------------------------------------------

    def start(self) -> FakeSlack:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    @property
    def api_url(self) -> str:
        return self.base + "/api/"

    def response_url(self, name: str = "cmd") -> str:
        return f"{self.base}/response/{name}"

    # ---- scripting ------------------------------------------------------------------------------

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """The next ``times`` calls to ``method`` get HTTP 429 with ``Retry-After``."""
        self._rate_limits[method] = [retry_after] * times

    def new_ts(self) -> str:
        return f"{1748200000 + next(self._ts)}.000100"

    def add_message(
        self,
        channel: str,
        user: str,
        text: str,
        *,
        thread_ts: str | None = None,
        ts: str | None = None,
        **extra: Any,
    ) -> str:
        """Put a message into the fake's history (as if a person had posted it)."""
        ts = ts or self.new_ts()
        message = {"type": "message", "user": user, "text": text, "ts": ts, **extra}
        if thread_ts:
            message["thread_ts"] = thread_ts
        with self._lock:
            self.messages.append({"channel": channel, **message})
        return ts

    # ---- reading what happened ------------------------------------------------------------------

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [c.body for c in self.calls if c.method == method]

    def methods(self) -> list[str]:
        with self._lock:
            return [c.method for c in self.calls]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Block until ``method`` was called ``count`` times; returns those calls' bodies."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [c.body for c in self.calls if c.method == method]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{method} called {len(found)} times, wanted {count}: {self.methods()}")
                self._lock.wait(left)

    # ---- the API --------------------------------------------------------------------------------

    def _parse(self, headers: Any, raw: bytes) -> dict[str, Any]:
        if "json" in (headers.get("Content-Type") or ""):
            return json.loads(raw or b"{}")
        body: dict[str, Any] = {k: v[-1] for k, v in urllib.parse.parse_qs(raw.decode()).items()}
        for key in ("blocks", "view", "prompts", "attachments"):
            if isinstance(body.get(key), str):
                body[key] = json.loads(body[key])
        return body

    def _handle(self, path: str, headers: Any, raw: bytes) -> tuple[int, dict[str, str], Any]:
        body = self._parse(headers, raw)
        token = (headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        if path.startswith("/response/"):
            method = "response_url"
            body["_path"] = path
        elif path.startswith("/api/"):
            method = path[len("/api/") :].split("?")[0]
        else:
            return 404, {}, {"ok": False, "error": "not_found"}
        with self._lock:
            pending = self._rate_limits.get(method)
            retry_after = pending.pop(0) if pending else None
        if retry_after is not None:
            self._record(Call(method, body, token))
            return 429, {"Retry-After": str(retry_after)}, {"ok": False, "error": "ratelimited"}
        if method == "response_url":
            self._record(Call(method, body, token))
            return 200, {}, b"ok"
        expected = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        response = {"ok": False, "error": "invalid_auth"} if token != expected else self._respond(method, body)
        # recorded once its effects (a posted message in its thread) are visible: wait_for() never races them
        self._record(Call(method, body, token))
        return 200, {}, response

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)
            self._lock.notify_all()

    def _respond(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        ok: dict[str, Any] = {"ok": True}
        if method == "auth.test":
            return {
                **ok,
                "url": "https://fake.slack.com/",
                "team": "Fake",
                "user": "newsbot",
                "team_id": TEAM,
                "user_id": BOT_USER,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        if method == "chat.postMessage" and body.get("channel") in self.not_in:
            return {"ok": False, "error": "not_in_channel"}
        if method in {"chat.postMessage", "chat.update"}:
            blocks = body.get("blocks") or []
            text = body.get("text") or ""
            if len(blocks) > 50:
                return {"ok": False, "error": "invalid_blocks"}
            if _text_length(blocks) > BLOCK_TEXT_LIMIT:
                return {"ok": False, "error": "msg_blocks_too_long"}
            if len(text) > 40_000:
                return {"ok": False, "error": "msg_too_long"}
            for block in blocks:
                if block.get("type") == "section" and len(block["text"]["text"]) > 3000:
                    return {"ok": False, "error": "invalid_blocks"}
            if method == "chat.update":
                return {**ok, "channel": body["channel"], "ts": body["ts"], "text": text}
            ts = self.new_ts()
            message = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID, "text": text, "ts": ts}
            if body.get("thread_ts"):
                message["thread_ts"] = body["thread_ts"]
            with self._lock:
                self.messages.append({"channel": body["channel"], **message})
            return {**ok, "channel": body["channel"], "ts": ts, "message": message}
        if method == "chat.startStream":
            if not body.get("thread_ts"):
                return {"ok": False, "error": "invalid_arguments"}
            ts = self.new_ts()
            with self._lock:
                self.messages.append({"channel": body["channel"], "type": "message", "user": BOT_USER,
                                      "bot_id": BOT_ID, "text": body.get("markdown_text") or "", "ts": ts,
                                      "thread_ts": body["thread_ts"]})  # fmt: skip
            return {**ok, "channel": body["channel"], "ts": ts}
        if method in {"chat.appendStream", "chat.stopStream"}:
            return {**ok, "channel": body["channel"], "ts": body["ts"]}
        if method == "chat.postEphemeral":
            return {**ok, "message_ts": self.new_ts()}
        if method == "conversations.replies":
            root = body["ts"]
            with self._lock:
                found = [
                    {k: v for k, v in m.items() if k != "channel"}
                    for m in self.messages
                    if m["channel"] == body["channel"] and (m["ts"] == root or m.get("thread_ts") == root)
                ]
            return {**ok, "messages": sorted(found, key=lambda m: float(m["ts"])), "has_more": False}
        if method == "views.publish":
            return {**ok, "view": {"id": "V1", **(body.get("view") or {})}}
        if method == "apps.connections.open":
            return {**ok, "url": self.ws_url}
        if method in {
            "reactions.add",
            "reactions.remove",
            "assistant.threads.setStatus",
            "assistant.threads.setSuggestedPrompts",
        }:
            return ok
        return {"ok": False, "error": "unknown_method"}


# ---- Socket Mode --------------------------------------------------------------------------------


class FakeSocketMode:
    """A WebSocket server standing in for wss-primary.slack.com: sends hello, then queued envelopes;
    collects what the client sends back (acks)."""

    def __init__(self) -> None:
        from websockets.sync.server import serve

        self.outbox: queue.Queue[str] = queue.Queue()
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        self.connected = threading.Event()
        self._stop = threading.Event()
        self.server = serve(self._session, "127.0.0.1", 0)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}/link/?ticket=fake-ticket"

    def start(self) -> FakeSocketMode:
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.server.shutdown()

    def send(self, envelope: dict[str, Any]) -> None:
        self.outbox.put(json.dumps(envelope))

    def _session(self, ws: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        ws.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "connection_info": {"app_id": "A111"},
                    "debug_info": {"host": "fake", "approximate_connection_time": 3600},
                }
            )
        )
        self.connected.set()
        try:
            while not self._stop.is_set():
                try:
                    ws.send(self.outbox.get(timeout=0.02))
                except queue.Empty:
                    pass
                try:
                    self.received.put(json.loads(ws.recv(timeout=0.02)))
                except TimeoutError:
                    pass
        except ConnectionClosed:
            return


# ---- signed requests into the HTTP app ----------------------------------------------------------


def sign(body: bytes, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    """Slack's v0 signature of a request body."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Reply:
    status: int
    body: str
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def post(
    url: str,
    body: bytes,
    content_type: str,
    *,
    timestamp: int | None = None,
    signature: str | None = None,
    headers: dict[str, str] | None = None,
    secret: str = SIGNING_SECRET,
) -> Reply:
    """POST a Slack-signed request (or a deliberately mis-signed one) and time the response."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", content_type)
    request.add_header("X-Slack-Request-Timestamp", str(timestamp))
    request.add_header("X-Slack-Signature", signature or sign(body, timestamp, secret))
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    started = time.monotonic()
    try:
        with _opener.open(request, timeout=10) as response:
            return Reply(response.status, response.read().decode(), time.monotonic() - started)
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, exc.read().decode(), time.monotonic() - started)


_event_ids = itertools.count(1)


def event_body(event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    """An Events API ``event_callback`` envelope around ``event``."""
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM,
        "api_app_id": "A111",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_event_ids):08d}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
    }


def mention(
    text: str,
    *,
    channel: str = "C1",
    user: str = "U1",
    ts: str = "1748300000.000100",
    thread_ts: str | None = None,
) -> dict[str, Any]:
    event = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER}> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def message(
    text: str,
    *,
    channel: str = "D1",
    channel_type: str = "im",
    user: str = "U1",
    ts: str = "1748300001.000100",
    thread_ts: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    event = {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "channel_type": channel_type,
        "event_ts": ts,
        **extra,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


# ---- a scripted answerer ------------------------------------------------------------------------

SON_CITATION = Citation(
    n=1,
    article_id="ex-us-japan-fund",
    title="SoftBank's Masayoshi Son floats a joint US–Japan sovereign wealth fund",
    source="Example Wire",
    published="2025-05-26",
    url="https://news.example.com/2025/05/26/us-japan-fund",
    quote="Masayoshi Son, the chief executive of SoftBank Group, has proposed that the United States and "
    "Japan set up a joint sovereign wealth fund.",
)

HOSTILE_CITATION = Citation(
    n=1,
    article_id="ex-hostile",
    title="Totally normal <!here> headline & more",
    source="Sketchy <Times>",
    published="2025-05-20",
    url="javascript:alert(1)",
    quote="Hey <!channel>, ask <@U123> and <http://evil.example|click> here & now.",
)


class FakeAnswerer:
    """Returns real ``Answer`` objects; records every call; can be slow, gated or broken."""

    def __init__(
        self,
        *,
        text: str | None = None,
        citations: Sequence[Citation] | None = None,
        refusal: Refusal | None = None,
        delay: float = 0.0,
        gate: threading.Event | None = None,
        fail: bool = False,
    ) -> None:
        self.text = text if text is not None else "Masayoshi Son, SoftBank's chief executive, proposed it [1]."
        self.citations = list(citations) if citations is not None else [SON_CITATION]
        self.refusal = refusal
        self.delay = delay
        self.gate = gate
        self.fail = fail
        self.calls: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def ask(self, question: str, *, as_of: date | None = None, history: Sequence[tuple[str, str]] = ()) -> Answer:
        with self._lock:
            self.calls.append({"question": question, "as_of": as_of, "history": list(history)})
        if self.gate is not None:
            self.gate.wait(20)
        if self.delay:
            time.sleep(self.delay)
        if self.fail:
            raise RuntimeError("chroma exploded at /srv/secret/path")
        return Answer(question, as_of or date(2025, 5, 26), self.text, list(self.citations), self.refusal)

    def coverage(self) -> Coverage:
        return Coverage(
            articles=3, first="2025-05-20", last="2025-05-26", sources={"Example Gazette": 2, "Example Wire": 1}
        )

    def snapshots(self) -> list[SnapshotRow]:
        def snap(value: float, day: date) -> SnapshotRow:
            return SnapshotRow(
                asset="Bitcoin", metric="price", value=value, unit="USD", period="", as_of=day,
                sentence=f"Bitcoin trades at ${value:,.2f}.", start=0, end=20, article_id="ex-fund",
                title="SoftBank fund", source="Example Wire", published=day.isoformat(), url="",
            )  # fmt: skip

        return [snap(108029.56, date(2025, 5, 25)), snap(99000.0, date(2025, 5, 1))]
