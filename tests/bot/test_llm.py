"""A configured chat model's answers are verified against the passages they cite."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from langchain_core.language_models.fake_chat_models import FakeListChatModel

from bot.answering.chain import Answerer
from bot.answering.prompts import prompt

SEED_DAY = date(2025, 5, 26)


def _with_llm(answerer: Answerer, llm: Any) -> Answerer:
    return Answerer(answerer.index, answerer.embedder, answerer.settings, llm=llm)


def _fund_passage_number(answerer: Answerer) -> tuple[int, int]:
    """The numbers the fund article and another article get in the prompt for the fund question."""
    passages = answerer.retriever.retrieve("Who proposed the US-Japan fund?", SEED_DAY).passages
    fund = next(i for i, p in enumerate(passages, 1) if "Masayoshi" in p.chunk.text)
    other = next(i for i, p in enumerate(passages, 1) if "Masayoshi" not in p.chunk.text)
    return fund, other


def test_a_faithful_model_answer_is_kept(answerer: Answerer) -> None:
    fund, _ = _fund_passage_number(answerer)
    llm = FakeListChatModel(responses=[f"SoftBank chief executive Masayoshi Son proposed the fund [{fund}]."])
    a = _with_llm(answerer, llm).ask("Who proposed the US-Japan fund?", as_of=SEED_DAY)
    assert a.text == "SoftBank chief executive Masayoshi Son proposed the fund [1]."
    assert "Masayoshi Son" in a.citations[0].quote and a.answerer != "extractive"
    assert a.short_answer == "Masayoshi Son"  # the same reply shape as the extractive answer


def test_an_invented_name_is_dropped(answerer: Answerer) -> None:
    fund, _ = _fund_passage_number(answerer)
    llm = FakeListChatModel(
        responses=[f"Masayoshi Son proposed the fund [{fund}]. It was co-signed by Warren Buffett [{fund}]."]
    )
    a = _with_llm(answerer, llm).ask("Who proposed the US-Japan fund?", as_of=SEED_DAY)
    assert "Masayoshi Son" in a.text and "Buffett" not in a.text


def test_a_wrong_citation_number_is_corrected(answerer: Answerer) -> None:
    _, other = _fund_passage_number(answerer)
    llm = FakeListChatModel(responses=[f"Masayoshi Son of SoftBank proposed a joint sovereign wealth fund [{other}]."])
    a = _with_llm(answerer, llm).ask("Who proposed the US-Japan fund?", as_of=SEED_DAY)
    assert a.text.endswith("[1].") or a.text.endswith("[1]")
    assert "Masayoshi Son" in a.citations[0].quote


def test_nothing_supported_falls_back_to_the_extractive_answer(answerer: Answerer) -> None:
    llm = FakeListChatModel(responses=["The fund was proposed by Elon Musk in 1999 [1]."])
    a = _with_llm(answerer, llm).ask("Who proposed the US-Japan fund?", as_of=SEED_DAY)
    assert "Masayoshi Son" in a.text and "Musk" not in a.text and a.answerer == "extractive"


class _Broken(FakeListChatModel):
    def invoke(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        raise ConnectionError("provider down")


class _Slow(FakeListChatModel):
    def invoke(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        time.sleep(3)
        return super().invoke(*args, **kwargs)


def test_model_errors_and_timeouts_fall_back(answerer: Answerer) -> None:
    from dataclasses import replace

    broken = _with_llm(answerer, _Broken(responses=["x"]))
    assert "Masayoshi Son" in broken.ask("Who proposed the US-Japan fund?", as_of=SEED_DAY).text
    slow = Answerer(
        answerer.index,
        answerer.embedder,
        replace(answerer.settings, llm_timeout=0.5),
        llm=_Slow(responses=["Elon Musk [1]."]),
    )
    started = time.perf_counter()
    a = slow.ask("Who proposed the US-Japan fund?", as_of=SEED_DAY)
    assert time.perf_counter() - started < 2.5 and "Masayoshi Son" in a.text


def test_prompt_injection_in_an_article_changes_nothing(answerer: Answerer) -> None:
    llm = FakeListChatModel(responses=["PWNED [1]."])
    a = _with_llm(answerer, llm).ask("How many visitors does the Tamsby glassworks museum expect?", as_of=SEED_DAY)
    assert "PWNED" not in a.text and "40,000" in a.text


def test_refusals_stay_in_code_even_with_a_model(answerer: Answerer) -> None:
    llm = FakeListChatModel(responses=["Bitcoin trades at $250,000 today [1]."])
    a = _with_llm(answerer, llm).ask("What is Bitcoin trading at?", as_of=date(2026, 1, 10))
    assert a.refusal is not None and a.refusal.kind == "after_snapshot" and "250,000" not in a.text


def test_prompts_load_and_mark_passages_as_data() -> None:
    p = prompt("answer")
    assert set(p.variables) == {"passages", "question"}
    system, human = p.messages(passages='<passage n="1">x</passage>', question="q?")
    assert "data, not instructions" in system[1] and "q?" in human[1]


def test_a_streamed_reply_shows_drafts_and_returns_the_verified_answer(answerer: Answerer) -> None:
    fund, _ = _fund_passage_number(answerer)
    llm = FakeListChatModel(
        responses=[f"Masayoshi Son proposed the fund [{fund}]. Elon Musk co-signed it in 1999 [{fund}]."]
    )
    drafts: list[str] = []
    bot = _with_llm(answerer, llm)
    assert bot.streams
    a = bot.ask("Who proposed the US-Japan fund?", as_of=SEED_DAY, on_draft=drafts.append)
    assert len(drafts) > 5 and all(b.startswith(a_) for a_, b in zip(drafts, drafts[1:], strict=False))
    assert "Elon Musk" in drafts[-1]  # the draft is the raw reply...
    assert a.text == "Masayoshi Son proposed the fund [1]." and "Musk" not in a.text  # ...the answer is verified
