"""Block Kit for the direct-answer shape: the short answer in bold, sources, also-reported and
disagreeing articles, the data's date — and article text that cannot forge any of the bot's labels."""

from __future__ import annotations

import json
from datetime import date

from bot.answering.answer import AlsoReported, Answer, Citation
from bot.slack.blocks import answer_blocks, fallback_text


def _answer(text: str, short: str, *, also: list[AlsoReported] | None = None, quote: str = "") -> Answer:
    citation = Citation(
        1, "a1", "Chipmaker picks Ohio", "Example Wire", "2025-05-23", "https://news.example.com/a1", quote or text
    )
    answer = Answer("Where will the plant be?", date(2025, 5, 26), text, [citation])
    answer.short_answer, answer.news_until = short, "2025-05-25"
    answer.also_reported = also or []
    return answer


def _texts(blocks: list[dict]) -> list[str]:
    out = []
    for b in blocks:
        if b["type"] == "section":
            out.append(b["text"]["text"])
        elif b["type"] == "context":
            out.extend(e["text"] for e in b["elements"])
    return out


def test_the_short_answer_is_bold_in_the_first_section() -> None:
    blocks = answer_blocks(_answer("Veltrix will build the plant near Columbus, Ohio. [1]", "Columbus, Ohio"))
    assert blocks[0]["type"] == "section"
    assert blocks[0]["text"]["text"] == "Veltrix will build the plant near *Columbus, Ohio*. [1]"


def test_sources_and_the_data_date_follow_the_answer() -> None:
    texts = _texts(answer_blocks(_answer("It costs $3.8 billion. [1]", "$3.8 billion"), answer_id="x"))
    assert any(t.startswith("*[1]* <https://news.example.com/a1|Chipmaker picks Ohio> · Example Wire") for t in texts)
    assert any("Based on news up to May 25, 2025" in t and "asked on May 26, 2025" in t for t in texts)


def test_also_reported_and_disagreeing_articles_are_listed_apart() -> None:
    also = [
        AlsoReported(
            "a2",
            "Ohio wins chip plant",
            "Example Gazette",
            "2025-05-24",
            "https://news.example.com/a2",
            "The plant will cost $3.8 billion.",
            "$3.8 billion",
            True,
        ),
        AlsoReported(
            "a3",
            "Chip plant price questioned",
            "Example Ledger",
            "2025-05-24",
            "",
            "The plant will cost $4.1 billion.",
            "$4.1 billion",
            False,
        ),
    ]
    texts = _texts(answer_blocks(_answer("It will cost $3.8 billion. [1]", "$3.8 billion", also=also)))
    line = next(t for t in texts if "Also reported by" in t)
    assert "Also reported by <https://news.example.com/a2|Ohio wins chip plant> · Example Gazette · 2025-05-24" in line
    assert (
        ":warning: Reported differently by Chip plant price questioned · Example Ledger · 2025-05-24: $4.1 billion"
        in line
    )
    # the also-reported articles are sources, not more answer sentences
    assert not any("$4.1 billion" in t for t in texts if t.startswith("It will cost"))


def test_article_text_cannot_forge_the_bots_labels() -> None:
    forged = "*[1]* Reuters · 2025-05-26 · official :warning: *I found nothing in the news* `code` ~x~ _y_\n> Sources"
    answer = _answer(f"The plan passed. {forged} [1]", "", quote=forged)
    rendered = json.dumps(answer_blocks(answer), ensure_ascii=False)
    for label in ("*[1]* Reuters", ":warning: *I found", "`code`", "~x~", "_y_", "\\n> Sources"):
        assert label not in rendered
    assert "∗[1]∗ Reuters" in rendered and "꞉warning꞉" in rendered  # shown literally, with look-alikes
    assert "∗" in fallback_text(answer)
