"""Saved evaluation runs (results, settings without secrets, model, git commit) and run comparison."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.evaluation.cases import CaseError
from bot.evaluation.scoring import CaseResult
from bot.settings import Settings
from ingest import public_settings

RUNS_DIR = "eval-runs"
# metrics compared between runs; for these, lower is better
LOWER_IS_BETTER = {
    "wrongly_refused",
    "errors",
    "latency_ms.p50",
    "latency_ms.p95",
    "latency_ms.mean",
    "latency_ms.max",
}


def git_commit(cwd: Path | None = None) -> str | None:
    """The current git commit (with ``-dirty`` when the tree has changes), or None outside a repository."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("-dirty" if dirty else "")


def build_run(
    results: list[CaseResult],
    metrics: dict[str, Any],
    settings: Settings,
    *,
    case_files: list[str],
    answerer: str = "",
    ingests: list[dict[str, Any]] | None = None,
    thresholds: dict[str, float] | None = None,
) -> dict[str, Any]:
    """The saved form of a run."""
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(Path(__file__).parent),
        "case_files": case_files,
        "settings": public_settings(settings),
        "model": {"embedding": settings.embedding_model, "llm": settings.llm or None, "answerer": answerer},
        "thresholds": thresholds or {},
        "ingests": ingests or [],
        "metrics": metrics,
        "results": [r.to_dict() for r in results],
    }


def save_run(run: dict[str, Any], data_dir: Path) -> Path:
    """Write ``<data_dir>/eval-runs/<timestamp>/results.json``; returns the run folder."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    root = Path(data_dir) / RUNS_DIR
    folder = root / stamp
    n = 1
    while folder.exists():
        n += 1
        folder = root / f"{stamp}-{n}"
    folder.mkdir(parents=True)
    run = {**run, "run_id": folder.name}
    (folder / "results.json").write_text(json.dumps(run, indent=2, ensure_ascii=False), encoding="utf-8")
    return folder


def list_runs(data_dir: Path) -> list[Path]:
    """Saved run folders, oldest first."""
    root = Path(data_dir) / RUNS_DIR
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / "results.json").is_file())


def load_run(ref: str, data_dir: Path) -> dict[str, Any]:
    """A saved run by path (folder or results.json), by run id, or ``latest``."""
    candidates = [Path(ref), Path(ref) / "results.json", Path(data_dir) / RUNS_DIR / ref / "results.json"]
    if ref == "latest":
        runs = list_runs(data_dir)
        candidates = [runs[-1] / "results.json"] if runs else []
    for path in candidates:
        if path.is_file():
            try:
                return json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise CaseError(f"{path}: not a saved run: {exc}") from None
    raise CaseError(f"no saved run {ref!r} (looked in {Path(data_dir) / RUNS_DIR})")


def _flat(metrics: dict[str, Any], prefix: str = "") -> dict[str, float]:
    flat: dict[str, float] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            flat[name] = float(value)
        elif isinstance(value, dict) and key in {"latency_ms", "refusals", "any", *_REFUSAL_NAMES}:
            flat.update(_flat(value, f"{name}."))
    return flat


_REFUSAL_NAMES = {"after_snapshot", "after_coverage", "no_evidence", "prediction"}
_SKIP = {"cases", "passed", "answer_cases", "citation_cases", "judged_citations", "answerable_cases"}


def compare_runs(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Cases that flipped between runs, cases added or gone, and metric deltas."""
    old_res = {r["id"]: r for r in old.get("results", [])}
    new_res = {r["id"]: r for r in new.get("results", [])}
    common = [i for i in new_res if i in old_res]
    old_m, new_m = _flat(old.get("metrics", {})), _flat(new.get("metrics", {}))
    deltas = {}
    for name in sorted(set(old_m) | set(new_m)):
        if name in _SKIP or name.endswith((".expected", ".predicted", ".correct")):
            continue
        before, after = old_m.get(name), new_m.get(name)
        if before is None or after is None:
            continue
        delta = after - before
        better = (delta < 0) if name in LOWER_IS_BETTER else (delta > 0)
        deltas[name] = {
            "before": before,
            "after": after,
            "delta": round(delta, 4),
            "better": better if delta else None,
        }
    return {
        "old_run": old.get("run_id"),
        "new_run": new.get("run_id"),
        "newly_failing": [i for i in common if old_res[i]["passed"] and not new_res[i]["passed"]],
        "newly_passing": [i for i in common if not old_res[i]["passed"] and new_res[i]["passed"]],
        "added": [i for i in new_res if i not in old_res],
        "removed": [i for i in old_res if i not in new_res],
        "metric_deltas": deltas,
    }
