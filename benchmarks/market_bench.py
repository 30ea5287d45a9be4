"""Temporal honesty on market news: per case kind, refused right / answered right / wrong figure.

Runs market case files (default ``tests/cases/market.yaml``: our own crypto week and 1987-style newswire)
through the real answering chain. A *wrong figure* is an answer that states a figure the case forbids
(another asset's price, a forecast, a misprint) or that answers where it should refuse while quoting a
figure. Targets (issue 13): ≥ 95% right and zero wrong figures. Prints a table and writes
``benchmarks/results/market.json``.

    .venv/bin/python benchmarks/market_bench.py
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.evaluation.cases import load_case_files  # noqa: E402
from bot.evaluation.runner import evaluate  # noqa: E402
from bot.evaluation.scoring import CaseResult, contains_normalised  # noqa: E402
from bot.settings import Settings  # noqa: E402

_FIGURE = re.compile(r"[$€£]\s?\d|\d[\d,]*\.\d+|\d{1,3}(?:,\d{3})+")


def outcome(result: CaseResult) -> str:
    """``refused-right``, ``answered-right``, ``wrong-figure`` or ``wrong`` for one case's result."""
    answer = result.answer or {}
    text = str(answer.get("answer", ""))
    forbidden = result.expected.get("answer_not_contains") or []
    expected_refusal = bool(result.expected.get("refused"))
    if any(contains_normalised(text, f) for f in forbidden):
        return "wrong-figure"
    if expected_refusal and not answer.get("refused") and _FIGURE.search(text):
        return "wrong-figure"  # answered with a figure where it had to refuse
    if not result.passed:
        return "wrong"
    return "refused-right" if expected_refusal else "answered-right"


def tally(results: Sequence[CaseResult]) -> dict[str, dict[str, int]]:
    """Counts of each outcome per case kind, and over all cases."""
    table: dict[str, dict[str, int]] = {}
    for r in results:
        for kind in (r.kind, "all"):
            row = table.setdefault(kind, {"cases": 0, "refused-right": 0, "answered-right": 0, "wrong-figure": 0})
            row.setdefault("wrong", 0)
            row["cases"] += 1
            row[outcome(r)] += 1
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", default=[str(REPO / "tests" / "cases" / "market.yaml")])
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "market.json")
    args = parser.parse_args(argv)
    files = load_case_files(args.cases)
    with tempfile.TemporaryDirectory(prefix="newsbot-market-") as work:
        settings = Settings.from_env().with_overrides(data_dir=Path(work) / "data")
        run = evaluate(files, settings, workdir=Path(work))
    table = tally(run.results)
    print(f"{'kind':<20}{'cases':>6}{'refused-right':>15}{'answered-right':>16}{'wrong-figure':>14}{'wrong':>7}")
    for kind, row in sorted(table.items(), key=lambda kv: (kv[0] == "all", kv[0])):
        print(
            f"{kind:<20}{row['cases']:>6}{row['refused-right']:>15}{row['answered-right']:>16}"
            f"{row['wrong-figure']:>14}{row['wrong']:>7}"
        )
    total = table.get("all", {"cases": 0})
    right = total.get("refused-right", 0) + total.get("answered-right", 0)
    share = right / total["cases"] if total["cases"] else 0.0
    print(f"\nright {right}/{total['cases']} ({share:.1%}); wrong figures {total.get('wrong-figure', 0)}")
    result: dict[str, Any] = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "case_files": [str(Path(c).resolve().relative_to(REPO)) for c in args.cases],
        "by_kind": table,
        "right_share": round(share, 4),
        "wrong": [
            {"id": r.id, "kind": r.kind, "outcome": outcome(r), "answer": (r.answer or {}).get("answer", "")}
            for r in run.results
            if outcome(r) not in {"refused-right", "answered-right"}
        ],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"results: {args.out}", file=sys.stderr)
    return 0 if share >= 0.95 and not total.get("wrong-figure") else 1


if __name__ == "__main__":
    sys.exit(main())
