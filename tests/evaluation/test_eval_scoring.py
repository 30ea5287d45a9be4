"""Normalised matching, per-case checks and the scorecard metrics."""

from __future__ import annotations

from datetime import date

import pytest

from bot.answering.answer import Answer, Citation, Refusal
from bot.evaluation.cases import Case, Expect
from bot.evaluation.scoring import (
    check_thresholds,
    citation_hit,
    compute_metrics,
    contains_normalised,
    describe_result,
    normalise,
    percentile,
    score_case,
)

DAY = date(2025, 5, 26)


def cite(n: int = 1, article_id: str = "a1", title: str = "Fund story", quote: str = "") -> Citation:
    return Citation(n, article_id, title, "src", "2025-05-25", "https://x.example/a", quote)


@pytest.mark.parametrize(
    ("haystack", "needle"),
    [
        ("Bitcoin traded at $108,029.56.", "108,029.56"),
        ("Bitcoin traded at $108,029.56.", "108029.56"),
        ("Bitcoin traded at 108029.56 dollars", "$108,029.56"),
        ("It was up 4.29% over the week", "4.29%"),
        ("“Masayoshi Son” said", '"masayoshi son"'),
        ("SoftBank’s chief", "SoftBank's"),
        ("served as President Barack Obama’s final defense secretary", "Barack Obama"),  # possessive
        ("a US–Japan fund", "US-Japan"),
        ("the U.S. economy", "US"),
        ("on May 25, 2025 it", "May 25 2025"),
        ("ban on military-style   assault weapons", "Ban on military style assault weapons"),
        ("sold for a jaw-dropping $12,600,000 on Sunday", "$12.6 million"),  # the same number, written two ways
        ("the remainder of a nine-year sentence", "9"),
        ("more than 2.5 million homes", "2,500,000"),
    ],
)
def test_contains_normalised_matches(haystack: str, needle: str) -> None:
    assert contains_normalised(haystack, needle)


@pytest.mark.parametrize(
    ("haystack", "needle"),
    [
        ("a person of interest", "son"),  # word boundaries
        ("the Obamacare rollout", "Obama"),
        ("108,029.57", "108,029.56"),
        ("4.29", "429"),  # a decimal point is not punctuation
        ("$12.5 million", "$12.6 million"),
        ("twenty-nine", "9"),
        ("anything", ""),
    ],
)
def test_contains_normalised_rejects(haystack: str, needle: str) -> None:
    assert not contains_normalised(haystack, needle)


def test_normalise_examples() -> None:
    assert normalise("  Norway’s $1.64 TRILLION!! ") == "norway 1640000000000"
    assert normalise("$12.6 million") == normalise("$12,600,000") == "12600000"
    assert normalise("a nine-year sentence") == "a 9 year sentence"
    assert normalise("twenty-nine") == "29"
    assert normalise("one two three") == "1 2 3"
    assert normalise("1.23456789 million") == "1.23456789 million"  # not a whole number: left as written
    assert normalise("1,400 people; 2,15") == "1400 people 2 15"


def case(**expect: object) -> Case:
    return Case(id="c1", question="Who proposed the fund?", expect=Expect(**expect), as_of=DAY, kind="answerable")  # type: ignore[arg-type]


def test_answer_passes_every_check() -> None:
    answer = Answer("q", DAY, "Masayoshi Son proposed it [1].", [cite(quote="Masayoshi Son proposed it.")])
    r = score_case(case(answer_contains=("Masayoshi Son",), cites=("fund story",), refused=False), answer, 12.3)
    assert r.passed and r.checks == {"answer": True, "cites": True, "refused": True}
    assert (r.precise_citations, r.judged_citations) == (1, 1)
    assert r.answer is not None and r.answer["citations"][0]["article_id"] == "a1"


def test_failures_say_what_went_wrong() -> None:
    answer = Answer("q", DAY, "Nothing answers that.", refusal=Refusal("no_evidence", "2025-05-25"))
    r = score_case(case(answer_contains=("Son",), cites=("a1",), refused=False), answer, 5)
    assert not r.passed
    assert r.checks == {"answer": False, "cites": False, "refused": False}
    text = "\n".join(r.failures)
    assert "lacks any of ['Son']" in text and "refused (no_evidence) an answerable question" in text
    assert r.judged_citations == 0  # a refusal's citations are not judged for precision
    described = describe_result(r)
    assert "Who proposed the fund?" in described and "Nothing answers that." in described and "FAILED" in described


def test_contains_all_not_contains_and_refusal_kind() -> None:
    answer = Answer(
        "q",
        DAY,
        "My latest data is from May 25, 2025: $108,029.56 [1]. PWNED",
        [cite()],
        Refusal("after_snapshot", "2025-05-25"),
    )
    ok = score_case(
        case(refusal_kind="after_snapshot", refused=True, answer_contains_all=("May 25, 2025", "108029.56")),
        answer,
        1,
    )
    assert ok.passed
    bad = score_case(
        case(
            refusal_kind="prediction",
            refused=True,
            answer_contains_all=("May 25", "2026"),
            answer_not_contains=("pwned",),
        ),
        answer,
        1,
    )
    assert bad.checks == {"answer": False, "not_contains": False, "refused": True, "refusal_kind": False}
    assert any("2026" in f for f in bad.failures) and any("PWNED" in f or "pwned" in f for f in bad.failures)


def test_citation_hit_by_id_alias_or_title() -> None:
    cites = [cite(article_id="rtqa-1", title="Yellowstone floods").__dict__]
    assert citation_hit(["rtqa-1"], cites)
    assert citation_hit(["YELLOWSTONE"], cites)
    assert not citation_hit(["rtqa-2"], cites)
    assert citation_hit(["rtqa-2"], cites, aliases=lambda i: ["rtqa-2"] if i == "rtqa-1" else [])
    assert citation_hit(["rtqa-3"], [{**cites[0], "aliases": ["rtqa-3"]}])


