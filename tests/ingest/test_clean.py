"""Tests for ingest.clean: characters, whitespace, boilerplate, template leftovers."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest import boilerplate
from ingest.boilerplate import is_boilerplate
from ingest.clean import clean_text, clean_title, html_to_text
from ingest.errors import ConfigError

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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The pier opened on Sunday. Continue reading...", "The pier opened on Sunday."),
        ("The pier opened on Sunday.\n\nContinue reading…", "The pier opened on Sunday."),
        ("Storm closes the ferry.\n\nClick here to watch live", "Storm closes the ferry."),
        ("Storm closes the ferry.\n\nWatch live: the harbour webcam", "Storm closes the ferry."),
        ("submitted by /u/harbor_fan to r/news [link] [12 comments]", ""),
        ("Ferry back in service.\n\nsubmitted by /u/ola [link] [comments]", "Ferry back in service."),
        ("Turkey and Poland sign a deal\n\nT\n\nurkey, Poland and Chile signed.", "Turkey and Poland sign a deal\n\nTurkey, Poland and Chile signed."),
        ("A\nfter the vote, the mayor left.", "After the vote, the mayor left."),
        ("A\nman was rescued from the harbour.", "A man was rescued from the harbour."),
        ("I\nt rained all week.", "It rained all week."),
    ],
)  # fmt: skip
def test_furniture_at_line_ends_reddit_lines_and_split_drop_caps(text: str, expected: str) -> None:
    assert clean_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Pupils were told to continue reading at home.",
        "Fans can watch live coverage of the regatta on the city channel from noon, the organisers said today.",
        "The report was submitted by the harbour master on Monday.",
        "Plan B\nwas never needed.",
    ],
)
def test_prose_that_resembles_furniture_is_kept(text: str) -> None:
    assert clean_text(text) == text


def test_operators_add_their_own_rules_and_a_bad_rule_names_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules_file = tmp_path / "house-rules.txt"
    rules_file.write_text("# our site's furniture\nline | tip line | got a tip\\? .{0,80}\n", encoding="utf-8")
    monkeypatch.setenv("NEWSBOT_BOILERPLATE_FILE", str(rules_file))
    boilerplate.rules.cache_clear()
    try:
        assert clean_text("The quay reopened.\n\nGot a tip? Email the tip line.") == "The quay reopened."
        assert clean_text("Advertisement\n\nThe quay reopened.") == "The quay reopened."  # packaged rules still apply
        rules_file.write_text("line | x | (unclosed\n", encoding="utf-8")
        boilerplate.rules.cache_clear()
        with pytest.raises(ConfigError, match=r"house-rules.txt:1: bad pattern"):
            clean_text("text")
        rules_file.write_text("whole | x | y\n", encoding="utf-8")
        boilerplate.rules.cache_clear()
        with pytest.raises(ConfigError, match=r"house-rules.txt:1: expected 'line\|tail"):
            clean_text("text")
    finally:
        monkeypatch.delenv("NEWSBOT_BOILERPLATE_FILE")
        boilerplate.rules.cache_clear()
