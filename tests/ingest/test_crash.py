"""Twenty SIGKILLs at seeded random moments across one ingest run: after each, the articles table, the
lexical index and Chroma agree; the run that finally completes leaves exactly what an uninterrupted
run of the same inputs leaves.

Each kill hits a real ``python -m ingest`` process (its write batches made tiny so that a run of a few
seconds has dozens of write cycles to be killed in; started "warm", see ``WARM``). Every run after a
kill is the rerun that resumes it. A kill lands in one of four phases, drawn with a fixed seed:

- startup: while the process loads the model, opens Chroma and the database;
- reading: just after it opened the index (reading the inputs, skipping what is stored, redoing what
  an earlier kill left ``pending``, embedding the first batch);
- embedding: once a drawn number of articles is stored (targets spread from 2% to 80% of the corpus),
  after a random delay: mostly while a batch is embedded;
- writing: once that many are stored and the process has an article ``pending`` (its rows are in,
  its vectors are being written to Chroma): within a few milliseconds.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from bot.settings import Settings
from ingest.pipeline import run_ingest
from ingest.store import open_index
from tests.support.audit import IndexState, ingest_env, problems, read_embedded

SEED = 20251125
KILLS = 20
ARTICLES = 72
BATCH_CHUNKS = 6  # chunks per write batch in the killed runs (the default 256 would be one batch)

_WORDS = (
    "harbor council budget ferry school bridge library market festival river tram orchard clinic "
    "lighthouse museum quarry reservoir stadium railway canal"
).split()
_VERBS = "debated approved delayed funded questioned praised reviewed postponed".split()


def _article_text(i: int) -> str:
    """Our own fixture prose: article ``i`` is 1–2 chunks long and every sentence carries its tag."""
    sentences = []
    for s in range(3 + (i * 7) % 13):
        w1, w2 = _WORDS[(i + s) % len(_WORDS)], _WORDS[(i * 3 + s * 5) % len(_WORDS)]
        sentences.append(
            f"Report qz{i:03d}: the Brackenford {w1} plan {i * 31 + s} was {_VERBS[(i + s) % 8]} "
            f"by the {w2} committee after {s + 2} hours."
        )
    if i % 9 == 0:
        sentences.append(f"Bitcoin traded at ${60000 + i * 125:,} on May {1 + i % 28}, 2024.")
    return " ".join(sentences)


def write_corpus(folder: Path) -> list[str]:
    """Two JSON lines files, Markdown notes (ids from their file names) and a story under two ids."""
    folder.mkdir(parents=True)
    records = [
        {
            "id": f"k{i:03d}",
            "title": f"Brackenford report {i}",
            "published": f"2024-05-{1 + i % 28:02d}",
            "source": "Brackenford Gazette",
            "text": _article_text(i),
        }
        for i in range(ARTICLES - 2)
    ]
    records.append({**records[5], "id": "k005-again"})  # the same story under another id: stored once
    half = len(records) // 2
    for name, part in (("a-wire.jsonl", records[:half]), ("b-wire.jsonl", records[half:])):
        (folder / name).write_text("".join(json.dumps(r) + "\n" for r in part), encoding="utf-8")
    notes = folder / "c-notes"
    notes.mkdir()
    for i in (ARTICLES - 2, ARTICLES - 1):
        text = f"Brackenford note {i}\n\nPublished on May 30, 2024. {_article_text(i)}\n"
        (notes / f"note-{i}.md").write_text(text, encoding="utf-8")
    return [str(folder)]


@dataclass
class Kill:
    phase: str  # startup | reading | embedding | writing
    delay: float  # startup: share of the time a process takes to open the index; else seconds after the trigger
    target: int = 0  # embedding, writing: once this many articles are ready (writing: and one is pending)


def kill_plan(rng: random.Random) -> list[Kill]:
    """Twenty kill moments: the phase, the trigger and the delay after it, all from the seed."""
    phases = rng.choices(["startup", "reading", "embedding", "writing"], weights=[3, 4, 6, 7], k=KILLS)
    targets = iter(sorted(int(rng.uniform(0.02, 0.8) * ARTICLES) for p in phases if p in ("embedding", "writing")))
    plan = []
    for phase in phases:
        if phase == "startup":
            plan.append(Kill(phase, rng.uniform(0.05, 0.95)))
        elif phase == "reading":
            plan.append(Kill(phase, rng.uniform(0.0, 0.25)))
        elif phase == "embedding":
            plan.append(Kill(phase, rng.uniform(0.0, 0.25), next(targets)))
        else:
            plan.append(Kill(phase, rng.uniform(0.0, 0.005), next(targets)))
    return plan


def opened(pid: int, name: str) -> bool:
    """Whether process ``pid`` has a file called ``name`` open (it loaded the model and opened the index)."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").endswith(name):
                return True
        except OSError:
            continue
    return False


