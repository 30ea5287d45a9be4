"""``newsbot eval``: run scripted Q&A cases; scorecard, saved runs, comparison, HTML report, thresholds."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from bot.cli._shared import AsOf, DataDir, QuietFlag, err, fail, load_settings, out, parse_date
from bot.evaluation.scoring import pct
from ingest import NewsbotError


def print_scorecard(metrics: dict[str, Any], console: Console) -> None:
    """The scorecard as a terminal table, then the refusal table and the failing cases."""
    lat = metrics["latency_ms"]
    table = Table(title="newsbot eval", show_header=False, title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row("cases passed", f"{metrics['passed']}/{metrics['cases']} ({pct(metrics['pass_rate'])})")
    table.add_row("answer accuracy", f"{pct(metrics['answer_accuracy'])} of {metrics['answer_cases']}")
    table.add_row("first sentence holds the answer", pct(metrics.get("first_sentence_accuracy")))
    table.add_row("words per reply p50 / p90", _words(metrics.get("words_per_reply") or {}))
    table.add_row("articles cited per answer", _number(metrics.get("articles_per_answer")))
    table.add_row("citation hit rate", f"{pct(metrics['citation_hit_rate'])} of {metrics['citation_cases']}")
    table.add_row("citation precision", f"{pct(metrics['citation_precision'])} of {metrics['judged_citations']} cited")
    table.add_row("wrongly refused", f"{metrics['wrongly_refused']} of {metrics['answerable_cases']} answerable")
    table.add_row("errors", str(metrics["errors"]))
    table.add_row("latency p50 / p95", f"{lat['p50']:.0f} ms / {lat['p95']:.0f} ms")
    console.print(table)
    if metrics["refusals"]:
        rt = Table(title="refusals", title_justify="left")
        for col in ("kind", "expected", "refused so", "correct", "precision", "recall"):
            rt.add_column(col, justify="left" if col == "kind" else "right")
        for kind, r in metrics["refusals"].items():
            rt.add_row(
                kind,
                str(r["expected"]),
                str(r["predicted"]),
                str(r["correct"]),
                pct(r["precision"]),
                pct(r["recall"]),
            )
        console.print(rt)


def print_failures(results: list[dict[str, Any]], console: Console, limit: int = 30) -> None:
    """What went wrong in each failing case (the first ``limit``)."""
    failing = [r for r in results if not r["passed"]]
    for r in failing[:limit]:
        answer = (r.get("answer") or {}).get("answer") or r.get("error") or ""
        console.print(Text.assemble(("FAIL", "red"), f" {r['id']}: {r['question']}"), highlight=False)
        console.print(f"     answer: {answer[:300]}", markup=False, highlight=False)
        for why in r["failures"]:
            console.print(f"     - {why}", markup=False, highlight=False)
    if len(failing) > limit:
        console.print(f"... and {len(failing) - limit} more failing cases (see --out or --json)")


def print_comparison(comparison: dict[str, Any], console: Console) -> None:
    """Flipped cases and metric deltas against an earlier run."""
    console.print(f"\ncompared with run {comparison['old_run']}:")
    for key, label, colour in (
        ("newly_failing", "now failing", "red"),
        ("newly_passing", "now passing", "green"),
        ("added", "added", "cyan"),
        ("removed", "removed", "yellow"),
    ):
        if comparison[key]:
            console.print(f"  [{colour}]{label}[/{colour}]: {', '.join(comparison[key])}", markup=True)
    for name, d in comparison["metric_deltas"].items():
        if d["delta"]:
            colour = "green" if d["better"] else "red"
            console.print(
                f"  {name}: {d['before']:g} → {d['after']:g} ([{colour}]{d['delta']:+g}[/{colour}])",
                markup=True,
            )


def eval_command(
    files: Annotated[
        list[Path], typer.Argument(help="Case files (.yaml, .jsonl incl. realtimeqa questions) or folders.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the run (metrics and results) as JSON.")] = False,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write a self-contained report.html here.")] = None,
    compare: Annotated[
        str | None, typer.Option("--compare", help="A saved run (id, folder or 'latest') to diff against.")
    ] = None,
    min_accuracy: Annotated[
        float | None, typer.Option("--min-accuracy", help="Exit 1 below this answer accuracy (0-1).")
    ] = None,
    min_citation_hit: Annotated[
        float | None, typer.Option("--min-citation-hit", help="Exit 1 below this citation hit rate.")
    ] = None,
    as_of: AsOf = None,
    data_dir: DataDir = None,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Save the run under DATA_DIR/eval-runs.")] = True,
    quiet: QuietFlag = False,
) -> None:
    """Run scripted Q&A cases through the answering code and print a scorecard."""
    from bot.evaluation import runner
    from bot.evaluation.cases import load_case_files, merged_thresholds
    from bot.evaluation.report import write_report
    from bot.evaluation.runs import build_run, compare_runs, load_run, save_run
    from bot.evaluation.scoring import check_thresholds, compute_metrics

    try:
        default_as_of = parse_date(as_of)
        settings = load_settings(data_dir)
        case_files = load_case_files(files)
        cases_total = sum(len(f.cases) for f in case_files)
        baseline = load_run(compare, settings.data_dir) if compare else None
        show_progress = not quiet and not as_json and err.is_terminal
        with (
            tempfile.TemporaryDirectory(prefix="newsbot-eval-") as workdir,
            Progress(
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
                disable=not show_progress,
                transient=True,
            ) as progress,
        ):
            task = progress.add_task("asking", total=cases_total)
            evaluation = runner.evaluate(
                case_files,
                settings,
                workdir=Path(workdir),
                answerer_factory=runner.default_answerer_factory,
                default_as_of=default_as_of,
                on_result=lambda _r: progress.advance(task),
            )
    except NewsbotError as exc:
        raise fail(exc) from None
    metrics = compute_metrics(evaluation.results)
    thresholds = merged_thresholds(case_files)
    for key, value in (("min_accuracy", min_accuracy), ("min_citation_hit", min_citation_hit)):
        if value is not None:
            thresholds[key] = value
    run = build_run(
        evaluation.results,
        metrics,
        settings,
        case_files=[str(f.path) for f in case_files],
        answerer=", ".join(sorted(set(evaluation.answerers))),
        ingests=evaluation.ingests,
        thresholds=thresholds,
    )
    if save:
        run["run_id"] = save_run(run, settings.data_dir).name
    comparison = compare_runs(baseline, run) if baseline else None
    misses = check_thresholds(metrics, thresholds)
    if out_dir is not None:
        report = write_report(run, out_dir, comparison)
        err.print(f"report: {report}", highlight=False)
    if as_json:
        json.dump(
            {**run, "comparison": comparison, "threshold_failures": misses},
            sys.stdout,
            indent=2,
            ensure_ascii=False,
        )
        sys.stdout.write("\n")
    else:
        print_scorecard(metrics, out)
        print_failures(run["results"], out)
        if comparison:
            print_comparison(comparison, out)
        if save:
            out.print(f"saved run {run['run_id']} under {Path(settings.data_dir) / 'eval-runs'}", highlight=False)
    for miss in misses:
        err.print(f"[red]threshold:[/red] {miss}", markup=True, highlight=False)
    if misses:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``newsbot eval`` to the app."""
    app.command("eval")(eval_command)


def _words(words: dict[str, float | None]) -> str:
    return f"{_number(words.get('p50'))} / {_number(words.get('p90'))}"


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"
