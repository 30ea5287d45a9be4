"""Keyword overlap between a question and a text: stems, idf-weighted question words, coverage.

Shared by retrieval (reranking passages), the extractive answerer (scoring sentences) and the chat
model's citation check."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from importlib.resources import files

from bot.answering.followup import without_context
from ingest import keywords

_LAST_SENTENCE = re.compile(r"[^.?!]*[?!.]?\s*$")


def stem(word: str) -> str:
    """A crude suffix stripper, enough to match "launch"/"launched"/"launches" and "Veltrix's"/"Veltrix"."""
    if word.endswith(("'s", "’s")):
        word = word[:-2]
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word[:-1] if word.endswith("e") and len(word) > 4 else word  # "propose" like "proposed"


def stems(text: str) -> set[str]:
    """The stemmed keywords of ``text``."""
    return {stem(w) for w in keywords(text)}


def question_weights(question: str, idf: Callable[[str], float]) -> dict[str, float]:
    """Question keywords (stemmed) with idf weights; the words of its last sentence count double.

    A keyword with synonyms (``data/synonyms.txt``) is keyed ``stem|synonym|…``: any of them matches."""
    focus = stems(_LAST_SENTENCE.search(without_context(question)).group(0))  # type: ignore[union-attr]
    alternatives = _alternatives(question)
    weights: dict[str, float] = {}
    for k in keywords(question):
        s = stem(k)
        key = "|".join([s, *sorted(alternatives.pop(s, set()) - {s})]) if s in alternatives else s
        weights[key] = max(weights.get(key, 0.0), idf(k) * (2.0 if s in focus else 1.0))
    for s, alts in alternatives.items():  # a synonym-bearing word too common to be a keyword ("made")
        if not any(s in key.split("|") for key in weights):
            weights["|".join([s, *sorted(alts - {s})])] = idf(s) * (2.0 if s in focus else 1.0)
    return weights


@cache
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    """The synonym groups, lower-cased (``data/synonyms.txt``)."""
    text = files("bot.answering").joinpath("data/synonyms.txt").read_text(encoding="utf-8")
    groups = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            groups.append(tuple(w.strip().lower() for w in line.split(",") if w.strip()))
    return tuple(groups)


def _alternatives(question: str) -> dict[str, set[str]]:
    """Each question keyword stem (or the keyword of a phrase) → the single-word synonyms it may match."""
    words = re.findall(r"[\w'’]+", question.lower())
    text = " " + " ".join(words) + " "
    word_stems = {stem(w) for w in words}
    out: dict[str, set[str]] = {}
    for group in synonym_groups():
        present = [m for m in group if f" {m} " in text or (" " not in m and stem(m) in word_stems)]
        if not present:
            continue
        singles = {stem(m) for m in group if " " not in m}
        for member in present:
            for word in keywords(member) or member.split():
                out.setdefault(stem(word), set()).update(singles)
    return out


def coverage(text: str, weights: dict[str, float]) -> float:
    """The weighted share of the question's keywords that ``text`` contains."""
    total = sum(weights.values())
    if not total:
        return 0.0
    present = stems(text)
    return (
        sum(w for k, w in weights.items() if k in present or ("|" in k and not present.isdisjoint(k.split("|"))))
        / total
    )
