"""Readers: files, folders, globs, stdin and URLs into RawRecords; bad inputs become InputErrors."""

from __future__ import annotations

import csv
import gzip
import http.client
import io
import json
import logging
import os
import re
import sys
import urllib.error
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from typing import Any, TextIO

from ingest.clean import clean_text, html_to_text
from ingest.encodings import sniff_encoding, to_utf8
from ingest.errors import ConfigError, InputError, record_name, unexpected
from ingest.feeds import feed_entries, is_json_feed, json_feed_items
from ingest.fetch import Fetcher, is_url
from ingest.models import RawRecord
from ingest.pages import page_fields
from ingest.paths import files_in, glob_files, has_magic

Item = RawRecord | InputError
Fetch = Callable[[str], tuple[bytes, str]]

EXTENSIONS = (".jsonl.gz", ".jsonl", ".ndjson", ".json", ".csv", ".txt", ".md", ".html", ".htm", ".xml",
              ".rss", ".atom")  # fmt: skip
# fmt: off
_FIELDS = {
    "id": ("id", "doc_id", "article_id", "guid"), "title": ("title", "headline"),
    "text": ("text", "body", "content", "article", "articlebody", "description", "summary"),
    "published": ("published", "publish_date", "date", "pubdate", "published_at", "datepublished",
                  "date_published"),
    "url": ("url", "link"), "source": ("source", "publisher"), "authors": ("authors", "author"),
}
# fmt: on
_TITLE_MARK = re.compile(r"^(?:#{1,6}\s+|[-*+•>]\s+|\d+[.)]\s+)+")
_JSON_TYPES = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean"}
_TOO_DEEP = "JSON is nested too deeply to read"
log = logging.getLogger(__name__)


def input_limit(max_record_bytes: int) -> int:
    """The most bytes read at once for one input: a JSON line, or a whole .json/.csv/.html/feed/text file
    (a record's text limit twice over, for JSON escapes, plus room for the other fields)."""
    return 2 * max_record_bytes + 65536


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.1f} KB"


FieldMap = Mapping[str, str]  # canonical field -> the input's own name for it, e.g. {"text": "body_html"}


class HeadlinesOnly(InputError):
    """A feed's items that have a headline but no text or summary: one line with their count, not one per
    item; the records are kept so that ``--follow-links`` can read their linked pages instead."""

    def __init__(self, feed: str, records: Sequence[RawRecord], total: int) -> None:
        n = len(records)
        super().__init__(
            feed,
            f"{n} of {total} items {'is a headline' if n == 1 else 'are headlines'} with no text or summary, "
            "not stored (--follow-links reads their linked pages)",
            count=n,
        )
        self.records = tuple(records)


def _has_text(fields: Mapping[str, Any]) -> bool:
    """False for no text, or text that is only furniture (a Reddit item's "submitted by ... [link]")."""
    text = fields.get("text")
    return bool(clean_text(text)) if isinstance(text, str) else text is not None


def _feed_items(entries: Sequence[object], origin: str, max_bytes: int) -> Iterator[Item]:
    """Records of a feed's entries (RSS/Atom or JSON Feed); the headline-only ones as one HeadlinesOnly."""
    headlines = []
    for i, entry in enumerate(entries, 1):
        name = record_name(origin, i)
        if isinstance(entry, dict) and not _has_text(entry) and (entry.get("title") or entry.get("url")):
            headlines.append(RawRecord(normalise_fields(entry), name))
        else:
            yield _record(entry, name, max_bytes)
    if headlines:
        yield HeadlinesOnly(origin, headlines, len(entries))


def parse_field_map(specs: Sequence[str]) -> dict[str, str]:
    """``["text=body_html", ...]`` as a field map; a ConfigError for an unknown field or a malformed spec."""
    mapping: dict[str, str] = {}
    for spec in specs:
        key, sep, name = (part.strip() for part in spec.partition("="))
        if not sep or not name or key not in _FIELDS:
            raise ConfigError(f"--field {spec!r}: expected FIELD=NAME with FIELD one of {', '.join(_FIELDS)}")
        mapping[key] = name
    return mapping


