"""``newsbot list`` says how many articles there are and never cuts an id; ``newsbot show`` prints one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import _shared, make_app

runner = CliRunner()
LONG_ID = "harbour-times-2025-ferry-berths-plan-approved-after-long-debate"


def _run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(make_app(), list(args))


@pytest.fixture
def stored(isolated_env: Path, tmp_path: Path) -> Path:
    records = [
        {
            "id": LONG_ID,
            "title": "Ferry [bold]berths[/bold] plan \x1b[31mapproved\x1b[0m",
            "published": "2025-03-04",
            "source": "Harbour Times",
            "text": "The harbour board approved two new ferry berths on Tuesday. The vote was seven to two.",
        },
        *(
            {
                "id": f"quay-{n}",
                "title": f"Quay works, day {n}",
                "published": f"2025-03-0{n}",
                "text": f"Day {n} of works.",
            }
            for n in range(1, 4)
        ),
    ]
    path = tmp_path / "news.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert _run("ingest", str(path), "--quiet").exit_code == 0
    return path


def test_list_says_how_many_it_leaves_out_and_never_cuts_an_id(stored: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_shared.out, "_width", 50)  # a narrow terminal
    shown = _run("list", "--limit", "2").stdout
    assert LONG_ID in shown  # whole, on one line
    assert "Showing 2 of 4 articles; --all shows every one" in shown
    every = _run("list", "--all").stdout
    assert all(f"quay-{n}" in every for n in range(1, 4)) and "Showing" not in every
    assert "\x1b" not in every  # a stored escape sequence never reaches the terminal


def test_show_prints_one_article_its_text_and_chunks_literally(stored: Path) -> None:
    result = _run("show", LONG_ID)
    assert result.exit_code == 0, result.output
    assert "Ferry [bold]berths[/bold] plan" in result.stdout and "\x1b" not in result.stdout
    assert "source: Harbour Times" in result.stdout and "published: 2025-03-04" in result.stdout
    assert "The vote was seven to two." in result.stdout and "chunk 1 [0:" in result.stdout
    data = json.loads(_run("show", LONG_ID, "--json").stdout)
    assert data["id"] == LONG_ID and data["chunks"][0]["start"] == 0 and data["text"].endswith("seven to two.")


def test_show_an_unknown_id_is_one_line(stored: Path) -> None:
    result = _run("show", "no-such-article")
    assert result.exit_code != 0
    assert result.stderr.strip().splitlines() == [
        "error: no article with id 'no-such-article' (newsbot list shows the ids)"
    ]
