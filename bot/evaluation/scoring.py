"""Normalised answer matching, per-case checks and the scorecard metrics."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from bot.answering.answer import REFUSAL_KINDS, Answer
from bot.evaluation.cases import Case, Expect


def pct(value: float | None) -> str:
    """A fraction as a percentage for scorecards ("–" when there is nothing to measure)."""
    return "–" if value is None else f"{100 * value:.1f}%"


_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)
_DIGIT_COMMA = re.compile(r"(?<=\d),(?=\d{3}\b)")
_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")
_SCALED = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)[\s-]*(thousand|million|billion|trillion)\b")
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_NUMBER_WORDS = {
    w: str(n)
    for n, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty".split()
    )
} | {w: str(10 * n) for n, w in enumerate("thirty forty fifty sixty seventy eighty ninety".split(), 3)}
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_NUMBER_WORD = re.compile(
    rf"\b(?:(?:{_TENS})(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?|" + "|".join(_NUMBER_WORDS) + r")\b"
)
_POSSESSIVE = re.compile(r"(?<=\w)'s\b")  # "Obama's" holds the answer "Obama"
_DROP = re.compile(r"['.]")  # other apostrophes and full stops vanish: "U.S." == "US", "Jones'" == "Jones"
_PUNCT = re.compile(r"[^\w\s\x00]|_")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower case; curly quotes folded; possessive 's, thousands separators and punctuation removed; number
    words and scaled numbers written as digits; spaces collapsed.

    "$108,029.56" → "108029.56"; "4.29%" → "4.29"; "US–Japan" → "us japan"; "U.S." → "us"; "Obama’s" → "obama";
    "$12.6 million" and "$12,600,000" → "12600000"; "a nine-year sentence" → "a 9 year sentence".
    """
    text = unicodedata.normalize("NFKC", text).translate(_FOLD).lower()
    text = _POSSESSIVE.sub("", text)
    text = _DIGIT_COMMA.sub("", text)
    text = _NUMBER_WORD.sub(_digits, text)
    text = _SCALED.sub(_unscaled, text)
    text = _DECIMAL_POINT.sub("\x00", text)  # protect decimal points from punctuation stripping
    text = _DROP.sub("", text)
    text = _PUNCT.sub(" ", text).replace("\x00", ".")
    return _SPACE.sub(" ", text).strip()


def _digits(m: re.Match[str]) -> str:
    """ "nine" → "9"; "twenty-nine" → "29"."""
    tens, _, units = m.group(0).replace("-", " ").partition(" ")
    return str(int(_NUMBER_WORDS[tens]) + int(_NUMBER_WORDS.get(units, "0"))) if units else _NUMBER_WORDS[tens]


def _unscaled(m: re.Match[str]) -> str:
    value = Decimal(m.group(1)) * _SCALES[m.group(2)]
    return str(int(value)) if value == value.to_integral_value() else m.group(0)


def contains_normalised(haystack: str, needle: str) -> bool:
    """Whether ``needle`` occurs in ``haystack`` on word boundaries, after normalising both."""
    n = normalise(needle)
    if not n:
        return False
    return f" {n} " in f" {normalise(haystack)} "


_FIRST_CITED = re.compile(r"^.*?\[\d+\]", re.DOTALL)
_CITATION_MARK = re.compile(r"\s*\[\d+\]")


def first_sentence(reply: str) -> str:
    """The reply's lead: its text up to the first ``[n]`` citation mark (the whole reply if it has none)."""
    found = _FIRST_CITED.match(reply.strip())
    return found.group(0) if found else reply.strip()


def reply_words(reply: str) -> int:
    """Words a person reads in the reply, citation marks not counted."""
    return len(_CITATION_MARK.sub("", reply).split())


def citation_precision(cited: Sequence[str], gold: set[str]) -> float | None:
    """Share of the distinct cited articles that are gold articles (None when nothing is cited)."""
    distinct = set(cited)
    return len(distinct & gold) / len(distinct) if distinct else None


def _quote_supports(quote: str, answers: Sequence[str], evidence: str) -> bool:
    """A cited passage is precise when it contains an expected answer or overlaps the evidence."""
    if any(contains_normalised(quote, a) for a in answers):
        return True
    if not evidence:
        return False
    q, e = normalise(quote), normalise(evidence)
    if not q or not e:
        return False
    if q in e or e in q:
        return True
    q_words, e_words = set(q.split()), set(e.split())
    return len(q_words & e_words) >= 0.6 * min(len(q_words), len(e_words))


