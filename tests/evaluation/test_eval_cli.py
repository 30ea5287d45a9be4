"""``newsbot eval`` end to end with a scripted answerer: scorecard, JSON, runs, compare, report, exits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import make_app

CASES = """
thresholds: {min_citation_hit: 0.5}
cases:
  - id: proposer
    question: Who proposed the US-Japan fund?
    as_of: 2025-05-26
    expect: {answer_contains: [Masayoshi Son], cites: [sovereign wealth fund], refused: false}
  - id: btc-now
    question: What is Bitcoin trading at right now?
    as_of: 2026-01-10
    expect: {refusal_kind: after_snapshot, answer_contains_all: ["May 25, 2025", "108,029.56"]}
  - id: norway
    question: How large is Norway's fund?
    as_of: 2025-05-26
    expect: {answer_contains: ["$1.64 trillion"], refused: false}
"""


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, fake_answerer, tmp_path: Path):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("bot.evaluation.runner.default_answerer_factory", lambda settings: fake_answerer)
    (tmp_path / "cases.yaml").write_text(CASES)
    runner = CliRunner()

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(make_app(), ["eval", *args], catch_exceptions=False)

    return invoke


def test_scorecard_saves_run(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli(str(tmp_path / "cases.yaml"))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "answer accuracy" in out and "66.7% of 3" in out and "citation hit rate" in out
    assert "FAIL norway" in out and "answer lacks any of ['$1.64 trillion']" in out
    assert "after_snapshot" in out and "saved run" in out
    runs = list((tmp_path / "data" / "eval-runs").iterdir())
    saved = json.loads((runs[0] / "results.json").read_text())
    assert saved["metrics"]["answer_accuracy"] == pytest.approx(0.6667) and len(saved["results"]) == 3


def test_json_compare_report_and_thresholds(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli(str(tmp_path / "cases.yaml"), "--json").exit_code == 0
    (tmp_path / "cases.yaml").write_text(CASES.replace("$1.64 trillion", "large fund"))
    result = cli(str(tmp_path / "cases.yaml"), "--json", "--compare", "latest", "--out", str(tmp_path / "rep"))
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["metrics"]["passed"] == 3 and data["comparison"]["newly_passing"] == ["norway"]
    assert data["comparison"]["metric_deltas"]["answer_accuracy"]["better"] is True
    html = (tmp_path / "rep" / "report.html").read_text()
    assert "Now passing" in html and "norway" in html
    strict = cli(str(tmp_path / "cases.yaml"), "--min-accuracy", "1.01", "--no-save")
    assert strict.exit_code == 1 and "below min_accuracy" in strict.output


def test_file_threshold_fails_the_run(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "cases.yaml").write_text(CASES.replace("min_citation_hit: 0.5", "min_accuracy: 0.9"))
    result = cli(str(tmp_path / "cases.yaml"), "--no-save")
    assert result.exit_code == 1 and "answer_accuracy 0.667 is below min_accuracy 0.900" in result.output
    assert not (tmp_path / "data" / "eval-runs").exists()


def test_user_errors_are_one_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "bad.yaml").write_text("- {id: x, question: q, expect: {refusal_kind: maybe}}")
    result = cli(str(tmp_path / "bad.yaml"))
    assert result.exit_code == 2 and "refusal_kind must be one of" in result.output
    assert "Traceback" not in result.output
    assert cli(str(tmp_path / "cases.yaml"), "--compare", "nope").exit_code == 2
    assert cli(str(tmp_path / "cases.yaml"), "--as-of", "soon").exit_code == 2
