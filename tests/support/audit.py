"""For the tests that run real ingest processes (crash, concurrent ingest): start them, then read the
index straight from its stores (the SQLite file, Chroma, the FTS5 index's own tables) and list every
way the stores disagree.

Deliberately independent of ``ingest.store.Index.check``: it reads the FTS5 index's docsize table and
runs FTS5's integrity check (a ``count(*)`` over an external-content FTS5 table reads the chunks table,
so it cannot see a missing lexical row), and it compares Chroma's metadata with the rows, not only ids.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

COLLECTION = "newsbot"
# `python -m ingest ARGS...` with write batches of argv[1] chunks instead of 256, so that a run over a
# small corpus has many write cycles (to be killed in, or to interleave with other runs).
_SMALL_BATCHES = (
    "import runpy, sys; import ingest.pipeline as p; p.BATCH_CHUNKS = int(sys.argv.pop(1)); "
    "runpy.run_module('ingest', run_name='__main__', alter_sys=True)"
)


def ingest_command(batch_chunks: int, *args: str) -> list[str]:
    """The command line of a real ingest run (``python -m ingest``) with small write batches."""
    return [sys.executable, "-c", _SMALL_BATCHES, str(batch_chunks), *args]


def ingest_env(data_dir: Path, embedder: Any, model_cache: Path, **extra: str) -> dict[str, str]:
    """The environment of an ingest process: ``data_dir``, the session's model and its exports (one
    ONNX export per session, not one per process)."""
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(data_dir), "NEWSBOT_EMBEDDING_BACKEND": embedder.backend}
    env.update(NEWSBOT_MODEL_DIR=str(model_cache), OMP_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false", **extra)
    return env


@dataclass
class IndexState:
    """Everything the stores hold, as plain sets and dicts."""

    articles: dict[str, dict[str, Any]]  # id -> {status, content_hash, text_hash, title}
    chunks: dict[str, dict[str, Any]]  # chunk id -> {rowid, article_id, position, start, end, text}
    fts_rowids: set[int]  # rowids the FTS5 index holds (its docsize table)
    fts_problem: str  # "" when FTS5's integrity check against the chunks table passes
    aliases: dict[str, str]
    snapshots: list[tuple[Any, ...]]
    vector_ids: list[str]  # as Chroma lists them (a duplicate would show twice)
    vector_articles: dict[str, str]  # vector id -> article_id in its metadata

    def chunk_ids_of(self, article_id: str) -> set[str]:
        return {cid for cid, c in self.chunks.items() if c["article_id"] == article_id}

    def summary(self) -> dict[str, Any]:
        """What a completed ingest must reproduce exactly (row ids and timestamps aside)."""
        return {
            "articles": {a: (r["status"], r["content_hash"], r["text_hash"]) for a, r in self.articles.items()},
            "chunks": {
                c: (r["article_id"], r["position"], r["start"], r["end"], r["text"]) for c, r in self.chunks.items()
            },
            "aliases": dict(self.aliases),
            "snapshots": sorted(self.snapshots),
            "vectors": sorted(self.vector_ids),
        }


def read_sqlite(db_path: Path) -> dict[str, Any]:
    """The rows of the index database, and the FTS5 index's view of the chunks (all empty before an
    ingest got as far as creating the schema: a kill may land before)."""
    empty: dict[str, Any] = {
        "articles": {},
        "chunks": {},
        "fts_rowids": set(),
        "fts_problem": "",
        "aliases": {},
        "snapshots": [],
    }
    if not db_path.exists():
        return empty
    db = sqlite3.connect(db_path, timeout=30)
    db.row_factory = sqlite3.Row
    try:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"articles", "aliases", "chunks", "chunks_fts", "snapshots"} <= tables:
            assert (
                not tables & {"articles", "chunks"}
                or not db.execute("SELECT 1 FROM articles UNION ALL SELECT 1 FROM chunks LIMIT 1").fetchone()
            ), f"rows written before the schema was complete: {sorted(tables)}"
            return empty
        articles = {
            r["id"]: {k: r[k] for k in ("status", "content_hash", "text_hash", "title")}
            for r in db.execute("SELECT id, status, content_hash, text_hash, title FROM articles")
        }
        chunks = {
            r["id"]: {k: r[k] for k in ("rowid", "article_id", "position", "start", "end", "text")}
            for r in db.execute('SELECT rowid, id, article_id, position, start, "end", text FROM chunks')
        }
        fts_rowids = {r[0] for r in db.execute("SELECT id FROM chunks_fts_docsize")}
        try:  # rank 1: also compare the index with the external content (the chunks table)
            db.execute("INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('integrity-check', 1)")
            fts_problem = ""
        except sqlite3.DatabaseError as exc:
            fts_problem = str(exc)
        aliases = {r[0]: r[1] for r in db.execute("SELECT alias, article_id FROM aliases")}
        snapshots = [
            tuple(r)
            for r in db.execute(
                'SELECT article_id, asset, metric, value, unit, period, as_of, start, "end" FROM snapshots'
            )
        ]
    finally:
        db.close()
    return {
        "articles": articles,
        "chunks": chunks,
        "fts_rowids": fts_rowids,
        "fts_problem": fts_problem,
        "aliases": aliases,
        "snapshots": snapshots,
    }


def read_chroma(client: Any) -> tuple[list[str], dict[str, str]]:
    """Every vector id in the collection, with the article id its metadata names."""
    names = {c if isinstance(c, str) else c.name for c in client.list_collections()}
    if COLLECTION not in names:
        return [], {}
    collection = client.get_collection(COLLECTION)
    ids: list[str] = []
    owners: dict[str, str] = {}
    total = collection.count()
    for offset in range(0, total + 1, 5000):
        got = collection.get(include=["metadatas"], limit=5000, offset=offset)
        ids.extend(got["ids"])
        for cid, meta in zip(got["ids"], got["metadatas"], strict=True):
            owners[cid] = str((meta or {}).get("article_id", ""))
    return ids, owners


def read_embedded(data_dir: Path) -> IndexState:
    """The state of an index whose Chroma is embedded in ``data_dir`` (no process may be writing it)."""
    import chromadb
    from chromadb.api.client import SharedSystemClient
    from chromadb.config import Settings as ChromaSettings

    rows = read_sqlite(data_dir / "newsbot.sqlite")
    if not (data_dir / "chroma" / "chroma.sqlite3").exists():
        return IndexState(**rows, vector_ids=[], vector_articles={})
    SharedSystemClient.clear_system_cache()  # see what is on disk now, not a cached view
    try:
        client = chromadb.PersistentClient(
            path=str(data_dir / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
        )
        ids, owners = read_chroma(client)
    finally:
        SharedSystemClient.clear_system_cache()  # let go of the files before the next ingest opens them
    return IndexState(**rows, vector_ids=ids, vector_articles=owners)


def read_server(data_dir: Path, port: int) -> IndexState:
    """The state of an index whose vectors live in a ``chroma run`` server on 127.0.0.1:``port``."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    rows = read_sqlite(data_dir / "newsbot.sqlite")
    client = chromadb.HttpClient(host="127.0.0.1", port=port, settings=ChromaSettings(anonymized_telemetry=False))
    ids, owners = read_chroma(client)
    return IndexState(**rows, vector_ids=ids, vector_articles=owners)


