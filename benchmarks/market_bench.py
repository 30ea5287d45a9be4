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


REUTERS = REPO.parent / "shared" / "data" / "reuters21578" / "reuters21578.jsonl.gz"
REUTERS_TOPICS = {"gold", "silver", "crude", "yen", "dlr", "money-fx", "wheat", "copper", "platinum"}


def reuters_run(limit: int, work: Path) -> dict[str, Any]:
    """Self-checking questions over real 1987 newswire (no gold answers needed): for each asset with figures,
    "now" after the data must be refused citing the newest figure and its date; a day with a figure must be
    answered with a figure its cited sentence states; an asset without figures must get "no market data"."""
    import gzip
    from datetime import date, timedelta

    from bot.answering.chain import build_answerer
    from bot.answering.formatting import human_date, human_value
    from ingest import open_with_embedder, run_ingest

    picked = []
    with gzip.open(REUTERS, "rt", encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            if REUTERS_TOPICS & set(record.get("topics") or []):
                picked.append(line)
            if len(picked) >= limit:
                break
    source = work / "reuters-markets.jsonl"
    source.write_text("".join(picked), encoding="utf-8")
    settings = Settings.from_env().with_overrides(data_dir=work / "reuters")
    index, embedder = open_with_embedder(settings)
    try:
        run_ingest([str(source)], index, embedder)
    finally:
        index.close()
    answerer = build_answerer(settings)
    newest = {(r.asset, r.metric): r for r in answerer.snapshots() if r.metric == "price"}
    counts = {"refused-right": 0, "answered-right": 0, "wrong-figure": 0, "wrong": 0, "cases": 0}
    wrong: list[dict[str, str]] = []

    def record(kind: str, question: str, ok: bool, figure_wrong: bool, text: str) -> None:
        counts["cases"] += 1
        outcome_ = "wrong-figure" if figure_wrong else (kind if ok else "wrong")
        counts[outcome_] += 1
        if outcome_ not in {"refused-right", "answered-right"}:
            wrong.append({"question": question, "outcome": outcome_, "answer": text})

    for (asset, _), row in sorted(newest.items()):
        later = row.as_of + timedelta(days=45)
        a = answerer.ask(f"What is the price of {asset} now?", as_of=later)
        ok = a.refused and human_value(row.value, row.unit) in a.text and human_date(row.as_of) in a.text
        record("refused-right", f"{asset} now ({later})", ok, not a.refused, a.text)
        a = answerer.ask(f"What was the price of {asset} on {human_date(row.as_of)}?", as_of=later)
        stated = [c.quote for c in a.citations]
        ok = (
            not a.refused
            and a.short_answer != ""
            and any(str(row.value).split(".")[0] in q.replace(",", "") for q in stated)
        )
        record("answered-right", f"{asset} on {row.as_of}", ok, bool(a.short_answer) and not ok, a.text)
    a = answerer.ask("What is the price of Bitcoin?", as_of=date(1987, 12, 31))
    record("refused-right", "Bitcoin in 1987", "no market data for Bitcoin" in a.text, "$" in a.text, a.text)
    return {"articles": len(picked), "assets": sorted({a for a, _ in newest}), "counts": counts, "wrong": wrong}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", default=[str(REPO / "tests" / "cases" / "market.yaml")])
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "market.json")
    parser.add_argument("--reuters", type=int, default=0, metavar="N", help="also N market stories of reuters21578")
    args = parser.parse_args(argv)
    files = load_case_files(args.cases)
    with tempfile.TemporaryDirectory(prefix="newsbot-market-") as work:
        settings = Settings.from_env().with_overrides(data_dir=Path(work) / "data")
        run = evaluate(files, settings, workdir=Path(work))
        reuters = reuters_run(args.reuters, Path(work)) if args.reuters and REUTERS.exists() else None
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
    if reuters:
        c = reuters["counts"]
        print(
            f"reuters21578 ({reuters['articles']} market stories, assets {', '.join(reuters['assets'])}): "
            f"{c['refused-right']} refused right, {c['answered-right']} answered right, "
            f"{c['wrong-figure']} wrong figures, {c['wrong']} wrong, of {c['cases']}"
        )
    result: dict[str, Any] = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "case_files": [str(Path(c).resolve().relative_to(REPO)) for c in args.cases],
        "by_kind": table,
        "right_share": round(share, 4),
        "reuters21578": reuters,
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
