"""Ingest while questions are answered: no errors, and no answer cites a half-written article.

Copies a realtimeqa index (``--data-dir``, never modified) to a fresh folder, loads an ``Answerer`` on the
copy in this process, and keeps ``--in-flight`` questions in flight from as many threads (each computed
under the bot's own limit of ``--parallel-answers`` at once, as `newsbot serve` does) while
`newsbot ingest` (a subprocess, the production entry point) writes reuters21578 stories into the same
data dir. Questions alternate between realtimeqa dev questions (as of their date) and questions made at
run time from the titles of the reuters stories being written at that moment (the newest rows of the
articles table, pending or ready, and the next ones in the file), as of the story's date, so retrieval
keeps meeting articles in the middle of their write.

Checked, printed and written to benchmarks/results/ingest-under-load-<timestamp>.json:

- the ingest's exit code, its report and any error lines;
- answers given, answer errors (exceptions), latency p50/p95;
- right after each answer, the status of every cited article (must be 'ready');
- after the ingest, for every cited article in the final SQLite table: status 'ready', its chunks in
  SQLite equal to its vectors in Chroma, the cited chunk stored under that article, and each quote a
  verbatim substring of the stored article text (and at its recorded offsets);
- the index's own consistency check (orphan or missing vectors, pending rows, lexical rows).

    .venv/bin/python benchmarks/ingest_under_load_bench.py --data-dir /work/rtqa-only/data --limit 3000

``--limit N`` ingests the first N stories of reuters21578.jsonl.gz (written to a subset file in the work
folder); ``--limit 0`` ingests the whole folder (19,043 stories, about 25 minutes unloaded).
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import logging
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"
QUESTIONS = SHARED / "realtimeqa" / "questions_dev.jsonl"
REUTERS = SHARED / "reuters21578"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from slack_load_bench import MemorySampler, newsbot_command, pct, print_rows  # noqa: E402


@dataclass
class Asked:
    """One answered (or failed) question and what was seen right after it."""

    kind: str  # "realtimeqa" | "reuters"
    question: str
    as_of: str
    seconds: float = 0.0  # in flight: waiting for an answer slot, then answering
    answering: float = 0.0  # answering only
    error: str = ""
    refused: str = ""
    citations: list[dict[str, Any]] = field(default_factory=list)
    not_ready_after: list[str] = field(default_factory=list)  # cited ids not 'ready' right after answering


class ReopenCounter(logging.Handler):
    """Counts the answerer's INFO lines: reopens of embedded Chroma, and retries after a query failed mid-write."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.reopens = 0
        self.retries = 0

    def emit(self, record: logging.LogRecord) -> None:
        message = str(record.msg)
        self.reopens += "reopening" in message
        self.retries += "retrying" in message


def copy_index(source: Path, work: Path) -> Path:
    """A fresh copy of the source index (the source is only read)."""
    target = work / "data"
    shutil.copytree(source, target, symlinks=True)
    for name in ("slack-dedupe.sqlite", "slack-feedback.sqlite"):
        (target / name).unlink(missing_ok=True)
    return target


def reuters_input(limit: int, work: Path) -> tuple[str, list[dict[str, str]]]:
    """The path to ingest and the stories it holds (id, title, date), in file order."""
    stories: list[dict[str, str]] = []
    files = sorted(REUTERS.glob("*.jsonl.gz"))
    subset = work / f"reuters-first-{limit}.jsonl" if limit else None
    out = subset.open("w", encoding="utf-8") if subset else None
    try:
        for line in itertools.chain.from_iterable(gzip.open(f, "rt", encoding="utf-8") for f in files):
            if not line.strip():
                continue
            row = json.loads(line)
            stories.append({"id": str(row.get("doc_id")), "title": row.get("title") or "", "date": row["publish_date"]})
            if out:
                out.write(line if line.endswith("\n") else line + "\n")
                if len(stories) >= limit:
                    break
    finally:
        if out:
            out.close()
    return str(subset or REUTERS), stories


