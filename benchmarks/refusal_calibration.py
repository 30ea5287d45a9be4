"""Calibrates the "no evidence" refusal: how often each relevance threshold refuses answerable
questions, and how often it refuses questions the index cannot answer.

Every realtimeqa dev question is asked of an existing index (``--data-dir``, e.g. the 300-article slice
built by ``realtimeqa_bench.py --slice 300``) with the threshold off, and the best passage's relevance
is recorded. A question is *answerable* when one of its gold articles is in the index, *unanswerable*
when none is and the answer given does not contain the gold answer anyway (another article may hold
it; those are left out). Then, for each threshold: the share of answerable questions refused (lost
answers), the share of unanswerable questions refused (honest refusals), and the accuracy of what is
still answered.

    .venv/bin/python benchmarks/realtimeqa_bench.py --slice 300 --skip-baseline --data-dir /tmp/s300
    .venv/bin/python benchmarks/refusal_calibration.py --data-dir /tmp/s300/newsbot

Prints a table and writes benchmarks/results/refusal-calibration-<time>.json (ids and figures only).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from realtimeqa_bench import DATA, read_articles, read_questions, text_groups  # noqa: E402

from bot.evaluation.runs import git_commit  # noqa: E402
from bot.evaluation.scoring import contains_normalised  # noqa: E402

THRESHOLDS = [round(0.02 * i, 2) for i in range(10, 26)]  # 0.20 … 0.50


def ask_all(data_dir: Path, questions: Sequence[Any]) -> list[dict[str, Any]]:
    """Each question's relevance, whether its gold article is indexed and whether the answer holds it."""
    from bot.answering.chain import build_answerer
    from bot.settings import Settings

    settings = Settings.from_env().with_overrides(data_dir=data_dir, min_relevance=0.0)
    answerer = build_answerer(settings)
    catalog = answerer.index.catalog
    rows = []
    for i, q in enumerate(questions, 1):
        answer = answerer.ask(q.question, as_of=q.asked_on)
        rows.append(
            {
                "id": q.id,
                "indexed_gold": any(catalog.article(g) is not None for g in q.gold),
                "relevance": None if answer.relevance is None else round(answer.relevance, 4),
                "refused_by_rules": answer.refused,  # decided in code before relevance (dates, predictions)
                "answer_ok": contains_normalised(answer.text, q.answer),
                "cites_gold": bool({c.article_id for c in answer.citations} & q.gold),
            }
        )
        print(f"\rasked {i}/{len(questions)}", end="", file=sys.stderr)
    print(file=sys.stderr)
    return rows


def sweep(rows: Sequence[dict[str, Any]], thresholds: Sequence[float]) -> list[dict[str, Any]]:
    """Per threshold: answerable refused, unanswerable refused, accuracy of the answered."""
    scored = [r for r in rows if r["relevance"] is not None]
    answerable = [r for r in scored if r["indexed_gold"]]
    unanswerable = [r for r in scored if not r["indexed_gold"] and not r["answer_ok"]]
    table = []
    for t in thresholds:
        kept = [r for r in answerable if r["relevance"] >= t]
        table.append(
            {
                "threshold": t,
                "answerable_refused": round(1 - len(kept) / len(answerable), 4) if answerable else None,
                "unanswerable_refused": round(sum(r["relevance"] < t for r in unanswerable) / len(unanswerable), 4)
                if unanswerable
                else None,
                "answered_accuracy": round(sum(r["answer_ok"] for r in kept) / len(kept), 4) if kept else None,
            }
        )
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="an existing newsbot index")
    parser.add_argument("--articles", type=Path, default=DATA / "articles_2022H2.jsonl.gz")
    parser.add_argument("--questions", type=Path, default=DATA / "questions_dev.jsonl")
    parser.add_argument(
        "--out", type=Path, help="results JSON (default: benchmarks/results/refusal-calibration-*.json)"
    )
    args = parser.parse_args(argv)
    if not (args.data_dir / "newsbot.sqlite").exists():
        print(f"error: {args.data_dir} holds no newsbot index", file=sys.stderr)
        return 2
    questions = read_questions(args.questions, text_groups(read_articles(args.articles)))
    rows = ask_all(args.data_dir, questions)
    table = sweep(rows, THRESHOLDS)
    answerable = sum(r["indexed_gold"] for r in rows if r["relevance"] is not None)
    unanswerable = sum(not r["indexed_gold"] and not r["answer_ok"] for r in rows if r["relevance"] is not None)
    print(f"{answerable} answerable, {unanswerable} unanswerable questions (relevance known)")
    print(f"{'threshold':>9} {'answerable refused':>19} {'unanswerable refused':>21} {'answered accuracy':>18}")
    for row in table:
        cells = [row["answerable_refused"], row["unanswerable_refused"], row["answered_accuracy"]]
        shown = ["–" if v is None else f"{100 * v:.1f}%" for v in cells]
        print(f"{row['threshold']:>9.2f} {shown[0]:>19} {shown[1]:>21} {shown[2]:>18}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    out = args.out or REPO / "benchmarks" / "results" / f"refusal-calibration-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(REPO),
        "data_dir": str(args.data_dir),
        "answerable": answerable,
        "unanswerable": unanswerable,
        "sweep": table,
        "questions": rows,
    }
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
