"""A full disk or a read-only data dir during ingest: one clear ``error:`` line (exit status 2), no
traceback, nothing half-written, earlier articles intact, and a rerun finishes the job.

Tests run as root here, and root ignores ``chmod``: faults are injected where the write really fails
(SQLite raising "database or disk is full", Chroma's writer raising ENOSPC, SQLite opened read-only),
and, where the test may mount file systems, also for real: a read-only bind mount and a tiny tmpfs.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import ingest.store
from bot.cli import make_app
from bot.settings import Settings
from ingest.database import connect
from ingest.store import Index, open_index

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "articles"


def _article(i: int, version: int = 1) -> dict[str, str]:
    body = " ".join(
        f"Paragraph {p} of report {i} (version {version}): the Brackenford council debated plan {i * 7 + p} "
        f"about the {['harbor', 'ferry', 'school', 'bridge', 'market'][(i + p) % 5]} for {p + 2} hours."
        for p in range(12)
    )
    return {"id": f"k{i}", "title": f"Council report {i}", "published": "2025-05-01", "text": body}


def _corpus(path: Path, articles: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    return path


def _snapshot(index: Index) -> dict[str, tuple[str, str, int]]:
    rows = index.db.execute(
        "SELECT a.id, a.content_hash, a.status, (SELECT count(*) FROM chunks c WHERE c.article_id = a.id) "
        "FROM articles a"
    )
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def _clear_chroma_cache() -> None:
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, hashing_embedder) -> Callable[..., Result]:  # type: ignore[no-untyped-def]
    """``newsbot ingest`` in-process, with the hashing embedder instead of the model (same code otherwise)."""
    monkeypatch.setattr(
        ingest,
        "open_with_embedder",
        lambda settings: (
            open_index(settings, model=hashing_embedder.name, dim=hashing_embedder.dim),
            hashing_embedder,
        ),
    )
    monkeypatch.setattr("ingest.pipeline.BATCH_CHUNKS", 8)  # many small batches: a fault lands mid-run

    def run(*args: str) -> Result:
        _clear_chroma_cache()
        result = CliRunner().invoke(make_app(), ["ingest", *args, "--quiet"])
        _clear_chroma_cache()
        return result

    return run


def assert_one_clear_error(result: Result, *fragments: str) -> str:
    """Exit status 2, exactly one ``error:`` line on stderr containing ``fragments``, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit)  # typer.Exit(2), not an exception escaping
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in errors[0], (fragment, errors[0])
    return errors[0]


@pytest.fixture
def stored(tmp_path: Path, hashing_embedder) -> Iterator[tuple[Path, dict[str, tuple[str, str, int]]]]:  # type: ignore[no-untyped-def]
    """A data dir holding the examples and ten council reports, and what was stored for each."""
    from ingest.pipeline import run_ingest

    data_dir = tmp_path / "data"
    index = open_index(Settings(data_dir=data_dir), model=hashing_embedder.name, dim=hashing_embedder.dim)
    first = _corpus(tmp_path / "first.jsonl", [_article(i) for i in range(10)])
    report = run_ingest([str(EXAMPLES), str(first)], index, hashing_embedder)
    assert report.new == 14 and report.failed == 0
    before = _snapshot(index)
    index.close()
    yield data_dir, before


def _second_run(tmp_path: Path) -> Path:
    """Twenty new reports with updated versions of k3 and k7 among them."""
    articles = [_article(i) for i in range(10, 20)] + [_article(3, 2)]
    articles += [_article(i) for i in range(20, 25)] + [_article(7, 2)] + [_article(i) for i in range(25, 30)]
    return _corpus(tmp_path / "second.jsonl", articles)


@contextmanager
def _reopened(data_dir: Path, embedder: Any) -> Iterator[Index]:
    _clear_chroma_cache()
    index = open_index(Settings(data_dir=data_dir), model=embedder.name, dim=embedder.dim)
    try:
        yield index
    finally:
        index.close()


def assert_intact(
    index: Index, before: dict[str, tuple[str, str, int]], *, updated: frozenset[str] = frozenset()
) -> None:
    """Every article stored before is still there, ready, with the same content and chunks (unless updated)."""
    now = _snapshot(index)
    for article_id, (digest, status, chunks) in before.items():
        assert article_id in now, article_id
        assert now[article_id][1] == "ready"
        if article_id not in updated:
            assert now[article_id] == (digest, status, chunks), article_id