def normalise_fields(d: Mapping[str, Any], field_map: FieldMap | None = None) -> dict[str, Any]:
    """Canonical keys (id, title, text, published, url, source, authors); absent stay absent, unknown go.
    ``field_map`` names an input's own field for a key, tried first; a mapped ``*html`` field is HTML."""
    lowered = {k.lower(): v for k, v in d.items() if isinstance(k, str)}
    out: dict[str, Any] = {}
    for key, names in _FIELDS.items():
        mapped = field_map[key].lower() if field_map and key in field_map else None
        value = next((lowered[n] for n in (mapped, *names) if n and lowered.get(n) not in (None, "", [])), None)
        if value is None:
            continue
        if mapped and mapped.endswith("html") and value is lowered.get(mapped) and isinstance(value, str):
            value = html_to_text(value)
        if key == "authors":
            value = _authors(value)
        elif key in ("id", "source") and isinstance(value, int | float | dict):
            value = str(value.get("name", "")) if isinstance(value, dict) else str(value)
        out[key] = value
    return out


def _authors(value: Any) -> list[str]:
    items = value if isinstance(value, list) else re.split(r",|;| and ", str(value))
    names = [str(a.get("name", "")) if isinstance(a, dict) else str(a) for a in items]
    return [n for n in (re.sub(r"^by\s+", "", n.strip(), flags=re.I).strip() for n in names) if n]


def read_inputs(
    inputs: Sequence[str],
    stdin: TextIO | None = None,
    fetch: Fetch | None = None,
    max_record_bytes: int = 5_000_000,
    field_map: FieldMap | None = None,
    follow_links: bool = False,
) -> Iterator[Item]:
    """Yield a RawRecord per article in ``inputs``, or an InputError per bad input, and go on; ``field_map``
    names the inputs' own fields (``{"text": "body_html"}``); ``follow_links`` reads the page a headline-only
    feed item links to."""
    items = _read_all(inputs, stdin, fetch, max_record_bytes)
    if follow_links:
        fetcher: list[Fetch] = [fetch] if fetch else []

        def one_fetcher() -> Fetch:  # one per run, made on first use: its deadline covers every page
            if not fetcher:
                fetcher.append(Fetcher(max_bytes=input_limit(max_record_bytes)))
            return fetcher[0]

        items = _followed(items, one_fetcher, max_record_bytes)
    if not field_map:
        yield from items
        return
    for item in items:
        mapped = isinstance(item, RawRecord) and item.raw is not None
        yield RawRecord(normalise_fields(item.raw, field_map), item.origin, item.raw) if mapped else item  # type: ignore[union-attr,arg-type]


def _read_all(
    inputs: Sequence[str], stdin: TextIO | None, fetch: Fetch | None, max_record_bytes: int
) -> Iterator[Item]:
    for item in inputs:
        if item == "-":
            stream = stdin if stdin is not None else sys.stdin
            source = getattr(stream, "buffer", None) or stream
            yield from _guarded(_jsonl(source, "<stdin>", max_record_bytes), "<stdin>")
        elif is_url(item):
            fetch = fetch or Fetcher(max_bytes=input_limit(max_record_bytes))  # one per run: its deadline
            yield from _guarded(_read_url(item, fetch, max_record_bytes), item)
        elif os.path.isdir(item) or (has_magic(item) and not os.path.lexists(item)):
            yield from _read_many(item, max_record_bytes)
        elif not os.path.lexists(item):
            yield InputError(item, "no such file or directory")
        elif _kind(item) is None:
            yield InputError(item, f"unsupported file type; expected one of {', '.join(EXTENSIONS)}")
        else:
            yield from _guarded(_read_file(item, max_record_bytes), item)


def _guarded(items: Iterator[Item], origin: str) -> Iterator[Item]:
    """``items``; a failure no reader foresaw ends them with one InputError naming ``origin``, and the
    run goes on with the next input (what was read before it is kept)."""
    try:
        yield from items
    except Exception as exc:
        log.debug("unexpected failure reading %s", origin, exc_info=True)
        yield InputError(origin, unexpected(exc))


def estimate_records(inputs: Sequence[str]) -> int | None:
    """How many records ``inputs`` hold, counted cheaply (lines of JSON lines files, one per page), for a
    progress bar's ETA; None when it cannot be known up front (stdin, URLs, JSON arrays, feeds)."""
    total = 0
    for item in inputs:
        if item == "-" or is_url(item):
            return None
        for path in _paths(item):
            kind = _kind(path)
            if kind in (".jsonl", ".ndjson", ".jsonl.gz"):
                try:
                    with gzip.open(path, "rb") if kind == ".jsonl.gz" else open(path, "rb") as f:
                        total += sum(chunk.count(b"\n") for chunk in iter(partial(f.read, 1 << 20), b""))
                except (OSError, EOFError, zlib.error):
                    continue
            elif kind in (".txt", ".md", ".html", ".htm"):
                total += 1
            elif kind is not None:
                return None
    return total