# A real `python -m ingest ARGS...` (write batches of argv[1] chunks) that first imports what every run
# imports, says "warm" and waits for "go": the next process imports while the current one is killed
# and checked, which halves the test's time. Kills land after "go" (the imports touch no index file).
WARM = """
import sys, runpy, importlib
import ingest.pipeline
ingest.pipeline.BATCH_CHUNKS = int(sys.argv.pop(1))
for name in ("bot.cli.index", "ingest.store", "chromadb", "sentence_transformers", "onnxruntime", "optimum.onnxruntime"):
    try:
        importlib.import_module(name)
    except ImportError:
        pass
print("warm", flush=True)
if sys.stdin.readline() == "go\\n":
    runpy.run_module("ingest", run_name="__main__", alter_sys=True)
"""


class Runner:
    """Runs the ingest and kills it at a planned moment, keeping two processes warm (imported, not yet
    started) for the next runs; learns how long a run takes from "go" to opening the index."""

    def __init__(self, args: list[str], env: dict[str, str], db_path: Path, runs: int, spares: int = 2) -> None:
        self.command = [sys.executable, "-c", WARM, str(BATCH_CHUNKS), *args]
        self.env, self.db_path = env, db_path
        self.startups: list[float] = []
        self.spares: list[subprocess.Popen[bytes]] = []
        self.to_spawn = runs
        for _ in range(spares):
            self._spawn()

    def _spawn(self) -> None:
        if self.to_spawn > 0:
            self.to_spawn -= 1
            pipe = subprocess.PIPE
            self.spares.append(subprocess.Popen(self.command, env=self.env, stdin=pipe, stdout=pipe, stderr=pipe))

    def _start(self) -> subprocess.Popen[bytes]:
        assert self.spares, "more runs than planned"
        proc = self.spares.pop(0)
        self._spawn()
        assert proc.stdout is not None and proc.stdin is not None
        if proc.stdout.readline() != b"warm\n":
            raise AssertionError(proc.communicate(timeout=60)[1].decode())
        proc.stdin.write(b"go\n")
        proc.stdin.flush()
        return proc

    def close(self) -> None:
        for proc in self.spares:  # left over when the test failed; they have not touched the index
            proc.kill()
            proc.communicate(timeout=60)
        self.spares.clear()

    def _query(self, sql: str, *args: object) -> int:
        if not self.db_path.exists():
            return 0
        db = sqlite3.connect(self.db_path, timeout=30)
        try:
            return int(db.execute(sql, args).fetchone()[0] or 0)
        except sqlite3.OperationalError:  # the schema is not there yet
            return 0
        finally:
            db.close()

    def ready(self) -> int:
        return self._query("SELECT count(*) FROM articles WHERE status = 'ready'")

    def writing(self, since: int) -> int:
        """Articles this run has made ``pending``: rows in (chunk rowids above ``since``), vectors not yet."""
        return self._query(
            "SELECT count(DISTINCT a.id) FROM articles a JOIN chunks c ON c.article_id = a.id "
            "WHERE a.status = 'pending' AND c.rowid > ?",
            since,
        )

    def run(self, kill: Kill, timeout: float = 180.0) -> tuple[bool, int]:
        """Run once and SIGKILL the process at ``kill``'s moment. Returns whether it was killed (not
        finished first), and how many articles it left half-written."""
        since = self._query("SELECT max(rowid) FROM chunks")
        proc = self._start()
        started = time.monotonic()

        def waiting(what: str, interval: float = 0.01) -> bool:
            assert time.monotonic() - started < timeout, f"ingest {what} within {timeout} s"
            time.sleep(interval)
            return proc.poll() is None

        try:
            if kill.phase == "startup":
                typical = sorted(self.startups)[len(self.startups) // 2] if self.startups else 1.0
                time.sleep(kill.delay * typical)
            else:
                while not opened(proc.pid, "newsbot.sqlite"):
                    if not waiting("did not open the index"):
                        return self._finished(proc)
                self.startups.append(time.monotonic() - started)
                while kill.phase in ("embedding", "writing") and self.ready() < kill.target:
                    if not waiting("made no progress"):
                        return self._finished(proc)
                while kill.phase == "writing" and not self.writing(since):
                    if not waiting("wrote nothing", 0.001):
                        return self._finished(proc)
                time.sleep(kill.delay)
            if proc.poll() is not None:
                return self._finished(proc)
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=60)
            assert proc.returncode == -signal.SIGKILL
            return True, self.writing(since)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=60)

    def _finished(self, proc: subprocess.Popen[bytes]) -> tuple[bool, int]:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        assert json.loads(out)["failed"] == 0
        return False, 0


