"""Tests for ingest.readers: formats, folders, globs, stdin, URLs, and one clear error per bad input."""

from __future__ import annotations

import gzip
import io
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import islice
from pathlib import Path

import pytest

from ingest import readers
from ingest.errors import InputError
from ingest.models import RawRecord
from ingest.readers import normalise_fields, read_inputs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "inputs"
DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _needs_trafilatura() -> None:
    pytest.importorskip("trafilatura", reason="trafilatura cannot be imported here", exc_type=ImportError)


def _read(*inputs: str | Path, **kwargs: object) -> list[RawRecord | InputError]:
    return list(read_inputs([str(i) for i in inputs], **kwargs))  # type: ignore[arg-type]


def _records(items: list[RawRecord | InputError]) -> list[RawRecord]:
    return [i for i in items if isinstance(i, RawRecord)]


def _errors(items: list[RawRecord | InputError]) -> list[InputError]:
    return [i for i in items if isinstance(i, InputError)]


def test_normalise_fields_maps_aliases_and_drops_unknown_keys() -> None:
    raw = {"doc_id": 42, "Headline": "H", "body": "B", "pubDate": "2024-01-02", "link": "https://x.org/a",
           "publisher": {"name": "Wire"}, "author": "By Ann Lee; Bo Chan", "topics": ["x"], "extra": 1}  # fmt: skip
    assert normalise_fields(raw) == {
        "id": "42", "title": "H", "text": "B", "published": "2024-01-02", "url": "https://x.org/a",
        "source": "Wire", "authors": ["Ann Lee", "Bo Chan"],
    }  # fmt: skip
    assert normalise_fields({"title": "only", "text": "", "authors": []}) == {"title": "only"}


def test_jsonl_records_and_per_line_errors() -> None:
    path = FIXTURES / "articles.jsonl"
    items = _read(path)
    assert [i.origin for i in items] == [f"{path}:1", f"{path}:2", f"{path}:3", f"{path}:5"]
    first, bad, array, last = items
    assert isinstance(first, RawRecord) and first.fields["title"] == "Harbor town opens floating library"
    assert first.fields["authors"] == ["Mira Patel"] and "4,000 books" in first.fields["text"]
    assert isinstance(bad, InputError) and bad.reason.startswith("malformed JSON: Expecting ',' delimiter")
    assert isinstance(array, InputError) and array.reason == "JSON value is an array, not an object"
    assert isinstance(last, RawRecord)
    assert last.fields == {
        "id": "77", "title": "Orchard growers expect record pear harvest",
        "text": "Growers in the valley said warm spring weather helped.", "published": "2024-04-03",
        "url": "https://example.org/pears", "source": "Valley Times", "authors": ["Ana Ruiz", "Tom Becker"],
    }  # fmt: skip


def test_json_csv_text_and_markdown() -> None:
    items = _read(FIXTURES / "collection.json", FIXTURES / "single.json", FIXTURES / "articles.csv")
    assert [i.origin.rsplit("/", 1)[1] for i in items] == [
        "collection.json#1", "collection.json#2", "collection.json#3", "single.json",
        "articles.csv:2", "articles.csv:4",  # a row is named by its first line; the first row spans two
    ]  # fmt: skip
    museum, not_object, drive, solo, bridge, ferry = items
    assert isinstance(not_object, InputError) and "is a string, not an object" in not_object.reason
    assert museum.fields["published"] == "Fri, 03 May 2024 09:00:00 GMT"  # type: ignore[union-attr]
    assert drive.fields["id"] == "j-3" and drive.fields["text"].startswith("Volunteers")  # type: ignore[union-attr]
    assert solo.fields["title"] == "A single object"  # type: ignore[union-attr]
    assert bridge.fields["text"] == "Crews finished the bridge, ahead of schedule.\nTraffic resumed on Monday."  # type: ignore[union-attr]
    assert bridge.fields["authors"] == ["Lee Wong", "Sam Ortiz"]  # type: ignore[union-attr]
    assert "url" not in ferry.fields and ferry.fields["published"] == "2024-05-07"  # type: ignore[union-attr]

    note, post = _read(FIXTURES / "note.txt", FIXTURES / "post.md")
    assert isinstance(note, RawRecord) and note.origin == str(FIXTURES / "note.txt")
    assert note.fields["title"] == "Council approves new bike lanes"
    assert note.fields["text"].startswith("- Three streets affected.\nThe city council voted 7-2")
    assert "id" not in note.fields and "published" not in note.fields
    assert isinstance(post, RawRecord)
    assert post.fields["title"] == "Night market returns to the riverside"
    assert post.fields["published"] == "2024-06-14" and post.fields["authors"] == ["Jo Lin"]
    assert "Stalls will open every Saturday" in post.fields["text"]


