"""Cold start: whole-process wall times of ``newsbot stats``, ``newsbot ask``, ingest's fixed cost, bot readiness.

Each figure is the median of ``--runs`` fresh processes (the model exports already cached, as after the
first run on a machine). Targets (issue 11): ``ask`` ≤ 3× ``stats``; ingest's fixed cost (one tiny
article into a new data dir) ≤ 5 s; ``newsbot serve --http`` answering ``/healthz`` (model and index
loaded) ≤ 5 s. Prints a table and writes ``benchmarks/results/startup.json``.

    .venv/bin/python benchmarks/startup_bench.py --runs 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from slack_load_bench import BotProcess, newsbot_command  # noqa: E402

from tests.support.fake_slack import FakeSlack  # noqa: E402

TINY = {"id": "t1", "title": "Harbor ferry", "published": "2025-05-20", "text": "The ferry crossed the harbor."}


def timed(args: list[str], env: dict[str, str], cwd: Path) -> float:
    """Wall seconds of one whole ``newsbot`` process; it must succeed."""
    started = time.perf_counter()
    done = subprocess.run([*newsbot_command(), *args], cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"newsbot {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "startup.json")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newsbot-startup-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "SLACK_", "CHROMA_"))}
    env.update(NEWSBOT_DATA_DIR=str(work / "data"), NEWSBOT_MODEL_DIR=str(work / "models"), HF_HUB_OFFLINE="1")
    first = timed(["ingest", str(REPO / "examples" / "articles"), "--quiet"], env, work)  # exports the model
    tiny = work / "tiny.jsonl"
    tiny.write_text(json.dumps(TINY) + "\n", encoding="utf-8")
    question = ["ask", "Who proposed the US-Japan fund?", "--as-of", "2025-05-26"]
    stats, ask, ingest, ready = [], [], [], []
    fake = FakeSlack().start()
    try:
        for run in range(options.runs):
            stats.append(timed(["stats"], env, work))
            ask.append(timed(question, env, work))
            ingest.append(timed(["ingest", str(tiny), "--quiet", "--data-dir", str(work / f"fresh{run}")], env, work))
            bot = BotProcess(
                work / "data", fake.api_url, "2025-05-26", work, {"NEWSBOT_MODEL_DIR": env["NEWSBOT_MODEL_DIR"]}
            )
            try:
                ready.append(bot.wait_ready())
            finally:
                bot.stop()
    finally:
        fake.stop()
    medians = {
        name: statistics.median(v)
        for name, v in {"stats": stats, "ask": ask, "ingest_fixed": ingest, "bot_ready": ready}.items()
    }
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "runs": options.runs,
        "first_ingest_with_model_export_s": round(first, 2),
        "median_s": {k: round(v, 2) for k, v in medians.items()},
        "all_s": {"stats": stats, "ask": ask, "ingest_fixed": ingest, "bot_ready": ready},
        "ask_over_stats": round(medians["ask"] / medians["stats"], 2),
        "targets": {"ask_over_stats_max": 3.0, "ingest_fixed_max_s": 5.0, "bot_ready_max_s": 5.0},
    }
    result["targets_met"] = {
        "ask_over_stats": result["ask_over_stats"] <= 3.0,
        "ingest_fixed": medians["ingest_fixed"] <= 5.0,
        "bot_ready": medians["bot_ready"] <= 5.0,
    }
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"first ingest (exports the model once per machine): {first:.2f} s")
    for name, value in medians.items():
        print(f"{name:>14}: median {value:.2f} s over {options.runs} runs")
    print(f"ask / stats: {result['ask_over_stats']:.2f}x (target <= 3)")
    print(f"targets met: {result['targets_met']}  -> {options.out}")


if __name__ == "__main__":
    main()
