"""A run killed with SIGKILL leaves a consistent index; rerunning completes it without duplicates."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.settings import Settings
from ingest.store import open_index


def _corpus(path: Path, n: int) -> Path:
    words = "harbor council budget ferry school bridge library market festival river".split()
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            body = " ".join(
                f"Report {i} paragraph {p}: the {words[(i + p) % 10]} plan number {i * 7 + p} was debated "
                f"by the Brackenford council for {p + 2} hours."
                for p in range(30)
            )
            f.write(
                json.dumps({"id": f"k{i}", "title": f"Story {i}", "published": "2024-05-01", "text": body})
                + "\n"
            )
    return path


def _run(corpus: Path, data_dir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(data_dir), "NEWSBOT_EMBEDDING_BACKEND": "torch"}
    return subprocess.Popen(
        [sys.executable, "-m", "ingest", str(corpus), "--quiet", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.integration
def test_kill_minus_nine_then_rerun_is_consistent(tmp_path: Path, isolated_env: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    corpus = _corpus(tmp_path / "corpus.jsonl", 60)
    rng = random.Random(20251125)
    kills = 0
    for _ in range(3):
        proc = _run(corpus, isolated_env)
        time.sleep(rng.uniform(3.0, 9.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
    final = _run(corpus, isolated_env)
    out, err = final.communicate(timeout=600)
    assert final.returncode == 0, err.decode()
    summary = json.loads(out)
    assert summary["failed"] == 0
    index = open_index(Settings.from_env(), model=embedder.name, dim=embedder.dim)
    try:
        assert index.check() == {"orphan_vectors": [], "missing_vectors": [], "pending_articles": []}
        stats = index.catalog.stats()
        assert stats["articles"] == 60
        assert stats["chunks"] == index.vectors.count()
        ids = [r[0] for r in index.db.execute("SELECT id FROM chunks")]
        assert len(ids) == len(set(ids))
    finally:
        index.close()
    assert kills >= 1, "the kill schedule should interrupt at least one run"
