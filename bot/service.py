"""The answering chain every front end shares: question in, cited answer or honest refusal out.

Built from LangChain runnables (understand → decide → retrieve → answer), so tracing, streaming
and model swaps work as LangChain users expect; the rules that refuse live in code, not in a prompt.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda

from bot.answer import Answer, Citation, Refusal
from bot.citations import citation_from_passage, citation_from_snapshot
from bot.extractive import Candidate, candidates, choose
from bot.followup import History, rewrite_followup
from bot.overlap import question_weights
from bot.question import ParsedQuestion, parse_question
from bot.refusal import Decision, coverage_refusal, market_decision, no_evidence_text
from bot.retrieval import HybridRetriever, Retrieval
from ingest.embedding import Embedder
from ingest.errors import IndexUnavailable
from ingest.settings import Settings
from ingest.store import Index, open_with_embedder

log = logging.getLogger(__name__)

# Longer questions are cut (at a word) before parsing and retrieval: keyword search and sentence
# scoring grow with every distinct word, and no real question needs more.
MAX_QUESTION_CHARS = 1000
# How long a question waits for another process's write to end after embedded Chroma failed mid-write.
WRITE_WAIT_S = 15.0


@dataclass
class _Turn:
    """State flowing through the chain for one question."""

    question: str
    as_of: date
    history: History
    started: float
    standalone: str = ""
    parsed: ParsedQuestion | None = None
    decision: Decision | None = None
    retrieval: Retrieval | None = None
    weights: dict[str, float] = field(default_factory=dict)  # the question's idf-weighted keywords
    relevance: float | None = None  # the best passage's relevance, once the passages are scored
    coverage: dict[str, Any] = field(default_factory=dict)  # what the news covers as of the question
    timings: dict[str, float] = field(default_factory=dict)


def relevance(dense: float, cover: float) -> float:
    """How strongly a passage bears on a question, in [0, 1]: its meaning is close (dense similarity)
    and it shares the question's rarer words (idf-weighted coverage)."""
    return 0.5 * max(0.0, dense) + 0.5 * cover


