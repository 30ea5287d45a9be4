"""Read-only queries over the index database (SQLite or PostgreSQL): articles, chunks, keyword search,
snapshots, coverage."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ingest.database import Database
from ingest.snapshots import ASSETS

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most my
    myself no nor not now of off on once only or other our ours out over own same she should so some such
    than that the their theirs them themselves then there these they this those through to too under until
    up very was we were what when where which while who whom why will with would you your yours yourself
    according said says say tell told week weeks month year years new last first one two also many much
    did does get got make made like well""".split()
)


@dataclass(frozen=True)
class ChunkRecord:
    """A stored chunk with its article's metadata, as the read side needs it."""

    id: str
    article_id: str
    title: str
    source: str
    published: date
    url: str
    position: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class SnapshotRow:
    """A stored market figure with the article that states it (for the citation)."""

    asset: str
    metric: str
    value: float
    unit: str
    period: str
    as_of: date
    sentence: str
    start: int
    end: int
    article_id: str
    title: str
    source: str
    published: str
    url: str

    @classmethod
    def from_row(cls, r: Any) -> SnapshotRow:
        """From a database row of the snapshots table joined with its article."""
        return cls(
            asset=r["asset"], metric=r["metric"], value=float(r["value"]), unit=r["unit"], period=r["period"] or "",
            as_of=date.fromisoformat(r["as_of"]), sentence=r["sentence"], start=int(r["start"]), end=int(r["end"]),
            article_id=r["article_id"], title=r["title"] or "", source=r["source"] or "",
            published=r["published"] or "", url=r["url"] or "",
        )  # fmt: skip


@dataclass(frozen=True)
class Coverage:
    """What the news covers up to a date: how many ready articles, their first and last dates, their sources."""

    articles: int
    first: str | None
    last: str | None
    sources: dict[str, int]


def keywords(text: str) -> list[str]:
    """Lower-cased content words of ``text``, stopwords removed, order kept, no repeats."""
    seen: dict[str, None] = {}
    for token in _TOKEN.findall(text.lower()):
        token = token.replace("’", "'")
        if token not in STOPWORDS and (len(token) > 1 or token.isdigit()):
            seen.setdefault(token, None)
    return list(seen)