AliasLookup = Callable[[str], Iterable[str]]


@dataclass
class CaseResult:
    """The outcome of one case: what was asked, what came back, which checks failed, how long it took."""

    id: str
    kind: str
    question: str
    as_of: str | None
    expected: dict[str, Any]
    answer: dict[str, Any] | None  # Answer.to_dict(), or None when the answerer raised
    passed: bool
    checks: dict[str, bool] = field(default_factory=dict)  # answer, not_contains, cites, refused, refusal_kind
    failures: list[str] = field(default_factory=list)
    latency_ms: float = 0.0
    precise_citations: int = 0
    judged_citations: int = 0
    error: str | None = None
    source: str = ""
    history: list[list[str]] = field(default_factory=list)
    first_sentence_ok: bool | None = None  # the reply's lead holds an expected answer (None: nothing to judge)
    words: int | None = None  # words in a non-refused reply, citation marks not counted
    articles_cited: int | None = None  # distinct articles a non-refused reply cites

    @property
    def refused(self) -> bool:
        return bool(self.answer and self.answer.get("refused"))

    @property
    def refusal_kind(self) -> str | None:
        refusal = (self.answer or {}).get("refusal") or None
        return refusal.get("kind") if refusal else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CaseResult:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


def _expected_dict(case: Case) -> dict[str, Any]:
    e = case.expect
    out: dict[str, Any] = {}
    if e.answer_contains:
        out["answer_contains"] = list(e.answer_contains)
    if e.answer_contains_all:
        out["answer_contains_all"] = list(e.answer_contains_all)
    if e.answer_not_contains:
        out["answer_not_contains"] = list(e.answer_not_contains)
    if e.first_sentence_contains:
        out["first_sentence_contains"] = list(e.first_sentence_contains)
    if e.short_answer:
        out["short_answer"] = list(e.short_answer)
    if e.cites:
        out["cites"] = list(e.cites)
    refused = True if e.refusal_kind else e.refused
    if refused is not None:
        out["refused"] = refused
    if e.refusal_kind:
        out["refusal_kind"] = e.refusal_kind
    return out


def citation_hit(
    expected: Sequence[str], citations: Sequence[dict[str, Any]], aliases: AliasLookup | None = None
) -> bool:
    """An expected id equals a cited article id (or alias), or is a substring of a cited title."""
    cited_ids: set[str] = set()
    for c in citations:
        article_id = str(c.get("article_id", ""))
        cited_ids.add(article_id)
        cited_ids.update(c.get("aliases") or ())
        if aliases is not None:
            cited_ids.update(aliases(article_id))
    titles = [str(c.get("title", "")).lower() for c in citations]
    for want in expected:
        if want in cited_ids or any(want.lower() in t for t in titles):
            return True
    return False


def _check_direct_answer(e: Expect, text: str, short: str, result: CaseResult) -> None:
    """The first sentence and the marked short answer, when the case names what they must hold."""
    if e.first_sentence_contains:
        ok = any(contains_normalised(first_sentence(text), a) for a in e.first_sentence_contains)
        result.checks["first_sentence"] = ok
        if not ok:
            result.failures.append(f"first sentence lacks any of {list(e.first_sentence_contains)}")
    if e.short_answer:
        ok = bool(short) and any(contains_normalised(a, short) or contains_normalised(short, a) for a in e.short_answer)
        result.checks["short_answer"] = ok
        if not ok:
            result.failures.append(f"short answer {short!r} matches none of {list(e.short_answer)}")


