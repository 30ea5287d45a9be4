"""`newsbot copy`: an index copied elsewhere without re-embedding holds the same articles, chunks,
vectors, snapshots and aliases, answers the same, and a second copy writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from bot.answering.chain import build_answerer
from bot.cli import make_app
from bot.settings import Settings
from ingest.store import Index, open_with_embedder

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "articles"
runner = CliRunner()
QUESTION = ["Who proposed the US-Japan fund?", "--as-of", "2025-05-26", "--json"]


def _run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(make_app(), list(args))


def _contents(index: Index) -> dict[str, object]:
    rows = lambda sql: [tuple(r) for r in index.db.execute(sql)]  # noqa: E731
    chunk_ids = [r[0] for r in rows("SELECT id FROM chunks ORDER BY id")]
    vectors = index.vectors.embeddings(chunk_ids)
    return {
        "articles": rows(
            "SELECT id, title, source, published, date_inferred, url, authors, text, content_hash, text_hash, "
            "status FROM articles ORDER BY id"
        ),
        "chunks": rows('SELECT id, article_id, position, start, "end", title, text FROM chunks ORDER BY id'),
        "snapshots": rows(
            'SELECT article_id, asset, metric, value, unit, period, as_of, sentence, start, "end" '
            "FROM snapshots ORDER BY article_id, rowid"
        ),
        "aliases": rows("SELECT alias, article_id FROM aliases ORDER BY alias"),
        "vectors": np.stack([vectors[c] for c in chunk_ids]),
    }


def _twin_file(tmp_path: Path) -> Path:
    """A story of ours that arrives twice, under two ids: stored once, the second id an alias."""
    story = {
        "title": "Tamsby opens a night market",
        "source": "Test Desk",
        "published": "2025-05-22",
        "text": "Tamsby opened a night market on Thursday. The council expects 30 stalls every weekend.",
    }
    path = tmp_path / "twins.jsonl"
    path.write_text("".join(json.dumps({"id": i, **story}) + "\n" for i in ("twin-a", "twin-b")), encoding="utf-8")
    return path


def test_copy_to_another_data_dir_is_faithful_and_idempotent(isolated_env: Path, tmp_path: Path) -> None:
    assert _run("ingest", str(EXAMPLES), str(_twin_file(tmp_path)), "--json").exit_code == 0
    target_dir = tmp_path / "copy"

    first = _run("copy", "--to-data-dir", str(target_dir), "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {"copied": 5, "unchanged": 0, "chunks": 6, "aliases": 1, "skipped": []}

    source, _ = open_with_embedder(Settings(data_dir=isolated_env))
    target, _ = open_with_embedder(Settings(data_dir=target_dir))
    copied, original = _contents(target), _contents(source)
    # Faithful = the same unit vectors to float32 precision, not the same bits: for a cosine collection Chroma
    # normalises every vector again on insert (measured: of 50 unit float32 vectors added, 11 read back with
    # components up to 1.5e-8 off), in native code whose summation order depends on the CPU's SIMD. So the
    # copy's vectors differ from the source's in the last bits on some machines and not on others.
    new_vectors, old_vectors = copied.pop("vectors"), original.pop("vectors")
    assert new_vectors.shape == old_vectors.shape  # type: ignore[union-attr]
    assert np.abs(new_vectors - old_vectors).max() <= 1e-6  # type: ignore[operator]
    cosines = (new_vectors * old_vectors).sum(axis=1)  # type: ignore[operator]
    assert cosines.min() >= 1 - 1e-6
    assert copied == original and ("twin-b", "twin-a") in original["aliases"]  # type: ignore[operator]
    assert original["snapshots"]  # the Bitcoin figures came along
    assert not any(target.check().values())
    source.close()
    target.close()

    here = json.loads(_run("ask", *QUESTION).stdout)
    there = json.loads(_run("ask", *QUESTION, "--data-dir", str(target_dir)).stdout)
    assert "Masayoshi Son" in there["answer"] and there["answer"] == here["answer"]
    assert there["citations"] == here["citations"]

    again = _run("copy", "--to-data-dir", str(target_dir), "--json")
    assert json.loads(again.stdout) == {"copied": 0, "unchanged": 5, "chunks": 0, "aliases": 0, "skipped": []}


def test_copy_onto_itself_is_a_one_line_error(isolated_env: Path) -> None:
    result = _run("copy", "--to-data-dir", str(isolated_env))
    assert result.exit_code == 2
    assert "the target is the source" in result.output and "Traceback" not in result.output


def test_articles_missing_vectors_are_skipped_and_named(isolated_env: Path, tmp_path: Path) -> None:
    assert _run("ingest", str(EXAMPLES), "--json").exit_code == 0
    source, _ = open_with_embedder(Settings(data_dir=isolated_env))
    lost = source.db.execute("SELECT id FROM chunks WHERE article_id = 'ex-harbor-ferry'").fetchone()["id"]
    source.vectors.delete([lost])
    source.close()

    result = _run("copy", "--to-data-dir", str(tmp_path / "copy"), "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["copied"] == 3 and len(report["skipped"]) == 1
    assert report["skipped"][0].startswith("ex-harbor-ferry: 1 chunk vectors missing")
    answerer = build_answerer(Settings(data_dir=tmp_path / "copy"))
    assert answerer.index.catalog.article("ex-harbor-ferry") is None
    assert not any(answerer.index.check().values())  # nothing half-copied
