"""The answering chain every front end shares: question in, cited answer or honest refusal out.

Built from LangChain runnables (understand → decide → retrieve → answer), so tracing, streaming
and model swaps work as LangChain users expect; the rules that refuse live in code, not in a prompt.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda

from bot.answering.answer import AlsoReported, Answer, Citation, Drafts, Refusal
from bot.answering.answer_type import Slot, slot
from bot.answering.citations import citation_from_passage, citation_from_snapshot
from bot.answering.extractive import CANDIDATE_PASSAGES, Candidate, Reply, candidates, compose
from bot.answering.followup import History, rewrite_followup
from bot.answering.overlap import question_weights
from bot.answering.question import ParsedQuestion, parse_question
from bot.answering.refusal import Decision, coverage_refusal, market_decision, no_evidence_text
from bot.answering.retrieval import HybridRetriever, Passage, Retrieval
from bot.settings import Settings
from ingest import Coverage, Embedder, Index, IndexUnavailable, SnapshotRow, open_with_embedder

log = logging.getLogger(__name__)
# the caller's draft callback for the question being answered (LangChain runs each step in a copy of the context)
_DRAFTS: ContextVar[Drafts | None] = ContextVar("newsbot_drafts", default=None)

# Longer questions are cut (at a word) before parsing and retrieval: keyword search and sentence
# scoring grow with every distinct word, and no real question needs more.
MAX_QUESTION_CHARS = 1000
# How long a question waits for another process's write to end after embedded Chroma failed mid-write.
WRITE_WAIT_S = 15.0


@dataclass(frozen=True)
class Understood:
    """Step 1: the question as asked, made standalone and parsed."""

    question: str
    as_of: date
    history: History
    standalone: str
    parsed: ParsedQuestion
    started: float
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Decided:
    """Step 2: what the rules decided before any passage is read, and what the news covers."""

    turn: Understood
    coverage: Coverage
    decision: Decision | None


@dataclass(frozen=True)
class Retrieved:
    """Step 3: the passages retrieved (none when the rules already decided) and the question's keywords."""

    decided: Decided
    retrieval: Retrieval | None = None
    weights: dict[str, float] = field(default_factory=dict)


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
        self._coverage_cache: dict[tuple[int, date], Coverage] = {}
        self.chain: Runnable[dict[str, Any], Answer] = (
            RunnableLambda(self._understand, name="understand")
            | RunnableLambda(self._decide, name="decide")
            | RunnableLambda(self._retrieve, name="retrieve")
            | RunnableLambda(self._answer, name="answer")
        )

    @property
    def streams(self) -> bool:
        """Whether :meth:`ask` can show a draft while it is written (a chat model is configured)."""
        return self.llm is not None

    def ask(
        self, question: str, *, as_of: date | None = None, history: History = (), on_draft: Drafts | None = None
    ) -> Answer:
        """A cited answer or a refusal for ``question`` asked on ``as_of`` (default: setting, else today).

        ``on_draft`` gets the chat model's unverified reply while it streams; the returned answer is
        the verified one (or the extractive answer when verification keeps nothing)."""
        token = _DRAFTS.set(on_draft)
        try:
            return self._ask(question, as_of, history)
        finally:
            _DRAFTS.reset(token)

    def _ask(self, question: str, as_of: date | None, history: History) -> Answer:
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
        from bot.answering.langchain_retriever import NewsRetriever

        return NewsRetriever(retriever=self.retriever, as_of=as_of or self.settings.as_of)

    def _coverage_as_of(self, as_of: date) -> Coverage:
        """Coverage up to a date, cached until the index changes (it scans the articles table)."""
        key = (self._generation, as_of)
        if key not in self._coverage_cache:
            if len(self._coverage_cache) > 256:
                self._coverage_cache.clear()
            self._coverage_cache[key] = self.index.coverage(as_of)
        return self._coverage_cache[key]

    def coverage(self) -> Coverage:
        """What the news covers: article count, date range, sources."""
        return self.index.coverage()

    def snapshots(self) -> list[SnapshotRow]:
        """The newest market snapshot of each asset and metric."""
        return self.index.newest_snapshots()

    # ---- chain steps ----------------------------------------------------------------------------

    def _understand(self, inputs: dict[str, Any]) -> Understood:
        as_of = inputs.get("as_of") or self.settings.as_of or date.today()
        question = str(inputs["question"]).strip()
        history = tuple(inputs.get("history") or ())
        started = time.perf_counter()
        standalone = self._standalone(_bounded(question), history)
        return Understood(question, as_of, history, standalone, parse_question(standalone, as_of), started)

    def _standalone(self, question: str, history: History) -> str:
        if self.llm is not None and history:
            from bot.answering.llm import condense_question

            rewritten = condense_question(self.llm, question, history, timeout=self.settings.llm_timeout)
            if rewritten:
                return rewritten
        return rewrite_followup(question, history)

    def _decide(self, turn: Understood) -> Decided:
        t = time.perf_counter()
        coverage = self._coverage_as_of(turn.as_of)
        decision = market_decision(turn.parsed, self.index) or coverage_refusal(turn.parsed, coverage)
        turn.timings["decide"] = (time.perf_counter() - t) * 1e3
        return Decided(turn, coverage, decision)

    def _retrieve(self, decided: Decided) -> Retrieved:
        turn = decided.turn
        if decided.decision is not None or not turn.question:
            return Retrieved(decided)
        weights = question_weights(turn.parsed.text, self.index.idf)
        retrieval = self.retriever.retrieve(turn.standalone, turn.as_of, weights, turn.parsed.period)
        turn.timings.update(retrieval.timings_ms)
        return Retrieved(decided, retrieval, weights)

    def _answer(self, retrieved: Retrieved) -> Answer:
        turn = retrieved.decided.turn
        t = time.perf_counter()
        answer = self._compose(retrieved)
        turn.timings["answer"] = (time.perf_counter() - t) * 1e3
        turn.timings["total"] = (time.perf_counter() - turn.started) * 1e3
        answer.timings_ms = turn.timings
        answer.news_until = retrieved.decided.coverage.last or ""
        if retrieved.retrieval is not None:
            answer.retrieved = list(dict.fromkeys(p.chunk.article_id for p in retrieved.retrieval.passages))
        return answer

    # ---- composing the reply ------------------------------------------------------------------

    @staticmethod
    def _result(
        turn: Understood,
        text: str,
        citations: list[Citation],
        refusal: Refusal | None,
        answerer: str = "extractive",
        relevance: float | None = None,
    ) -> Answer:
        answer = Answer(turn.question, turn.as_of, text, citations, refusal, turn.standalone, answerer)
        answer.relevance = relevance
        return answer

    def _compose(self, retrieved: Retrieved) -> Answer:
        decided = retrieved.decided
        turn, decision, coverage = decided.turn, decided.decision, decided.coverage
        if decision is not None:
            cites = [citation_from_snapshot(n, row) for n, row in enumerate(decision.snapshots, 1)]
            refusal = Refusal(decision.kind, decision.latest) if decision.kind else None
            answer = self._result(turn, decision.text, cites, refusal)
            answer.short_answer = decision.short
            return answer
        if retrieved.retrieval is None:
            return self._result(turn, "Ask me a question about the news.", [], Refusal("no_evidence", coverage.last))
        passages = retrieved.retrieval.passages
        wanted = slot(turn.parsed.text, [p.chunk.text for p in passages[:CANDIDATE_PASSAGES]])
        found = candidates(wanted, passages, retrieved.weights)
        ranked = sorted(found, key=lambda c: -c.score)
        best = max((relevance(passages[c.passage].dense, c.coverage) for c in ranked), default=0.0)
        if best < self.settings.min_relevance:
            return self._result(
                turn, no_evidence_text(coverage), [], Refusal("no_evidence", coverage.last), relevance=best
            )
        if self.llm is not None:
            from bot.answering.llm import llm_answer

            drafted = llm_answer(
                self.llm, turn.standalone, passages, self.embedder, self.settings.llm_timeout, _DRAFTS.get()
            )
            if drafted is not None:
                text, citations = drafted
                name = getattr(self.llm, "model_name", "") or "llm"
                answer = self._result(turn, text, citations, None, answerer=name, relevance=best)
                first = text.split(" [", 1)[0]
                span = wanted.short_answer(first)  # the chat model's answer gets the same marked short answer
                answer.short_answer = first[span[0] : span[1]] if span else ""
                return answer
        further = candidates(wanted, passages, retrieved.weights, limit=len(passages), start=CANDIDATE_PASSAGES)
        return self._extractive(turn, wanted, passages, ranked, best, further)

    def _extractive(
        self,
        turn: Understood,
        wanted: Slot,
        passages: Sequence[Passage],
        ranked: Sequence[Candidate],
        best: float,
        further: Sequence[Candidate] = (),
    ) -> Answer:
        reply = compose(wanted, ranked, [p.chunk.article_id for p in passages], also_from=further)
        if reply is None:
            return self._result(turn, "", [], None, relevance=best)
        numbers: dict[int, int] = {}
        citations: list[Citation] = []
        parts: list[str] = []
        for c in sorted([reply.direct, *reply.support], key=lambda c: (c is not reply.direct, c.start)):
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
        answer = self._result(turn, " ".join(parts), citations, None, relevance=best)
        answer.short_answer = reply.direct.text[reply.short[0] : reply.short[1]] if reply.short else ""
        answer.also_reported = _also_reported(reply, passages)
        return answer


def _also_reported(reply: Reply, passages: Sequence[Passage]) -> list[AlsoReported]:
    """The other articles that report the direct answer's fact, or a different figure or name for it."""
    out = []
    for report in reply.reports:
        chunk = passages[report.candidate.passage].chunk
        out.append(
            AlsoReported(
                chunk.article_id,
                chunk.title,
                chunk.source,
                chunk.published.isoformat(),
                chunk.url,
                report.candidate.text,
                report.short,
                report.agrees,
            )
        )
    return out


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
        from bot.answering.llm import load_chat_model

        llm = load_chat_model(settings.llm, max_tokens=settings.llm_max_tokens, timeout=settings.llm_timeout)
    return Answerer(index, embedder, settings, llm)


__all__ = ["Answerer", "build_answerer"]