def score_case(
    case: Case,
    answer: Answer | None,
    latency_ms: float,
    *,
    error: str | None = None,
    aliases: AliasLookup | None = None,
) -> CaseResult:
    """Check one answer against its case's expectations."""
    e = case.expect
    result = CaseResult(
        id=case.id,
        kind=case.kind,
        question=case.question,
        as_of=case.as_of.isoformat() if case.as_of else None,
        expected=_expected_dict(case),
        answer=answer.to_dict() if answer else None,
        passed=False,
        latency_ms=round(latency_ms, 2),
        error=error,
        source=case.source,
        history=[[role, text] for role, text in case.history],
    )
    if answer is None:
        result.failures.append(f"answerer raised: {error}")
        return result
    data = result.answer or {}
    text, citations = str(data.get("answer", "")), list(data.get("citations") or [])
    if e.answer_contains or e.answer_contains_all:
        ok = not e.answer_contains or any(contains_normalised(text, a) for a in e.answer_contains)
        if not ok:
            result.failures.append(f"answer lacks any of {list(e.answer_contains)}")
        missing = [a for a in e.answer_contains_all if not contains_normalised(text, a)]
        if missing:
            result.failures.append(f"answer lacks {missing}")
        result.checks["answer"] = ok and not missing
    if e.answer_not_contains:
        bad = [a for a in e.answer_not_contains if contains_normalised(text, a)]
        result.checks["not_contains"] = not bad
        if bad:
            result.failures.append(f"answer contains forbidden {bad}")
    _check_direct_answer(e, text, str(data.get("short_answer") or ""), result)
    if e.cites:
        ok = citation_hit(e.cites, citations, aliases)
        result.checks["cites"] = ok
        if not ok:
            cited = [c.get("article_id") for c in citations]
            result.failures.append(f"cites none of {list(e.cites)} (cited {cited})")
    expect_refused = True if e.refusal_kind else e.refused
    if expect_refused is not None:
        ok = answer.refused == expect_refused
        result.checks["refused"] = ok
        if not ok:
            result.failures.append(
                "answered instead of refusing"
                if expect_refused
                else f"refused ({result.refusal_kind}) an answerable question"
            )
    if e.refusal_kind:
        ok = result.refusal_kind == e.refusal_kind
        result.checks["refusal_kind"] = ok
        if not ok and answer.refused:
            result.failures.append(f"refusal kind {result.refusal_kind}, expected {e.refusal_kind}")
    answers = (*e.answer_contains, *e.answer_contains_all)
    if (answers or e.evidence) and not answer.refused:
        result.judged_citations = len(citations)
        result.precise_citations = sum(_quote_supports(str(c.get("quote", "")), answers, e.evidence) for c in citations)
    if not answer.refused:
        _measure_directness(result, text, citations, e.answer_contains)
    result.passed = all(result.checks.values())
    return result


def _measure_directness(result: CaseResult, text: str, citations: list[Any], answers: Sequence[str]) -> None:
    """Words, articles cited, and whether the lead sentence holds an expected answer."""
    result.words = reply_words(text)
    result.articles_cited = len({c.get("article_id") for c in citations})
    if answers:
        result.first_sentence_ok = any(contains_normalised(first_sentence(text), a) for a in answers)