class Answerer:
    """Answers questions over one index; load once per process, then call :meth:`ask` many times."""

    def __init__(self, index: Index, embedder: Embedder, settings: Settings, llm: Any = None) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.retriever = HybridRetriever(index, embedder)
        self.llm = llm
        self._generation = index.generation()
        self._reopen_lock = threading.Lock()
        self._coverage_cache: dict[tuple[int, date], dict[str, Any]] = {}
        self.chain: Runnable[dict[str, Any], Answer] = (
            RunnableLambda(self._understand, name="understand")
            | RunnableLambda(self._decide, name="decide")
            | RunnableLambda(self._retrieve, name="retrieve")
            | RunnableLambda(self._answer, name="answer")
        )

    def ask(self, question: str, *, as_of: date | None = None, history: History = ()) -> Answer:
        """A cited answer or a refusal for ``question`` asked on ``as_of`` (default: setting, else today)."""
        self.refresh()
        seen = self._generation
        inputs = {"question": question, "as_of": as_of, "history": list(history)}
        try:
            return self.chain.invoke(inputs)
        except IndexUnavailable as exc:
            # While another process ingests, this process's embedded Chroma lags behind the metadata it
            # shares on disk: a date-filtered query can match vectors it has not loaded yet and fail with
            # "Error finding id" until that write ends and the generation moves on. Wait for that, reopen,
            # try once more. (Not with a Chroma server: there a failure means it is down.)
            if self.settings.chroma_host or not self._await_new_generation(seen):
                raise
            log.info("a Chroma query failed while another process was writing (%s); retrying", exc)
            self.refresh()
            return self.chain.invoke(inputs)

    def _await_new_generation(self, seen: int, timeout: float = WRITE_WAIT_S) -> bool:
        """Wait until another process's write in progress ends (the generation changes); False on timeout.

        Reopening embedded Chroma in the middle of that write could read its files half-written."""
        deadline = time.monotonic() + timeout
        while self.index.generation() == seen:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def refresh(self) -> None:
        """Pick up news another process ingested since the last question (no restart needed)."""
        generation = self.index.generation()
        if generation == self._generation:
            return
        with self._reopen_lock:
            if generation != self._generation:
                log.info("index changed (generation %s → %s); reopening", self._generation, generation)
                self.index.reopen_vectors()
                self._generation = generation

    def as_retriever(self, as_of: date | None = None) -> Any:
        """This answerer's retrieval as a LangChain ``BaseRetriever`` (for use in other chains)."""
        from bot.langchain_retriever import NewsRetriever

        return NewsRetriever(retriever=self.retriever, as_of=as_of or self.settings.as_of)

    def _coverage_as_of(self, as_of: date) -> dict[str, Any]:
        """Coverage up to a date, cached until the index changes (it scans the articles table)."""
        key = (self._generation, as_of)
        if key not in self._coverage_cache:
            if len(self._coverage_cache) > 256:
                self._coverage_cache.clear()
            self._coverage_cache[key] = self.index.catalog.coverage(as_of)
        return self._coverage_cache[key]

    def coverage(self) -> dict[str, Any]:
        """What the news covers: article count, date range, sources, newest snapshots."""
        cov = self.index.catalog.coverage()
        cov["snapshots"] = self.index.catalog.newest_snapshots()
        return cov

    # ---- chain steps ----------------------------------------------------------------------------

    def _understand(self, inputs: dict[str, Any]) -> _Turn:
        as_of = inputs.get("as_of") or self.settings.as_of or date.today()
        turn = _Turn(str(inputs["question"]).strip(), as_of, tuple(inputs.get("history") or ()), time.perf_counter())
        turn.standalone = self._standalone(_bounded(turn.question), turn.history)
        turn.parsed = parse_question(turn.standalone, as_of)
        return turn

    def _standalone(self, question: str, history: History) -> str:
        if self.llm is not None and history:
            from bot.llm import condense_question

            rewritten = condense_question(self.llm, question, history, timeout=self.settings.llm_timeout)
            if rewritten:
                return rewritten
        return rewrite_followup(question, history)

    def _decide(self, turn: _Turn) -> _Turn:
        assert turn.parsed is not None
        t = time.perf_counter()
        turn.coverage = self._coverage_as_of(turn.as_of)
        turn.decision = market_decision(turn.parsed, self.index.catalog)
        if turn.decision is None:
            turn.decision = coverage_refusal(turn.parsed, turn.coverage)
        turn.timings["decide"] = (time.perf_counter() - t) * 1e3
        return turn

    def _retrieve(self, turn: _Turn) -> _Turn:
        if turn.decision is None and turn.question:
            assert turn.parsed is not None
            turn.weights = question_weights(turn.parsed.text, self.index.catalog.idf)
            turn.retrieval = self.retriever.retrieve(turn.standalone, turn.as_of, turn.weights)
            turn.timings.update(turn.retrieval.timings_ms)
        return turn

    def _answer(self, turn: _Turn) -> Answer:
        t = time.perf_counter()
        answer = self._compose(turn)
        turn.timings["answer"] = (time.perf_counter() - t) * 1e3
        turn.timings["total"] = (time.perf_counter() - turn.started) * 1e3
        answer.timings_ms = turn.timings
        answer.relevance = turn.relevance
        if turn.retrieval is not None:
            answer.retrieved = list(dict.fromkeys(p.chunk.article_id for p in turn.retrieval.passages))
        return answer

    # ---- composing the reply ------------------------------------------------------------------

    def _result(
        self,
        turn: _Turn,
        text: str,
        citations: list[Citation],
        refusal: Refusal | None,
        answerer: str = "extractive",
    ) -> Answer:
        return Answer(turn.question, turn.as_of, text, citations, refusal, turn.standalone, answerer)

    def _compose(self, turn: _Turn) -> Answer:
        decision = turn.decision
        if decision is not None:
            cites = [citation_from_snapshot(n, row) for n, row in enumerate(decision.snapshots, 1)]
            refusal = Refusal(decision.kind, decision.latest) if decision.kind else None
            return self._result(turn, decision.text, cites, refusal)
        coverage_now = turn.coverage
        if not turn.question:
            return self._result(
                turn, "Ask me a question about the news.", [], Refusal("no_evidence", coverage_now["last"])
            )
        assert turn.parsed is not None and turn.retrieval is not None
        passages = turn.retrieval.passages
        found = candidates(turn.parsed, passages, turn.weights)
        ranked = sorted(found, key=lambda c: -c.score)
        turn.relevance = max((relevance(passages[c.passage].dense, c.coverage) for c in ranked), default=0.0)
        if turn.relevance < self.settings.min_relevance:
            return self._result(turn, no_evidence_text(coverage_now), [], Refusal("no_evidence", coverage_now["last"]))
        if self.llm is not None:
            from bot.llm import llm_answer

            drafted = llm_answer(self.llm, turn.standalone, passages, self.embedder, timeout=self.settings.llm_timeout)
            if drafted is not None:
                text, citations = drafted
                return self._result(turn, text, citations, None, answerer=getattr(self.llm, "model_name", "") or "llm")
        return self._extractive(turn, ranked)

    def _extractive(self, turn: _Turn, ranked: Sequence[Candidate]) -> Answer:
        assert turn.retrieval is not None
        passages = turn.retrieval.passages
        chosen = choose(list(ranked), [p.chunk.article_id for p in passages])
        numbers: dict[int, int] = {}
        citations: list[Citation] = []
        parts: list[str] = []
        for c in chosen:
            if c.passage not in numbers:
                numbers[c.passage] = len(numbers) + 1
                citations.append(citation_from_passage(numbers[c.passage], passages[c.passage], c.text, c.start, c.end))
            else:  # another sentence of the same passage: quote the verbatim span covering both
                n = numbers[c.passage] - 1
                prev = citations[n]
                start, end = min(prev.start, c.start), max(prev.end, c.end)
                chunk = passages[c.passage].chunk
                quote = chunk.text[start - chunk.start : end - chunk.start]
                citations[n] = replace(prev, quote=quote, start=start, end=end)
            parts.append(f"{c.text} [{numbers[c.passage]}]")
        return self._result(turn, " ".join(parts), citations, None)


def _bounded(question: str) -> str:
    if len(question) <= MAX_QUESTION_CHARS:
        return question
    cut = question[:MAX_QUESTION_CHARS]
    return cut.rsplit(None, 1)[0] if " " in cut.strip() else cut


def build_answerer(settings: Settings) -> Answerer:
    """Load the embedding model, open the index and, when configured, the chat model: once per process."""
    index, embedder = open_with_embedder(settings)
    llm = None
    if settings.llm:
        from bot.llm import load_chat_model

        llm = load_chat_model(settings.llm)
    return Answerer(index, embedder, settings, llm)


__all__ = ["Answerer", "build_answerer"]