def problems(state: IndexState, *, complete: bool) -> list[str]:
    """Every disagreement between the stores. ``complete=False`` is the state any moment of an ingest
    may leave (a killed one included): ``pending`` articles may still lack vectors. ``complete=True``
    is the state after a run that finished: nothing pending, everything everywhere."""
    found: list[str] = []
    pending = {a for a, r in state.articles.items() if r["status"] == "pending"}
    bad_status = {a for a, r in state.articles.items() if r["status"] not in ("pending", "ready")}
    if bad_status:
        found.append(f"articles with an unknown status: {sorted(bad_status)}")
    if complete and pending:
        found.append(f"pending articles after a completed run: {sorted(pending)}")

    # Chunks: each belongs to a stored article, positions 0..n-1, the article's text split in order.
    by_article: dict[str, list[int]] = {}
    for cid, c in state.chunks.items():
        if c["article_id"] not in state.articles:
            found.append(f"chunk {cid} of missing article {c['article_id']}")
        by_article.setdefault(c["article_id"], []).append(c["position"])
    for article_id, positions in by_article.items():
        if sorted(positions) != list(range(len(positions))):
            found.append(f"article {article_id} has chunk positions {sorted(positions)}")
    chunkless = set(state.articles) - set(by_article)
    if chunkless:
        found.append(f"articles without chunks: {sorted(chunkless)}")

    # The lexical index holds exactly the chunks' rows, and agrees with their text.
    chunk_rowids = {c["rowid"] for c in state.chunks.values()}
    if state.fts_rowids != chunk_rowids:
        found.append(
            f"lexical index rows differ from chunks: {len(state.fts_rowids - chunk_rowids)} extra, "
            f"{len(chunk_rowids - state.fts_rowids)} missing"
        )
    if state.fts_problem:
        found.append(f"FTS5 integrity check failed: {state.fts_problem}")

    # Vectors: no duplicates, no orphans, every chunk of a ready article present, metadata agrees.
    repeated = [cid for cid, n in Counter(state.vector_ids).items() if n > 1]
    if repeated:
        found.append(f"vector ids listed more than once: {repeated[:5]}")
    vector_ids = set(state.vector_ids)
    orphans = vector_ids - set(state.chunks)
    if orphans:
        found.append(f"vectors without a chunk row (orphans): {sorted(orphans)[:5]} ({len(orphans)})")
    missing = {cid for cid, c in state.chunks.items() if cid not in vector_ids and c["article_id"] not in pending}
    if missing:
        found.append(f"chunks of ready articles without a vector: {sorted(missing)[:5]} ({len(missing)})")
    mislabelled = {
        cid for cid in vector_ids & set(state.chunks) if state.vector_articles[cid] != state.chunks[cid]["article_id"]
    }
    if mislabelled:
        found.append(f"vectors whose metadata names another article: {sorted(mislabelled)[:5]}")

    # The same story is stored once; aliases point at stored articles and are not articles themselves.
    texts = Counter(r["text_hash"] for r in state.articles.values())
    twins = sorted(a for a, r in state.articles.items() if texts[r["text_hash"]] > 1)
    if twins:
        found.append(f"the same text stored under several ids: {twins}")
    for alias, target in state.aliases.items():
        if target not in state.articles:
            found.append(f"alias {alias} points at missing article {target}")
        if alias in state.articles:
            found.append(f"alias {alias} is also stored as an article")
    return found
