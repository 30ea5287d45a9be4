"""The index: one entry point that opens the database (SQLite in the data dir, or PostgreSQL; the source
of truth and lexical index) and Chroma together.

Write protocol, safe against a kill at any moment: (1) in one database transaction the article row is
written as ``pending`` with its chunks, lexical rows and snapshots; (2) its vectors are upserted into
Chroma and any other vector ids of that article (orphans of an older version) are deleted; (3) the
row turns ``ready``. Readers only see ``ready`` articles; a rerun redoes every ``pending`` one.
On PostgreSQL, write transactions run one at a time across processes (an advisory lock, as SQLite's
``BEGIN IMMEDIATE`` does on one host) and upsert an article's row before replacing its chunks.

When step (2) fails instead (a full disk, a Chroma server gone), the batch is taken back out: its new
vectors are deleted and its rows put back as they were, so earlier versions stay intact. A full,
read-only or inaccessible data dir is reported as one :class:`NewsbotError`.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ingest.catalog import Catalog, ChunkRecord, Coverage, SnapshotRow
from ingest.database import Database, connect, damage
from ingest.embedding import INT8_SUFFIX, Embedder, load_embedder, onnx_available
from ingest.errors import ConfigError, NewsbotError, one_line
from ingest.models import Article, Chunk, Snapshot
from ingest.settings import IndexSettings
from ingest.vectors import ChromaVectors, date_ordinal

DATABASE_FILE = "newsbot.sqlite"  # the SQLite catalog inside the data dir
log = logging.getLogger(__name__)

# Ingest stops before a batch when less than this is free: on a really full disk embedded Chroma's
# compaction fails and SQLite cannot even take a failed batch back out, so stop with room to spare.
MIN_FREE_BYTES = 64 * 1024 * 1024
_STORAGE_ERRNOS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
}
_STORAGE_MESSAGES = (
    ("disk is full", "the disk is full"),
    ("no space left", "the disk is full"),
    ("readonly", "it is read-only"),
    ("read-only", "it is read-only"),
)


def storage_problem(exc: BaseException | None, data_dir: Path) -> str | None:
    """Why a write failed when the data dir is to blame (full, read-only, no permission); else None."""
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno in _STORAGE_ERRNOS:
            return _STORAGE_ERRNOS[exc.errno]
        text = str(exc).lower()
        for fragment, problem in _STORAGE_MESSAGES:
            if fragment in text:
                return problem
        exc = exc.__cause__
    # SQLite and embedded Chroma don't always say why ("unable to open database file", "Failed to apply
    # logs to the hnsw segment writer"): look at the data dir itself.
    if data_dir.is_dir() and not os.access(data_dir, os.W_OK):
        return "the data dir is not writable"
    try:
        if shutil.disk_usage(data_dir).free < 1 << 20:
            return "the disk is full"
    except OSError:
        pass
    return None


@dataclass(frozen=True)
class PreparedArticle:
    """An article with everything derived from it, ready to be written."""

    article: Article
    content_hash: str
    text_hash: str
    chunks: list[Chunk]
    snapshots: list[Snapshot]


class Index:
    """The news index: the database and the Chroma collection, kept consistent."""

    def __init__(self, db: Database, vectors: ChromaVectors, settings: IndexSettings) -> None:
        self.db = db
        self.vectors = vectors
        self.settings = settings
        self.catalog = Catalog(db)

    # ---- read side: what bot/ may use ---------------------------------------------------------

    def dense_search(self, vector: np.ndarray, k: int, max_published: date | None = None) -> list[tuple[str, float]]:
        """The ``k`` chunk ids nearest to ``vector`` with cosine similarity, optionally published by a date."""
        return self.vectors.query(vector, k, max_published=max_published)

    def keyword_search(self, query: str, k: int, as_of: date | None = None) -> list[tuple[str, float]]:
        """The ``k`` best keyword (BM25) matches for ``query`` among articles published by ``as_of``."""
        return self.catalog.keyword_search(query, k, as_of)

    def chunks(self, ids: Sequence[str]) -> dict[str, ChunkRecord]:
        """Ready chunks by id, with their article's title, source, date and URL."""
        return self.catalog.chunks(ids)

    def chunk_vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of chunks by id."""
        return self.vectors.embeddings(ids)

    def idf(self, term: str) -> float:
        """How rare a keyword is across the stored chunks."""
        return self.catalog.idf(term)

    def coverage(self, as_of: date | None = None) -> Coverage:
        """What the news covers up to ``as_of``."""
        return self.catalog.coverage(as_of)

    def newest_snapshots(self, asset: str | None = None, as_of: date | None = None) -> list[SnapshotRow]:
        """For each asset and metric, the newest market figure on or before ``as_of``."""
        return self.catalog.newest_snapshots(asset, as_of)

    def snapshots_on(self, asset: str, day: date) -> list[SnapshotRow]:
        """Every market figure of ``asset`` stated for exactly ``day``."""
        return self.catalog.snapshots_on(asset, day)

    def snapshots_between(self, asset: str | None, first: date, last: date) -> list[SnapshotRow]:
        """Every market figure (of ``asset``, or of all) dated from ``first`` to ``last``, oldest first."""
        return self.catalog.snapshots_between(asset, first, last)

    # ---- write side -------------------------------------------------------------------------

    def existing(self, article_id: str) -> Any | None:
        """The stored row of an article (id, content_hash, status), or None."""
        return self.db.execute("SELECT id, content_hash, status FROM articles WHERE id = ?", (article_id,)).fetchone()

    def find_duplicate(self, article_id: str, url: str, text_hash: str) -> str | None:
        """The id of another stored article with the same URL or the same text, if any."""
        row = self.db.execute(
            "SELECT id FROM articles WHERE id != ? AND (text_hash = ? OR (? != '' AND url = ?)) LIMIT 1",
            (article_id, text_hash, url, url),
        ).fetchone()
        return row["id"] if row else None

    def add_alias(self, alias: str, article_id: str) -> None:
        """Remember that ``alias`` arrived with the same content as ``article_id``."""
        if alias != article_id:  # only once the article itself is stored
            with self.storage_errors():
                self.db.execute(
                    "INSERT INTO aliases(alias, article_id) SELECT ?, id FROM articles WHERE id = ? "
                    "ON CONFLICT DO NOTHING",
                    (alias, article_id),
                )

    @contextmanager
    def storage_errors(self) -> Iterator[None]:
        """Report a write that failed because of the data dir (full, read-only) as one NewsbotError."""
        try:
            yield
        except Exception as exc:
            problem = storage_problem(exc, Path(self.settings.data_dir))
            if problem is None:
                raise
            raise NewsbotError(
                f"cannot write to the index in {self.settings.data_dir}: {problem} ({one_line(exc)}); "
                "fix that and run the ingest again: it resumes where it stopped"
            ) from exc

    def write(self, batch: Sequence[PreparedArticle], embeddings: np.ndarray) -> dict[str, str]:
        """Store a batch of articles and the vectors of their chunks (rows of ``embeddings`` in order);
        a NewsbotError, and nothing of the batch kept, when the data dir is full or read-only.
        Returns the articles left out because another run stored the same story under another id
        since they were planned (id -> the stored article's id), to be recorded as aliases."""
        if not batch:
            return {}
        self._check_free_space()
        with self.storage_errors():
            return self._write(batch, embeddings)

    def _check_free_space(self) -> None:
        try:
            free = shutil.disk_usage(self.settings.data_dir).free
        except OSError:
            return  # not ours to judge (e.g. a data dir on an unusual file system); writes will tell
        if free < MIN_FREE_BYTES:
            raise NewsbotError(
                f"cannot write to the index in {self.settings.data_dir}: the disk is full "
                f"({free / 2**20:.0f} MB free; ingest keeps {MIN_FREE_BYTES / 2**20:.0f} MB free); "
                "free some space and run the ingest again: it resumes where it stopped"
            )

    def _write(self, batch: Sequence[PreparedArticle], embeddings: np.ndarray) -> dict[str, str]:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        ids = [p.article.id for p in batch]
        before = self._rows(ids)
        twins: dict[str, str] = {}
        with self.db.transaction():
            for p in sorted(batch, key=lambda p: p.article.id):  # one lock order for every writer
                # Checked again in the write transaction: a concurrent run may have stored the same
                # story under another id since this one was planned.
                a = p.article
                twin = None if self.existing(a.id) else self.find_duplicate(a.id, a.url, p.text_hash)
                if twin is None:
                    self._write_rows(p, now)
                else:
                    twins[a.id] = twin
        if twins:
            embeddings = embeddings[np.array([p.article.id not in twins for p in batch for _ in p.chunks], bool)]
            batch = [p for p in batch if p.article.id not in twins]
            ids = [p.article.id for p in batch]
            if not batch:
                return twins
        chunks = [c for p in batch for c in p.chunks]
        metadatas = [
            {
                "article_id": p.article.id,
                "title": p.article.title[:500],
                "source": p.article.source,
                "published": p.article.published.isoformat(),
                "published_ord": date_ordinal(p.article.published),
                "url": p.article.url,
                "position": c.position,
                "start": c.start,
                "end": c.end,
            }
            for p in batch
            for c in p.chunks
        ]
        try:
            self.vectors.upsert([c.id for c in chunks], embeddings, metadatas)
            stale = self.vectors.ids_for_articles(ids) - {c.id for c in chunks}
        except Exception:
            self._take_back(ids, [c.id for c in chunks], before)
            raise
        if stale:
            self.vectors.delete(sorted(stale))
        with self.db.transaction():
            self.db.execute(f"UPDATE articles SET status = 'ready' WHERE id IN ({','.join('?' * len(ids))})", ids)
            self._bump_generation()
        return twins

    def _write_rows(self, p: PreparedArticle, now: str) -> None:
        a = p.article
        self.db.execute(
            """INSERT INTO articles(id, title, source, published, date_inferred, published_time, url, authors,
                   text, content_hash, text_hash, origin, status, ingested_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)
               ON CONFLICT(id) DO UPDATE SET title=excluded.title, source=excluded.source,
                   published=excluded.published, date_inferred=excluded.date_inferred,
                   published_time=excluded.published_time, url=excluded.url,
                   authors=excluded.authors, text=excluded.text, content_hash=excluded.content_hash,
                   text_hash=excluded.text_hash, origin=excluded.origin, status='pending', ingested_at=excluded.ingested_at""",
            (
                a.id,
                a.title,
                a.source,
                a.published.isoformat(),
                int(a.date_inferred),
                a.published_time,
                a.url,
                json.dumps(list(a.authors)),
                a.text,
                p.content_hash,
                p.text_hash,
                a.origin,
                now,
            ),
        )
        # After the upsert, which holds the article's row lock: a concurrent writer of the same article
        # has committed by now, and its chunks are deleted here instead of colliding with ours.
        self.db.execute("DELETE FROM chunks WHERE article_id = ?", (a.id,))
        self.db.execute("DELETE FROM snapshots WHERE article_id = ?", (a.id,))
        self.db.executemany(
            'INSERT INTO chunks(id, article_id, position, start, "end", title, text) VALUES (?, ?, ?, ?, ?, ?, ?)',
            [(c.id, a.id, c.position, c.start, c.end, a.title, c.text) for c in p.chunks],
        )
        self.db.executemany(
            """INSERT INTO snapshots(article_id, asset, metric, value, unit, period, as_of, sentence, start, "end")
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                (
                    a.id,
                    s.asset,
                    s.metric,
                    s.value,
                    s.unit,
                    s.period,
                    s.as_of.isoformat(),
                    s.sentence,
                    s.start,
                    s.end,
                )
                for s in p.snapshots
            ],
        )

    def _rows(self, ids: Sequence[str]) -> dict[str, list[Any]]:
        """The stored rows of these articles, to put back if their new version cannot be written."""
        marks = ",".join("?" * len(ids))
        return {
            "articles": self.db.execute(f"SELECT * FROM articles WHERE id IN ({marks})", ids).fetchall(),
            "chunks": self.db.execute(
                f'SELECT rowid, id, article_id, position, start, "end", title, text FROM chunks '
                f"WHERE article_id IN ({marks})",
                ids,
            ).fetchall(),
            "snapshots": self.db.execute(f"SELECT * FROM snapshots WHERE article_id IN ({marks})", ids).fetchall(),
        }

    def _take_back(self, ids: Sequence[str], vector_ids: Sequence[str], before: dict[str, list[Any]]) -> None:
        """Undo a batch whose vectors could not be written: delete its new vectors and put its rows back as
        they were. Best effort: whatever stays ``pending`` is redone by the next ingest."""
        try:
            self.vectors.delete(list(vector_ids))
        except Exception as exc:  # the same outage; ids are content-addressed, so the rerun overwrites them  # noqa: BLE001
            log.info("could not delete the vectors of a failed batch: %s", one_line(exc))
        marks = ",".join("?" * len(ids))
        kept = {row["id"] for row in before["articles"]}
        try:
            with self.db.transaction():
                self.db.execute(f"DELETE FROM chunks WHERE article_id IN ({marks})", ids)
                self.db.execute(f"DELETE FROM snapshots WHERE article_id IN ({marks})", ids)
                self.db.executemany("DELETE FROM articles WHERE id = ?", [(i,) for i in ids if i not in kept])
                for table, rows in before.items():
                    if rows:
                        cols = [f'"{c}"' for c in rows[0].keys()]
                        sql = f"INSERT INTO {table}({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
                        if table == "articles":
                            sql += " ON CONFLICT(id) DO UPDATE SET " + ", ".join(f"{c}=excluded.{c}" for c in cols)
                        self.db.executemany(sql, [tuple(r) for r in rows])
        except self.db.Error as exc:
            log.info("could not take back a failed batch (%s); the next ingest redoes it", one_line(exc))

    def _bump_generation(self) -> None:
        """Tell long-running readers (the bot) that the index changed."""
        self.db.execute(
            "INSERT INTO meta(key, value) VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT)"
        )

    def generation(self) -> int:
        """A counter that changes whenever articles are written or removed, by any process."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    def reopen_vectors(self) -> None:
        """Reopen embedded Chroma so rows another process added become visible to queries."""
        if self.settings.chroma_host:
            return  # a server already serves every client the same rows
        from chromadb.api.client import SharedSystemClient

        meta = self.vectors.collection.metadata or {}
        SharedSystemClient.clear_system_cache()
        self.vectors = ChromaVectors.open(
            path=Path(self.settings.data_dir) / "chroma",
            host="",
            port=0,
            name=self.settings.collection,
            model=str(meta.get("embedding_model", "")),
            dim=int(meta.get("dim", 0)),
        )
        self.catalog = Catalog(self.db)  # fresh keyword statistics too

    def articles_missing_vectors(self, *, quick: bool = False) -> set[str]:
        """Ready articles with a chunk whose vector is not in Chroma (its folder lost, say). ``quick``: none
        when Chroma holds at least as many vectors as there are chunks, without listing them."""
        total = int(self.db.execute("SELECT count(*) FROM chunks").fetchone()[0])
        if quick and self.vectors.count() >= total:
            return set()
        vector_ids = self.vectors.all_ids()
        rows = self.db.execute(
            "SELECT c.id, c.article_id FROM chunks c JOIN articles a ON a.id = c.article_id WHERE a.status = 'ready'"
        )
        return {r[1] for r in rows if r[0] not in vector_ids}

    def pending_ids(self) -> list[str]:
        """Articles whose last write was interrupted; the next ingest redoes them."""
        return [r["id"] for r in self.db.execute("SELECT id FROM articles WHERE status = 'pending'")]

    def remove(self, article_ids: Iterable[str]) -> list[str]:
        """Delete articles (by id or alias) from every store; returns the ids removed."""
        removed = []
        for given in article_ids:
            row = self.db.execute(
                "SELECT id FROM articles WHERE id = ? UNION SELECT article_id FROM aliases WHERE alias = ?",
                (given, given),
            ).fetchone()
            if row is None:
                continue
            article_id = row[0]
            # Vectors first: if we die in between, the row still exists and a second remove finishes.
            self.vectors.delete(sorted(self.vectors.ids_for_articles([article_id])))
            with self.db.transaction():
                self.db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
                self._bump_generation()
            removed.append(article_id)
        return removed

    def check(self) -> dict[str, list[str]]:
        """Disagreements between the stores: vectors without chunks, chunks without vectors, pending rows;
        or, when the database is damaged, what its integrity checks found (nothing else can be trusted)."""
        damaged = self.db.integrity_problems()
        if damaged:
            return {"damaged_database": damaged}
        chunk_ids = {r[0] for r in self.db.execute("SELECT id FROM chunks")}
        vector_ids = self.vectors.all_ids()
        fts = self.db.lexical_rows()
        problems = {
            "orphan_vectors": sorted(vector_ids - chunk_ids),
            "missing_vectors": sorted(chunk_ids - vector_ids),
            "pending_articles": self.pending_ids(),
        }
        if fts != len(chunk_ids):
            problems["lexical_rows_mismatch"] = [f"{fts} lexical rows for {len(chunk_ids)} chunks"]
        return problems

    def close(self) -> None:
        self.db.close()


def open_database(settings: IndexSettings) -> Database:
    """The index database: PostgreSQL at ``settings.database_url`` when set, else SQLite in the data dir."""
    if settings.database_url:
        try:
            from ingest.pg_database import connect_postgres
        except ImportError:
            raise ConfigError(
                "NEWSBOT_DATABASE_URL is set but the PostgreSQL driver is not installed: pip install -e '.[postgres]'"
            ) from None
        return connect_postgres(settings.database_url)
    data_dir = Path(settings.data_dir)
    try:
        return connect(data_dir / DATABASE_FILE)
    except (sqlite3.Error, OSError) as exc:
        problem = storage_problem(exc, data_dir) or one_line(exc)
        raise NewsbotError(f"cannot open the index database in {data_dir}: {problem}") from exc


def index_damage(exc: BaseException, settings: IndexSettings) -> str | None:
    """One line for a failure caused by a damaged index database file (naming it), else None."""
    problem = damage(exc)
    if problem is None or settings.database_url:
        return None
    return (
        f"{Path(settings.data_dir) / DATABASE_FILE}: the index database is damaged ({problem}); "
        "`newsbot check` lists the damage: restore the data dir from a backup, or ingest again into a new one"
    )


def require_index(settings: IndexSettings) -> None:
    """Fail in one line, creating nothing, when the data dir holds no index (a mistyped --data-dir)."""
    if not settings.database_url and not (Path(settings.data_dir) / DATABASE_FILE).is_file():
        raise ConfigError(f"no index in {settings.data_dir}: run `newsbot ingest` first, or pass --data-dir")


def open_catalog(settings: IndexSettings) -> Catalog:
    """The articles table alone (no model, no Chroma): listings, stats, aliases, coverage."""
    return Catalog(open_database(settings))


def open_index(settings: IndexSettings, *, model: str, dim: int) -> Index:
    """Open the index described by ``settings`` for an embedding model of ``dim`` dimensions."""
    data_dir = Path(settings.data_dir)
    db = open_database(settings)
    vectors = ChromaVectors.open(
        path=data_dir / "chroma",
        host=settings.chroma_host,
        port=settings.chroma_port,
        name=settings.collection,
        model=model,
        dim=dim,
    )
    return Index(db, vectors, settings)


def embedding_backend(settings: IndexSettings) -> str:
    """The backend to load: as configured, or for ``auto`` the variant the index was built with —
    int8 for a new index when ONNX is available (fastest here; retrieval as good on realtimeqa)."""
    if settings.embedding_backend != "auto":
        return settings.embedding_backend
    built_with = ChromaVectors.recorded_model(
        path=Path(settings.data_dir) / "chroma",
        host=settings.chroma_host,
        port=settings.chroma_port,
        name=settings.collection,
    )
    if built_with is None:
        return "onnx-int8" if onnx_available() else "torch"
    return "onnx-int8" if built_with.endswith(INT8_SUFFIX) else "auto"


def open_with_embedder(settings: IndexSettings) -> tuple[Index, Embedder]:
    """Load the configured embedding model, then open the index built with it."""
    try:
        settings.model_cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"cannot create the model cache {settings.model_cache} ({exc.strerror or exc}); "
            "set NEWSBOT_MODEL_DIR to a writable folder"
        ) from None
    embedder = load_embedder(settings.embedding_model, embedding_backend(settings), cache_dir=settings.model_cache)
    return open_index(settings, model=embedder.name, dim=embedder.dim), embedder
