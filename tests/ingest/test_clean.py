"""Tests for ingest.clean: characters, whitespace, boilerplate, template leftovers."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.clean import clean_text, clean_title, html_to_text, is_boilerplate

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "seed" / "us-japan-fund.txt"


def test_invisible_and_control_characters_are_removed() -> None:
    text = "Zero\u200bwidth\u200d and \u202ebidi\u202c\u2066x\u2069 bom\ufeff bell\x07 soft\u00adhyphen"
    assert clean_text(text) == "Zerowidth and bidix bom bell softhyphen"


def test_nfkc_keeps_curly_quotes_and_expands_compatibility_forms() -> None:
    text = "\u201cIt\u2019s fine,\u201d she said\u2026 \ufb01nal\u00a0price \uff11\uff12"
    assert clean_text(text) == "\u201cIt\u2019s fine,\u201d she said... final price 12"


def test_whitespace_is_collapsed_and_paragraphs_kept() -> None:
    text = "  First   line\twith\t\ttabs  \r\nsecond line\r\n\r\n\r\n\n   \nNext paragraph.  \n\n\n"
    assert clean_text(text) == "First line with tabs\nsecond line\n\nNext paragraph."


@pytest.mark.parametrize(
    "line",
    [
        "Advertisement",
        "ADVERTISEMENT",
        "Skip to main content",
        "Subscribe to our newsletter",
        "Share this article",
        "Click here to read more.",
        "Sign up for our daily briefing",
        "© 2025 Example Media. All rights reserved.",
        "Read More",
        "Get the weekly digest: sign up for our Markets newsletter here",
    ],
)
def test_boilerplate_lines_are_dropped(line: str) -> None:
    assert is_boilerplate(line)
    text = f"The council met on Tuesday.\n\n{line}\n\nIt approved the budget."
    assert clean_text(text) == "The council met on Tuesday.\n\nIt approved the budget."


@pytest.mark.parametrize(
    "line",
    [
        "CNN",
        "USATODAY",
        "Shares of the company fell after the advertisement campaign flopped.",
        "Readers who subscribe to the paper were told the plant would close.",
        "The mayor said voters should sign up before the deadline, and many did.",
        "She asked them to share the cost of the new bridge.",
    ],
)
def test_ordinary_lines_are_kept(line: str) -> None:
    assert not is_boilerplate(line)
    assert clean_text(f"Intro.\n\n{line}") == f"Intro.\n\n{line}"


def test_format_number_calls_are_rendered() -> None:
    text = "Volume was formatNumber(46430088175, 2) and fees formatNumber(1234567, 1); tiny formatNumber(12.5, 2)."
    assert clean_text(text) == "Volume was 46.43 billion and fees 1.2 million; tiny 12.50."
    assert clean_text("Cap formatNumber(2150000000000, 2).") == "Cap 2.15 trillion."


def test_other_template_leftovers_are_removed() -> None:
    text = "Price: ${price} today, {{ coin.name }} up {% if up %}."
    assert clean_text(text) == "Price: today, up ."


def test_title_is_one_line() -> None:
    assert clean_title("  Markets\n rally\u200b  again\t") == "Markets rally again"


def test_html_fragment_to_text() -> None:
    fragment = "<p>First &amp; <b>bold</b>.</p><script>x()</script><ul><li>one</li><li>two</li></ul>line<br>break"
    assert html_to_text(fragment) == "First & bold.\n\none\n\ntwo\n\nline\nbreak"
    assert html_to_text("  plain text  ") == "plain text"


def test_seed_article_template_call_is_rendered() -> None:
    if not SEED.exists():
        pytest.skip("../shared/data is not available")
    cleaned = clean_text(SEED.read_text(encoding="utf-8"))
    assert "formatNumber" not in cleaned
    assert "46.43 billion" in cleaned
    assert clean_text(cleaned) == cleaned


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            list("ab .\n\t{}$()%#\u00a0\u200b\u200d\u0301\u2026\ufb01\u00ade\u202e\r")
            + ["Advertisement\n", "formatNumber(123456, 1)", "{{ x }}", "${y}", "Sign up "]
        ),
        max_size=40,
    ).map("".join)
    | st.text(max_size=40)
)
def test_cleaning_is_idempotent(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once
    title = clean_title(text)
    assert clean_title(title) == title


def test_ids_and_urls_lose_terminal_escapes_and_controls() -> None:
    from ingest.articles import to_article
    from ingest.models import RawRecord

    record = RawRecord(
        {
            "id": "a\x1b[31mb",
            "title": "Red \x1b]8;;http://x\x07link\x1b]8;;\x07 title",
            "published": "2024-01-02",
            "url": "https://e.example/\x1b[2Jpage\u202e",
            "source": "S\x07rc",
            "text": "The harbour opened on Monday.",
        },
        "cc.jsonl:1",
    )
    article = to_article(record, max_bytes=10_000)
    for value in (article.id, article.title, article.url, article.source):
        assert not any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F or ch == "\u202e" for ch in value), repr(value)
    assert article.url == "https://e.example/[2Jpage" and article.source == "Src"