def _kind(path: str) -> str | None:
    name = path.lower()
    return next((ext for ext in EXTENSIONS if name.endswith(ext)), None)


def _wanted(name: str) -> bool:
    return _kind(name) is not None


def _found(pattern: str) -> tuple[list[str | InputError], bool]:
    """The files a folder or glob names (and links skipped), and whether it matched anything."""
    if os.path.isdir(pattern):
        return list(files_in(pattern, _wanted)), True
    return glob_files(pattern, _wanted)


def _paths(item: str) -> list[str]:
    """The files one input names, for counting: itself, or those of a folder or glob."""
    if os.path.lexists(item) and not os.path.isdir(item):
        return [item]
    return [p for p in _found(item)[0] if isinstance(p, str)]


def _read_many(pattern: str, max_bytes: int) -> Iterator[Item]:
    """A folder or a glob: every readable file in it, sorted; hidden and unknown files skipped, symlinked
    folders not entered, links out of the folder reported."""
    found, matched = _found(pattern)
    if not any(isinstance(p, str) for p in found):
        yield InputError(pattern, "no readable files in this folder" if os.path.isdir(pattern)
                         else "no readable files match" if matched else "no files match this pattern")  # fmt: skip
    for path in found:
        if isinstance(path, InputError):
            yield path
        else:
            yield from _guarded(_read_file(path, max_bytes), path)


def _read_file(path: str, max_bytes: int) -> Iterator[Item]:
    kind = _kind(path) or ""
    try:
        with gzip.open(path, "rb") if kind == ".jsonl.gz" else open(path, "rb") as f:
            head = f.read(8192)
            encoding = sniff_encoding(head)
            if encoding is None:
                yield InputError(path, "binary file (NUL bytes), not text")
            elif kind in (".jsonl", ".ndjson", ".jsonl.gz"):
                f.seek(0)
                wide = encoding not in ("utf-8", "utf-8-sig")
                yield from _jsonl(io.TextIOWrapper(f, encoding=encoding) if wide else f, path, max_bytes)
            else:
                data = _whole(f, head, path, max_bytes)
                if isinstance(data, InputError):
                    yield data
                else:
                    yield from _read_bytes(_recoded(data, encoding), kind, path, max_bytes)
    except PermissionError:
        yield InputError(path, "permission denied")
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        yield InputError(path, f"not a readable gzip file ({exc or 'truncated'})")
    except OSError as exc:
        yield InputError(path, exc.strerror or str(exc))


def _recoded(data: bytes, encoding: str) -> bytes:
    """UTF-16/32 text as UTF-8 (undecodable data is left for the UTF-8 check to report)."""
    try:
        return to_utf8(data, encoding)
    except UnicodeDecodeError:
        return data


def _whole(f: Any, head: bytes, path: str, max_bytes: int) -> bytes | InputError:
    """The rest of a whole-file format after ``head``, or why not: over the limit (not read into memory)."""
    limit = input_limit(max_bytes)
    try:
        size = os.fstat(f.fileno()).st_size
    except (OSError, AttributeError, io.UnsupportedOperation):
        size = 0
    data = head + f.read(max(0, limit + 1 - len(head))) if size <= limit else b""
    if size > limit or len(data) > limit:
        shown = f"{_mb(size)}, over" if size > limit else "over"
        return InputError(path, f"file is {shown} the {_mb(limit)} limit for a whole file "
                                "(NEWSBOT_MAX_RECORD_BYTES; JSON lines have no file limit)")  # fmt: skip
    return data


def _read_bytes(data: bytes, kind: str, origin: str, max_bytes: int, url: str | None = None) -> Iterator[Item]:
    if kind in (".html", ".htm"):
        yield _html_record(data, origin, url)
        return
    if kind in (".xml", ".rss", ".atom"):
        yield from _feed(data, origin, max_bytes, url)
        return
    text = _decode(data, origin)
    if isinstance(text, InputError):
        yield text
    elif kind == ".json":
        yield from _json_document(text, origin, max_bytes, url)
    elif kind == ".csv":
        yield from _csv(text, origin, max_bytes)
    else:
        yield _record(_text_file(text), origin, max_bytes)


