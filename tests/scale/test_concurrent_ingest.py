"""Three ingest runs at once into one index (a ``chroma run`` server, one data dir's SQLite) over
overlapping inputs: every story is stored exactly once, none is lost, and the stores agree.

The inputs overlap every way they can: stories in all three runs (shuffled differently, so the runs
reach them at different moments), stories in one run only, the same record (same id) in a JSON lines
file and in a JSON array file, the same text under two record ids in two runs, and the same Markdown
story in two folders (two file-based ids). The runs are real ``python -m ingest`` processes with small
write batches, so their writes interleave batch by batch.

A second test pins one interleaving down in-process: a run that starts while another run is writing
an article's vectors must not take that article for one a crash left behind.
"""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings
from ingest.pipeline import run_ingest
from ingest.store import open_index
from tests.support.audit import ingest_command, ingest_env, problems, read_embedded, read_server
from tests.support.services import NEWSBOT

pytestmark = pytest.mark.integration

SEED = 6
RUNS = 3
BATCH_CHUNKS = 4
_PLACES = "quay viaduct tannery granary foundry weir cloister arcade boathouse signal-box".split()


def _story(tag: str, n: int) -> str:
    """Our own fixture prose; ``tag`` appears in every sentence, so each story is told apart by it."""
    sentences = [
        f"The Ashcombe {_PLACES[(n + s) % len(_PLACES)]} project {tag} was reviewed for the {s + 1}th time "
        f"on Tuesday, and the trustees asked for {n * 3 + s + 4} more drawings before any vote."
        for s in range(5 + (n * 5) % 9)
    ]
    return " ".join(sentences)


def _record(tag: str, n: int, record_id: str | None = None) -> dict[str, Any]:
    return {
        "id": record_id or tag,
        "title": f"Ashcombe {tag}",
        "published": f"2024-06-{1 + n % 28:02d}",
        "source": "Ashcombe Courier",
        "text": _story(tag, n),
    }


def write_inputs(root: Path) -> tuple[list[Path], dict[str, Any]]:
    """One folder per run, and what must come out: the story tags, record ids and expected twins."""
    rng = random.Random(SEED)
    shared = [_record(f"shared{n}", n) for n in range(10)]
    folders = []
    for run in range(RUNS):
        folder = root / f"run{run}"
        folder.mkdir(parents=True)
        mine = shared[:] + [_record(f"only{run}x{n}", 20 + run * 5 + n) for n in range(4)]
        rng.shuffle(mine)
        (folder / "a-wire.jsonl").write_text("".join(json.dumps(r) + "\n" for r in mine), encoding="utf-8")
        folders.append(folder)
    # The same record (same id) in a JSON lines file of run 0 and a JSON array file of run 1.
    (folders[0] / "b-same-record.jsonl").write_text(json.dumps(_record("samerec", 40)) + "\n", encoding="utf-8")
    (folders[1] / "b-same-record.json").write_text(json.dumps([_record("samerec", 40)]), encoding="utf-8")
    # The same text under two record ids, in runs 0 and 2.
    (folders[0] / "c-twin.jsonl").write_text(json.dumps(_record("twin", 41, "twin-a")) + "\n", encoding="utf-8")
    (folders[2] / "c-twin.jsonl").write_text(json.dumps(_record("twin", 41, "twin-b")) + "\n", encoding="utf-8")
    # The same Markdown story in runs 1 and 2 (ids come from the file paths, so they differ).
    for run in (1, 2):
        notes = folders[run] / "d-notes"
        notes.mkdir()
        (notes / "mdstory.md").write_text(
            f"Ashcombe mdstory\n\nPublished on June 20, 2024. {_story('mdstory', 42)}\n", encoding="utf-8"
        )
    tags = [f"shared{n}" for n in range(10)] + [f"only{r}x{n}" for r in range(RUNS) for n in range(4)]
    tags += ["samerec", "twin", "mdstory"]
    record_ids = set(tags) - {"twin", "mdstory"} | {"twin-a", "twin-b"}
    records_per_run = [len(shared) + 4 + 2, len(shared) + 4 + 2, len(shared) + 4 + 2]
    return folders, {"tags": tags, "record_ids": record_ids, "records_per_run": records_per_run}


def _tag(title: str) -> str:
    return title.removeprefix("Ashcombe ")


def by_story(state: Any) -> dict[str, list[tuple[int, str]]]:
    """Chunks per story tag (article ids may differ between runs: which twin is kept is a race)."""
    titles = {a: _tag(r["title"]) for a, r in state.articles.items()}
    stories: dict[str, list[tuple[int, str]]] = {}
    for c in state.chunks.values():
        stories.setdefault(titles[c["article_id"]], []).append((c["position"], c["text"]))
    return {tag: sorted(chunks) for tag, chunks in stories.items()}


