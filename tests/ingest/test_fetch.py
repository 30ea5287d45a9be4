"""URLs against a real http.server on 127.0.0.1: deadlines per fetch and per run, http(s)-only redirects,
schemes in any case, and the response size limit."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ingest.errors import InputError
from ingest.fetch import Fetcher, is_url
from ingest.models import RawRecord
from ingest.readers import read_inputs

FEED = (Path(__file__).resolve().parents[1] / "fixtures" / "inputs" / "feed.rss").read_bytes()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/drip":  # one byte every 0.2 s, forever: never idle long enough for a socket timeout
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                while True:
                    self.wfile.write(b"<")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                return
        redirects = {"/to-ftp": "ftp://127.0.0.1/feed.xml", "/to-file": "file:///etc/hostname", "/to-feed": "/feed"}
        if self.path in redirects:
            self.send_response(302)
            self.send_header("Location", redirects[self.path])
            self.end_headers()
            return
        body = FEED if self.path == "/feed" else b"<rss>" + b" " * 200_000 + b"</rss>"
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _read(urls: list[str], fetch: Fetcher, max_record_bytes: int = 5_000_000) -> list[tuple[str, str]]:
    items = read_inputs(urls, fetch=fetch, max_record_bytes=max_record_bytes)
    return [(i.origin, i.reason if isinstance(i, InputError) else "") for i in items]


def test_a_dripping_server_is_cut_off_at_the_deadline(server: str) -> None:
    started = time.monotonic()
    assert _read([f"{server}/drip", f"{server}/feed"], Fetcher(deadline_s=1, run_deadline_s=60)) == [
        (f"{server}/drip", "timed out: no complete response within 1 s (NEWSBOT_FETCH_TIMEOUT)"),
        (f"{server}/feed#1", ""),
        (f"{server}/feed#2", ""),
    ]
    assert time.monotonic() - started < 5


def test_the_run_deadline_covers_all_urls_and_later_ones_are_not_fetched(server: str) -> None:
    started = time.monotonic()
    got = _read([f"{server}/drip", f"{server}/drip", f"{server}/feed"], Fetcher(deadline_s=1, run_deadline_s=1.5))
    assert got == [
        (f"{server}/drip", "timed out: no complete response within 1 s (NEWSBOT_FETCH_TIMEOUT)"),
        (f"{server}/drip", "timed out: the run's 1.5 s for URLs ran out (NEWSBOT_FETCH_RUN_TIMEOUT)"),
        (f"{server}/feed", "not fetched: the run's 1.5 s for URLs are used up (NEWSBOT_FETCH_RUN_TIMEOUT)"),
    ]
    assert time.monotonic() - started < 5


def test_redirects_only_to_http_and_schemes_in_any_case(server: str) -> None:
    upper = server.replace("http://", "HTTP://")
    assert is_url(upper) and is_url("hTTpS://EXAMPLE.COM/x") and not is_url("httpfile.json")
    assert _read([f"{server}/to-ftp", f"{server}/to-file", f"{upper}/to-feed"], Fetcher()) == [
        (f"{server}/to-ftp", "refused a redirect to a ftp URL: only http(s)"),
        (f"{server}/to-file", "refused a redirect to a file URL: only http(s)"),
        (f"{upper}/to-feed#1", ""),
        (f"{upper}/to-feed#2", ""),
    ]


def test_a_response_over_the_limit_is_one_line_and_read_no_further(server: str) -> None:
    fetch = Fetcher(max_bytes=67_536)
    body, _ = fetch(f"{server}/big")
    assert len(body) == 67_537  # one byte past the limit, to tell "too large" from "exactly the limit"
    assert _read([f"{server}/big"], fetch, max_record_bytes=1000) == [
        (f"{server}/big", "response is over the 67.5 KB limit (NEWSBOT_MAX_RECORD_BYTES)")
    ]
    (record,) = [i for i in read_inputs([f"{server}/feed"], fetch=fetch) if isinstance(i, RawRecord)][:1]
    assert record.fields["title"] == "New pier opens to the public"