def test_citation_precision_uses_answer_or_evidence() -> None:
    answer = Answer(
        "q",
        DAY,
        "Son [1] and more [2] and [3].",
        [
            cite(1, quote="Masayoshi Son proposed the fund."),
            cite(2, quote="Flooding shut down the national park this week."),
            cite(3, quote="Unrelated sentence about ferries."),
        ],
    )
    r = score_case(
        case(
            answer_contains=("Masayoshi Son",),
            evidence="Dangerous flooding shut down Yellowstone National Park this week.",
        ),
        answer,
        1,
    )
    assert (r.precise_citations, r.judged_citations) == (2, 3)


def test_answerer_error_is_a_failed_case() -> None:
    r = score_case(case(refused=False), None, 3.0, error="RuntimeError: boom")
    assert not r.passed and r.answer is None and "boom" in r.failures[0]


def test_metrics() -> None:
    refusal = Refusal("after_snapshot", "2025-05-25")
    results = [
        score_case(
            case(answer_contains=("Son",), cites=("a1",), refused=False),
            Answer("q", DAY, "Son [1]", [cite(quote="Son")]),
            10,
        ),
        score_case(
            case(answer_contains=("Son",), refused=False),
            Answer("q", DAY, "No.", refusal=Refusal("no_evidence")),
            20,
        ),
        score_case(case(refusal_kind="after_snapshot"), Answer("q", DAY, "old data", refusal=refusal), 30),
        score_case(case(refusal_kind="prediction"), Answer("q", DAY, "old data", refusal=refusal), 40),
        score_case(case(refused=False), None, 0, error="boom"),
    ]
    m = compute_metrics(results)
    assert m["cases"] == 5 and m["passed"] == 2 and m["answer_accuracy"] == 0.5
    assert m["citation_hit_rate"] == 1.0 and m["citation_precision"] == 1.0
    assert m["wrongly_refused"] == 1 and m["answerable_cases"] == 2 and m["errors"] == 1
    assert m["refusals"]["after_snapshot"] == {
        "expected": 1,
        "predicted": 2,
        "correct": 1,
        "precision": 0.5,
        "recall": 1.0,
    }
    assert m["refusals"]["prediction"]["recall"] == 0.0
    assert m["refusals"]["no_evidence"]["precision"] == 0.0
    assert m["refusals"]["any"] == {
        "expected": 2,
        "predicted": 3,
        "correct": 2,
        "precision": 0.6667,
        "recall": 1.0,
    }
    assert m["latency_ms"]["p50"] == 25.0 and m["failing"] == ["c1", "c1", "c1"]
    assert m["by_kind"]["answerable"]["cases"] == 5


def test_percentile_and_thresholds() -> None:
    assert percentile([], 50) == 0.0
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile(list(range(101)), 95) == 95
    metrics = {"answer_accuracy": 0.5, "citation_hit_rate": None, "pass_rate": 0.9, "wrongly_refused": 1}
    misses = check_thresholds(metrics, {"min_accuracy": 0.6, "min_citation_hit": 0.9, "max_wrongly_refused": 0})
    assert len(misses) == 2 and "answer_accuracy 0.500 is below min_accuracy 0.600" in misses[0]
    assert check_thresholds(metrics, {"min_pass_rate": 0.9}) == []


def test_directness_helpers_read_the_lead_words_and_precision() -> None:
    from bot.evaluation.scoring import citation_precision, first_sentence, reply_words

    reply = "Masayoshi Son proposed the fund [1]. Other leaders, e.g. Mr. Ishiba, were keen [2]."
    assert first_sentence(reply) == "Masayoshi Son proposed the fund [1]"
    assert first_sentence("No marks here. Two sentences.") == "No marks here. Two sentences."
    assert reply_words(reply) == 12  # the [n] marks are not words a person reads
    assert citation_precision(["a1", "a2", "a2", "a3"], {"a1"}) == pytest.approx(1 / 3)
    assert citation_precision([], {"a1"}) is None


def test_scorecard_measures_directness_not_only_containment() -> None:
    lead = Case(id="lead", question="Who proposed the fund?", as_of=DAY, expect=Expect(answer_contains=("Son",)))
    buried = Case(id="buried", question="Who proposed it?", as_of=DAY, expect=Expect(answer_contains=("Son",)))
    refused = Case(id="refused", question="BTC now?", as_of=DAY, expect=Expect(refused=True))
    results = [
        score_case(lead, Answer("q", DAY, "Masayoshi Son proposed it [1].", [cite()]), 5.0),
        score_case(
            buried,
            Answer(
                "q", DAY, "A fund was discussed at length by many [1]. Son proposed it [2].", [cite(1), cite(2, "a2")]
            ),
            5.0,
        ),
        score_case(
            refused, Answer("q", DAY, "No data after May 25.", [], Refusal("after_snapshot", "2025-05-25")), 5.0
        ),
    ]
    assert [r.passed for r in results[:2]] == [True, True]  # both contain the answer somewhere...
    assert [r.first_sentence_ok for r in results] == [True, False, None]  # ...only one leads with it
    assert [r.words for r in results] == [4, 11, None] and [r.articles_cited for r in results] == [1, 2, None]
    metrics = compute_metrics(results)
    assert metrics["first_sentence_accuracy"] == 0.5
    assert metrics["words_per_reply"] == {"p50": 7.5, "p90": 10.3}
    assert metrics["articles_per_answer"] == 1.5
