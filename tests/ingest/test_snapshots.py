"""Tests for ingest.snapshots: assets, market figures, dates, coreference and false positives."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from ingest.clean import clean_text
from ingest.snapshots import ASSET_ALIASES, canonical_asset, extract_snapshots, find_assets, read_assets

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "seed" / "us-japan-fund.txt"
PUB = date(2024, 3, 4)


def _facts(text: str, published: date = PUB) -> set[tuple]:
    return {
        (s.asset, s.metric, round(s.value, 4), s.unit, s.as_of, s.period)
        for s in extract_snapshots(text, "a1", published)
    }


def test_dated_crypto_snapshot_with_coreference() -> None:
    text = (
        "Markets were calm.\n"
        "As of March 3, 2024, Ethereum (ETH) trades at $3,412.08 with a market cap of $410.5 billion "
        "and a 24-hour trading volume of 12.75 billion, reflecting a decrease of 8.1% from the previous "
        "period. The coin's market dominance stands at 17.2%, and its price has shifted by 2.35% over "
        "the past week.\n"
        "Analysts expect more volatility."
    )
    d = date(2024, 3, 3)
    assert _facts(text) == {
        ("Ethereum", "price", 3412.08, "USD", d, ""),
        ("Ethereum", "market_cap", 410.5e9, "USD", d, ""),
        ("Ethereum", "volume", 12.75e9, "USD", d, "24h"),
        ("Ethereum", "volume_change", -8.1, "%", d, ""),
        ("Ethereum", "dominance", 17.2, "%", d, ""),
        ("Ethereum", "change", 2.35, "%", d, "7d"),
    }
    snaps = extract_snapshots(text, "a1", PUB)
    assert all(text[s.start : s.end] == s.sentence and s.article_id == "a1" for s in snaps)
    assert {s.sentence[:8] for s in snaps} == {"As of Ma", "The coin"}


def test_looser_phrasing_of_the_same_figures() -> None:
    text = (
        "On Feb. 2, 2024, Solana traded at $98.40, giving it a market capitalization of $43 billion. "
        "Its share of the total crypto market, known as dominance, stood at 2.6%, and its price was up "
        "11% over the week."
    )
    d = date(2024, 2, 2)
    assert _facts(text) == {
        ("Solana", "price", 98.4, "USD", d, ""),
        ("Solana", "market_cap", 43e9, "USD", d, ""),
        ("Solana", "dominance", 2.6, "%", d, ""),
        ("Solana", "change", 11.0, "%", d, "7d"),
    }


def test_seed_article_bitcoin_snapshot() -> None:
    if not SEED.exists():
        pytest.skip("../shared/data is not available")
    text = clean_text(SEED.read_text(encoding="utf-8"))
    facts = _facts(text, date(2025, 5, 26))
    d = date(2025, 5, 25)
    assert ("Bitcoin", "price", 108029.56, "USD", d, "") in facts
    assert ("Bitcoin", "market_cap", 2.15e12, "USD", d, "") in facts
    assert ("Bitcoin", "volume", 46.43e9, "USD", d, "24h") in facts
    assert ("Bitcoin", "dominance", 63.27, "%", d, "") in facts
    assert ("Bitcoin", "change", 4.29, "%", d, "7d") in facts
    assert not any(f[1] == "change" and abs(f[2]) == 29.46 for f in facts)


def test_undated_sentence_takes_the_publication_date() -> None:
    assert _facts("Bitcoin is trading at $41,079 on Monday.", date(2022, 1, 10)) == {
        ("Bitcoin", "price", 41079.0, "USD", date(2022, 1, 10), "")
    }


def test_abbreviations_do_not_split_sentences() -> None:
    text = "On Jan. 5, 2023, U.S. crude oil settled at $73.67 a barrel, down 1.2% on the day."
    assert _facts(text, date(2023, 1, 6)) == {
        ("Oil", "price", 73.67, "USD", date(2023, 1, 5), ""),
        ("Oil", "change", -1.2, "%", date(2023, 1, 5), "24h"),
    }


def test_prose_prices_of_a_real_market_week() -> None:
    """Figures in running prose, dated by the day they name; levels, targets and forecasts are not prices."""
    tuesday = date(2023, 12, 19)
    assert _facts(
        "Bitcoin (BTC) slipped on Monday, trading at $41,079 as traders watched the $42,000 mark.", tuesday
    ) == {("Bitcoin", "price", 41079.0, "USD", date(2023, 12, 18), "")}
    for sentence in (
        "Analysts said the coin could hit $80,000 next year.",
        "A fund manager said his firm's price target for bitcoin is $100,000.",
        "Bitcoin slid below the pivotal $42,000 mark.",
        "Its all-time high of $69,000 was set in November 2021.",
        "Dogecoin traded in the $0.09 range for most of the week.",
    ):
        assert _facts(sentence, tuesday) == set(), sentence
    assert _facts("Solana jumped 9% to $74.20 on Tuesday, its highest since May 2022.", date(2023, 12, 20)) == {
        ("Solana", "change", 9.0, "%", tuesday, ""),
        ("Solana", "price", 74.2, "USD", tuesday, ""),
    }


def test_newswire_commodity_and_currency_quotes() -> None:
    monday = date(1987, 3, 2)
    assert _facts("Gold closed at 405.50 dlrs an ounce in London on Monday.", monday) == {
        ("Gold", "price", 405.5, "USD", monday, "")
    }
    assert _facts("The dollar closed at 153.20 yen in Tokyo on Monday.", monday) == {
        ("Dollar/yen", "price", 153.2, "JPY", monday, "")
    }
    assert _facts("U.S. crude oil for April delivery settled at 18.05 dlrs a barrel on Monday.", monday) == {
        ("Oil", "price", 18.05, "USD", monday, "")
    }
    assert _facts("The dollar fell 2% against the mark.", monday) == set()  # a currency alone is no asset


def test_index_level_and_change() -> None:
    friday = date(2024, 3, 1)  # "on Friday" in an article of Monday 4 March
    assert _facts("The S&P 500 fell 1.2% to 4,500.10 on Friday.") == {
        ("S&P 500", "change", -1.2, "%", friday, ""),
        ("S&P 500", "price", 4500.1, "points", friday, ""),
    }
    assert _facts("The Dow closed at 38,996.39, and the Nasdaq Composite rose 0.4%.") == {
        ("Dow Jones", "price", 38996.39, "points", PUB, ""),
        ("Nasdaq", "change", 0.4, "%", PUB, ""),
    }


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        ("Gold rose to $2,350.40 an ounce.", ("Gold", "price", 2350.4, "USD", PUB, "")),
        ("Bitcoin trades at €58,200 in Europe.", ("Bitcoin", "price", 58200.0, "EUR", PUB, "")),
        (
            "Ether's 24-hour trading volume of $1.2bn was thin.",
            ("Ethereum", "volume", 1.2e9, "USD", PUB, "24h"),
        ),
        ("Solana (SOL) hit $140 before it slipped.", ("Solana", "price", 140.0, "USD", PUB, "")),
        ("Brent crude was down 3 percent this week.", ("Oil", "change", -3.0, "%", PUB, "7d")),
        ("Silver prices have gained 12% year-to-date.", ("Silver", "change", 12.0, "%", PUB, "ytd")),
        ("Gold closed at $2,050 yesterday.", ("Gold", "price", 2050.0, "USD", date(2024, 3, 3), "")),
    ],
)
def test_single_figures(text: str, fact: tuple) -> None:
    assert _facts(text) == {fact}


def test_date_and_asset_carry_only_within_a_paragraph() -> None:
    text = (
        "On March 1, 2024, Bitcoin traded at $61,000. The coin's dominance stands at 52.1%.\n"
        "Its price jumped 5% in 24 hours."
    )
    assert _facts(text) == {
        ("Bitcoin", "price", 61000.0, "USD", date(2024, 3, 1), ""),
        ("Bitcoin", "dominance", 52.1, "%", date(2024, 3, 1), ""),
    }


@pytest.mark.parametrize(
    "text",
    [
        "The company's shares rose 5% after the earnings report.",
        "She won a gold medal and a $10,000 prize.",
        "The gold medalist's sponsor paid $2 million.",
        "The oil spill covered 5 miles of coast.",
        "Olive oil prices rose 20% this year.",
        "Oil exports fell 5% in March.",
        "US crude oil production will hit 12 million barrels per day.",
        "Emissions from fuels such as coal and oil have increased by 20 percent.",
        "In 1973, the Dow lost 20% of its value.",
        "The Nasdaq and S&P 500 gained 2.3% and 2.6%, respectively.",
        "Bitcoin makes up about 42% of the crypto market.",
        "The ring is 14k yellow gold (price: $2,919).",
        "Shares of the oil producer are up 36% this year.",
        "Oil plunged and hit 2022 lows on Monday.",
        "The S&P Global report said prices rose 4%.",
        "Gold is back in fashion. The company said sales rose 8%.",
    ],
)
def test_no_false_positives(text: str) -> None:
    assert extract_snapshots(text, "a1", PUB) == []


def test_only_the_asset_clause_counts() -> None:
    assert _facts("Bitcoin rose 5% as inflation rose 3%.") == {("Bitcoin", "change", 5.0, "%", PUB, "")}


def test_canonical_asset_and_aliases() -> None:
    assert canonical_asset("BTC") == "Bitcoin"
    assert canonical_asset(" bitcoin ") == "Bitcoin"
    assert canonical_asset("ether") == "Ethereum"
    assert canonical_asset("$SOL") == "Solana"
    assert canonical_asset("sol") is None
    assert canonical_asset("s&p 500") == "S&P 500"
    assert canonical_asset("Brent") == "Oil"
    assert canonical_asset("Natural Gas") == "Natural gas"
    assert canonical_asset("Microsoft") == "Microsoft" and canonical_asset("AAPL") == "Apple"
    assert canonical_asset("Acme Widgets") is None
    assert ASSET_ALIASES["the dow"] == "Dow Jones"


def test_find_assets_in_questions() -> None:
    assert find_assets("BTC price?") == ["Bitcoin"]
    assert find_assets("What were ether and gold worth, and bitcoin?") == ["Ethereum", "Gold", "Bitcoin"]
    assert find_assets("How did the S&P 500 and the Dow do on Friday?") == ["S&P 500", "Dow Jones"]
    assert find_assets("Who won the gold medal in the oil spill clean-up?") == []
    assert find_assets("What is the weather like?") == []


def test_no_asset_article_is_fast() -> None:
    paragraph = (
        "The city council voted on Tuesday to approve a new budget of $4.2 billion, up 3% from last "
        "year, after a long debate about schools, roads and the library system in the northern districts."
    )
    text = "\n\n".join([paragraph] * 25)[:5000]
    assert extract_snapshots(text, "a1", PUB) == []
    best = min(_timed(text) for _ in range(20))
    assert best < 0.001, f"{best * 1000:.2f} ms for 5 KB without assets"


def _timed(text: str) -> float:
    start = time.perf_counter()
    extract_snapshots(text, "a1", PUB)
    return time.perf_counter() - start


def test_the_asset_file_format() -> None:
    table = read_assets(
        "# a comment\nAcme | stock | acme shares, ACME\nDollar/franc | pair US dollar francs | dollar/franc\n"
    )
    assert table.aliases["Acme"] == ("acme shares", "ACME") and table.kinds["Acme"] == "stock"
    assert table.pairs[("US dollar", "francs")] == "Dollar/franc" and table.kinds["Dollar/franc"] == "pair"
