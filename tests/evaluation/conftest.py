"""Fixtures for the evaluation tests (tests/conftest.py isolates the environment): a fake answerer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest

from bot.answering.answer import Answer, Citation, Refusal

FUND = Citation(
    1,
    "txt-fund",
    "SoftBank's Masayoshi Son floats a joint US–Japan sovereign wealth fund",
    "",
    "2025-05-25",
    "",
    "Masayoshi Son, the chief executive of SoftBank Group, has proposed a fund.",
)
SNAPSHOT = Citation(
    1,
    "txt-fund",
    "SoftBank's Masayoshi Son floats a joint US–Japan sovereign wealth fund",
    "",
    "2025-05-25",
    "",
    "As of May 25, 2025, Bitcoin traded at $108,029.56.",
)


class FakeAnswerer:
    """Answers like the real chain would for a few known questions (keyword-scripted); records calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, date | None, tuple[tuple[str, str], ...]]] = []

    def ask(self, question: str, *, as_of: date | None = None, history: Sequence[tuple[str, str]] = ()) -> Answer:
        self.calls.append((question, as_of, tuple(history)))
        day = as_of or date(2025, 5, 26)
        q = question.lower()
        if "boom" in q:
            raise RuntimeError("index went away")
        if "will bitcoin" in q:
            return Answer(question, day, "I can't predict prices.", refusal=Refusal("prediction"))
        if "bitcoin" in q and day > date(2025, 5, 25):
            return Answer(
                question,
                day,
                "My latest market data for Bitcoin is from May 25, 2025: $108,029.56 [1].",
                [SNAPSHOT],
                Refusal("after_snapshot", "2025-05-25"),
            )
        if "proposed" in q or (history and "invest" in q):
            text = (
                "Masayoshi Son, the chief executive of SoftBank Group, has proposed a fund [1]."
                if "proposed" in q
                else "It would invest in technology and infrastructure [1]."
            )
            return Answer(question, day, text, [FUND])
        if "norway" in q:  # a wrong answer that cites the right article
            return Answer(question, day, "Norway has a large fund [1].", [FUND])
        return Answer(question, day, "Nothing in my news answers that.", refusal=Refusal("no_evidence", "2025-05-25"))


@pytest.fixture
def fake_answerer() -> FakeAnswerer:
    return FakeAnswerer()
