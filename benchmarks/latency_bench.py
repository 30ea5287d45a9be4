"""Question-to-answer latency of the default answerer over an existing index.

Asks every realtimeqa dev question as of its date (model and index loaded once), prints p50/p95/max of
the whole `Answerer.ask` and of each step, and writes JSON to benchmarks/results/.

    .venv/bin/python benchmarks/latency_bench.py --data-dir DIR   # DIR: realtimeqa (+ reuters) ingested
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = REPO.parent / "shared" / "data" / "realtimeqa" / "questions_dev.jsonl"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--label", default="", help="what the index holds, for the results file")
    args = parser.parse_args()

    from bot.answering.chain import build_answerer
    from bot.settings import Settings

    answerer = build_answerer(Settings(data_dir=args.data_dir))
    stats = answerer.index.catalog.stats()
    questions = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    answerer.ask("warm-up question", as_of=date(2022, 7, 1))
    totals: list[float] = []
    steps: dict[str, list[float]] = {}
    for q in questions:
        started = time.perf_counter()
        answer = answerer.ask(q["question"], as_of=date.fromisoformat(q["asked_on"]))
        totals.append((time.perf_counter() - started) * 1000)
        for step, ms in answer.timings_ms.items():
            steps.setdefault(step, []).append(ms)
    result = {
        "benchmark": "latency",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "label": args.label,
        "index": {"articles": stats["articles"], "chunks": stats["chunks"]},
        "questions": len(questions),
        "ask_ms": {"p50": _pct(totals, 0.5), "p95": _pct(totals, 0.95), "max": round(max(totals), 1)},
        "steps_median_ms": {k: round(statistics.median(v), 1) for k, v in steps.items()},
    }
    print(json.dumps(result, indent=2))
    out = REPO / "benchmarks" / "results" / f"latency-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