def test_three_concurrent_ingests_store_every_article_once(  # type: ignore[no-untyped-def]
    tmp_path: Path, chroma_server: int, embedder, model_cache: Path
) -> None:
    folders, want = write_inputs(tmp_path / "inputs")
    data_dir = tmp_path / "shared-data"
    env = ingest_env(data_dir, embedder, model_cache, CHROMA_HOST="127.0.0.1", CHROMA_PORT=str(chroma_server))
    procs = [
        subprocess.Popen(
            ingest_command(BATCH_CHUNKS, str(folder), "--json", "--quiet"),
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for folder in folders
    ]
    reports = []
    for proc, records in zip(procs, want["records_per_run"], strict=True):
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()[-3000:]
        report = json.loads(out)
        assert report["failed"] == 0 and report["errors"] == []
        assert report["new"] + report["updated"] + report["unchanged"] + report["duplicates"] == records, report
        reports.append(report)
    assert sum(r["new"] for r in reports) >= len(want["tags"]), reports  # a story's writer counts it new
    assert sum(r["duplicates"] for r in reports) >= 2, reports  # the loser of each twin race

    state = read_server(data_dir, chroma_server)
    assert problems(state, complete=True) == []
    # Every story exactly once, nothing lost: one article per tag, and every record id finds its story.
    tags = sorted(_tag(r["title"]) for r in state.articles.values())
    assert tags == sorted(want["tags"])
    for record_id in want["record_ids"]:
        target = record_id if record_id in state.articles else state.aliases.get(record_id)
        assert target in state.articles, f"record {record_id} was lost"
        assert _tag(state.articles[target]["title"]) == record_id.removesuffix("-a").removesuffix("-b")
    # The twin ids and the two Markdown files: one stored, the other an alias of it.
    twins = {alias: _tag(state.articles[target]["title"]) for alias, target in state.aliases.items()}
    assert sorted(twins.values()) == ["mdstory", "twin"], state.aliases
    assert {"twin-a", "twin-b"} & set(twins) and {"twin-a", "twin-b"} & set(state.articles)

    # The same chunks as one run over all the inputs, alone (the shared records three times over in
    # one write batch: each written once).
    alone_dir = tmp_path / "alone"
    index = open_index(Settings(data_dir=alone_dir), model=embedder.name, dim=embedder.dim)
    try:
        alone_report = run_ingest([str(f) for f in folders], index, embedder)
    finally:
        index.close()
    assert (alone_report.failed, alone_report.new) == (0, len(want["tags"])), alone_report
    assert alone_report.duplicates == sum(want["records_per_run"]) - len(want["tags"]), alone_report
    alone = read_embedded(alone_dir)
    assert by_story(state) == by_story(alone)
    assert len(state.vector_ids) == len(alone.vector_ids)

    # `newsbot check` agrees, and running every input again finds nothing to do.
    check = subprocess.run([NEWSBOT, "check", "--json"], env=env, cwd=tmp_path, capture_output=True, timeout=180)
    assert check.returncode == 0, check.stdout.decode() + check.stderr.decode()
    assert json.loads(check.stdout)["consistent"] is True
    again = subprocess.run(
        [NEWSBOT, "ingest", *map(str, folders), "--json", "--quiet"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr.decode()[-3000:]
    report = json.loads(again.stdout)
    assert (report["new"], report["updated"], report["failed"]) == (0, 0, 0), report
    assert read_server(data_dir, chroma_server).summary() == state.summary()


def test_a_run_leaves_another_runs_article_in_flight_alone(tmp_path: Path, isolated_env: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    """A run that starts while another run has an article half-written (rows in, vectors going in) must
    not take it for a crashed one: once the other run finishes, that article is stored and unchanged."""
    import threading

    folders, _ = write_inputs(tmp_path / "inputs")
    settings = Settings.from_env()
    first = open_index(settings, model=embedder.name, dim=embedder.dim)
    second = open_index(settings, model=embedder.name, dim=embedder.dim)
    in_vectors, finish = threading.Event(), threading.Event()
    upsert = first.vectors.upsert

    def slow_upsert(*args: Any, **kwargs: Any) -> None:
        in_vectors.set()
        assert finish.wait(60)
        upsert(*args, **kwargs)

    first.vectors.upsert = slow_upsert  # type: ignore[method-assign]
    only0 = tmp_path / "only0.jsonl"
    only0.write_text(
        "".join(line + "\n" for line in (folders[0] / "a-wire.jsonl").read_text().splitlines() if '"only0' in line)
    )
    only1 = tmp_path / "only1.jsonl"
    only1.write_text(
        "".join(line + "\n" for line in (folders[1] / "a-wire.jsonl").read_text().splitlines() if '"only1' in line)
    )
    reports: list[Any] = []
    writer = threading.Thread(target=lambda: reports.append(run_ingest([str(only0)], first, embedder)))
    try:
        writer.start()
        assert in_vectors.wait(120), "the first run never reached its vectors"
        assert second.pending_ids(), "the first run's articles are pending while their vectors are written"
        assert run_ingest([str(only1)], second, embedder).new == 4  # starts while the first is mid-write
        finish.set()
        writer.join(120)
        assert reports and reports[0].new == 4
        again = run_ingest([str(only0), str(only1)], second, embedder)
        assert (again.unchanged, again.new, again.updated) == (8, 0, 0), again
        assert not any(second.check().values())
    finally:
        finish.set()
        writer.join(120)
        first.close()
        second.close()
