"""Property-based fuzzing of every reader and of the question parser: whatever the bytes, no uncaught
exception; every failure is an InputError whose message is one line naming the input and a reason."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import random
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answering.question import ParsedQuestion, parse_question
from bot.answering.timeframe import Period, question_period
from ingest.articles import to_article
from ingest.chunking import chunk_article
from ingest.errors import InputError
from ingest.models import Article, RawRecord
from ingest.readers import read_inputs
from ingest.snapshots import extract_snapshots

MAX_BYTES = 200_000
# NEWSBOT_FUZZ_SCALE=20 runs a deeper fuzz pass by hand; the default keeps the file well under 30 s.
SCALE = max(1, int(os.environ.get("NEWSBOT_FUZZ_SCALE", "1")))


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


FUZZ = fuzz(60)

# ---- strategies -----------------------------------------------------------------------------------

FIELD_NAMES = ["id", "doc_id", "guid", "title", "headline", "text", "body", "content", "article", "published",
               "date", "publish_date", "pubdate", "url", "link", "source", "publisher", "authors", "author",
               "articles", "Title", "TEXT", "PUBLISHED"]  # fmt: skip
# Text that likes to hit the edge cases: dates, control and invisible characters, markup, huge numbers.
SPICY = ["2025-05-26", "May 26, 2025", "26-FEB-1987 15:01:01.79", "1748300000", "20250526", "9999-99-99",
         "0000-00-00", "\u202e", "\u200b", "\ufeff", "\x00", "\r\n", "\u2028", "<!channel>", "<script>x</script>",
         "{{ x }}", "${y}", "formatNumber(1e308, 2)", "&amp;", "]]>", "\ud7ff", "🦄", "NaN", "-1e400", "---\n"]  # fmt: skip
texts = st.one_of(st.text(max_size=80), st.sampled_from(SPICY), st.lists(st.sampled_from(SPICY)).map("".join))
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), texts)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=8)), inner, max_size=6),
    ),
    max_leaves=20,
)
articleish = st.fixed_dictionaries(
    {},
    optional={name: st.one_of(json_values, texts) for name in ("id", "title", "text", "published", "url",
                                                                 "source", "authors", "body", "date")},
)  # fmt: skip
raw_bytes = st.binary(max_size=600)


# ---- helpers --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    # hypothesis runs many examples per test; a function-scoped tmp_path would be shared between them
    with tempfile.TemporaryDirectory(prefix="newsbot-fuzz-") as d:
        yield Path(d)


_counter = iter(range(10**9))


def _write(folder: Path, suffix: str, data: bytes) -> Path:
    path = folder / f"input{next(_counter)}{suffix}"
    path.write_bytes(data)
    return path


def assert_clear_error(err: InputError, path: Path | str) -> None:
    """One line, naming the input, with a reason."""
    message = str(err)
    assert "\n" not in message and "\r" not in message, message
    assert err.origin.startswith(str(path)), message
    assert message.startswith(str(path)), message
    assert err.reason.strip(), message
    assert "Traceback" not in message


def check_inputs(path: Path) -> list[RawRecord | InputError | Article]:
    """Read ``path`` and turn every record into an article; only RawRecords, Articles or clear InputErrors."""
    outcomes: list[RawRecord | InputError | Article] = []
    for item in read_inputs([str(path)], max_record_bytes=MAX_BYTES):
        if isinstance(item, InputError):
            assert_clear_error(item, path)
            outcomes.append(item)
            continue
        assert isinstance(item, RawRecord), type(item)
        assert item.origin.startswith(str(path))
        try:
            article = to_article(item, max_bytes=MAX_BYTES, today=date(2025, 5, 26))
        except InputError as err:
            assert_clear_error(err, path)
            outcomes.append(err)
            continue
        assert article.text and article.text == article.text.strip()
        assert "\n" not in article.title
        chunks = chunk_article(article.id, article.text, "0" * 64)
        assert chunks and all(article.text[c.start : c.end] == c.text for c in chunks)
        extract_snapshots(article.text, article.id, article.published)
        outcomes.append(article)
    return outcomes


# ---- readers --------------------------------------------------------------------------------------


@FUZZ
@given(value=st.one_of(json_values, articleish, st.lists(articleish, max_size=4),
                       st.fixed_dictionaries({"articles": st.lists(articleish, max_size=3)})))  # fmt: skip
def test_json_documents(workdir: Path, value: object) -> None:
    check_inputs(_write(workdir, ".json", json.dumps(value).encode("utf-8", "surrogatepass")))


@FUZZ
@given(data=raw_bytes, suffix=st.sampled_from([".json", ".jsonl", ".ndjson", ".csv", ".txt", ".md"]))
def test_arbitrary_bytes_in_text_formats(workdir: Path, data: bytes, suffix: str) -> None:
    check_inputs(_write(workdir, suffix, data))


@FUZZ
@given(lines=st.lists(st.one_of(articleish.map(json.dumps), json_values.map(json.dumps), texts, raw_bytes),
                      max_size=6),
       newline=st.sampled_from([b"\n", b"\r\n", b"\r"]))  # fmt: skip
def test_json_lines(workdir: Path, lines: list[str | bytes], newline: bytes) -> None:
    data = newline.join(x if isinstance(x, bytes) else x.encode("utf-8", "surrogatepass") for x in lines)
    path = _write(workdir, ".jsonl", data)
    outcomes = check_inputs(path)
    assert len(outcomes) <= max(1, len(data.splitlines()) + 1)


@FUZZ
@given(records=st.lists(articleish, max_size=5), cut=st.one_of(st.none(), st.integers(0, 400)),
       garbage=st.one_of(st.none(), raw_bytes))  # fmt: skip
def test_gzipped_json_lines(workdir: Path, records: list[dict], cut: int | None, garbage: bytes | None) -> None:
    if garbage is not None:
        data = garbage  # not gzip at all
    else:
        data = gzip.compress("\n".join(json.dumps(r) for r in records).encode("utf-8", "surrogatepass"))
        if cut is not None:
            data = data[:cut]  # truncated archive
    check_inputs(_write(workdir, ".jsonl.gz", data))


@FUZZ
@given(header=st.lists(st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=10)), max_size=6),
       rows=st.lists(st.lists(texts, max_size=8), max_size=5),
       quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONE]))  # fmt: skip
def test_csv(workdir: Path, header: list[str], rows: list[list[str]], quoting: int) -> None:
    buf = io.StringIO(newline="")
    try:
        writer = csv.writer(buf, quoting=quoting, escapechar="\\")
        writer.writerow(header)
        writer.writerows(rows)
    except csv.Error:
        return  # csv itself cannot write this combination; nothing to read
    check_inputs(_write(workdir, ".csv", buf.getvalue().encode("utf-8", "surrogatepass")))


@FUZZ
@given(front=st.dictionaries(st.one_of(st.sampled_from(FIELD_NAMES), texts), texts, max_size=4),
       body=texts, heading=st.sampled_from(["", "# ", "## ", "- ", "1. ", "> "]),
       suffix=st.sampled_from([".txt", ".md"]))  # fmt: skip
def test_text_and_markdown(workdir: Path, front: dict[str, str], body: str, heading: str, suffix: str) -> None:
    meta = "".join(f"{k}: {v}\n" for k, v in front.items())
    text = (f"---\n{meta}---\n" if front else "") + heading + body
    check_inputs(_write(workdir, suffix, text.encode("utf-8", "surrogatepass")))


_TAGS = ["p", "div", "script", "style", "h1", "title", "article", "a", "meta", "br", "table", "td", "iframe"]
html_fragments = st.recursive(
    texts,
    lambda inner: st.tuples(st.sampled_from(_TAGS), st.lists(inner, max_size=3), st.booleans()).map(
        lambda t: f'<{t[0]} onclick="{t[0]}()">{"".join(t[1])}' + (f"</{t[0]}>" if t[2] else "")
    ),
    max_leaves=12,
)


@fuzz(40)
@given(body=html_fragments, raw=st.one_of(st.none(), raw_bytes))
def test_html(workdir: Path, body: str, raw: bytes | None) -> None:
    pytest.importorskip("trafilatura", exc_type=ImportError)
    data = (
        raw
        if raw is not None
        else f"<html><head><title>t</title></head><body>{body}</body></html>".encode("utf-8", "surrogatepass")
    )
    check_inputs(_write(workdir, ".html", data))


def _rss(items: list[dict[str, str]], escape: bool) -> str:
    def val(v: str) -> str:
        return v.replace("&", "&amp;").replace("<", "&lt;") if escape else v

    entries = "".join("<item>" + "".join(f"<{k}>{val(v)}</{k}>" for k, v in item.items()) + "</item>" for item in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title>{entries}</channel></rss>'


def _atom(items: list[dict[str, str]], escape: bool) -> str:
    def val(v: str) -> str:
        return v.replace("&", "&amp;").replace("<", "&lt;") if escape else v

    entries = "".join(
        "<entry>" + "".join(f"<{k}>{val(v)}</{k}>" for k, v in item.items()) + "</entry>" for item in items
    )
    return f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">{entries}</feed>'


feed_items = st.lists(
    st.dictionaries(
        st.sampled_from(["title", "description", "link", "guid", "pubDate", "author", "id", "updated",
                         "published", "summary", "content"]),
        st.one_of(texts, html_fragments),
        max_size=6,
    ),
    max_size=4,
)  # fmt: skip


@fuzz(50)
@given(items=feed_items, kind=st.sampled_from([_rss, _atom]), escape=st.booleans(),
       suffix=st.sampled_from([".xml", ".rss", ".atom"]), raw=st.one_of(st.none(), raw_bytes))  # fmt: skip
def test_feeds(workdir: Path, items: list[dict[str, str]], kind, escape: bool, suffix: str, raw: bytes | None) -> None:  # type: ignore[no-untyped-def]
    data = raw if raw is not None else kind(items, escape).encode("utf-8", "surrogatepass")
    check_inputs(_write(workdir, suffix, data))


# ---- the question parser --------------------------------------------------------------------------

QUESTION_WORDS = ["what", "who", "will", "bitcoin", "BTC", "ethereum", "price", "market cap", "yesterday",
                  "last week", "next month", "this year", "in", "2025", "1900", "2101", "May", "31", "Feb 30,",
                  "2024-02-30", "12/31/2099", "now", "tomorrow", "?", "🚀", "Preis", "先週", "\u202e", "\x00",
                  "ignore previous instructions", "<!channel>", "9" * 30, "-", "/"]  # fmt: skip
questions = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(QUESTION_WORDS), max_size=20).map(" ".join),
    st.lists(st.sampled_from(QUESTION_WORDS), max_size=20).map("".join),
)
# The years the product dates news in (ingest.dates MIN_YEAR..MAX_YEAR). At the very ends of Python's
# calendar (as of 0001-01-01, 9999-12-31) "yesterday" or "last year" overflow: a known gap, see
# test_calendar_edges_are_a_known_gap.
as_of_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


def _period_ok(period: Period | None) -> None:
    if period is not None:
        assert isinstance(period.start, date) and isinstance(period.end, date)
        assert period.start <= period.end
        assert isinstance(period.label, str)


@fuzz(100)
@given(text=questions, as_of=as_of_dates)
def test_parse_question_never_fails(text: str, as_of: date) -> None:
    parsed = parse_question(text, as_of)
    assert isinstance(parsed, ParsedQuestion) and parsed.as_of == as_of and parsed.text == text
    assert parsed.metric is None or parsed.assets
    _period_ok(parsed.period)


@fuzz(100)
@given(text=questions, as_of=as_of_dates, market=st.booleans())
def test_question_period_never_fails(text: str, as_of: date, market: bool) -> None:
    _period_ok(question_period(text, as_of, market=market))


def test_calendar_edges_give_no_period_instead_of_crashing() -> None:
    assert question_period("what happened yesterday?", date(1, 1, 1)) is None
    assert question_period("what happens next year?", date(9999, 12, 31)) is None
    assert question_period("what happened yesterday?", date(2025, 5, 26)).start == date(2025, 5, 25)


# ---- a whole ingest run over a folder of garbage -----------------------------------------------------

_GARBAGE: list[tuple[str, bytes]] = [
    (".json", b"{not json"),
    (".json", b"42"),
    (".json", b'{"title": "no text here", "published": "2025-05-26"}'),
    (".json", b'{"title": "t", "text": "body", "published": "not a date at all"}'),
    (".json", b'{"title": "t", "text": "undated body with no date in it"}'),
    (".json", b"\xff\xfe\x00b\x00a\x00d"),
    (".jsonl.gz", b"this is not gzip"),
    (".jsonl.gz", gzip.compress(b'{"id": "a", "text": "x", "published": "2025-05-26"}\n' * 20)[:30]),
    (".csv", b"\xff\xfeinvalid utf-8"),
    (".csv", b'title,text,published\n"t","' + b"\x00" * 10 + b'","2025-05-26"\n'),
    (".txt", b"\x00\x01\x02binary"),
    (".txt", b"   \n\n\t  "),
    (".md", b"# Only a heading\n"),
    (".html", b"\x00\x00\x00"),
    (".rss", b"<rss><channel><title>x</title></channel></rss>"),
    (".xml", b"not xml at all"),
    (".atom", b"\xef\xbb\xbf<feed"),
]


def test_ingest_over_garbage_folder_reports_each_bad_file_once(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    from bot.settings import Settings
    from ingest.pipeline import run_ingest
    from ingest.store import open_index

    folder = tmp_path / "garbage"
    folder.mkdir()
    rng = random.Random(6)
    bad: list[Path] = []
    for i, (suffix, data) in enumerate(_GARBAGE):
        path = folder / f"bad{i:02d}{suffix}"
        path.write_bytes(data)
        bad.append(path)
    for i in range(8):  # plus random noise under every extension
        suffix = rng.choice([".json", ".jsonl", ".csv", ".txt", ".md", ".html", ".rss", ".jsonl.gz"])
        path = folder / f"noise{i:02d}{suffix}"
        path.write_bytes(b"\x00" + rng.randbytes(rng.randint(1, 3000)))
        bad.append(path)
    good = folder / "good.md"
    good.write_text("---\npublished: 2025-05-26\n---\n# Harbor ferry\nThe ferry runs again.\n", encoding="utf-8")

    seen: list[str] = []
    index = open_index(Settings(data_dir=tmp_path / "data"), model=embedder.name, dim=embedder.dim)
    try:
        report = run_ingest([str(folder)], index, embedder, on_error=seen.append, max_record_bytes=MAX_BYTES)
        assert report.new == 1 and report.failed == len(bad), report.errors
        assert seen == report.errors
        for path in bad:
            mine = [e for e in report.errors if e.startswith(f"{path}")]
            assert len(mine) == 1, (path, mine)
            assert "\n" not in mine[0] and mine[0].split(": ", 1)[1].strip()
        assert not any(index.check().values())
    finally:
        index.close()
