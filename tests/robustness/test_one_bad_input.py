"""One bad record or file never costs the others: it becomes one line naming it and why, the run goes on,
and whatever was stored before stays stored."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import ingest.pipeline
import ingest.readers
from bot.settings import Settings
from ingest.pipeline import IngestReport, run_ingest
from ingest.readers import input_limit
from ingest.store import Index, open_index
from tests.support.fake_embedder import HashingEmbedder

DEEP = "[" * 200_000


def _story(key: str, words: str) -> dict[str, str]:
    return {
        "id": key,
        "title": f"{words.title()} report",
        "published": "2025-05-20",
        "text": f"The {words} committee met on Tuesday in Brackenford and agreed on a plan for the {words}.",
    }


def _jsonl(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def index(tmp_path: Path, hashing_embedder: HashingEmbedder) -> Iterator[Index]:
    idx = open_index(Settings(data_dir=tmp_path / "data"), model=hashing_embedder.name, dim=hashing_embedder.dim)
    yield idx
    idx.close()


def _ingest(index: Index, embedder: HashingEmbedder, *paths: Path | str) -> IngestReport:
    return run_ingest([str(p) for p in paths], index, embedder)


def _stored(index: Index) -> dict[str, str]:
    return {r["id"]: r["status"] for r in index.db.execute("SELECT id, status FROM articles")}


def test_deeply_nested_json_is_one_line_and_the_records_around_it_are_stored(
    tmp_path: Path, index: Index, hashing_embedder: HashingEmbedder
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    lines = _jsonl(
        folder / "a.jsonl", json.dumps(_story("ferry", "ferry")), DEEP, json.dumps(_story("bridge", "bridge"))
    )
    deep = folder / "b.json"
    deep.write_text(DEEP, encoding="utf-8")
    (folder / "c.json").write_text(json.dumps(_story("harbor", "harbor")), encoding="utf-8")

    report = _ingest(index, hashing_embedder, folder)

    assert report.errors == [
        f"{lines}:2: JSON is nested too deeply to read",
        f"{deep}: JSON is nested too deeply to read",
    ]
    assert (report.new, report.failed) == (3, 2)
    assert _stored(index) == {"ferry": "ready", "bridge": "ready", "harbor": "ready"}
    assert not any(index.check().values())


def test_an_unforeseen_failure_in_one_file_is_one_line_and_the_next_file_is_read(
    tmp_path: Path, index: Index, hashing_embedder: HashingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _jsonl(tmp_path / "first.jsonl", json.dumps(_story("ferry", "ferry")))
    assert _ingest(index, hashing_embedder, first).new == 1
    cursed = tmp_path / "cursed.txt"
    cursed.write_text("A cursed page\nIt breaks the reader in a way nobody foresaw.", encoding="utf-8")
    (tmp_path / "fine.md").write_text("---\npublished: 2025-05-21\n---\n# Fine notes\nThe market opens.\n")
    later = _jsonl(tmp_path / "later.jsonl", json.dumps(_story("bridge", "bridge")))
    real = ingest.readers._text_file

    def text_file(text: str) -> dict[str, object]:
        if "cursed" in text:
            raise RuntimeError("the reader\nbroke")
        return real(text)

    monkeypatch.setattr(ingest.readers, "_text_file", text_file)
    report = _ingest(index, hashing_embedder, cursed, tmp_path / "fine.md", later)

    assert report.errors == [f"{cursed}: could not be read (RuntimeError: the reader broke)"]
    assert (report.new, report.failed) == (2, 1)
    assert set(_stored(index)) == {"ferry", "bridge", f"{_id_of(index, 'Fine notes')}"}
    assert all(status == "ready" for status in _stored(index).values())


def test_an_unforeseen_failure_in_one_record_is_one_line_naming_the_record(
    tmp_path: Path, index: Index, hashing_embedder: HashingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _jsonl(tmp_path / "mixed.jsonl", *(json.dumps(_story(k, k)) for k in ("ferry", "bridge", "harbor")))
    real = ingest.pipeline.chunk_article

    def chunk_article(article_id: str, text: str, digest: str):  # type: ignore[no-untyped-def]
        if article_id == "bridge":
            raise ValueError("no chunks for you")
        return real(article_id, text, digest)

    monkeypatch.setattr(ingest.pipeline, "chunk_article", chunk_article)
    report = _ingest(index, hashing_embedder, path)

    assert report.errors == [f"{path}:2: could not be read (ValueError: no chunks for you)"]
    assert (report.new, report.failed) == (2, 1)
    assert _stored(index) == {"ferry": "ready", "harbor": "ready"}


def _id_of(index: Index, title: str) -> str:
    return str(index.db.execute("SELECT id FROM articles WHERE title = ?", (title,)).fetchone()[0])


def _linked_tree(tmp_path: Path) -> Path:
    """links/ holding a story, two symlinked folder loops, and a link to a file outside it."""
    links = tmp_path / "links"
    (links / "sub").mkdir(parents=True)
    _jsonl(links / "sub" / "a.jsonl", json.dumps(_story("ferry", "ferry")))
    (links / "loop").symlink_to("..")
    (links / "sub" / "again").symlink_to("../..")
    outside = tmp_path / "outside.txt"
    outside.write_text("Outside notes\nNot part of the folder.", encoding="utf-8")
    (links / "host.txt").symlink_to(outside)
    (links / "sub" / "story.keep").write_text("---\npublished: 2025-05-21\n---\n# Tide tables\nPrinted again.\n")
    (links / "sub" / "inside.md").symlink_to("story.keep")  # a link that stays inside the folder is read
    return links


def test_symlinked_folder_loops_are_not_followed_and_links_out_of_the_folder_are_one_line(
    tmp_path: Path, index: Index, hashing_embedder: HashingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    links = _linked_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    started = time.perf_counter()
    from ingest.readers import estimate_records, read_inputs

    found = [getattr(i, "origin", "") + " | " + getattr(i, "reason", "") for i in read_inputs(["links/**/*.jsonl"])]
    assert found == ["links/sub/a.jsonl:1 | "]
    assert estimate_records(["links/**/*.jsonl", "links"]) == 3  # two JSON lines, one markdown page
    report = _ingest(index, hashing_embedder, links)
    assert time.perf_counter() - started < 10
    assert report.errors == [f"{links}/host.txt: symbolic link leaves the folder {links} (not followed)"]
    assert (report.new, report.duplicates, report.failed) == (2, 0, 1), report.as_dict()
    assert "ferry" in _stored(index) and _id_of(index, "Tide tables") in _stored(index)


def test_whole_files_and_csv_fields_over_the_limit_are_one_line_each(
    tmp_path: Path, index: Index, hashing_embedder: HashingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBOT_MAX_RECORD_BYTES", "1000")
    settings = Settings.from_env()
    assert (settings.max_record_bytes, input_limit(settings.max_record_bytes)) == (1000, 67_536)
    filler = "The tide came in. " * 5000  # 90 KB: over the 67.5 KB limit for a whole file
    big = {
        "big.json": json.dumps([_story("j", "jetty") | {"text": filler}]),
        "big.csv": "id,title,published,text\nc,Canal,2025-05-20," + filler + "\n",
        "big.html": f"<html><body><p>{filler}</p></body></html>",
        "big.xml": f"<rss><channel><item><title>T</title><description>{filler}</description></item></channel></rss>",
        "big.txt": "Tides\n" + filler,
    }
    for name, content in big.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "id,title,published,text\n"
        "r1,Ferry timetable,2025-05-20,The ferry runs hourly from Monday.\n"
        "r2,Long,2025-05-20," + "x" * 1500 + "\n"
        "r3,Bridge works,2025-05-20,The bridge closes for repairs in June.\n",
        encoding="utf-8",
    )
    report = run_ingest(
        [str(tmp_path / n) for n in big] + [str(rows)], index, hashing_embedder,
        max_record_bytes=settings.max_record_bytes,
    )  # fmt: skip
    assert report.errors == [
        *(f"{tmp_path / n}: file is {(tmp_path / n).stat().st_size / 1e3:.1f} KB, over the 67.5 KB limit for a whole file (NEWSBOT_MAX_RECORD_BYTES; "
          "JSON lines have no file limit)" for n in big),
        f"{rows}:3: a field is over the 1.0 KB limit (NEWSBOT_MAX_RECORD_BYTES)",
    ]  # fmt: skip
    assert _stored(index) == {"r1": "ready", "r3": "ready"}
