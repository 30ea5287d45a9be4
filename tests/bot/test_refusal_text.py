"""The no-evidence refusal says what the news covers: its span and its most frequent sources, counted."""

from __future__ import annotations

from bot.answering.refusal import no_evidence_text
from ingest import Coverage


def test_no_evidence_names_the_most_frequent_sources_with_counts() -> None:
    sources = {"Tiny Gazette": 1, "Daily Wire Service": 1200, "unknown": 900, "Metro Post": 45, "City Herald": 300}
    sources |= {f"Outlet {n}": 2 for n in range(4)}
    text = no_evidence_text(Coverage(articles=2456, first="2025-01-02", last="2025-05-25", sources=sources))
    assert "2,456 articles" in text
    assert (
        "most from Daily Wire Service (1,200), City Herald (300), Metro Post (45), Outlet 0 (2), Outlet 1 (2)" in text
    )
    assert "and others" in text and "Tiny Gazette" not in text and "unknown" not in text


def test_no_evidence_with_few_sources_lists_them_all() -> None:
    text = no_evidence_text(Coverage(articles=1, first="2025-05-25", last="2025-05-25", sources={"Seed News": 1}))
    assert "1 article from" in text and "most from Seed News (1)." in text and "others" not in text
