"""Headline-only feed items: one line per feed with their count (not one per item), the other items stored,
and ``--follow-links`` reads the pages they link to, served here by a real http.server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import make_app
from ingest.errors import InputError
from ingest.models import RawRecord
from ingest.readers import HeadlinesOnly, read_inputs

_PAGE = b"""<!doctype html><html><head><title>Lock gates replaced - Canal Weekly</title></head><body>
<article><h1>Lock gates replaced</h1>
<p>The canal trust replaced both gates of the old town lock over three weeks of night shifts.</p>
<p>Boats waiting at the lock were moved to a temporary mooring, and the towpath stayed open.</p>
<p>The trust said the oak gates should last another twenty-five years before the next refit.</p>
</article></body></html>"""


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.path != "/lock":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(_PAGE)))
        self.end_headers()
        self.wfile.write(_PAGE)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _rss(items: list[str]) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Canal Weekly</title>'
        + "".join(f"<item>{item}</item>" for item in items)
        + "</channel></rss>"
    )


def _headline(n: int, link: str = "") -> str:
    return (
        f"<title>Canal notice {n}</title><guid>canal-{n}</guid><pubDate>Wed, 0{n} May 2024 09:00:00 GMT</pubDate>"
        + (f"<link>{link}</link>" if link else "")
    )


_STORY = (
    "<title>Towpath reopens</title><guid>canal-9</guid><pubDate>Thu, 09 May 2024 09:00:00 GMT</pubDate>"
    "<description>The towpath between the two locks reopened to walkers and cyclists on Thursday.</description>"
)


def _write(tmp_path: Path, items: list[str]) -> Path:
    feed = tmp_path / "canal.rss"
    feed.write_text(_rss(items), encoding="utf-8")
    return feed


def test_headline_only_items_are_one_error_with_their_count_and_the_story_is_read(tmp_path: Path) -> None:
    feed = _write(tmp_path, [_headline(1), _STORY, _headline(2), _headline(3)])
    items = list(read_inputs([str(feed)]))
    assert [type(i) for i in items] == [RawRecord, HeadlinesOnly]
    story, headlines = items
    assert isinstance(story, RawRecord) and story.fields["title"] == "Towpath reopens"
    assert story.origin == f"{feed}#2"
    assert isinstance(headlines, HeadlinesOnly) and headlines.origin == str(feed) and headlines.count == 3
    assert headlines.reason.startswith("3 of 4 items are headlines with no text or summary")
    assert [r.origin for r in headlines.records] == [f"{feed}#1", f"{feed}#3", f"{feed}#4"]


def test_a_json_feed_of_headlines_is_said_once(tmp_path: Path) -> None:
    feed = tmp_path / "canal.json"
    items = [{"id": f"n{i}", "title": f"Notice {i}", "date_published": "2024-05-02T09:00:00Z"} for i in range(5)]
    items.append({"id": "s", "title": "Towpath", "content_text": "The towpath reopened on Thursday to walkers."})
    feed.write_text(json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items}), encoding="utf-8")
    got = list(read_inputs([str(feed)]))
    assert [(type(i).__name__, i.origin) for i in got] == [("RawRecord", f"{feed}#6"), ("HeadlinesOnly", str(feed))]
    assert isinstance(got[1], InputError) and got[1].count == 5 and got[1].reason.startswith("5 of 6 items")


def test_follow_links_reads_the_linked_page_under_the_feeds_title_date_and_name(tmp_path: Path, site: str) -> None:
    pytest.importorskip("trafilatura", reason="trafilatura cannot be imported here", exc_type=ImportError)
    feed = _write(tmp_path, [_headline(1, f"{site}/lock"), _headline(2, f"{site}/missing"), _headline(3)])
    got = list(read_inputs([str(feed)], follow_links=True))
    page, missing, unlinked = got
    assert isinstance(page, RawRecord) and page.origin == f"{feed}#1"
    assert page.fields["title"] == "Canal notice 1" and page.fields["id"] == "canal-1"
    assert page.fields["url"] == f"{site}/lock" and "oak gates should last" in page.fields["text"]
    assert str(page.fields["published"]).startswith("Wed, 01 May 2024")
    assert isinstance(missing, InputError) and missing.origin == f"{feed}#2"
    assert missing.reason.startswith(f"linked page {site}/missing: ") and "404" in missing.reason
    assert isinstance(unlinked, InputError) and unlinked.origin == f"{feed}#3"
    assert unlinked.reason == "headline with no text, summary or link to follow"


def test_ingest_counts_every_headline_as_failed_but_prints_one_line(isolated_env: Path, tmp_path: Path) -> None:
    feed = _write(tmp_path, [_STORY] + [_headline(n) for n in range(1, 8)])
    result = CliRunner().invoke(make_app(), ["ingest", str(feed), "--json"])
    report = json.loads(result.stdout)
    assert report["new"] == 1 and report["failed"] == 7
    [error] = report["errors"]
    assert error["file"] == str(feed) and error["record"] == "" and error["count"] == 7
    assert error["reason"].startswith("7 of 8 items are headlines")
    text = CliRunner().invoke(make_app(), ["ingest", str(feed)]).stderr
    assert text.count("headlines with no text or summary") == 1 and f"{feed}#" not in text
