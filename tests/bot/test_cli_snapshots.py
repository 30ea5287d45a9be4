"""``newsbot snapshots`` and ``stats --json``: what market data an operator has, with values and dates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import make_app

MARKETS = Path(__file__).resolve().parents[1] / "cases" / "articles" / "markets.jsonl"
runner = CliRunner()


@pytest.fixture
def markets(isolated_env: Path) -> Path:
    result = runner.invoke(make_app(), ["ingest", str(MARKETS), "--quiet"])
    assert result.exit_code == 0, result.output
    return isolated_env


def test_snapshots_lists_one_assets_figures_newest_first_with_the_misprint_flagged(markets: Path) -> None:
    result = runner.invoke(make_app(), ["snapshots", "BTC", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {r["asset"] for r in rows} == {"Bitcoin"}
    assert [r["as_of"] for r in rows] == sorted((r["as_of"] for r in rows), reverse=True)
    by_value = {r["value"]: r for r in rows}
    assert by_value[41079.0]["as_of"] == "2023-12-18" and "on Monday" in by_value[41079.0]["sentence"]
    assert by_value[4150.0]["used"] is False and by_value[43610.0]["used"] is True


def test_snapshots_of_an_unknown_asset_is_one_line(markets: Path) -> None:
    result = runner.invoke(make_app(), ["snapshots", "Frogcat"])
    assert result.exit_code != 0
    assert "'Frogcat' is not a known asset" in result.output and "Traceback" not in result.output


def test_stats_json_gives_each_assets_newest_value(markets: Path) -> None:
    result = runner.invoke(make_app(), ["stats", "--json"])
    assert result.exit_code == 0, result.output
    snapshots = json.loads(result.stdout)["snapshots"]
    assert snapshots["Bitcoin"]["latest"]["price"] == {
        "value": 43610.0,
        "unit": "USD",
        "as_of": "2023-12-20",
        "article_id": "mk-btc-wed",
    }
    assert snapshots["Dollar/yen"]["latest"]["price"]["unit"] == "JPY"