def _rerun_completes(cli: Callable[..., Result], corpus: Path, data_dir: Path, embedder: Any) -> None:
    result = cli(str(corpus), "--data-dir", str(data_dir))
    assert result.exit_code == 0, result.output
    with _reopened(data_dir, embedder) as index:
        assert not any(index.check().values())
        assert index.existing("k7")["content_hash"] != "" and len(_snapshot(index)) == 14 + 20


# ---- injected faults (always run) --------------------------------------------------------------------


def test_disk_full_in_sqlite_mid_run(tmp_path, stored, cli, monkeypatch, hashing_embedder) -> None:  # type: ignore[no-untyped-def]
    data_dir, before = stored
    real = Index._write_rows

    def full_disk(self: Index, p: Any, now: str) -> None:
        if p.article.id == "k7":
            raise sqlite3.OperationalError("database or disk is full")
        real(self, p, now)

    monkeypatch.setattr(Index, "_write_rows", full_disk)
    corpus = _second_run(tmp_path)
    assert_one_clear_error(cli(str(corpus), "--data-dir", str(data_dir)), "cannot write to the index", "disk is full")
    with _reopened(data_dir, hashing_embedder) as index:
        assert not any(index.check().values()), index.check()
        assert_intact(index, before, updated=frozenset({"k3"}))  # k3 was in an earlier batch that completed
        assert index.existing("k7")["content_hash"] == before["k7"][0]  # the old version, untouched
    monkeypatch.setattr(Index, "_write_rows", real)
    _rerun_completes(cli, corpus, data_dir, hashing_embedder)


class _FullAfterWriting:
    """A Chroma collection whose upsert writes, then fails like a full disk, once it meets ``article_id``."""

    def __init__(self, real: Any, article_id: str) -> None:
        self._real = real
        self._article_id = article_id

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def upsert(self, **kwargs: Any) -> None:
        self._real.upsert(**kwargs)
        if any(i.startswith(self._article_id + "#") for i in kwargs["ids"]):
            raise OSError(errno.ENOSPC, "No space left on device")


def test_disk_full_in_chroma_mid_run(tmp_path, stored, cli, monkeypatch, hashing_embedder) -> None:  # type: ignore[no-untyped-def]
    data_dir, before = stored
    real_open = ingest.open_with_embedder

    def faulty(settings: Settings) -> Any:
        index, embedder = real_open(settings)
        index.vectors.collection = _FullAfterWriting(index.vectors.collection, "k7")
        return index, embedder

    monkeypatch.setattr(ingest, "open_with_embedder", faulty)
    corpus = _second_run(tmp_path)
    line = assert_one_clear_error(cli(str(corpus), "--data-dir", str(data_dir)), "disk is full")
    assert "No space left on device" in line
    with _reopened(data_dir, hashing_embedder) as index:
        # the failed batch was taken back out: its vectors deleted, its rows as before
        assert not any(index.check().values()), index.check()
        assert_intact(index, before, updated=frozenset({"k3"}))
        assert index.existing("k7")["content_hash"] == before["k7"][0]
        assert not index.vectors.ids_for_articles(["k25"])  # a new article of the failed batch: gone
    monkeypatch.setattr(ingest, "open_with_embedder", real_open)
    _rerun_completes(cli, corpus, data_dir, hashing_embedder)


def test_ingest_stops_cleanly_when_free_space_runs_low(tmp_path, stored, cli, monkeypatch, hashing_embedder) -> None:  # type: ignore[no-untyped-def]
    # The reserve check before each batch: the disk "fills up" after three batches.
    data_dir, before = stored
    calls = iter(range(10**6))
    real_usage = ingest.store.shutil.disk_usage

    def filling_up(path: Any) -> Any:
        usage = real_usage(path)
        return usage._replace(free=usage.free if next(calls) < 3 else 1 << 20)

    monkeypatch.setattr(ingest.store.shutil, "disk_usage", filling_up)
    corpus = _second_run(tmp_path)
    line = assert_one_clear_error(cli(str(corpus), "--data-dir", str(data_dir)), "the disk is full")
    assert "1 MB free; ingest keeps 64 MB free" in line and "run the ingest again" in line
    with _reopened(data_dir, hashing_embedder) as index:
        assert not any(index.check().values()), index.check()
        assert_intact(index, before, updated=frozenset({"k3"}))
    monkeypatch.setattr(ingest.store.shutil, "disk_usage", real_usage)
    _rerun_completes(cli, corpus, data_dir, hashing_embedder)


