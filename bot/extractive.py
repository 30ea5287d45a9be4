"""The default answerer: picks the sentences that answer the question and quotes them verbatim.

No model download, no API key, deterministic. Sentences are scored by how much of the question they
cover (idf-weighted), whether they hold the kind of thing asked for (a name for "who", a number for
"how much", a date for "when"), their meaning's closeness to the question, and their passage's rank.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.question import ParsedQuestion
from bot.retrieval import Passage
from ingest.catalog import keywords
from ingest.sentences import sentence_spans

_NAME = re.compile(r"\b[A-Z][a-z'’\-]+(?:\s+(?:[A-Z]\.\s*)?[A-Z][a-z'’\-]+)+\b")
_NUMBER = re.compile(r"[$€£]\s?\d|\b\d[\d,.]*\s*(?:%|percent|million|billion|trillion|thousand)?")
_DATE = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d|\b(?:19|20)\d\d\b|"
    r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|today)\b"
)
_PLACE = re.compile(r"\b(?:in|at|near|from)\s+(?:the\s+)?[A-Z][a-z]+")
_ANSWER_TYPE: dict[str, re.Pattern[str]] = {
    "who": _NAME,
    "whom": _NAME,
    "whose": _NAME,
    "how much": _NUMBER,
    "how many": _NUMBER,
    "how long": _NUMBER,
    "how old": _NUMBER,
    "when": _DATE,
    "where": _PLACE,
}


def stem(word: str) -> str:
    """A crude suffix stripper, enough to match "proposed" with "proposal"-less "propose"."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@dataclass(frozen=True)
class Candidate:
    """A sentence of a passage with its score; ``start``/``end`` are offsets into the article text."""

    passage: int  # index into the passages list
    text: str
    start: int
    end: int
    score: float
    coverage: float


def question_weights(question: str, idf: Callable[[str], float]) -> dict[str, float]:
    """Question keywords (stemmed) with their idf weights."""
    return {stem(k): idf(k) for k in keywords(question)}


def coverage(text: str, weights: dict[str, float]) -> float:
    """The idf-weighted share of the question's keywords that ``text`` contains."""
    total = sum(weights.values())
    if not total:
        return 0.0
    present = {stem(w) for w in keywords(text)}
    return sum(w for k, w in weights.items() if k in present) / total


def candidates(
    parsed: ParsedQuestion, passages: Sequence[Passage], weights: dict[str, float], limit: int = 6
) -> list[Candidate]:
    """Every sentence of the top passages, scored."""
    question_words = {stem(w) for w in keywords(parsed.text)}
    answer_type = _ANSWER_TYPE.get(parsed.wh)
    found: list[Candidate] = []
    for i, p in enumerate(passages[:limit]):
        text = p.chunk.text
        for a, b in sentence_spans(text):
            sentence = text[a:b]
            words = keywords(sentence)
            if len(words) < 3 or len(sentence) > 600:
                continue
            cov = coverage(sentence, weights)
            new_words = [w for w in words if stem(w) not in question_words]
            score = cov + 0.25 * p.dense + 0.15 * (1 - i / limit)
            if answer_type is not None:
                hits = [m.group(0) for m in answer_type.finditer(sentence)]
                if any(stem(h.lower().split()[-1]) not in question_words for h in hits):
                    score += 0.2
            if not new_words:
                score -= 0.3  # restates the question without answering it
            found.append(Candidate(i, sentence, p.chunk.start + a, p.chunk.start + b, score, cov))
    return found


def rerank_by_meaning(
    found: list[Candidate], query_vector: np.ndarray, embed: Callable[[list[str]], np.ndarray], top: int = 10
) -> list[Candidate]:
    """Add semantic closeness to the question for the best few sentences (one small encode batch)."""
    best = sorted(found, key=lambda c: -c.score)[:top]
    if not best:
        return []
    sims = embed([c.text for c in best]) @ query_vector
    return sorted(
        (
            Candidate(c.passage, c.text, c.start, c.end, c.score + 0.5 * float(s), c.coverage)
            for c, s in zip(best, sims, strict=True)
        ),
        key=lambda c: -c.score,
    )


def choose(ranked: list[Candidate], max_sentences: int = 2, ratio: float = 0.8) -> list[Candidate]:
    """The best sentence, plus the next one when it scores nearly as well and says something else."""
    if not ranked:
        return []
    chosen = [ranked[0]]
    for c in ranked[1:]:
        if len(chosen) >= max_sentences or c.score < ratio * ranked[0].score:
            break
        if all(coverage(c.text, {stem(w): 1.0 for w in keywords(x.text)}) < 0.7 for x in chosen):
            chosen.append(c)
    return chosen