def test_rss_and_atom_feeds() -> None:
    items = _read(FIXTURES / "feed.rss", FIXTURES / "feed.atom")
    assert [i.origin.rsplit("/", 1)[1] for i in items] == [
        "feed.rss#1",
        "feed.rss#2",
        "feed.atom#1",
        "feed.atom#2",
    ]
    pier, fish, comet, seeds = (i.fields for i in _records(items))
    assert pier == {
        "id": "harbor-101", "title": "New pier opens to the public",
        "text": "The new pier opened on Sunday after two years of work.\n\nIt has room for 40 boats.",
        "published": "Mon, 08 Apr 2024 07:15:00 GMT", "url": "https://harbor.example.org/pier",
        "source": "Harbor Daily", "authors": ["Ola Berg"],
    }  # fmt: skip
    assert fish["published"] == "Tue, 09 Apr 2024 10:00:00 +0200"  # the local day, not UTC's
    assert comet["text"] == "Astronomers at the valley observatory recorded a bright comet on Monday night."
    assert comet["published"] == "2024-02-19T21:30:00Z" and comet["authors"] == ["Dana Kim"]
    assert comet["source"] == "Valley Science Notes" and comet["url"] == "https://valley.example.org/comet"
    assert seeds["published"] == "2024-02-18T09:00:00Z" and "ten thousand" in seeds["text"]


def test_html_page_main_text_and_metadata() -> None:
    _needs_trafilatura()
    (page,) = _read(FIXTURES / "page.html")
    assert isinstance(page, RawRecord)
    f = page.fields
    assert f["title"] == "Tidal power plant begins trial run"
    assert f["text"].startswith("The tidal power plant at Gull Point began a six-week trial run")
    assert "harbor master reported no disruption" in f["text"]
    for junk in ("Skip to main content", "Most read", "Privacy policy", "track()", "font-family", "Sport"):
        assert junk not in f["text"]
    assert f["published"] == "2024-03-18T08:30:00Z" and f["authors"] == ["Priya Nair"]  # as the page states it
    assert f["source"] == "Coastline Courier" and f["url"] == "https://courier.example.org/news/tidal-trial"


