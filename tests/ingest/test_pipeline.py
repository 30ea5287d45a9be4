"""End-to-end ingest into a real embedded Chroma and SQLite: idempotent, incremental, consistent."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bot.settings import Settings
from ingest.pipeline import IngestReport, run_ingest
from ingest.store import Index, open_index

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "articles"


@pytest.fixture
def index(isolated_env: Path, embedder) -> Index:  # type: ignore[no-untyped-def]
    idx = open_index(Settings.from_env(), model=embedder.name, dim=embedder.dim)
    yield idx
    idx.close()


def ingest(index: Index, embedder, *paths: str | Path) -> IngestReport:  # type: ignore[no-untyped-def]
    return run_ingest([str(p) for p in paths], index, embedder)


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _story(i: int, text: str | None = None, **extra: object) -> dict:
    body = text or (
        f"Story {i} reports that the council of Brackenford approved budget line {i}. "
        f"The vote passed {i} to 2 after a long debate about the library roof."
    )
    return {
        "id": f"s{i}",
        "title": f"Council story {i}",
        "published": "2024-03-0" + str(1 + i % 9),
        "source": "Test Desk",
        "text": body,
        **extra,
    }


def test_examples_ingest_with_metadata_dates_and_snapshots(index: Index, embedder) -> None:  # type: ignore[no-untyped-def]
    report = ingest(index, embedder, EXAMPLES)
    assert (report.new, report.failed, report.errors) == (4, 0, [])
    stats = index.catalog.stats()
    assert stats["articles"] == 4 and stats["chunks"] == report.chunks == index.vectors.count()
    fund = next(a for a in index.catalog.list_articles() if "Masayoshi" in index.catalog.article(a["id"])["text"])
    assert fund["published"] == "2025-05-25" and fund["date_inferred"] is True
    assert fund["title"].startswith("SoftBank")
    ferry = index.catalog.article("ex-harbor-ferry")
    assert ferry["published"] == "2025-05-20" and ferry["date_inferred"] is False
    assert ferry["authors"] == ["Dana Whitfield"] and ferry["source"] == "Example Gazette"
    btc = {r.metric: r for r in index.catalog.newest_snapshots("Bitcoin")}
    assert btc["price"].value == pytest.approx(108029.56) and btc["price"].as_of == date(2025, 5, 25)
    assert btc["market_cap"].value == pytest.approx(2.15e12)
    assert btc["dominance"].value == pytest.approx(63.27)
    assert "108,029.56" in btc["price"].sentence
    assert stats["snapshots"]["Bitcoin"]["newest"] == "2025-05-25"
    # chunks quote the stored article text verbatim at their offsets
    for _cid, chunk in index.catalog.chunks([c for c in index.vectors.all_ids()]).items():
        assert index.catalog.article(chunk.article_id)["text"][chunk.start : chunk.end] == chunk.text


def test_reingesting_unchanged_input_writes_nothing(index: Index, embedder) -> None:  # type: ignore[no-untyped-def]
    ingest(index, embedder, EXAMPLES)
    before = {r["id"]: r["ingested_at"] for r in index.catalog.list_articles()}
    vectors = index.vectors.all_ids()
    report = ingest(index, embedder, EXAMPLES)
    assert (report.new, report.updated, report.unchanged, report.chunks) == (0, 0, 4, 0)
    assert {r["id"]: r["ingested_at"] for r in index.catalog.list_articles()} == before
    assert index.vectors.all_ids() == vectors


def test_changed_article_replaces_its_chunks_without_orphans(tmp_path: Path, index: Index, embedder) -> None:  # type: ignore[no-untyped-def]
    feed = _write_jsonl(tmp_path / "a.jsonl", [_story(1), _story(2)])
    ingest(index, embedder, feed)
    old_ids = {c for c in index.vectors.all_ids() if c.startswith("s1#")}
    _write_jsonl(
        feed,
        [_story(1, "The council of Brackenford reversed its vote on Tuesday. The roof waits."), _story(2)],
    )
    report = ingest(index, embedder, feed)
    assert (report.updated, report.unchanged) == (1, 1)
    new_ids = {c for c in index.vectors.all_ids() if c.startswith("s1#")}
    assert new_ids and new_ids.isdisjoint(old_ids)
    assert "reversed" in index.catalog.article("s1")["text"]
    assert index.check() == {"orphan_vectors": [], "missing_vectors": [], "pending_articles": []}
    hits = index.catalog.keyword_search("reversed vote", 5)
    assert hits and hits[0][0].startswith("s1#")


def test_check_sees_a_chunk_missing_from_the_lexical_index(index: Index, embedder) -> None:  # type: ignore[no-untyped-def]
    ingest(index, embedder, EXAMPLES)
    assert not any(index.check().values())
    row = index.db.execute("SELECT rowid, title, text FROM chunks ORDER BY rowid LIMIT 1").fetchone()
    index.db.execute(  # drop one chunk from FTS5 only, as a half-applied write could
        "INSERT INTO chunks_fts(chunks_fts, rowid, title, text) VALUES ('delete', ?, ?, ?)", tuple(row)
    )
    chunks = index.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
    assert index.check()["lexical_rows_mismatch"] == [f"{chunks - 1} lexical rows for {chunks} chunks"]


def test_same_story_in_two_files_is_stored_once(tmp_path: Path, index: Index, embedder) -> None:  # type: ignore[no-untyped-def]
    a = _write_jsonl(tmp_path / "a.jsonl", [_story(1)])
    b = _write_jsonl(
        tmp_path / "b.jsonl",
        [{**_story(1), "id": "copy-of-s1"}, {**_story(2), "id": "s2-url", "url": "https://x.example/2"}],
    )
    c = _write_jsonl(tmp_path / "c.jsonl", [{**_story(3), "id": "s3-url", "url": "https://x.example/2"}])
    ingest(index, embedder, a)
    report = ingest(index, embedder, b, c)
    assert (report.new, report.duplicates) == (1, 2)
    assert index.catalog.stats()["articles"] == 2
    assert index.catalog.aliases("s1") == ["copy-of-s1"]
    assert index.catalog.article("copy-of-s1")["id"] == "s1"


def test_remove_deletes_from_every_store(index: Index, embedder) -> None:  # type: ignore[no-untyped-def]
    ingest(index, embedder, EXAMPLES)
    assert index.remove(["ex-rover-ice", "no-such-id"]) == ["ex-rover-ice"]
    assert index.catalog.article("ex-rover-ice") is None
    assert not any(c.startswith("ex-rover-ice#") for c in index.vectors.all_ids())
    assert index.catalog.keyword_search("Kestrel rover ice", 5) == []
    assert not any(index.check().values())


def test_bad_records_are_reported_and_the_rest_ingested(tmp_path: Path, index: Index, embedder) -> None:  # type: ignore[no-untyped-def]
    feed = tmp_path / "mixed.jsonl"
    feed.write_text(
        json.dumps(_story(1))
        + "\n"
        + '{"id": "broken", "text": \n'
        + json.dumps({"id": "no-text", "title": "Nothing here", "published": "2024-01-01"})
        + "\n"
        + json.dumps({"id": "empty", "title": "Blank", "published": "2024-01-01", "text": "   "})
        + "\n"
        + json.dumps({"id": "huge", "published": "2024-01-01", "text": "word " * 1_300_000})
        + "\n"
        + json.dumps(_story(2))
        + "\n",
        encoding="utf-8",
    )
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Caf\xe9 story\nThe caf\xe9 opened on May 2, 2024.".encode("latin-1"))
    report = ingest(index, embedder, feed, binary, latin, tmp_path / "missing.jsonl")
    assert report.new == 2 and report.failed == 7
    joined = "\n".join(report.errors)
    assert f"{feed}:2" in joined and f"{feed}:3" in joined and f"{feed}:4" in joined and f"{feed}:5" in joined
    assert str(binary) in joined and str(latin) in joined and "missing.jsonl" in joined
    assert all("\n" not in e and "Traceback" not in e for e in report.errors)
    assert {a["id"] for a in index.catalog.list_articles()} == {"s1", "s2"}