def _decode(data: bytes, origin: str) -> str | InputError:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return InputError(origin, f"invalid UTF-8 at byte offset {exc.start}")


def _record(value: Any, origin: str, max_bytes: int) -> Item:
    """A RawRecord from a JSON object (or a dict built by a reader), or why it cannot be one."""
    try:
        return _checked_record(value, origin, max_bytes)
    except Exception as exc:  # e.g. a field nested too deeply to turn into text
        log.debug("unexpected failure reading %s", origin, exc_info=True)
        return InputError(origin, unexpected(exc))


def _checked_record(value: Any, origin: str, max_bytes: int) -> Item:
    if not isinstance(value, dict):
        return InputError(origin, f"JSON value is {_JSON_TYPES.get(type(value), 'null')}, not an object")
    fields = normalise_fields(value)
    size = len(fields["text"].encode("utf-8", "replace")) if isinstance(fields.get("text"), str) else 0
    if size > max_bytes:
        return InputError(origin, f"record text is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB limit")
    return RawRecord(fields, origin, value)


def _lines(stream: Any, limit: int) -> Iterator[bytes | str | int]:
    """Lines of a binary or text stream; an over-long line is skipped and yields its length instead."""
    while line := stream.readline(limit + 1):
        newline = b"\n" if isinstance(line, bytes) else "\n"
        if len(line) <= limit or line.endswith(newline):
            yield line
            continue
        size = len(line)
        while (rest := stream.readline(1 << 20)) and not rest.endswith(newline):
            size += len(rest)
        yield size + len(rest)


def _jsonl(stream: Any, origin: str, max_bytes: int) -> Iterator[Item]:
    offset, lineno = 0, 0
    lines = _lines(stream, input_limit(max_bytes))
    try:
        for lineno, raw in enumerate(lines, 1):  # noqa: B007
            here, start = record_name(origin, lineno, line=True), offset
            if isinstance(raw, int):
                offset += raw
                yield InputError(here, f"record is {raw / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB limit")
                continue
            offset += len(raw)
            try:
                line = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            except UnicodeDecodeError as exc:
                yield InputError(here, f"invalid UTF-8 at byte offset {start + exc.start}")
                continue
            if not line.strip():
                continue
            try:
                value = json.loads(line.strip().lstrip("\ufeff"))
            except json.JSONDecodeError as exc:
                yield InputError(here, f"malformed JSON: {exc.msg} at column {exc.colno}")
                continue
            except RecursionError:
                yield InputError(here, _TOO_DEEP)
                continue
            yield _record(value, here, max_bytes)
    except (EOFError, zlib.error, gzip.BadGzipFile, UnicodeDecodeError) as exc:
        yield InputError(origin, f"stream is corrupt or truncated after line {lineno}: {exc}")


