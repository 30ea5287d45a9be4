"""The ingest commands as a user runs them: one line per bad input, exit status, JSON for scripts."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import make_app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "articles"
runner = CliRunner()


def _run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(make_app(), list(args), input=stdin)


def test_ingest_list_stats_remove_round_trip(isolated_env: Path) -> None:
    first = _run("ingest", str(EXAMPLES), "--json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert (summary["new"], summary["failed"], summary["chunks"] > 0) == (4, 0, True)
    again = json.loads(_run("ingest", str(EXAMPLES), "--json").stdout)
    assert (again["new"], again["unchanged"], again["chunks"]) == (0, 4, 0)

    listed = json.loads(_run("list", "--json").stdout)
    assert [a["published"] for a in listed] == sorted((a["published"] for a in listed), reverse=True)
    inferred = [a for a in listed if a["date_inferred"]]
    assert len(inferred) == 1 and inferred[0]["title"].startswith("SoftBank")
    table = _run("list").stdout
    assert "inferred" in table

    stats = json.loads(_run("stats", "--json").stdout)
    assert stats["articles"] == 4 and stats["snapshots"]["Bitcoin"]["newest"] == "2025-05-25"
    assert stats["first_published"] == "2025-05-20" and stats["last_published"] == "2025-05-25"

    removed = _run("remove", "ex-rover-ice", "nope", "--json")
    assert removed.exit_code == 1
    assert json.loads(removed.stdout) == {"removed": ["ex-rover-ice"], "not_found": ["nope"]}
    assert json.loads(_run("check", "--json").stdout)["consistent"] is True


def test_bad_input_is_one_line_each_and_exit_status_one(isolated_env: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "ok", "title": "Fine", "published": "2024-01-02", "text": "A fine story."}\n{oops\n')
    result = _run("ingest", str(bad), str(tmp_path / "absent.json"), "--quiet")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("skipped")]
    assert len(errors) == 2, result.stderr
    assert f"{bad}:2" in errors[0] and "absent.json" in errors[1]
    assert "Traceback" not in result.output + result.stderr
    assert "1 new" in result.stdout and "2 failed" in result.stdout


def test_json_lines_on_stdin(isolated_env: Path) -> None:
    line = json.dumps({"id": "stdin-1", "title": "Piped", "published": "2024-02-03", "text": "Piped in from stdin."})
    result = _run("ingest", "-", "--json", stdin=line + "\n")
    assert result.exit_code == 0 and json.loads(result.stdout)["new"] == 1


def test_a_model_that_cannot_load_fails_at_once_with_one_line(isolated_env: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NEWSBOT_EMBEDDING_MODEL", "someone/not-a-real-model")
    result = _run("ingest", str(EXAMPLES))
    assert result.exit_code == 2
    assert "not-a-real-model" in result.stderr and "Traceback" not in result.stderr


def test_python_m_ingest_runs_the_command_it_is_given(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Regression (issue 11): ``python -m ingest copy`` ran ``ingest copy``; command names come from the app."""
    import ingest.__main__ as entry

    calls: list[list[str]] = []

    class Recorder:
        def __call__(self, args: list[str], prog_name: str) -> None:
            calls.append(args)

    monkeypatch.setattr("bot.cli.make_app", lambda: Recorder())
    entry.main(["copy", "--to-data-dir", "elsewhere"])
    entry.main(["check"])
    entry.main(["articles/", "more.jsonl"])
    entry.main([])
    assert calls == [
        ["copy", "--to-data-dir", "elsewhere"],
        ["check"],
        ["ingest", "articles/", "more.jsonl"],
        ["ingest"],
    ]


def test_python_m_ingest_help_lists_every_command() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "ingest", "copy", "--help"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "--to-data-dir" in done.stdout and "Copy the index" in done.stdout


def test_default_date_and_field_map_options(isolated_env: Path, tmp_path: Path) -> None:
    records = tmp_path / "undated.jsonl"
    records.write_text(
        json.dumps({"id": "u1", "title": "Undated", "text": "No day is named in this story."})
        + "\n"
        + json.dumps(
            {"id": "u2", "title": "Mapped", "body_html": "<p>Quay &amp; pier reopen.</p>", "published": "2024-02-03"}
        )
        + "\n"  # fmt: skip
    )
    assert _run("ingest", str(records), "--quiet").exit_code == 1  # u1: no date; u2: no text
    result = _run("ingest", str(records), "--json", "--default-date", "2024-05-06", "--field", "text=body_html")
    assert result.exit_code == 0, result.output
    listed = {a["id"]: a for a in json.loads(_run("list", "--json").stdout)}
    assert (listed["u1"]["published"], listed["u1"]["date_inferred"]) == ("2024-05-06", True)
    assert (listed["u2"]["published"], listed["u2"]["date_inferred"]) == ("2024-02-03", False)
    bad = _run("ingest", str(records), "--default-date", "someday")
    assert bad.exit_code == 2 and "--default-date: not a date like" in bad.stderr
    assert _run("ingest", str(records), "--field", "body=x").exit_code == 2
