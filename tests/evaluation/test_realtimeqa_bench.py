"""The benchmark's own logic (slicing, gold widening, figures) on synthetic data; the run itself is manual/CI."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "realtimeqa_bench.py"


@pytest.fixture(scope="module")
def bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("realtimeqa_bench", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def article(i: int, text: str | None = None) -> dict:
    return {"id": f"a{i}", "title": f"T{i}", "published": "2022-07-01", "text": text or f"Story number {i}."}


def test_identical_texts_widen_gold(bench, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    arts = [article(1, "Same  text."), article(2, "same text."), article(3)]
    groups = bench.text_groups(arts)
    assert groups["a1"] == groups["a2"] == {"a1", "a2"} and groups["a3"] == {"a3"}
    qfile = tmp_path / "q.jsonl"
    qfile.write_text(
        '{"id": "q1", "asked_on": "2022-07-02", "question": "?", "answer": "x", '
        '"gold_articles": ["a2"], "kind": "gold"}\n'
    )
    (q,) = bench.read_questions(qfile, groups)
    assert q.gold == {"a1", "a2"} and q.asked_on == date(2022, 7, 2)


def test_slice_keeps_gold_of_whole_questions_and_distractors(bench) -> None:  # type: ignore[no-untyped-def]
    arts = [article(i) for i in range(40)]
    Q = bench.Question
    questions = [Q(f"q{i}", date(2022, 7, 2), "?", "x", "gold", {f"a{i}"}) for i in range(12)]
    questions.append(Q("big", date(2022, 7, 2), "?", "x", "gold", {f"a{i}" for i in range(20, 30)}))
    kept, qs, unanswerable = bench.make_slice(arts, questions, 20)
    ids = {a["id"] for a in kept}
    assert len(kept) == 20
    greedy = sorted(f"q{i}" for i in range(12))[:10]  # gold budget: half of the slice, fewest gold first
    assert set(greedy) <= {q.id for q in qs} and "big" not in {q.id for q in qs}
    assert all(q.gold <= ids for q in qs)
    # the questions none of whose gold is in, marked as such (whether they are in depends on the distractors)
    assert all(not q.gold & ids and q.kind == "not-in-index" for q in unanswerable)
    assert {q.id for q in unanswerable} == {q.id for q in questions if not q.gold & ids}
    assert bench.make_slice(arts, questions, 20) == (kept, qs, unanswerable)  # deterministic


def test_summary_ratios_and_checks(bench) -> None:  # type: ignore[no-untyped-def]
    Q, Out = bench.Question, bench.Outcome
    questions = [
        Q("q1", date(2022, 7, 2), "?", "x", "gold", {"a1"}),
        Q("q2", date(2022, 7, 2), "?", "x", "answer-in-article", {"a2"}),
    ]
    mine = [
        Out("q1", "gold", ["a1", "a3"], ["a1"], True, False, 50.0),
        Out("q2", "answer-in-article", ["a3", "a2"], ["a3"], False, True, 150.0),
    ]
    base = [
        Out("q1", "gold", ["a3", "a1"], ["a3"], False, False, 500.0),
        Out("q2", "answer-in-article", ["a3"], ["a3"], False, False, 700.0),
    ]
    s, b = bench.summarise(mine, questions), bench.summarise(base, questions)
    assert s["gold"]["hit@1"] == 1.0 and s["answer-in-article"]["hit@1"] == 0.0
    assert s["all"]["hit@5"] == 1.0 and s["all"]["citation_hit"] == 0.5 and s["all"]["refusal_rate"] == 0.5
    assert s["all"]["latency_p50_ms"] == 100.0 and b["all"]["hit@5"] == 0.5
    assert bench.ratios(s, b)["all"]["hit@5"] == 2.0
    misses = bench.check(s, b)
    assert any("refusal rate" in m for m in misses) and not any("baseline" in m for m in misses)


def test_unanswerable_questions_are_reported_apart_and_checked(bench) -> None:  # type: ignore[no-untyped-def]
    Q, Out = bench.Question, bench.Outcome
    questions = [
        Q("q1", date(2022, 7, 2), "?", "x", "gold", {"a1"}),
        Q("u1", date(2022, 7, 2), "?", "y", "not-in-index", {"a9"}),
        Q("u2", date(2022, 7, 2), "?", "z", "not-in-index", {"a8"}),
    ]
    outcomes = [
        Out("q1", "gold", ["a1"], ["a1"], True, False, 50.0, True, True, True, 30),
        Out("u1", "not-in-index", [], [], False, True, 40.0),
        Out("u2", "not-in-index", ["a3"], ["a3"], False, False, 60.0),
    ]
    s = bench.summarise(outcomes, questions)
    assert s["all"]["questions"] == 1 and s["all"]["refusal_rate"] == 0.0
    apart = s["not-in-index"]
    assert apart["questions"] == 2 and apart["refusal_rate"] == 0.5 and apart["hit@1"] is None
    assert apart["citation_hit"] is None
    assert not bench.check(s, None)
    outcomes[1] = Out("u1", "not-in-index", ["a3"], ["a3"], False, False, 40.0)  # answers everything
    assert any("cannot answer" in m for m in bench.check(bench.summarise(outcomes, questions), None))


def test_citation_precision_counts_articles_stating_the_gold_answer(bench) -> None:  # type: ignore[no-untyped-def]
    Q, Out = bench.Question, bench.Outcome
    questions = [Q("q1", date(2022, 7, 2), "?", "x", "gold", {"a1"})]
    # cites the gold article, another whose quoted passage states the answer, and one that does not
    mine = [Out("q1", "gold", ["a1", "a2", "a3"], ["a1", "a2", "a3"], True, False, 50.0, stating=["a2"])]
    figures = bench.summarise(mine, questions)["gold"]
    assert figures["citation_precision"] == round(2 / 3, 4)
    assert figures["citation_precision_ids"] == round(1 / 3, 4)


def test_citation_hit_stating_counts_a_cited_article_that_states_the_gold(bench) -> None:  # type: ignore[no-untyped-def]
    Q, Out = bench.Question, bench.Outcome
    questions = [Q(f"q{i}", date(2022, 7, 2), "?", "x", "gold", {"a1"}) for i in (1, 2)]
    mine = [
        Out("q1", "gold", ["a2"], ["a2"], True, False, 50.0, stating=["a2"]),  # another article states it
        Out("q2", "gold", ["a3"], ["a3"], False, False, 50.0),  # nothing cited holds it
    ]
    figures = bench.summarise(mine, questions)["gold"]
    assert figures["citation_hit"] == 0.0 and figures["citation_hit_stating"] == 0.5