def test_read_only_database(tmp_path, stored, cli, monkeypatch, hashing_embedder) -> None:  # type: ignore[no-untyped-def]
    # SQLite opened read-only refuses every write for root too ("attempt to write a readonly database").
    data_dir, before = stored
    monkeypatch.setattr(ingest.store, "connect", lambda path: connect(path, readonly=True))
    corpus = _second_run(tmp_path)
    assert_one_clear_error(cli(str(corpus), "--data-dir", str(data_dir)), "read-only")
    monkeypatch.setattr(ingest.store, "connect", connect)
    with _reopened(data_dir, hashing_embedder) as index:
        assert not any(index.check().values()), index.check()
        assert_intact(index, before)


# ---- real file systems (need mount rights, as root in CI; else the chmod path for non-root) ------------


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


@contextmanager
def _read_only_view(folder: Path) -> Iterator[Path]:
    """``folder`` seen through a path where writes really fail: a read-only bind mount (root) or chmod."""
    view = folder.parent / (folder.name + "-ro")
    if os.geteuid() != 0:
        for root, dirs, files in os.walk(folder):
            for name in dirs + files:
                os.chmod(os.path.join(root, name), 0o555 if name in dirs else 0o444)
        os.chmod(folder, 0o555)
        try:
            yield folder
        finally:
            os.chmod(folder, 0o755)
            for root, dirs, files in os.walk(folder):
                for name in dirs + files:
                    os.chmod(os.path.join(root, name), 0o755 if name in dirs else 0o644)
        return
    view.mkdir()
    if not (_mount("--bind", str(folder), str(view)) and _mount("-o", "remount,bind,ro", str(view))):
        _umount(view)
        pytest.skip("root without mount rights: a read-only data dir cannot be made for real here")
    try:
        yield view
    finally:
        _umount(view)


def test_read_only_data_dir_for_real(tmp_path, stored, cli, hashing_embedder) -> None:  # type: ignore[no-untyped-def]
    data_dir, before = stored
    corpus = _second_run(tmp_path)
    with _read_only_view(data_dir.parent) as view:
        ro_data = view / data_dir.name
        with pytest.raises(OSError):
            (ro_data / "probe").write_text("x")  # really read-only, even for root
        line = assert_one_clear_error(cli(str(corpus), "--data-dir", str(ro_data)), str(ro_data))
        assert "not writable" in line or "read-only" in line
    with _reopened(data_dir, hashing_embedder) as index:
        assert not any(index.check().values())
        assert_intact(index, before)
    _rerun_completes(cli, corpus, data_dir, hashing_embedder)


def test_disk_full_for_real_on_a_tiny_tmpfs(tmp_path, cli, monkeypatch, hashing_embedder) -> None:  # type: ignore[no-untyped-def]
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or not _mount("-t", "tmpfs", "-o", "size=16m", "tmpfs", str(disk)):
        pytest.skip("needs rights to mount a tmpfs")
    monkeypatch.setattr(ingest.store, "MIN_FREE_BYTES", 6 << 20)  # the 64 MB reserve, scaled to the tmpfs
    try:
        data_dir = disk / "data"
        assert cli(str(EXAMPLES), "--data-dir", str(data_dir)).exit_code == 0
        with _reopened(data_dir, hashing_embedder) as index:
            before = _snapshot(index)
        big = _corpus(tmp_path / "big.jsonl", [_article(i) for i in range(1500)])
        line = assert_one_clear_error(cli(str(big), "--data-dir", str(data_dir)), "disk is full", str(data_dir))
        assert "ingest keeps 6 MB free" in line
        with _reopened(data_dir, hashing_embedder) as index:
            assert not any(index.check().values()), index.check()  # only whole batches were written
            assert_intact(index, before)
            assert 4 < len(_snapshot(index)) < 4 + 1500
        assert _mount("-o", "remount,size=64m", str(disk))  # free space, then the same command again
        assert cli(str(big), "--data-dir", str(data_dir)).exit_code == 0
        with _reopened(data_dir, hashing_embedder) as index:
            assert not any(index.check().values())
            assert len(_snapshot(index)) == 4 + 1500
    finally:
        _clear_chroma_cache()
        _umount(disk)