class Catalog:
    """Queries over the articles table, chunks, the lexical index and snapshots."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._df: dict[str, int] = {}
        self._total: int | None = None

    def df(self, term: str) -> int:
        """How many chunks contain a keyword (after stemming; cached for the process)."""
        if term not in self._df:
            self._df[term] = self.db.match_count(term)
        return self._df[term]

    def idf(self, term: str) -> float:
        """Inverse document frequency of a keyword over all chunks (cached for the process)."""
        if self._total is None:
            self._total = max(1, self.db.execute("SELECT count(*) FROM chunks").fetchone()[0])
        df = self.df(term)
        return math.log(1 + (self._total - df + 0.5) / (df + 0.5))

    def chunks(self, ids: Sequence[str]) -> dict[str, ChunkRecord]:
        """Ready chunks by id (chunks of articles still being written are left out)."""
        found: dict[str, ChunkRecord] = {}
        for i in range(0, len(ids), 500):
            batch = list(ids[i : i + 500])
            rows = self.db.execute(
                f"""SELECT c.id, c.article_id, a.title, a.source, a.published, a.url, c.position, c.start,
                           c.end, c.text
                    FROM chunks c JOIN articles a ON a.id = c.article_id
                    WHERE c.id IN ({",".join("?" * len(batch))}) AND a.status = 'ready'""",
                batch,
            )
            for r in rows:
                found[r[0]] = ChunkRecord(r[0], r[1], r[2], r[3], date.fromisoformat(r[4]), r[5], *r[6:])
        return found

    def keyword_search(self, query: str, k: int, as_of: date | None = None) -> list[tuple[str, float]]:
        """Chunk ids ranked by BM25 or the like (title words count double; higher is better), only
        ready articles published by ``as_of``."""
        terms = keywords(query)
        if not terms:
            return []
        return self.db.keyword_search(terms, k, (as_of or date.max).isoformat(), self)

    def article(self, article_id: str) -> dict[str, Any] | None:
        """One article with its text and metadata (by id or alias)."""
        row = self.db.execute(
            """SELECT * FROM articles WHERE id = ?
               OR id = (SELECT article_id FROM aliases WHERE alias = ?)""",
            (article_id, article_id),
        ).fetchone()
        return _article_dict(row, with_text=True) if row else None

    def article_chunks(self, article_id: str) -> list[dict[str, Any]]:
        """An article's chunks in order: position, start and end offsets into its text, and text."""
        rows = self.db.execute(
            "SELECT position, start, end, text FROM chunks WHERE article_id = ? ORDER BY position", (article_id,)
        ).fetchall()
        return [{"position": r[0], "start": r[1], "end": r[2], "text": r[3]} for r in rows]

    def count_articles(self, source: str | None = None) -> int:
        """How many articles are stored (of ``source``, when given)."""
        row = self.db.execute(
            "SELECT count(*) FROM articles WHERE (CAST(? AS TEXT) IS NULL OR source = ?)", (source, source)
        ).fetchone()
        return int(row[0])

    def aliases(self, article_id: str) -> list[str]:
        """Other ids the same article arrived under."""
        return [r[0] for r in self.db.execute("SELECT alias FROM aliases WHERE article_id = ?", (article_id,))]

    def list_articles(self, limit: int = 50, offset: int = 0, source: str | None = None) -> list[dict[str, Any]]:
        """Articles, newest first, without their text."""
        rows = self.db.execute(
            """SELECT a.*, (SELECT count(*) FROM chunks c WHERE c.article_id = a.id) AS chunk_count
               FROM articles a WHERE (CAST(? AS TEXT) IS NULL OR a.source = ?)
               ORDER BY a.published DESC, a.id LIMIT ? OFFSET ?""",
            (source, source, limit, offset),
        ).fetchall()
        return [_article_dict(r, with_text=False) for r in rows]

    def newest_snapshots(self, asset: str | None = None, as_of: date | None = None) -> list[SnapshotRow]:
        """For each (asset, metric), the newest snapshot on or before ``as_of`` from a ready article."""
        rows = self.db.execute(
            """SELECT s.*, a.title, a.source, a.published, a.url FROM snapshots s
               JOIN articles a ON a.id = s.article_id
               WHERE a.status = 'ready' AND (CAST(? AS TEXT) IS NULL OR s.asset = ?) AND s.as_of <= ?
               ORDER BY s.asset, s.metric, s.as_of DESC, a.published DESC""",
            (asset, asset, (as_of or date.max).isoformat()),
        ).fetchall()
        by_key: dict[tuple[str, str, str], list[SnapshotRow]] = {}
        for r in rows:
            by_key.setdefault((r["asset"], r["metric"], r["period"]), []).append(SnapshotRow.from_row(r))
        newest = []
        for group in by_key.values():  # newest first; a figure implausible beside its neighbours is skipped
            chosen = next((row for row in group if plausible(row, group)), None)
            if chosen is not None:
                newest.append(chosen)
        return newest

    def snapshots_on(self, asset: str, day: date) -> list[SnapshotRow]:
        """Every snapshot of ``asset`` stated for exactly ``day``."""
        rows = self.db.execute(
            """SELECT s.*, a.title, a.source, a.published, a.url FROM snapshots s
               JOIN articles a ON a.id = s.article_id
               WHERE a.status = 'ready' AND s.asset = ? AND s.as_of = ? ORDER BY s.metric""",
            (asset, day.isoformat()),
        ).fetchall()
        found = [SnapshotRow.from_row(r) for r in rows]
        week = self.snapshots_between(asset, day - timedelta(days=7), day + timedelta(days=7))
        return [row for row in found if plausible(row, [w for w in week if w.metric == row.metric])]

    def snapshots_between(self, asset: str | None, first: date, last: date) -> list[SnapshotRow]:
        """Every stored snapshot (of ``asset``, or of all) dated from ``first`` to ``last``, oldest first."""
        rows = self.db.execute(
            """SELECT s.*, a.title, a.source, a.published, a.url FROM snapshots s
               JOIN articles a ON a.id = s.article_id
               WHERE a.status = 'ready' AND (CAST(? AS TEXT) IS NULL OR s.asset = ?) AND s.as_of BETWEEN ? AND ?
               ORDER BY s.as_of, s.asset, s.metric""",
            (asset, asset, first.isoformat(), last.isoformat()),
        ).fetchall()
        return [SnapshotRow.from_row(r) for r in rows]

    def coverage(self, as_of: date | None = None) -> Coverage:
        """What the news covers up to ``as_of``: article count, first and last date, sources."""
        cutoff = (as_of or date.max).isoformat()
        row = self.db.execute(
            """SELECT count(*), min(published), max(published) FROM articles
               WHERE status = 'ready' AND published <= ?""",
            (cutoff,),
        ).fetchone()
        sources = self.db.execute(
            """SELECT source, count(*) AS n FROM articles WHERE status = 'ready' AND published <= ?
               GROUP BY source ORDER BY n DESC""",
            (cutoff,),
        ).fetchall()
        return Coverage(
            articles=row[0], first=row[1], last=row[2], sources={(s[0] or "unknown"): s[1] for s in sources}
        )

    def stats(self) -> dict[str, Any]:
        """Counts for ``newsbot stats``: articles, chunks, dates, sources, snapshots per asset."""
        cov = self.coverage()
        chunks = self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        inferred = self.db.execute("SELECT count(*) FROM articles WHERE date_inferred = 1").fetchone()[0]
        pending = self.db.execute("SELECT count(*) FROM articles WHERE status = 'pending'").fetchone()[0]
        assets = self.db.execute(
            "SELECT asset, count(*), max(as_of) FROM snapshots GROUP BY asset ORDER BY asset"
        ).fetchall()
        return {
            "articles": cov.articles,
            "chunks": chunks,
            "first_published": cov.first,
            "last_published": cov.last,
            "dates_inferred": inferred,
            "pending": pending,
            "sources": cov.sources,
            "snapshots": {a[0]: {"count": a[1], "newest": a[2], "latest": self._latest(a[0])} for a in assets},
        }

    def _latest(self, asset: str) -> dict[str, dict[str, Any]]:
        """Per metric, the newest plausible figure of ``asset``: value, unit, period, as-of date, article."""
        return {
            (row.metric + (f" {row.period}" if row.period else "")): {
                "value": row.value,
                "unit": row.unit,
                "as_of": row.as_of.isoformat(),
                "article_id": row.article_id,
            }
            for row in self.newest_snapshots(asset)
        }


