"""HTTP mode's front door: Slack's signed requests through waitress into Bolt.

waitress (pure Python, on PyPI) reads each request on its event loop and hands only a complete request
to one of a fixed pool of worker threads, so slow or idle clients hold a socket, never a worker; it
caps headers and bodies (413) itself, and one process keeps the model loaded once (gunicorn's forked
sync workers would each load it and be held by slow clients). Before Bolt parses anything, every
request to ``/slack/events`` is checked here: size, then the ``v0`` signature over the raw bytes and the
timestamp (401), then that the body is UTF-8 and well formed (400). Nothing of an unauthenticated body
is logged. ``GET /healthz`` answers ``ok``.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.adjustments import Adjustments
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher
from waitress.wasyncore import close_all, loop

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1024 * 1024  # Slack's payloads are a few kB; a 1 MB body is not Slack's
MAX_HEADER_BYTES = 16 * 1024
MAX_CLOCK_SKEW_S = 5 * 60  # Slack's rule: older requests may be replays
WORKER_THREADS = 8  # requests are acked in milliseconds; answers run on the responder's own pool
CONNECTION_LIMIT = 1000
BACKLOG = max(1024, socket.SOMAXCONN)  # a burst of Slack deliveries must not overflow the listen queue
IDLE_TIMEOUT_S = 15  # a connection with nothing arriving is closed
REQUEST_DEADLINE_S = 20  # a request still arriving this long after it began (a slow drip) is dropped

StartResponse = Callable[..., Any]
_TEXT = [("Content-Type", "text/plain; charset=utf-8")]


def signed(body: bytes, timestamp: str, signature: str, secret: str, now: float | None = None) -> bool:
    """Whether ``signature`` is Slack's ``v0`` HMAC of ``body`` at ``timestamp`` (recent) with ``secret``."""
    if not secret or not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_CLOCK_SKEW_S:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


def well_formed(body: bytes, content_type: str) -> bool:
    """Whether a signed body is what Bolt can parse: UTF-8, and a JSON object or a form (``payload`` JSON)."""
    try:
        text = body.decode("utf-8")
        if content_type.startswith("application/json"):
            return isinstance(json.loads(text), dict)
        form = urllib.parse.parse_qs(text, strict_parsing=bool(text))
        return "payload" not in form or isinstance(json.loads(form["payload"][0]), dict)
    except (ValueError, RecursionError):
        return False


def _reply(start_response: StartResponse, status: str, text: str) -> list[bytes]:
    start_response(status, _TEXT)
    return [text.encode()]


def wsgi_app(app: App, signing_secret: str) -> Callable[..., Iterable[bytes]]:
    """A WSGI callable: checked requests to Bolt on ``/slack/events``, ``ok`` on ``/healthz``, 404 elsewhere."""
    bolt = SlackRequestHandler(app, EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz":
            return _reply(start_response, "200 OK", "ok")
        if path != EVENTS_PATH:
            return _reply(start_response, "404 Not Found", "not found")
        if method != "POST":
            return _reply(start_response, "405 Method Not Allowed", "POST only")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _reply(start_response, "400 Bad Request", "bad Content-Length")
        if length > MAX_BODY_BYTES:
            return _reply(start_response, "413 Payload Too Large", "request too large")
        body = environ["wsgi.input"].read(max(length, 0))
        client = environ.get("REMOTE_ADDR", "?")
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        if not signed(body, timestamp, environ.get("HTTP_X_SLACK_SIGNATURE", ""), signing_secret):
            log.info("http: rejected a request from %s: missing, wrong or stale Slack signature", client)
            return _reply(start_response, "401 Unauthorized", "invalid request")
        if not well_formed(body, environ.get("CONTENT_TYPE", "")):
            log.warning("http: rejected a signed request from %s: the body is not UTF-8 JSON or a form", client)
            return _reply(start_response, "400 Bad Request", "malformed body")
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        return bolt(environ, start_response)

    return application


class _DeadlineServer(TcpWSGIServer):
    """waitress's server, also dropping requests that are still arriving after a deadline."""

    request_deadline_s = REQUEST_DEADLINE_S

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # closes idle channels
        arriving: dict[int, tuple[Any, float]] = {}
        for channel in list(self.active_channels.values()):
            partial = channel.request  # a request whose headers or body are not all in yet
            if partial is None or channel.requests:
                continue
            seen, since = getattr(self, "_arriving", {}).get(id(channel), (None, now))
            since = since if seen is partial else now
            if now - since > self.request_deadline_s:
                channel.will_close = True
            arriving[id(channel)] = (partial, since)
        self._arriving = arriving


class HttpServer:
    """The production HTTP server for a Bolt app; ``port=0`` picks a free port (see :attr:`port`)."""

    def __init__(self, app: App, signing_secret: str, host: str = "0.0.0.0", port: int = 3000) -> None:
        self._map: dict[int, Any] = {}
        self._stop = threading.Event()
        self._stopped = threading.Event()
        adjustments = Adjustments(
            host=host,
            port=port,
            threads=WORKER_THREADS,
            connection_limit=CONNECTION_LIMIT,
            backlog=BACKLOG,
            channel_timeout=IDLE_TIMEOUT_S,
            cleanup_interval=1,
            max_request_body_size=MAX_BODY_BYTES,
            max_request_header_size=MAX_HEADER_BYTES,
            asyncore_use_poll=True,  # select() stops at 1,024 sockets
            ident="newsbot",
        )
        workers = ThreadedTaskDispatcher()
        workers.set_thread_count(adjustments.threads)
        self._server = _DeadlineServer(
            wsgi_app(app, signing_secret), map=self._map, dispatcher=workers, adj=adjustments
        )
        self._running = False

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    @property
    def adjustments(self) -> Adjustments:
        """The server's limits (backlog, threads, caps, timeouts)."""
        return self._server.adj

    def serve_forever(self) -> None:
        """Serve until :meth:`shutdown` (from another thread) or Ctrl-C."""
        self._running = True
        try:
            while not self._stop.is_set():
                loop(timeout=0.2, map=self._map, use_poll=True, count=1)
        finally:
            self._server.task_dispatcher.shutdown(timeout=5)
            close_all(self._map)
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop serving and wait (briefly) until the loop has closed every connection; a second call does
        nothing (the loop's trigger is closed by then, and its file descriptor may belong to someone else)."""
        if self._stopped.is_set():
            return
        self._stop.set()
        if not self._running:
            self._server.task_dispatcher.shutdown(timeout=5)
            close_all(self._map)
            self._stopped.set()
            return
        self._server.pull_trigger()
        self._stopped.wait(timeout=10)