class QuestionSource:
    """Alternates realtimeqa questions with questions about the reuters stories being written now."""

    def __init__(self, db_path: Path, stories: list[dict[str, str]], seed: int) -> None:
        self.rtqa = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
        self.stories = [s for s in stories if len(s["title"].split()) >= 3]
        self.position = {s["id"]: i for i, s in enumerate(self.stories)}
        self.db_path = db_path
        self.random = random.Random(seed)
        self.counter = itertools.count()
        self.lock = threading.Lock()
        self._frontier: list[int] = [0]
        self._frontier_at = 0.0

    def frontier(self, db: sqlite3.Connection) -> list[int]:
        """Positions of the newest stored reuters stories and of the next ones in the file."""
        with self.lock:
            if time.monotonic() - self._frontier_at < 0.5:
                return self._frontier
        rows = db.execute("SELECT id FROM articles ORDER BY rowid DESC LIMIT 24").fetchall()
        newest = [self.position[r[0]] for r in rows if r[0] in self.position]
        top = max(newest, default=-1)
        positions = newest + list(range(top + 1, min(top + 13, len(self.stories))))
        with self.lock:
            self._frontier, self._frontier_at = positions or [0], time.monotonic()
        return self._frontier

    def next(self, db: sqlite3.Connection) -> tuple[str, str, date]:
        n = next(self.counter)
        if n % 2 == 0 or not self.stories:
            q = self.rtqa[(n // 2) % len(self.rtqa)]
            return "realtimeqa", q["question"], date.fromisoformat(q["asked_on"])
        story = self.stories[self.random.choice(self.frontier(db))]
        title = story["title"].strip().rstrip(".").lower()
        return "reuters", f"What happened: {title}?", date.fromisoformat(story["date"])


def reader(db_path: Path) -> sqlite3.Connection:
    """A read-only connection of this thread's own (WAL: sees each committed write)."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


def statuses(db: sqlite3.Connection, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = db.execute(f"SELECT id, status FROM articles WHERE id IN ({','.join('?' * len(ids))})", ids)
    return {r[0]: r[1] for r in rows}


def ask_loop(
    answerer: Any, source: QuestionSource, slots: threading.Semaphore, stop: threading.Event, out: list[Asked]
) -> None:
    """Ask one question after another until ``stop``; check cited articles' status right after each."""
    db = reader(source.db_path)
    try:
        while not stop.is_set():
            kind, question, as_of = source.next(db)
            asked = Asked(kind, question, as_of.isoformat())
            started = time.perf_counter()
            try:
                with slots:
                    begun = time.perf_counter()
                    answer = answerer.ask(question, as_of=as_of)
                    asked.answering = time.perf_counter() - begun
            except Exception as exc:  # every failure is a finding: record it, keep asking
                asked.error = f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
            else:
                ids = sorted({c.article_id for c in answer.citations})
                seen = statuses(db, ids)
                asked.not_ready_after = [i for i in ids if seen.get(i) != "ready"]
                asked.refused = answer.refusal.kind if answer.refusal else ""
                asked.citations = [
                    {
                        "article_id": c.article_id,
                        "chunk_id": c.chunk_id,
                        "quote": c.quote,
                        "start": c.start,
                        "end": c.end,
                    }
                    for c in answer.citations
                ]
            asked.seconds = time.perf_counter() - started
            out.append(asked)
    finally:
        db.close()


def verify(answerer: Any, db_path: Path, asked: list[Asked]) -> dict[str, Any]:
    """Every citation against the final index: ready, chunks = vectors, chunk belongs, quote verbatim."""
    answerer.refresh()  # reopen embedded Chroma: it sees the ingest's last writes
    vectors = answerer.index.vectors
    db = reader(db_path)
    problems: Counter[str] = Counter()
    examples: list[str] = []

    def bad(kind: str, detail: str) -> None:
        problems[kind] += 1
        if len(examples) < 20:
            examples.append(f"{kind}: {detail}")

    articles: dict[str, tuple[str, str] | None] = {}
    chunk_sets: dict[str, set[str]] = {}
    citations = [c for a in asked for c in a.citations]
    for article_id in sorted({c["article_id"] for c in citations}):
        row = db.execute("SELECT status, text FROM articles WHERE id = ?", (article_id,)).fetchone()
        articles[article_id] = (row[0], row[1]) if row else None
        if row is None:
            bad("cited_article_missing", article_id)
            continue
        if row[0] != "ready":
            bad("cited_article_not_ready", f"{article_id} is {row[0]}")
        chunk_sets[article_id] = {r[0] for r in db.execute("SELECT id FROM chunks WHERE article_id = ?", (article_id,))}
        if not chunk_sets[article_id]:
            bad("cited_article_without_chunks", article_id)
        vector_ids = vectors.ids_for_articles([article_id])
        if vector_ids != chunk_sets[article_id]:
            bad(
                "chunks_differ_from_vectors",
                f"{article_id}: {len(chunk_sets[article_id])} chunks, {len(vector_ids)} vectors",
            )
    offsets_off = 0
    for c in citations:
        stored = articles.get(c["article_id"])
        if stored is None:
            continue
        text = stored[1]
        if c["chunk_id"] and c["chunk_id"] not in chunk_sets.get(c["article_id"], set()):
            bad("cited_chunk_not_in_article", f"{c['chunk_id']} of {c['article_id']}")
        if c["quote"] not in text:
            bad("quote_not_verbatim", f"{c['article_id']}: {c['quote'][:80]!r}")
        elif c["end"] and text[c["start"] : c["end"]] != c["quote"]:
            offsets_off += 1
    db.close()
    check = answerer.index.check()
    return {
        "citations_checked": len(citations),
        "cited_articles": len(articles),
        "cited_reuters_articles": sum(1 for a in articles if a.startswith("reuters-")),
        "problems": dict(problems),
        "quotes_at_other_offsets": offsets_off,
        "examples": examples,
        "index_check": {k: len(v) for k, v in check.items()},
        "index_check_examples": {k: v[:5] for k, v in check.items() if v},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True, help="a realtimeqa index (copied, never modified)")
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp"), help="where the fresh copy is made")
    parser.add_argument("--limit", type=int, default=3000, help="reuters stories to ingest (0: the whole folder)")
    parser.add_argument("--in-flight", type=int, default=50, help="questions in flight (one thread each)")
    parser.add_argument("--parallel-answers", type=int, default=2, help="answers computed at once (the bot: 2)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--label", default="", help="a note for the results file")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (index copy, logs)")
    args = parser.parse_args()
    if not (args.data_dir / "newsbot.sqlite").exists():
        sys.exit(f"no index in {args.data_dir} (newsbot.sqlite missing)")

    from bot.answering.chain import build_answerer
    from bot.settings import Settings

    stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%S}"
    work = args.work_dir / f"ingest-under-load-{stamp}"
    work.mkdir(parents=True)
    data = copy_index(args.data_dir, work)
    db_path = data / "newsbot.sqlite"
    target, stories = reuters_input(args.limit, work)
    print(f"index copy: {data}; ingesting {len(stories)} reuters stories from {target}", file=sys.stderr)

    reopens = ReopenCounter()
    service_log = logging.getLogger("bot.answering.chain")
    service_log.addHandler(reopens)
    service_log.setLevel(logging.INFO)
    loaded = time.perf_counter()
    answerer = build_answerer(Settings(data_dir=data))
    answerer.ask("Who won the World Cup final?", as_of=date(2022, 12, 31))
    before = answerer.index.catalog.stats()
    print(f"answerer loaded in {time.perf_counter() - loaded:.1f}s: {before['articles']} articles", file=sys.stderr)

    source = QuestionSource(db_path, stories, args.seed)
    asked: list[Asked] = []
    stop = threading.Event()
    slots = threading.Semaphore(args.parallel_answers)
    workers = [
        threading.Thread(target=ask_loop, args=(answerer, source, slots, stop, asked), daemon=True)
        for _ in range(args.in_flight)
    ]
    for w in workers:
        w.start()
    time.sleep(2)  # questions in flight before the first write

    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "CHROMA_", "SLACK_"))}
    stderr_path = work / "ingest.stderr"
    started = time.monotonic()
    with stderr_path.open("wb") as err:
        proc = subprocess.Popen(
            [*newsbot_command(), "ingest", target, "--data-dir", str(data), "--json", "--quiet"],
            cwd=work,
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
        )
        ingest_memory = MemorySampler(proc.pid, interval=0.5)
        ingest_memory.start()
        shown = time.monotonic()
        while proc.poll() is None:
            time.sleep(0.5)
            if time.monotonic() - shown > 30:
                shown = time.monotonic()
                ready = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
                n = ready.execute("SELECT count(*) FROM articles WHERE id LIKE 'reuters-%'").fetchone()[0]
                ready.close()
                failed = sum(1 for a in list(asked) if a.error)
                print(
                    f"  {time.monotonic() - started:.0f}s: {n} reuters rows, {len(asked)} answers, {failed} errors",
                    file=sys.stderr,
                )
        stdout = proc.stdout.read().decode() if proc.stdout else ""
        ingest_memory.done.set()
    ingest_seconds = time.monotonic() - started
    stop.set()
    for w in workers:
        w.join(120)
    answered = list(asked)
    print(
        f"ingest exited {proc.returncode} after {ingest_seconds:.0f}s; {len(answered)} answers; verifying",
        file=sys.stderr,
    )

    try:
        report = json.loads(stdout[stdout.index("{") :]) if "{" in stdout else {}
    except ValueError:
        report = {"unparsed_stdout": stdout[-2000:]}
    stderr_text = stderr_path.read_text(errors="replace")
    stderr_problems = [line for line in stderr_text.splitlines() if re.search(r"ERROR|Traceback|error:|skipped", line)]
    verified = verify(answerer, db_path, answered)
    after = answerer.index.catalog.stats()

    by_kind = Counter(a.kind for a in answered)
    errors = [a for a in answered if a.error]
    not_ready = [a for a in answered if a.not_ready_after]
    during = [a.seconds for a in answered if not a.error]
    answering = [a.answering for a in answered if not a.error]
    result: dict[str, Any] = {
        "benchmark": "ingest-under-load",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "label": args.label,
        "machine": {"cpus": os.cpu_count(), "load_avg_1m_after": round(os.getloadavg()[0], 2)},
        "settings": {
            "reuters_stories": len(stories),
            "limit": args.limit,
            "in_flight": args.in_flight,
            "parallel_answers": args.parallel_answers,
            "seed": args.seed,
        },
        "index_before": {"articles": before["articles"], "chunks": before["chunks"]},
        "index_after": {"articles": after["articles"], "chunks": after["chunks"], "pending": after["pending"]},
        "ingest": {
            "exit_code": proc.returncode,
            "seconds": round(ingest_seconds, 1),
            "report": {k: v for k, v in report.items() if k != "errors"},
            "report_errors": (report.get("errors") or [])[:20],
            "stderr_problem_lines": stderr_problems[:20],
            "stderr_problem_count": len(stderr_problems),
            "peak_memory_mb": round(ingest_memory.peak_hwm_kb / 1024),
        },
        "answers": {
            "total": len(answered),
            "by_kind": dict(by_kind),
            "per_second": round(len(answered) / ingest_seconds, 2) if ingest_seconds else None,
            "refusals": dict(Counter(a.refused for a in answered if a.refused)),
            "with_citations": sum(1 for a in answered if a.citations),
            "citing_reuters": sum(
                1 for a in answered if any(c["article_id"].startswith("reuters-") for c in a.citations)
            ),
            "errors": len(errors),
            "error_examples": sorted({a.error for a in errors})[:10],
            "cited_not_ready_right_after": len(not_ready),
            "cited_not_ready_examples": [f"{a.question[:60]} -> {a.not_ready_after}" for a in not_ready[:10]],
            "seconds_in_flight": {"p50": _round(pct(during, 0.5)), "p95": _round(pct(during, 0.95))},
            "seconds_answering": {"p50": _round(pct(answering, 0.5)), "p95": _round(pct(answering, 0.95))},
            "chroma_reopens": reopens.reopens,
            "retried_after_query_failed_mid_write": reopens.retries,
        },
        "verification": verified,
    }
    result["passed"] = bool(
        proc.returncode == 0
        and not stderr_problems
        and not report.get("failed")
        and not errors
        and not not_ready
        and not verified["problems"]
        and not any(verified["index_check"].values())
    )
    print_figures(result)
    out = REPO / "benchmarks" / "results" / f"ingest-under-load-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}", file=sys.stderr)
    answerer.index.close()
    if args.keep:
        print(f"kept {work}", file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if result["passed"] else 1)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def print_figures(r: dict[str, Any]) -> None:
    i, a, v = r["ingest"], r["answers"], r["verification"]
    rep = i["report"]
    rows = [
        (
            "reuters stories ingested",
            f"{r['settings']['reuters_stories']} ({rep.get('new')} new, "
            f"{rep.get('duplicates')} duplicates, {rep.get('failed')} failed, {rep.get('chunks')} chunks)",
        ),
        ("ingest exit code / time", f"{i['exit_code']} / {i['seconds']} s ({rep.get('chunks_per_second')} chunks/s)"),
        ("ingest error lines / peak memory", f"{i['stderr_problem_count']} / {i['peak_memory_mb']} MB"),
        (
            "questions in flight / computed at once",
            f"{r['settings']['in_flight']} / {r['settings']['parallel_answers']}",
        ),
        (
            "answers (realtimeqa / reuters)",
            f"{a['total']} ({a['by_kind'].get('realtimeqa', 0)} / "
            f"{a['by_kind'].get('reuters', 0)}), {a['per_second']}/s",
        ),
        ("answers citing reuters stories", str(a["citing_reuters"])),
        ("answer errors", str(a["errors"])),
        (
            "Chroma reopens / retries after a mid-write failure",
            f"{a['chroma_reopens']} / {a['retried_after_query_failed_mid_write']}",
        ),
        (
            "in flight p50 / p95 (incl. queueing)",
            f"{a['seconds_in_flight']['p50']} / {a['seconds_in_flight']['p95']} s",
        ),
        ("answering p50 / p95 (slot held)", f"{a['seconds_answering']['p50']} / {a['seconds_answering']['p95']} s"),
        ("cited article not ready right after", str(a["cited_not_ready_right_after"])),
        (
            "citations checked (articles)",
            f"{v['citations_checked']} ({v['cited_articles']}, {v['cited_reuters_articles']} reuters)",
        ),
        ("citation problems", json.dumps(v["problems"]) if v["problems"] else "none"),
        ("index check", json.dumps(v["index_check"])),
        ("passed", str(r["passed"])),
    ]
    print_rows(rows)


if __name__ == "__main__":
    main()
