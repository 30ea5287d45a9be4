"""A damaged index as a user meets it: corrupt database pages are found by `newsbot check` and make every
other command say so in one line; a lost Chroma folder is re-embedded by `check --repair` or a re-ingest."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import ingest.store
from bot.cli import make_app
from bot.settings import Settings
from ingest.store import open_index
from tests.support.fake_embedder import HashingEmbedder

runner = CliRunner()
STORIES = {
    "ferry": "The Brackenford ferry returns to its hourly timetable on Monday after the pier repairs.",
    "orchard": "Valley orchard growers expect a record pear harvest after a warm and dry spring.",
    "library": "The Quarry Lane library reopens with a new reading room for children and a makerspace.",
}


@pytest.fixture(autouse=True)
def fake_model(monkeypatch: pytest.MonkeyPatch) -> HashingEmbedder:
    """Every command embeds with the keyword-hashing stand-in, not the real model."""
    embedder = HashingEmbedder()
    monkeypatch.setattr(ingest.store, "load_embedder", lambda *args, **kwargs: embedder)
    return embedder


def _run(*args: str) -> Result:
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()  # each command opens Chroma afresh, as a new process would
    return runner.invoke(make_app(), list(args))


def _fixture(tmp_path: Path) -> Path:
    path = tmp_path / "stories.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": key, "title": f"{key.title()} news", "published": "2025-05-20", "text": text}) + "\n"
            for key, text in STORIES.items()
        ),
        encoding="utf-8",
    )
    return path


def _corrupt(database: Path) -> None:
    """Overwrite every page but the first (the schema) with random bytes."""
    data = bytearray(database.read_bytes())
    rng = random.Random(3)
    page = 4096
    for start in range(page, len(data), page):
        data[start : start + page] = rng.randbytes(min(page, len(data) - start))
    database.write_bytes(bytes(data))


def test_corrupt_pages_are_reported_by_check_and_other_commands_say_so_in_one_line(
    isolated_env: Path, tmp_path: Path
) -> None:
    stories = _fixture(tmp_path)
    assert _run("ingest", str(stories), "--quiet").exit_code == 0
    assert _run("check").stdout.strip() == "consistent"
    database = isolated_env / "newsbot.sqlite"
    assert (
        not (isolated_env / "newsbot.sqlite-wal").exists() or (isolated_env / "newsbot.sqlite-wal").stat().st_size == 0
    )
    _corrupt(database)

    check = _run("check")
    assert check.exit_code == 1, check.output
    lines = check.stdout.splitlines()
    assert lines and all(line.startswith("damaged: ") for line in lines), check.stdout
    assert "consistent" not in check.stdout and len(lines) <= 101

    expected = f"error: {database}: the index database is damaged (database disk image is malformed)"
    for command in (["list"], ["stats"], ["ingest", str(stories), "--quiet"]):
        result = _run(*command)
        assert result.exit_code == 2, (command, result.output)
        assert "Traceback" not in result.output and result.stdout == "", (command, result.output)
        (line,) = result.stderr.splitlines()
        assert line.startswith(expected), (command, line)


def test_a_lost_chroma_folder_is_re_embedded_by_check_repair_and_by_re_ingest(
    isolated_env: Path, tmp_path: Path, fake_model: HashingEmbedder
) -> None:
    stories = _fixture(tmp_path)
    assert _run("ingest", str(stories), "--quiet").exit_code == 0
    shutil.rmtree(isolated_env / "chroma")

    lost = _run("check", "--json")
    assert lost.exit_code == 1
    assert len(json.loads(lost.stdout)["missing_vectors"]) == 3
    repaired = _run("check", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert repaired.stdout.splitlines() == ["re-embedded 3 articles whose vectors were missing", "consistent"]
    assert _run("check").stdout.strip() == "consistent"
    assert _nearest(isolated_env, fake_model, "ferry hourly timetable pier") == "ferry"

    shutil.rmtree(isolated_env / "chroma")
    again = _run("ingest", str(stories), "--json")
    assert again.exit_code == 0, again.output
    summary = json.loads(again.stdout)
    assert (summary["new"], summary["unchanged"], summary["reembedded"], summary["chunks"]) == (0, 0, 3, 3)
    assert _run("check").stdout.strip() == "consistent"
    assert _nearest(isolated_env, fake_model, "pear harvest orchard") == "orchard"
    quiet = json.loads(_run("ingest", str(stories), "--json").stdout)
    assert (quiet["unchanged"], quiet["reembedded"]) == (3, 0)


def _nearest(data_dir: Path, embedder: HashingEmbedder, query: str) -> str:
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    index = open_index(Settings(data_dir=data_dir), model=embedder.name, dim=embedder.dim)
    try:
        (best, _score), *_ = index.dense_search(embedder.embed_query(query), 3)
        return index.chunks([best])[best].article_id
    finally:
        index.close()
