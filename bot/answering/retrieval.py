"""Hybrid retrieval: dense (Chroma) and keyword (FTS5) results fused by reciprocal rank into a pool of
candidates (at most a few passages per article, near-duplicates collapsed), then reranked by how closely
each passage bears on the question (its embedding similarity plus the share of the question's rarer
words it holds) and a recency prior relative to the question's as-of date."""

from __future__ import annotations

import hashlib
import math
import re
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from bot.answering.overlap import coverage, question_weights
from bot.answering.timeframe import Period
from ingest import ChunkRecord, Embedder, Index

RRF_K = 60


@dataclass
class Passage:
    """A retrieved chunk with its scores."""

    chunk: ChunkRecord
    score: float  # the rerank score: higher bears more closely on the question
    dense: float = 0.0  # cosine similarity of question and passage
    cover: float = 0.0  # idf-weighted share of the question's keywords the passage holds
    dense_rank: int | None = None
    lexical_rank: int | None = None
    in_period: float = 1.0  # the question's named period's prior (:func:`window_factor`): 1.0 inside it


@dataclass
class Retrieval:
    """The passages for a question, with the retrieval's timings."""

    passages: list[Passage]
    timings_ms: dict[str, float] = field(default_factory=dict)


def recency_factor(published: date, as_of: date, half_life_days: float, strength: float = 1.0) -> float:
    """A prior favouring news close to the as-of date: 1.0 on the day, never below 1 - 0.4 * strength."""
    age = max(0, (as_of - published).days)
    return 1.0 - strength * 0.4 * (1.0 - math.exp(-age / half_life_days))


def window_factor(published: date, period: Period | None, slack_days: int = 3, floor: float = 0.5) -> float:
    """A prior for a question naming a time relative to its as-of date ("this week", "yesterday", "now"):
    1.0 for news published within the period (give or take ``slack_days``), decaying with a week's
    half-life to ``floor`` outside it. Other periods ("in 1952") leave it at 1.0: later news tells of them."""
    if period is None or not period.relative:
        return 1.0
    start, end = period.start - timedelta(slack_days), period.end + timedelta(slack_days)
    outside = max((start - published).days, (published - end).days, 0)
    return 1.0 - (1.0 - floor) * (1.0 - math.exp(-outside / 7.0))


def _fingerprint(text: str) -> str:
    return hashlib.sha1(" ".join(re.findall(r"\w+", text.lower()))[:400].encode()).hexdigest()


@dataclass(frozen=True)
class RerankWeights:
    """How the pool is reranked: (fusion * RRF_K * rrf + dense + cover * coverage) * recency prior.

    Chosen on realtimeqa (benchmarks/realtimeqa_bench.py; see docs/evaluation.md for the sweep)."""

    fusion: float = 0.5  # the reciprocal-rank fusion score (keeps what both searches agree on)
    cover: float = 1.0  # the share of the question's rarer words the passage holds
    recency: float = 1.0  # strength of the recency prior: 0 none, 1 down to 0.6 for old news


