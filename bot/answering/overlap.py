"""Keyword overlap between a question and a text: stems, idf-weighted question words, coverage.

Shared by retrieval (reranking passages), the extractive answerer (scoring sentences) and the chat
model's citation check."""

from __future__ import annotations

import re
from collections.abc import Callable

from ingest import keywords

_LAST_SENTENCE = re.compile(r"[^.?!]*[?!.]?\s*$")


def stem(word: str) -> str:
    """A crude suffix stripper, enough to match "launch"/"launched"/"launches"."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def stems(text: str) -> set[str]:
    """The stemmed keywords of ``text``."""
    return {stem(w) for w in keywords(text)}


def question_weights(question: str, idf: Callable[[str], float]) -> dict[str, float]:
    """Question keywords (stemmed) with idf weights; the words of its last sentence count double."""
    focus = stems(_LAST_SENTENCE.search(question.strip()).group(0))  # type: ignore[union-attr]
    weights: dict[str, float] = {}
    for k in keywords(question):
        s = stem(k)
        weights[s] = max(weights.get(s, 0.0), idf(k) * (2.0 if s in focus else 1.0))
    return weights


def coverage(text: str, weights: dict[str, float]) -> float:
    """The weighted share of the question's keywords that ``text`` contains."""
    total = sum(weights.values())
    if not total:
        return 0.0
    present = stems(text)
    return sum(w for k, w in weights.items() if k in present) / total
