"""Copy an index to another place without embedding anything again: e.g. from one host's SQLite and
embedded Chroma to PostgreSQL and a Chroma server when newsbot outgrows one machine.

Articles go through the target's own write path (pending → ready, in batches), so bot processes may
already read the target while it fills, an interrupted copy resumes where it stopped, and a second copy
writes nothing for articles already there with the same content.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import numpy as np

from ingest.models import Article, Chunk, Snapshot
from ingest.store import Index, PreparedArticle


@dataclass
class CopyReport:
    """What a copy did."""

    copied: int = 0
    unchanged: int = 0
    chunks: int = 0
    aliases: int = 0
    skipped: list[str] = field(default_factory=list)  # one line each: article id and reason

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _batches(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _already_there(source: Index, target: Index, article_id: str) -> bool:
    """The target holds this article, ready, with the source's content (compared by hash, no text read)."""
    here, there = source.existing(article_id), target.existing(article_id)
    return (
        here is not None
        and there is not None
        and there["status"] == "ready"
        and (there["content_hash"] == here["content_hash"])
    )


def stored_article(source: Index, article_id: str) -> PreparedArticle | None:
    """A stored article rebuilt as the write side prepares it (None if it vanished meanwhile)."""
    row = source.db.execute("SELECT * FROM articles WHERE id = ? AND status = 'ready'", (article_id,)).fetchone()
    if row is None:
        return None
    article = Article(
        id=row["id"],
        title=row["title"],
        text=row["text"],
        published=date.fromisoformat(row["published"]),
        date_inferred=bool(row["date_inferred"]),
        published_time=row["published_time"] if "published_time" in row.keys() else "",
        source=row["source"],
        url=row["url"],
        authors=tuple(json.loads(row["authors"] or "[]")),
        origin=row["origin"],
    )
    chunks = [
        Chunk(r["id"], article_id, r["position"], r["start"], r["end"], r["text"])
        for r in source.db.execute(
            'SELECT id, position, start, "end", text FROM chunks WHERE article_id = ? ORDER BY position',
            (article_id,),
        )
    ]
    snapshots = [
        Snapshot(
            r["asset"],
            r["metric"],
            r["value"],
            r["unit"],
            date.fromisoformat(r["as_of"]),
            article_id,
            r["sentence"],
            r["start"],
            r["end"],
            r["period"],
        )
        for r in source.db.execute(
            """SELECT asset, metric, value, unit, as_of, sentence, start, "end", period
               FROM snapshots WHERE article_id = ? ORDER BY rowid""",
            (article_id,),
        )
    ]
    return PreparedArticle(article, row["content_hash"], row["text_hash"], chunks, snapshots)


def copy_index(
    source: Index,
    target: Index,
    *,
    batch_size: int = 64,
    progress: Callable[[int, int], None] | None = None,
) -> CopyReport:
    """Copy every ready article of ``source`` (rows, chunks, snapshots, vectors, aliases) into ``target``,
    which must be opened for the same embedding model (``open_index`` refuses a target built with another)."""
    report = CopyReport()
    ids = [r["id"] for r in source.db.execute("SELECT id FROM articles WHERE status = 'ready' ORDER BY id")]
    done = 0
    for batch_ids in _batches(ids, batch_size):
        batch: list[PreparedArticle] = []
        for article_id in batch_ids:
            if _already_there(source, target, article_id):
                report.unchanged += 1
                continue
            prepared = stored_article(source, article_id)  # read in full only when it is to be written
            if prepared is not None:
                batch.append(prepared)
        vectors = source.vectors.embeddings([c.id for p in batch for c in p.chunks])
        complete = []
        for p in batch:
            missing = [c.id for c in p.chunks if c.id not in vectors]
            if missing:
                report.skipped.append(
                    f"{p.article.id}: {len(missing)} chunk vectors missing in the source (run newsbot check)"
                )
            else:
                complete.append(p)
        if complete:
            rows = np.stack([vectors[c.id] for p in complete for c in p.chunks])
            twins = target.write(complete, rows)
            for alias, stored in twins.items():
                target.add_alias(alias, stored)
            report.copied += len(complete) - len(twins)
            report.chunks += sum(len(p.chunks) for p in complete if p.article.id not in twins)
        done += len(batch_ids)
        if progress:
            progress(done, len(ids))
    for row in source.db.execute("SELECT alias, article_id FROM aliases ORDER BY alias"):
        if target.db.execute("SELECT 1 FROM aliases WHERE alias = ?", (row["alias"],)).fetchone() is None:
            target.add_alias(row["alias"], row["article_id"])
            report.aliases += 1
    return report