def describe_result(result: CaseResult) -> str:
    """A readable account of one case: question, history, answer, citations, expectations, failures."""
    answer = result.answer or {}
    lines = [
        f"case {result.id} ({result.kind}) from {result.source}",
        f"  question: {result.question}  [as of {result.as_of or 'today'}]",
    ]
    lines += [f"  history {role}: {text}" for role, text in result.history]
    if result.error:
        lines.append(f"  error: {result.error}")
    else:
        refusal = answer.get("refusal")
        lines.append(f"  answer{' (refused: ' + str(refusal['kind']) + ')' if refusal else ''}: {answer.get('answer')}")
        if answer.get("standalone_question") and answer.get("standalone_question") != result.question:
            lines.append(f"  standalone question: {answer['standalone_question']}")
        for c in answer.get("citations") or []:
            lines.append(f"  [{c.get('n')}] {c.get('article_id')} | {c.get('title')} | {c.get('published')}")
            lines.append(f'      "{c.get("quote")}"')
    lines.append(f"  expected: {result.expected}")
    lines += [f"  FAILED: {why}" for why in result.failures]
    return "\n".join(lines)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def compute_metrics(results: Sequence[CaseResult]) -> dict[str, Any]:
    """The scorecard: accuracy, citation hit and precision, refusals per kind, latency, failures."""
    with_answer = [r for r in results if "answer" in r.checks]
    with_cites = [r for r in results if "cites" in r.checks]
    judged = sum(r.judged_citations for r in results)
    latencies = [r.latency_ms for r in results if r.answer is not None]
    refusal: dict[str, dict[str, Any]] = {}
    labelled = [r for r in results if "refused" in r.checks and r.answer is not None]
    for kind in ("any", *REFUSAL_KINDS):
        if kind == "any":
            expected = [r for r in labelled if r.expected.get("refused")]
            predicted = [r for r in labelled if r.refused]
            true_pos = [r for r in expected if r.refused]
        else:
            expected = [r for r in labelled if r.expected.get("refusal_kind") == kind]
            predicted = [r for r in labelled if r.refusal_kind == kind]
            true_pos = [r for r in expected if r.refusal_kind == kind]
        if expected or predicted:
            refusal[kind] = {
                "expected": len(expected),
                "predicted": len(predicted),
                "correct": len(true_pos),
                "precision": _rate(len(true_pos), len(predicted)),
                "recall": _rate(len(true_pos), len(expected)),
            }
    answerable = [r for r in labelled if r.expected.get("refused") is False]
    wrongly_refused = [r.id for r in answerable if r.refused]
    by_kind: dict[str, dict[str, Any]] = {}
    for r in results:
        k = by_kind.setdefault(r.kind, {"cases": 0, "passed": 0, "answer_hits": 0, "answer_cases": 0})
        k["cases"] += 1
        k["passed"] += int(r.passed)
        if "answer" in r.checks:
            k["answer_cases"] += 1
            k["answer_hits"] += int(r.checks["answer"])
    for k in by_kind.values():
        k["pass_rate"] = _rate(k["passed"], k["cases"])
        k["accuracy"] = _rate(k["answer_hits"], k["answer_cases"])
    judged_leads = [r.first_sentence_ok for r in results if r.first_sentence_ok is not None]
    words = [float(r.words) for r in results if r.words is not None]
    cited = [r.articles_cited for r in results if r.articles_cited is not None]
    return {
        "cases": len(results),
        "passed": sum(r.passed for r in results),
        "first_sentence_accuracy": _rate(sum(judged_leads), len(judged_leads)),
        "words_per_reply": {
            "p50": round(percentile(words, 50), 1) if words else None,
            "p90": round(percentile(words, 90), 1) if words else None,
        },
        "articles_per_answer": round(sum(cited) / len(cited), 2) if cited else None,
        "pass_rate": _rate(sum(r.passed for r in results), len(results)),
        "answer_accuracy": _rate(sum(r.checks["answer"] for r in with_answer), len(with_answer)),
        "answer_cases": len(with_answer),
        "citation_hit_rate": _rate(sum(r.checks["cites"] for r in with_cites), len(with_cites)),
        "citation_cases": len(with_cites),
        "citation_precision": _rate(sum(r.precise_citations for r in results), judged),
        "judged_citations": judged,
        "refusals": refusal,
        "answerable_cases": len(answerable),
        "wrongly_refused": len(wrongly_refused),
        "wrongly_refused_ids": wrongly_refused,
        "errors": sum(r.error is not None for r in results),
        "latency_ms": {
            "p50": round(percentile(latencies, 50), 1),
            "p95": round(percentile(latencies, 95), 1),
            "mean": round(sum(latencies) / len(latencies), 1) if latencies else 0.0,
            "max": round(max(latencies), 1) if latencies else 0.0,
        },
        "by_kind": by_kind,
        "failing": [r.id for r in results if not r.passed],
    }


def check_thresholds(metrics: dict[str, Any], thresholds: dict[str, float]) -> list[str]:
    """Messages for every threshold the metrics miss (empty when all are met)."""
    misses = []
    names = {
        "min_accuracy": "answer_accuracy",
        "min_citation_hit": "citation_hit_rate",
        "min_pass_rate": "pass_rate",
    }
    for key, metric in names.items():
        if key in thresholds:
            value = metrics.get(metric)
            if value is None:
                continue
            if value < thresholds[key]:
                misses.append(f"{metric} {value:.3f} is below {key} {thresholds[key]:.3f}")
    if "max_wrongly_refused" in thresholds and metrics["wrongly_refused"] > thresholds["max_wrongly_refused"]:
        misses.append(
            f"wrongly_refused {metrics['wrongly_refused']} is above max_wrongly_refused "
            f"{thresholds['max_wrongly_refused']:g}"
        )
    return misses