def _article_dict(row: Any, *, with_text: bool) -> dict[str, Any]:
    d = {k: row[k] for k in row.keys() if k != "text" or with_text}
    d["authors"] = json.loads(d.get("authors") or "[]")
    d["date_inferred"] = bool(d["date_inferred"])
    return d


# A daily move beyond these is a misread for a large asset (a garbled sentence, not a crash).
LARGE_ASSET_MAX_DAILY_MOVE = 50.0
PRICE_OUTLIER_RATIO = 5.0  # a price this many times off the same week's median is a misread


def plausible(row: SnapshotRow, others: Sequence[SnapshotRow]) -> bool:
    """False for a figure implausible beside the same asset's other figures of that week (10× off), or a
    daily move of 50% or more for a large asset (an index, a commodity, a currency pair, Bitcoin, Ethereum)."""
    if row.metric == "change" and row.period in {"", "24h"} and abs(row.value) >= LARGE_ASSET_MAX_DAILY_MOVE:
        return not _is_large(row.asset)
    if row.metric != "price":
        return True
    week = sorted(
        o.value for o in others if o is not row and o.metric == "price" and abs((o.as_of - row.as_of).days) <= 7
    )
    if len(week) < 2 or row.value <= 0:
        return True
    median = week[len(week) // 2]
    return 1 / PRICE_OUTLIER_RATIO <= row.value / median <= PRICE_OUTLIER_RATIO


def _is_large(asset: str) -> bool:
    return ASSETS.kinds.get(asset) in {"index", "commodity", "pair"} or asset in {"Bitcoin", "Ethereum"}
