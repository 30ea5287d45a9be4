"""The default answerer: finds the one sentence that answers the question and quotes it verbatim.

No model download, no API key, deterministic. Each prose sentence of the top passages (headings, list
items, bylines, captions and "Read more" lines are structure, never quoted) is scored by how much of
the question it covers — the question's own sentence most — on its own and with its neighbours, whether
it holds the kind of thing asked for (a name for "who", a number for "how many", a date for "when")
that the question does not already say, its passage's closeness to the question and rank, and whether
it was published in the time the question names ("this week"). The
best sentence is the direct answer; its short answer is the span of the asked kind nearest the
question's words; up to two more sentences of the same article support it; other articles holding
the same short answer are "also reported", and those giving a different one for the same statement
disagree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.answering.answer_type import Slot
from bot.answering.overlap import coverage, stems
from bot.answering.retrieval import Passage
from ingest import sentence_units, without_dateline

# Article text is untrusted: sentences that address a model or carry Slack markup are never quoted.
_UNTRUSTED = re.compile(
    r"ignore\s+(?:all\s+|any\s+|your\s+|the\s+|previous\s+|prior\s+|above\s+)*(?:instructions|rules|prompts?)"
    r"|disregard\s+(?:all|any|your|previous|prior|the)|system\s+(?:note|prompt|message|instruction)"
    r"|you\s+are\s+(?:now\s+)?(?:an?\s+)?(?:ai|assistant|chatbot|language model)|<[!@#]|<https?:|\bPWNED\b",
    re.I,
)
# Feature weights, tuned on the realtimeqa slice and checked on its full corpus and tests/cases
# (benchmarks/realtimeqa_bench.py; docs/evaluation.md). The passage's closeness to the question
# dominates: the answer usually sits in the best passage.
WEIGHTS = {
    "own": 0.15,
    "context": 0.21,
    "passage": 1.1,
    "rank": 0.3,
    "typed": 0.15,
    "restates": 0.17,
    "lead": 0.04,
    "near": 0.08,
    "lacks_figure": 0.2,
    "counts": 0.2,
    "unrelated": 0.1,
    "out_of_period": 1.0,
}
MAX_SENTENCE_CHARS = 700
CANDIDATE_PASSAGES = 6  # sentences are taken from this many of the best passages
SUPPORT_MIN_COVERAGE = 0.1
REPLY_WORDS = 55  # supporting sentences are added while the reply stays within this many words
REPORT_MIN_SCORE = 0.5  # another article's sentence scoring at least this share of the direct answer's …
REPORT_MIN_SIMILAR = 0.2  # … and sharing this share of its words may report the same fact
REPORT_SAME_SENTENCE = 0.5  # with no short answer to compare, a sentence must share this share of its words


@dataclass(frozen=True)
class Candidate:
    """A prose sentence of a passage with its score; ``start``/``end`` are offsets into the article text."""

    passage: int  # index into the passages list
    text: str
    start: int
    end: int
    score: float
    coverage: float
    features: dict[str, float] = field(default_factory=dict, compare=False)


def candidates(
    wanted: Slot,
    passages: Sequence[Passage],
    weights: dict[str, float],
    limit: int = CANDIDATE_PASSAGES,
    start: int = 0,
) -> list[Candidate]:
    """Every prose sentence of passages ``start`` to ``limit``, scored without a model."""
    question_words = wanted.question_words
    found: list[Candidate] = []
    for i in range(start, min(limit, len(passages))):
        p = passages[i]
        text = p.chunk.text
        units = sentence_units(text)
        covs = [coverage(text[u.start : u.end], weights) for u in units]
        prose_seen = 0
        for j, unit in enumerate(units):
            if unit.kind != "prose":
                continue
            prose_seen += 1
            start = without_dateline(text, unit.start, unit.end)
            sentence = text[start : unit.end]
            words = stems(sentence)
            if len(words) < 3 or len(sentence) > MAX_SENTENCE_CHARS or _UNTRUSTED.search(sentence):
                continue
            neighbours = max(covs[j - 1] if j else 0.0, covs[j + 1] if j + 1 < len(covs) else 0.0)
            spans = wanted.spans(sentence)
            near = wanted.nearest(sentence, spans)
            typed = bool(spans)  # holds the kind of answer asked for
            features = {
                "own": covs[j],
                "context": max(covs[j], neighbours),
                "passage": p.dense,
                "rank": max(0.0, 1 - i / CANDIDATE_PASSAGES),
                "typed": float(typed),
                "restates": -float(not (words - question_words)),  # restates the question, answers nothing
                "unrelated": -float(covs[j] == 0.0),  # shares none of the question's words
                "lead": float(p.chunk.position == 0 and prose_seen <= 2),
                "near": 1.0 / (1.0 + near[1]) if near else 0.0,  # the asked kind sits by the question's words
                "counts": float(wanted.counts(sentence, spans)),  # "40,000 visitors" for "how many visitors"
                # a number, date or year asked for and none here: it cannot be the answer
                "lacks_figure": -float(not typed and wanted.kind in {"number", "date", "year"}),
                # news from outside the time the question names ("this week"): not what it asks about
                "out_of_period": p.in_period - 1.0,
            }
            score = sum(WEIGHTS[k] * v for k, v in features.items())
            found.append(
                Candidate(i, sentence, p.chunk.start + start, p.chunk.start + unit.end, score, covs[j], features)
            )
    return found


@dataclass(frozen=True)
class Report:
    """Another article's sentence stating the answer's fact: the same short answer, or a different one."""

    candidate: Candidate
    short: str
    agrees: bool


@dataclass(frozen=True)
class Reply:
    """The extractive reply: a direct-answer sentence, its short answer, support, and other reports."""

    direct: Candidate
    short: tuple[int, int] | None  # offsets of the short answer within ``direct.text``
    support: list[Candidate]
    reports: list[Report]


def _similar(a: str, b: str, threshold: float) -> bool:
    return coverage(a, {w: 1.0 for w in stems(b)}) >= threshold


def compose(
    wanted: Slot,
    ranked: Sequence[Candidate],
    article_ids: Sequence[str],
    *,
    max_support: int = 2,
    support_ratio: float = 0.8,
    max_reports: int = 3,
    also_from: Sequence[Candidate] = (),
) -> Reply | None:
    """The direct answer (the best sentence), then up to ``max_support`` sentences of its article scoring
    within ``support_ratio`` of it while the reply stays short, and other articles reporting the same fact
    (among ``ranked`` and ``also_from``: sentences of further passages, which only ever report)."""
    if not ranked:
        return None
    direct = ranked[0]
    span = wanted.short_answer(direct.text)
    lead = article_ids[direct.passage]
    words = len(direct.text.split())
    support: list[Candidate] = []
    for c in ranked[1:]:
        if len(support) >= max_support or c.score < support_ratio * direct.score:
            break
        if article_ids[c.passage] != lead or c.start == direct.start or _similar(c.text, direct.text, 0.7):
            continue
        if c.coverage < max(SUPPORT_MIN_COVERAGE, 0.5 * direct.coverage):
            continue  # shares too few of the question's words to support the answer
        if words + len(c.text.split()) <= REPLY_WORDS:
            support.append(c)
            words += len(c.text.split())
    short = direct.text[span[0] : span[1]] if span else ""
    pool = sorted([*ranked, *also_from], key=lambda c: -c.score) if also_from else ranked
    reports = _reports(wanted, short, direct, pool, article_ids, max_reports)
    return Reply(direct, span, sorted(support, key=lambda c: c.start), reports)


def _reports(
    wanted: Slot,
    short: str,
    direct: Candidate,
    ranked: Sequence[Candidate],
    article_ids: Sequence[str],
    limit: int,
) -> list[Report]:
    """Other articles' sentences saying what the direct answer says (sharing its words) with the same short
    answer (they agree) or, for a number or date, a different one (they disagree). Without a short answer,
    a sentence sharing most of the direct answer's words reports the same thing."""
    short_words = stems(short) or {short.lower()}
    seen = {article_ids[direct.passage]}
    reports: list[Report] = []
    for c in ranked:
        article = article_ids[c.passage]
        if article in seen or c.score < REPORT_MIN_SCORE * direct.score:
            continue
        if not _similar(c.text, direct.text, REPORT_MIN_SIMILAR if short else REPORT_SAME_SENTENCE):
            continue
        report = _report(wanted, short, short_words, direct, c)
        if report is not None:
            seen.add(article)
            reports.append(report)
        if len(reports) >= limit:
            break
    return reports


def _report(wanted: Slot, short: str, short_words: set[str], direct: Candidate, c: Candidate) -> Report | None:
    """What ``c`` (a sentence sharing the direct answer's words) reports of its fact, if anything."""
    if not short:
        return Report(c, "", True)
    if short_words <= stems(c.text) or short.lower() in c.text.lower():
        return Report(c, short, True)
    span = wanted.short_answer(c.text)
    other = c.text[span[0] : span[1]] if span else ""
    if not other:
        return None
    other_words = stems(other) or {other.lower()}
    if wanted.kind == "name" and (other_words <= short_words or short_words <= other_words):
        return Report(c, other, True)  # "Boris Johnson" where the answer says "UK Prime Minister Boris Johnson"
    if wanted.kind in {"number", "year", "date"} and other_words != short_words and _similar(c.text, direct.text, 0.5):
        return Report(c, other, False)
    return None
