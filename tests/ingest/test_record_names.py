"""Records are named one way everywhere, 1-based, and ``--json`` splits the name into file and record."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import make_app
from ingest.errors import record_name, split_origin


def test_a_record_name_splits_back_into_file_and_record() -> None:
    assert split_origin(record_name("news/day.jsonl", 12, line=True)) == ("news/day.jsonl", "12")
    assert split_origin(record_name("feed.xml", 3)) == ("feed.xml", "3")
    assert split_origin("whole.json") == ("whole.json", "")
    assert split_origin("http://localhost:8080") == ("http://localhost:8080", "")  # a port, not a line
    assert split_origin(record_name("http://localhost:8080/feed", 2)) == ("http://localhost:8080/feed", "2")


def test_ingest_json_gives_each_error_as_file_record_and_reason(isolated_env: Path, tmp_path: Path) -> None:
    lines = tmp_path / "day.jsonl"
    good = {"id": "ok-1", "title": "Quay works", "published": "2025-03-04", "text": "The quay closes in June."}
    lines.write_text(json.dumps(good) + "\n{not json\n", encoding="utf-8")
    result = CliRunner().invoke(make_app(), ["ingest", str(lines), "--json"])
    report = json.loads(result.stdout)
    assert report["new"] == 1 and report["failed"] == 1
    [error] = report["errors"]
    assert error["file"] == str(lines) and error["record"] == "2" and error["reason"].startswith("malformed JSON")
