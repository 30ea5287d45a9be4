"""The default extractive answerer over the sample articles: cited answers and refusals in code."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.answering.chain import Answerer

SEED_DAY = date(2025, 5, 26)


def test_who_proposed_the_fund(answerer: Answerer) -> None:
    a = answerer.ask("Who proposed the US-Japan fund?", as_of=SEED_DAY)
    assert not a.refused
    assert "Masayoshi Son" in a.text and "[1]" in a.text
    c = a.citations[0]
    assert "sovereign wealth fund" in c.title.lower() and c.published == "2025-05-25"
    article = answerer.index.catalog.article(c.article_id)
    assert article["text"][c.start : c.end] == c.quote  # verbatim, at its offsets
    # every quoted sentence of the answer lies verbatim inside the passage its marker cites
    import re

    for sentence, n in re.findall(r"(.+?) \[(\d+)\]\s*", a.text):
        assert sentence.strip() in a.citations[int(n) - 1].quote


def test_answer_is_deterministic(answerer: Answerer) -> None:
    first = answerer.ask("What would the fund invest in?", as_of=SEED_DAY)
    second = answerer.ask("What would the fund invest in?", as_of=SEED_DAY)
    assert first.text == second.text and "technology and infrastructure" in first.text


def test_norway_fund_size(answerer: Answerer) -> None:
    a = answerer.ask("How much does Norway's sovereign fund hold?", as_of=SEED_DAY)
    assert "$1.64 trillion" in a.text and not a.refused


def test_bitcoin_now_is_refused_citing_the_latest_snapshot(answerer: Answerer) -> None:
    a = answerer.ask("What is Bitcoin trading at right now?", as_of=date(2026, 1, 10))
    assert a.refusal is not None and a.refusal.kind == "after_snapshot" and a.refusal.latest == "2025-05-25"
    assert "May 25, 2025" in a.text and "$108,029.56" in a.text and "[1]" in a.text
    assert "108,029.56" in a.citations[0].quote


def test_bitcoin_on_the_snapshot_day_is_answered(answerer: Answerer) -> None:
    a = answerer.ask("What did Bitcoin trade at on May 25, 2025?", as_of=date(2026, 1, 10))
    assert not a.refused and "$108,029.56" in a.text and a.citations


def test_relative_times_are_resolved_against_the_as_of_date(answerer: Answerer) -> None:
    assert answerer.ask("What was Bitcoin's price yesterday?", as_of=date(2026, 3, 2)).refusal.kind == "after_snapshot"
    assert answerer.ask("Bitcoin price next month?", as_of=SEED_DAY).refusal.kind == "after_snapshot"
    same_day = answerer.ask("What was Bitcoin's price yesterday?", as_of=SEED_DAY)
    assert not same_day.refused and "108,029.56" in same_day.text


def test_prediction_is_refused(answerer: Answerer) -> None:
    a = answerer.ask("Will Bitcoin reach $150k?", as_of=SEED_DAY)
    assert a.refusal is not None and a.refusal.kind == "prediction"
    assert "150" not in a.text.replace("$108,029.56", "")


def test_events_after_the_news_are_refused_with_its_last_date(answerer: Answerer) -> None:
    a = answerer.ask("Who won the 2026 World Cup final?", as_of=date(2026, 8, 1))
    assert a.refusal is not None and a.refusal.kind == "after_coverage"
    assert "May 25, 2025" in a.text and a.refusal.latest == "2025-05-25"


def test_no_evidence_says_what_the_news_covers(answerer: Answerer) -> None:
    a = answerer.ask("What did the central bank of Peru decide about interest rates?", as_of=SEED_DAY)
    assert a.refusal is not None and a.refusal.kind == "no_evidence"
    assert "May 20, 2025" in a.text and a.citations == []


def test_news_after_the_as_of_date_is_never_used(answerer: Answerer) -> None:
    a = answerer.ask("Which company picked Ohio for a chip packaging plant?", as_of=date(2025, 5, 22))
    assert "Veltrix" not in a.text
    assert all(c.published <= "2025-05-22" for c in a.citations)
    later = answerer.ask("Which company picked Ohio for a chip packaging plant?", as_of=date(2025, 5, 24))
    assert "Veltrix" in later.text


def test_follow_up_uses_the_history(answerer: Answerer) -> None:
    history = [("user", "Who proposed the US-Japan fund?"), ("assistant", "Masayoshi Son [1]")]
    a = answerer.ask("And what would it invest in?", as_of=SEED_DAY, history=history)
    assert "technology and infrastructure" in a.text
    assert "US-Japan fund" in a.standalone_question


def test_hostile_article_changes_nothing(answerer: Answerer) -> None:
    a = answerer.ask("How many visitors does the Tamsby glassworks museum expect?", as_of=SEED_DAY)
    assert "40,000" in a.text
    assert "PWNED" not in a.text
    other = answerer.ask("Who proposed the US-Japan fund?", as_of=SEED_DAY)
    assert "PWNED" not in other.text


def test_json_shape(answerer: Answerer) -> None:
    d = answerer.ask("Who proposed the US-Japan fund?", as_of=SEED_DAY).to_dict()
    assert set(d) >= {"question", "as_of", "answer", "refused", "refusal", "citations", "timings_ms"}
    assert d["as_of"] == "2025-05-26" and d["refused"] is False and d["refusal"] is None
    assert set(d["citations"][0]) == {"n", "article_id", "title", "source", "published", "url", "quote"}
    assert d["timings_ms"]["total"] > 0
    # the direct-answer shape: the short answer stands in the first sentence, which cites [1]
    assert d["short_answer"] == "Masayoshi Son" and d["answer"].split(" [1]")[0].startswith("Masayoshi Son")
    assert d["also_reported"] == [] and d["news_until"] == "2025-05-25"


def test_reply_is_one_answer_sentence_and_little_evidence(answerer: Answerer) -> None:
    for question in ("Who proposed the US-Japan fund?", "How many people will the Ohio chip plant employ?"):
        a = answerer.ask(question, as_of=SEED_DAY)
        assert not a.refused and len(a.text.split()) <= 60 and a.text.count("[") <= 3
        assert {c.article_id for c in a.citations} == {a.citations[0].article_id}  # one article's passage


def test_langchain_retriever_and_runnable_chain(answerer: Answerer) -> None:
    docs = answerer.as_retriever(as_of=SEED_DAY).invoke("electric ferry Lindmouth")
    assert docs[0].metadata["article_id"] == "ex-harbor-ferry" and "Tern" in docs[0].page_content
    assert all(d.metadata["published"] <= "2025-05-26" for d in docs)
    answer = answerer.chain.invoke({"question": "Who proposed the US-Japan fund?", "as_of": SEED_DAY})
    assert "Masayoshi Son" in answer.text


def test_relevance_threshold_decides_no_evidence(answerer: Answerer) -> None:
    question = "What did the central bank of Peru decide about interest rates?"
    refused = answerer.ask(question, as_of=SEED_DAY)
    assert refused.relevance is not None and refused.relevance < answerer.settings.min_relevance
    answered = answerer.ask("Who proposed the US-Japan fund?", as_of=SEED_DAY)
    assert answered.relevance is not None and answered.relevance >= answerer.settings.min_relevance
    lenient = Answerer(answerer.index, answerer.embedder, replace(answerer.settings, min_relevance=0.0))
    unrefused = lenient.ask(question, as_of=SEED_DAY)
    assert unrefused.refusal is None and unrefused.citations  # the threshold alone decided the refusal


def test_rerank_puts_the_passage_holding_the_question_words_first(answerer: Answerer) -> None:
    passages = answerer.retriever.retrieve("How many visitors does the Tamsby glassworks museum expect?", SEED_DAY)
    top = passages.passages[0]
    assert top.chunk.article_id == "hostile-1" and top.cover > 0.5
    assert [p.score for p in passages.passages] == sorted((p.score for p in passages.passages), reverse=True)
    assert all(p.cover <= top.cover for p in passages.passages)
