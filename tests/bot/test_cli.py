"""``newsbot ask`` in the terminal, as JSON, and in batches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import make_app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "articles"
runner = CliRunner()


@pytest.fixture
def ingested(isolated_env: Path) -> Path:
    result = runner.invoke(make_app(), ["ingest", str(EXAMPLES), "--quiet"])
    assert result.exit_code == 0, result.output
    return isolated_env


def test_ask_json_shape_and_content(ingested: Path) -> None:
    result = runner.invoke(make_app(), ["ask", "Who proposed the US-Japan fund?", "--as-of", "2025-05-26", "--json"])
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert d["as_of"] == "2025-05-26" and d["refused"] is False and "Masayoshi Son" in d["answer"]
    assert d["citations"][0]["published"] == "2025-05-25" and "timings_ms" in d


def test_ask_readable_refusal(ingested: Path) -> None:
    result = runner.invoke(make_app(), ["ask", "What is Bitcoin trading at?", "--as-of", "2026-01-10"])
    assert result.exit_code == 0
    assert "refused: after_snapshot" in result.stdout and "108,029.56" in result.stdout


def test_ask_batch(ingested: Path, tmp_path: Path) -> None:
    batch = tmp_path / "questions.jsonl"
    batch.write_text(
        json.dumps({"id": "a", "question": "Who proposed the US-Japan fund?", "as_of": "2025-05-26"})
        + "\n"
        + "not json\n"
        + json.dumps({"id": "b", "question": "Will Bitcoin reach $150k?", "as_of": "2025-05-26"})
        + "\n",
        encoding="utf-8",
    )
    result = runner.invoke(make_app(), ["ask", "--json", "--batch", str(batch)])
    assert result.exit_code == 1  # one bad line
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["id"] for a in answers] == ["a", "b"]
    assert "Masayoshi Son" in answers[0]["answer"] and answers[1]["refusal"]["kind"] == "prediction"
    assert f"{batch}:2" in result.stderr


def test_bad_as_of_is_one_clear_line(ingested: Path) -> None:
    result = runner.invoke(make_app(), ["ask", "Anything?", "--as-of", "next tuesday"])
    assert result.exit_code == 2 and "--as-of" in result.stderr and "Traceback" not in result.stderr


def test_ask_on_a_missing_data_dir_says_so_and_creates_nothing(tmp_path: Path) -> None:
    typo = tmp_path / "dta"
    result = runner.invoke(make_app(), ["ask", "Who proposed the fund?", "--data-dir", str(typo)])
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert "no index in" in line and str(typo) in line and "newsbot ingest" in line
    assert not typo.exists()


def test_an_unwritable_model_cache_is_one_line_naming_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("NEWSBOT_MODEL_DIR", str(blocker / "models"))
    articles = tmp_path / "a.jsonl"
    articles.write_text(json.dumps({"id": "a", "title": "T", "published": "2025-05-20", "text": "A ferry."}) + "\n")
    result = runner.invoke(make_app(), ["ingest", str(articles), "--quiet"])
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert "cannot create the model cache" in line and "NEWSBOT_MODEL_DIR" in line


def test_ingest_summary_is_one_line_in_a_narrow_pipe(ingested: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli import _shared

    monkeypatch.setattr(_shared.out, "_width", 30)  # a pipe or log 30 columns wide
    result = runner.invoke(make_app(), ["ingest", str(EXAMPLES)])
    summary = [line for line in result.stdout.splitlines() if "unchanged" in line]
    assert len(summary) == 1 and "4 unchanged, 0 duplicates, 0 failed · 0 chunks embedded in" in summary[0]