def test_folders_globs_and_path_errors(tmp_path: Path) -> None:
    nested = _read(FIXTURES / "nested")  # hidden files and folders, and readme.rst, are skipped silently
    assert [(i.origin, i.fields["id"]) for i in nested] == [
        (str(FIXTURES / "nested" / "deeper.jsonl") + ":1", "nested-1")
    ]  # type: ignore[union-attr]
    assert [i.origin for i in _read(f"{FIXTURES}/nested/**")] == [str(FIXTURES / "nested" / "deeper.jsonl") + ":1"]
    everything = [i for i in _read(FIXTURES) if not i.origin.endswith("page.html")]
    assert len(_records(everything)) == 14 and len(_errors(everything)) == 3
    assert [i.origin.split("inputs/")[1] for i in _read(f"{FIXTURES}/**/*.jsonl")] == [
        "articles.jsonl:1", "articles.jsonl:2", "articles.jsonl:3", "articles.jsonl:5", "nested/deeper.jsonl:1",
    ]  # fmt: skip
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "data.jsonl.gz").write_bytes(b'{"id": "plain text, not gzip"}\n')
    (tmp_path / "blob.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "latin1.txt").write_bytes("Headline\nCaf\xe9 prices rose".encode("latin-1"))
    errors = _read(tmp_path / "missing.jsonl", tmp_path / "notes.docx", f"{tmp_path}/*.csv", tmp_path / "empty",
                   tmp_path / "data.jsonl.gz", tmp_path / "blob.txt", tmp_path / "latin1.txt")  # fmt: skip
    assert [(Path(e.origin).name, e.reason.split(" (")[0]) for e in errors] == [  # type: ignore[union-attr]
        ("missing.jsonl", "no such file or directory"),
        ("notes.docx", "unsupported file type; expected one of .jsonl.gz, .jsonl, .ndjson, .json, .csv, .txt, .md, "
                       ".html, .htm, .xml, .rss, .atom"),
        ("*.csv", "no files match this pattern"),
        ("empty", "no readable files in this folder"),
        ("data.jsonl.gz", "not a readable gzip file"),
        ("blob.txt", "binary file"),
        ("latin1.txt", "invalid UTF-8 at byte offset 12"),
    ]  # fmt: skip
    assert all(isinstance(e, InputError) and "\n" not in str(e) for e in errors)


def test_permission_denied_is_one_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.jsonl"
    path.write_text('{"id": "x", "text": "y"}\n')
    path.chmod(0)

    def refuse(*args: object, **kwargs: object) -> object:  # root ignores file modes: refuse as the OS would
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(readers, "open", refuse, raising=False)
    assert [(e.origin, e.reason) for e in _read(path, path)] == [(str(path), "permission denied")] * 2  # type: ignore[union-attr]


def test_jsonl_gz_bad_bytes_and_oversize_records_do_not_stop_the_file(tmp_path: Path) -> None:
    good = json.dumps({"id": "a", "title": "Small", "text": "fine"}).encode() + b"\n"
    broken = b'{"id": "b", "text": "caf\xff"}\n'
    huge = json.dumps({"id": "c", "text": "x" * 20_000_000}).encode() + b"\n"
    large = json.dumps({"id": "d", "text": "y" * 6_000_000}).encode() + b"\n"
    empty = json.dumps({"id": "e", "title": "No text"}).encode() + b"\n"
    path = tmp_path / "mixed.jsonl.gz"
    with gzip.open(path, "wb") as f:
        f.write(good + broken + huge + large + empty + good)
    items = _read(path)
    assert [(i.origin.rsplit(":", 1)[1], type(i).__name__) for i in items] == [
        ("1", "RawRecord"), ("2", "InputError"), ("3", "InputError"), ("4", "InputError"), ("5", "RawRecord"),
        ("6", "RawRecord"),
    ]  # fmt: skip
    assert items[1].reason == f"invalid UTF-8 at byte offset {len(good) + 24}"  # type: ignore[union-attr]
    assert items[2].reason == "record is 20.0 MB, over the 5.0 MB limit"  # type: ignore[union-attr]
    assert items[3].reason == "record text is 6.0 MB, over the 5.0 MB limit"  # type: ignore[union-attr]
    assert items[4].fields == {"id": "e", "title": "No text"}  # type: ignore[union-attr]


def test_truncated_gzip_yields_what_it_could_then_an_error(tmp_path: Path) -> None:
    lines = b"".join(
        json.dumps({"id": f"n{i}", "text": f"record {i} " * (i % 50)}).encode() + b"\n" for i in range(3000)
    )
    data = gzip.compress(lines)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    items = _read(path)
    assert len(_records(items)) > 100
    assert [i.fields["id"] for i in _records(items)[:3]] == ["n0", "n1", "n2"]
    (last,) = _errors(items)
    assert last is items[-1] and "corrupt or truncated" in last.reason


def test_stdin_json_lines() -> None:
    stdin = io.StringIO('{"id": "s1", "title": "From a pipe", "text": "Piped."}\nnot json\n\n{"id": "s2"}\n')
    items = _read("-", stdin=stdin)
    assert [(i.origin, type(i).__name__) for i in items] == [
        ("<stdin>:1", "RawRecord"),
        ("<stdin>:2", "InputError"),
        ("<stdin>:4", "RawRecord"),
    ]
    assert items[0].fields["title"] == "From a pipe"  # type: ignore[union-attr]
    binary = io.TextIOWrapper(io.BytesIO(b'{"id": "b\xff"}\n{"id": "ok", "text": "fine"}\n'))
    items = _read("-", stdin=binary)
    assert items[0].reason == "invalid UTF-8 at byte offset 9"  # type: ignore[union-attr]
    assert items[1].fields == {"id": "ok", "text": "fine"}  # type: ignore[union-attr]


class _Handler(BaseHTTPRequestHandler):
    routes = {
        "/page.html": ("text/html; charset=utf-8", (FIXTURES / "page.html").read_bytes()),
        "/feed": ("application/rss+xml", (FIXTURES / "feed.rss").read_bytes()),
        "/sniffed": ("application/octet-stream", (FIXTURES / "feed.atom").read_bytes()),
        "/api/articles": ("application/json", (FIXTURES / "collection.json").read_bytes()),
    }
    seen_agents: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        self.seen_agents.append(self.headers.get("User-Agent", ""))
        if self.path not in self.routes:
            self.send_error(404, "Not Found")
            return
        ctype, body = self.routes[self.path]
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_urls_feed_json_and_failures(server: str) -> None:
    dead = f"http://127.0.0.1:{_closed_port()}/news"
    items = _read(f"{server}/feed", f"{server}/sniffed", f"{server}/api/articles", f"{server}/gone", dead)
    assert [i.origin for i in items] == [
        f"{server}/feed#1", f"{server}/feed#2", f"{server}/sniffed#1", f"{server}/sniffed#2",
        f"{server}/api/articles#1", f"{server}/api/articles#2", f"{server}/api/articles#3",
        f"{server}/gone", dead,
    ]  # fmt: skip
    assert items[0].fields["title"] == "New pier opens to the public"  # type: ignore[union-attr]
    assert items[2].fields["source"] == "Valley Science Notes"  # type: ignore[union-attr]
    assert items[4].fields["title"] == "Museum adds night hours"  # type: ignore[union-attr]
    assert isinstance(items[5], InputError)
    assert items[7].reason == "HTTP 404 Not Found"  # type: ignore[union-attr]
    assert isinstance(items[8], InputError) and items[8].reason == "unreachable: Connection refused"
    assert set(_Handler.seen_agents) == {"newsbot"}


def test_url_html_page(server: str) -> None:
    _needs_trafilatura()
    (page,) = _read(f"{server}/page.html")
    assert isinstance(page, RawRecord) and page.origin == f"{server}/page.html"
    assert page.fields["title"] == "Tidal power plant begins trial run"
    assert "12 megawatts" in page.fields["text"] and "Most read" not in page.fields["text"]


def test_injected_fetch_decides_by_content_type_and_sniffing() -> None:
    bodies = {
        "https://n.example/feed.xml": (
            b"<?xml version='1.0'?>" + (FIXTURES / "feed.atom").read_bytes()[38:],
            "text/xml",
        ),
        "https://n.example/items": (b'{"id": "u1", "title": "T", "text": "Body"}\n{"id": "u2", "text": "Two"}\n', ""),
        "https://n.example/logo.png": (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
    }
    items = _read(*bodies, fetch=lambda url: bodies[url])
    assert [(i.origin, getattr(i, "reason", "")) for i in items] == [
        ("https://n.example/feed.xml#1", ""), ("https://n.example/feed.xml#2", ""),
        ("https://n.example/items:1", ""), ("https://n.example/items:2", ""),
        ("https://n.example/logo.png", "unsupported content type image/png: not a page, feed or JSON"),
    ]  # fmt: skip


def _data(path: str) -> Path:
    if not (DATA / path).exists():
        pytest.skip("../shared/data is not available")
    return DATA / path


def test_realtimeqa_file_reads_as_it_is() -> None:
    path = _data("realtimeqa/articles_2022H2.jsonl.gz")
    first = list(islice(read_inputs([str(path)]), 300))
    assert all(isinstance(i, RawRecord) for i in first)
    assert first[0].origin == f"{path}:1" and first[299].origin == f"{path}:300"
    for rec in _records(first):
        assert rec.fields["id"].startswith("rtqa-") and len(rec.fields["published"]) == 10
        assert rec.fields["text"] and rec.fields["source"] in {"USA TODAY", "CNN", "The Week"}


def test_reuters_file_reads_as_it_is() -> None:
    path = _data("reuters21578/reuters21578.jsonl.gz")
    first = _records(list(islice(read_inputs([str(path)]), 200)))
    assert len(first) == 200
    assert first[0].fields["id"] == "reuters-1" and first[0].fields["published"] == "1987-02-26"
    assert set(first[0].fields) == {"id", "title", "text", "published", "source"}


def test_seed_text_file_reads_as_it_is() -> None:
    path = _data("seed/us-japan-fund.txt")
    (rec,) = _read(path)
    assert isinstance(rec, RawRecord) and rec.origin == str(path)
    assert rec.fields["title"].startswith("SoftBank") and not rec.fields["title"].startswith("-")
    assert "published" not in rec.fields and "id" not in rec.fields and "Bitcoin" in rec.fields["text"]
