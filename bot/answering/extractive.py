"""The default answerer: picks the sentences that answer the question and quotes them verbatim.

No model download, no API key, deterministic. Each sentence of the top passages is scored by how much
of the question it covers (idf-weighted, the question's last sentence counting double) on its own and
with its neighbours, whether it holds the kind of thing asked for (a name for "who", a number for "how
many", a date for "when") that the question does not already say, and its passage's closeness to the
question and rank. (Re-encoding sentences to compare their meaning gained 1.4 points of answer accuracy
on the realtimeqa slice for ~150 ms a question: not worth it against the latency target.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.answering.overlap import coverage, stems
from bot.answering.question import ParsedQuestion
from bot.answering.retrieval import Passage
from ingest import sentence_spans

_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][\w'’\-]+(?:\s+(?:of\s+|the\s+|[A-Z]\.\s*)?[A-Z][\w'’\-]+)*")
_NUMBER = re.compile(
    r"[$€£]\s?\d[\d,.]*|\b\d[\d,.]*(?:\s*(?:%|percent|million|billion|trillion|thousand))?"
    r"|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|"
    r"dozen)\b(?:[\s-]+\w+)?",
    re.I,
)
_DATE = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d|\b(?:19|20)\d\d\b|"
    r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|today)\b"
)
_YEAR = re.compile(r"\b(?:1[5-9]|20)\d\d\b")
_ANSWER_TYPE: dict[str, re.Pattern[str]] = {
    "who": _NAME,
    "whom": _NAME,
    "whose": _NAME,
    "which": _NAME,
    "where": _NAME,
    "how much": _NUMBER,
    "how many": _NUMBER,
    "how long": _NUMBER,
    "how large": _NUMBER,
    "how big": _NUMBER,
    "how far": _NUMBER,
    "how fast": _NUMBER,
    "how high": _NUMBER,
    "how tall": _NUMBER,
    "how old": _NUMBER,
    "when": _DATE,
}
_ASKS_YEAR = re.compile(r"\b(?:what|which) year\b", re.I)
_ASKS_NAME = re.compile(r"\b(?:called|named|name of|nicknamed|titled)\b", re.I)
# Article text is untrusted: sentences that address a model or carry Slack markup are never quoted.
_UNTRUSTED = re.compile(
    r"ignore\s+(?:all\s+|any\s+|your\s+|the\s+|previous\s+|prior\s+|above\s+)*(?:instructions|rules|prompts?)"
    r"|disregard\s+(?:all|any|your|previous|prior|the)|system\s+(?:note|prompt|message|instruction)"
    r"|you\s+are\s+(?:now\s+)?(?:an?\s+)?(?:ai|assistant|chatbot|language model)|<[!@#]|<https?:|\bPWNED\b",
    re.I,
)
# Feature weights, tuned on the realtimeqa dev slice (benchmarks/realtimeqa_bench.py).
# The passage's own closeness to the question dominates: the answer usually sits in the best passage.
WEIGHTS = {"own": 0.15, "context": 0.4, "passage": 1.1, "rank": 0.3, "typed": 0.15, "restates": 0.17}


@dataclass(frozen=True)
class Candidate:
    """A sentence of a passage with its score; ``start``/``end`` are offsets into the article text."""

    passage: int  # index into the passages list
    text: str
    start: int
    end: int
    score: float
    coverage: float
    typed: bool = False  # holds the kind of answer asked for


def _answer_pattern(parsed: ParsedQuestion) -> re.Pattern[str] | None:
    if _ASKS_YEAR.search(parsed.text):
        return _YEAR
    if _ASKS_NAME.search(parsed.text):
        return _NAME
    return _ANSWER_TYPE.get(parsed.wh)


def _has_new_answer(sentence: str, pattern: re.Pattern[str], question_words: set[str]) -> bool:
    """True when the sentence holds a name/number/date of the asked kind that the question lacks."""
    for match in pattern.finditer(sentence):
        words = stems(match.group(0)) or {match.group(0).strip().lower()}
        if not words <= question_words:
            return True
    return False


def candidates(
    parsed: ParsedQuestion, passages: Sequence[Passage], weights: dict[str, float], limit: int = 6
) -> list[Candidate]:
    """Every sentence of the top passages, scored without the model."""
    question_words = stems(parsed.text)
    pattern = _answer_pattern(parsed)
    found: list[Candidate] = []
    for i, p in enumerate(passages[:limit]):
        text = p.chunk.text
        spans = sentence_spans(text)
        sentences = [text[a:b] for a, b in spans]
        covs = [coverage(s, weights) for s in sentences]
        for j, ((a, b), sentence) in enumerate(zip(spans, sentences, strict=True)):
            words = stems(sentence)
            if len(words) < 3 or len(sentence) > 700 or _UNTRUSTED.search(sentence):
                continue
            neighbours = max(covs[j - 1] if j else 0.0, covs[j + 1] if j + 1 < len(covs) else 0.0)
            new_words = words - question_words
            typed = pattern is not None and _has_new_answer(sentence, pattern, question_words)
            score = (
                WEIGHTS["own"] * covs[j]
                + WEIGHTS["context"] * max(covs[j], neighbours)
                + WEIGHTS["passage"] * p.dense
                + WEIGHTS["rank"] * (1 - i / limit)
                + (WEIGHTS["typed"] if typed else 0.0)
                - (WEIGHTS["restates"] if not new_words else 0.0)  # restates the question, answers nothing
            )
            found.append(Candidate(i, sentence, p.chunk.start + a, p.chunk.start + b, score, covs[j], typed))
    return found


def choose(
    ranked: list[Candidate],
    article_ids: Sequence[str],
    *,
    max_sentences: int = 6,
    lead_sentences: int = 3,
    max_articles: int = 4,
    ratio: float = 0.5,
    other_coverage: float = 0.1,
) -> list[Candidate]:
    """The best sentences: up to three from the best sentence's article, then one from each of up to three
    other articles that share enough of the question's words, skipping near-repeats and filler
    (how the breadth was chosen: docs/architecture.md, "Benchmark history")."""
    if not ranked:
        return []
    lead = article_ids[ranked[0].passage]
    chosen: list[Candidate] = []
    per_article: dict[str, int] = {}
    for c in ranked:
        if len(chosen) >= max_sentences or c.score < ratio * ranked[0].score:
            break
        article = article_ids[c.passage]
        if article != lead and c.coverage <= other_coverage:
            continue  # another article's sentence sharing (almost) none of the question's words: filler
        if per_article.get(article, 0) >= (lead_sentences if article == lead else 1):
            continue
        if article not in per_article and len(per_article) >= max_articles:
            continue
        if any(coverage(c.text, {w: 1.0 for w in stems(x.text)}) >= 0.7 for x in chosen):
            continue  # says again what a chosen sentence said (the same story from another outlet)
        per_article[article] = per_article.get(article, 0) + 1
        chosen.append(c)
    return chosen