class HybridRetriever:
    """Finds the passages that bear on a question, using only news published by its as-of date."""

    def __init__(
        self,
        index: Index,
        embedder: Embedder,
        *,
        k: int = 8,
        candidates: int = 40,
        pool: int = 24,
        per_article: int = 2,
        half_life_days: float = 30.0,
        dense_weight: float = 1.0,
        rerank: RerankWeights | None = None,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.k = k
        self.candidates = candidates
        self.pool = pool
        self.per_article = per_article
        self.half_life_days = half_life_days
        self.dense_weight = dense_weight
        self.rerank = rerank or RerankWeights()

    def _dense(self, vector: np.ndarray, as_of: date) -> list[str]:
        # Unfiltered queries are ~20x faster in Chroma; filter by date afterwards, and fall back to a
        # filtered query only when too few of the nearest chunks are old enough.
        hits = self.index.dense_search(vector, self.candidates * 2)
        records = self.index.chunks([cid for cid, _ in hits])
        ids = [cid for cid, _ in hits if cid in records and records[cid].published <= as_of]
        if len(ids) < self.candidates // 2 and len(hits) >= self.candidates * 2:
            ids = [cid for cid, _ in self.index.dense_search(vector, self.candidates, max_published=as_of)]
        return ids[: self.candidates]

    def retrieve(
        self, query: str, as_of: date, weights: dict[str, float] | None = None, period: Period | None = None
    ) -> Retrieval:
        """The top passages for ``query`` from articles published on or before ``as_of``.

        ``weights`` are the question's idf-weighted keywords (computed from ``query`` when not given);
        ``period`` is the time the question names, when it names one relative to ``as_of`` (news of
        "this week" is preferred for a question about this week)."""
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        vector = self.embedder.embed_query(query)
        t1 = time.perf_counter()
        dense_ids = self._dense(vector, as_of)
        t2 = time.perf_counter()
        lexical = self.index.keyword_search(query, self.candidates, as_of)
        t3 = time.perf_counter()
        timings.update(embed=(t1 - t0) * 1e3, dense=(t2 - t1) * 1e3, lexical=(t3 - t2) * 1e3)

        fused: dict[str, float] = {}
        dense_rank = {cid: r for r, cid in enumerate(dense_ids)}
        lexical_rank = {cid: r for r, (cid, _) in enumerate(lexical)}
        for ranks, weight in ((dense_rank, self.dense_weight), (lexical_rank, 1.0)):
            for cid, r in ranks.items():
                fused[cid] = fused.get(cid, 0.0) + weight / (RRF_K + r)
        records = self.index.chunks(list(fused))
        in_period = {cid: window_factor(record.published, period) for cid, record in records.items()}
        recency = {
            cid: recency_factor(record.published, as_of, self.half_life_days) * in_period[cid]
            for cid, record in records.items()
        }
        ordered = sorted((cid for cid in fused if cid in records), key=lambda c: -fused[c] * recency[c])
        pool = self._pool(ordered, records, fused, dense_rank, lexical_rank)
        if pool:
            stored = self.index.chunk_vectors([p.chunk.id for p in pool])
            weights = weights if weights is not None else question_weights(query, self.index.idf)
            w = self.rerank
            for p in pool:
                if p.chunk.id in stored:
                    p.dense = float(np.dot(vector, stored[p.chunk.id]))
                p.cover = coverage(p.chunk.text, weights)
                p.in_period = in_period[p.chunk.id]
                prior = recency_factor(p.chunk.published, as_of, self.half_life_days, w.recency) * p.in_period
                p.score = (w.fusion * RRF_K * p.score + p.dense + w.cover * p.cover) * prior
            pool.sort(key=lambda p: -p.score)
        timings["fuse"] = (time.perf_counter() - t3) * 1e3
        return Retrieval(pool[: self.k], timings)

    def _pool(
        self,
        ordered: list[str],
        records: dict[str, ChunkRecord],
        fused: dict[str, float],
        dense_rank: dict[str, int],
        lexical_rank: dict[str, int],
    ) -> list[Passage]:
        """The best fused candidates to rerank: near-duplicates collapsed, a few passages per article."""
        chosen: list[Passage] = []
        per_article: dict[str, int] = {}
        seen: set[str] = set()
        for cid in ordered:
            record = records[cid]
            fp = _fingerprint(record.text)
            if fp in seen or per_article.get(record.article_id, 0) >= self.per_article:
                continue
            seen.add(fp)
            per_article[record.article_id] = per_article.get(record.article_id, 0) + 1
            chosen.append(
                Passage(record, fused[cid], dense_rank=dense_rank.get(cid), lexical_rank=lexical_rank.get(cid))
            )
            if len(chosen) >= self.pool:
                break
        return chosen