def reference_state(inputs: list[str], data_dir: Path, embedder) -> tuple[IndexState, dict[str, np.ndarray]]:  # type: ignore[no-untyped-def]
    """What one uninterrupted run of the same inputs stores (in this process, same model)."""
    index = open_index(Settings(data_dir=data_dir), model=embedder.name, dim=embedder.dim)
    try:
        report = run_ingest(inputs, index, embedder)
        assert report.failed == 0, report.errors
        vectors = index.vectors.embeddings(sorted(index.vectors.all_ids()))
    finally:
        index.close()
    return read_embedded(data_dir), vectors


@pytest.mark.integration
def test_twenty_sigkills_across_a_run_leave_a_consistent_index(  # type: ignore[no-untyped-def]
    tmp_path: Path, isolated_env: Path, embedder, model_cache: Path
) -> None:
    inputs = write_corpus(tmp_path / "corpus")
    data_dir = isolated_env
    env = ingest_env(data_dir, embedder, model_cache)
    runner = Runner([*inputs, "--quiet", "--json"], env, data_dir / "newsbot.sqlite", runs=KILLS + 1)
    try:
        crash_and_resume(runner, inputs, tmp_path, data_dir, embedder)
    finally:
        runner.close()


def crash_and_resume(runner: Runner, inputs: list[str], tmp_path: Path, data_dir: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    expected, expected_vectors = reference_state(inputs, tmp_path / "reference", embedder)
    assert problems(expected, complete=True) == []
    assert len(expected.articles) == ARTICLES  # 70 records and 2 notes; k005-again is an alias
    assert expected.aliases == {"k005-again": "k005"}
    assert expected.snapshots, "some articles state a Bitcoin price"

    landed: list[tuple[str, int, int]] = []  # (phase, ready articles after the kill, half-written by it)
    for number, kill in enumerate(kill_plan(random.Random(SEED)), 1):
        killed, half_written = runner.run(kill)
        assert killed, f"kill {number} ({kill}) came after the run finished: {landed}"
        state = read_embedded(data_dir)
        assert problems(state, complete=False) == [], f"after kill {number} ({kill})"
        for article_id in state.articles:  # whatever is stored is stored as the uninterrupted run has it
            assert state.chunk_ids_of(article_id) == expected.chunk_ids_of(article_id), article_id
        ready = sum(1 for r in state.articles.values() if r["status"] == "ready")
        landed.append((kill.phase, ready, half_written))
    print("kills (phase, ready, half-written):", landed, "startups (s):", [round(t, 1) for t in runner.startups])
    # The kills interrupted every stage, at many points of the corpus, and often mid-write.
    assert len({ready for _, ready, _ in landed}) >= 8, f"kills should spread across the run: {landed}"
    assert 0 < landed[-1][1] < ARTICLES, landed
    mid_write = [n for phase, _, n in landed if phase == "writing"]
    assert sum(1 for n in mid_write if n) >= len(mid_write) // 2, f"few kills landed mid-write: {landed}"

    killed, _ = runner.run(Kill("embedding", 0.0, target=ARTICLES + 1))  # the rerun that completes
    assert not killed
    state = read_embedded(data_dir)
    assert problems(state, complete=True) == []
    assert state.summary() == expected.summary()

    index = open_index(Settings.from_env(), model=embedder.name, dim=embedder.dim)
    try:
        assert {k: v for k, v in index.check().items() if v} == {}
        vectors = index.vectors.embeddings(sorted(expected_vectors))
    finally:
        index.close()
    for cid, vector in expected_vectors.items():  # every chunk's vector is the one of its own text
        assert float(np.dot(vectors[cid], vector)) > 0.999, cid