def _json_document(text: str, origin: str, max_bytes: int, url: str | None = None) -> Iterator[Item]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and exc.lineno > 1:  # really JSON lines under a .json name
            yield from _jsonl(io.StringIO(text), origin, max_bytes)
        else:
            yield InputError(origin, f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
        return
    except RecursionError:
        yield InputError(origin, _TOO_DEEP)
        return
    if is_json_feed(value):
        yield from _feed_items(list(json_feed_items(value, url)), origin, max_bytes)
        return
    if isinstance(value, dict) and isinstance(value.get("articles"), list):
        value = value["articles"]
    if isinstance(value, list):
        for i, item in enumerate(value, 1):
            yield _record(item, record_name(origin, i), max_bytes)
    elif isinstance(value, dict):
        yield _record(value, origin, max_bytes)
    else:
        yield InputError(origin, f"JSON value is {_JSON_TYPES.get(type(value), 'null')}, not an object or array")


def _csv(text: str, origin: str, max_bytes: int) -> Iterator[Item]:
    csv.field_size_limit(max_bytes)  # a field over one record's limit could never be stored
    rows = csv.DictReader(io.StringIO(text, newline=""))
    try:
        _ = rows.fieldnames  # the header is read here, so line numbers count it
    except csv.Error as exc:
        yield InputError(origin, f"malformed CSV: {exc}")
        return
    while True:
        start = rows.reader.line_num + 1  # the row's first line (the header is line 1)
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field limit" not in str(exc):
                yield InputError(origin, f"malformed CSV: {exc}")
                return
            here = record_name(origin, start, line=True)
            yield InputError(here, f"a field is over the {_mb(max_bytes)} limit (NEWSBOT_MAX_RECORD_BYTES)")
        else:
            if any(v for k, v in row.items() if k is not None):
                yield _record(row, record_name(origin, start, line=True), max_bytes)


def _text_file(text: str) -> dict[str, Any]:
    """A .txt/.md article: optional ``---`` front matter, then the first non-empty line as the title."""
    meta: dict[str, str] = {}
    if text.startswith("---\n") and (end := text.find("\n---", 4)) != -1:
        for line in text[4:end].splitlines():
            key, sep, value = line.partition(":")
            if sep:
                meta[key.strip()] = value.strip().strip("\"'")
        text = text[end + 4 :].lstrip("-\n")
    lines = text.strip().split("\n", 1)
    title = _TITLE_MARK.sub("", lines[0]).strip().rstrip("#").strip()
    fields = normalise_fields(meta)
    fields.setdefault("title", title)
    fields["text"] = (lines[1] if len(lines) > 1 else "").strip() if fields["title"] == title else text.strip()
    return fields


def _html_record(data: bytes, origin: str, url: str | None) -> Item:
    page = page_fields(data, url)
    if isinstance(page, str):
        return InputError(origin, page)
    warning = page.pop("extraction_warning", "")
    fields = normalise_fields(page)
    title, text = fields.get("title", ""), fields.setdefault("text", "")
    if title and text.startswith(title + "\n"):  # the page repeats its headline atop the text
        fields["text"] = text[len(title) + 1 :].lstrip()
    return RawRecord(fields, origin, warnings=(warning,) if warning else ())


def _feed(data: bytes, origin: str, max_bytes: int, url: str | None) -> Iterator[Item]:
    entries, problem = feed_entries(data, url)
    if problem:
        yield InputError(origin, problem)
    yield from _feed_items(entries, origin, max_bytes)


def _followed(items: Iterator[Item], fetch: Callable[[], Fetch], max_bytes: int) -> Iterator[Item]:
    """``items``, with each headline-only feed item replaced by the page it links to (``--follow-links``)."""
    for item in items:
        if not isinstance(item, HeadlinesOnly):
            yield item
            continue
        for record in item.records:
            yield from _guarded(_linked_page(record, fetch(), max_bytes), record.origin)


def _linked_page(record: RawRecord, fetch: Fetch, max_bytes: int) -> Iterator[Item]:
    """The page a headline-only feed item links to, under the item's name, id, title and date (the feed's
    own, when it states them); the page gives the text."""
    url = record.fields.get("url")
    if not isinstance(url, str) or not is_url(url):
        yield InputError(record.origin, "headline with no text, summary or link to follow")
        return
    for page in _read_url(url, fetch, max_bytes):
        if isinstance(page, InputError):
            yield InputError(record.origin, f"linked page {url}: {page.reason}")
        else:
            stated = {k: v for k, v in record.fields.items() if v and k != "text"}
            yield RawRecord({**page.fields, **stated}, record.origin, warnings=page.warnings)


def _read_url(url: str, fetch: Fetch, max_bytes: int) -> Iterator[Item]:
    try:
        body, content_type = fetch(url)
    except InputError as exc:  # a deadline, a refused redirect
        yield exc
        return
    except urllib.error.HTTPError as exc:
        yield InputError(url, f"HTTP {exc.code} {exc.reason}")
        return
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        yield InputError(url, f"unreachable: {getattr(reason, 'strerror', None) or reason}")
        return
    ctype = content_type.split(";")[0].strip().lower()
    encoding = sniff_encoding(body[:8192])
    body = _recoded(body, encoding) if encoding else body
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if len(body) > input_limit(max_bytes):
        yield InputError(url, f"response is over the {_mb(input_limit(max_bytes))} limit (NEWSBOT_MAX_RECORD_BYTES)")
    elif "json" in ctype or head.startswith((b"{", b"[")):
        yield from _read_bytes(body, ".json", url, max_bytes, url=url)
    elif any(k in ctype for k in ("rss", "atom")) or any(t in head for t in (b"<rss", b"<feed", b"<rdf")):
        yield from _read_bytes(body, ".xml", url, max_bytes, url=url)
    elif encoding is None or not (ctype.startswith("text/") or "xml" in ctype or not ctype):
        yield InputError(url, f"unsupported content type {ctype or 'binary'}: not a page, feed or JSON")
    else:
        yield from _read_bytes(body, ".html", url, max_bytes, url=url)
