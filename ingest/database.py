"""The index database: articles, chunks, lexical index, market snapshots (the source of truth).

SQLite with FTS5 in the data dir by default; PostgreSQL when ``NEWSBOT_DATABASE_URL`` is set
(:mod:`ingest.pg_database`). Both speak the :class:`Database` protocol: SQL with ``?`` placeholders
that runs unchanged on either, plus the few statements each dialect writes its own way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

from ingest.errors import one_line

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles(
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    published TEXT NOT NULL,
    date_inferred INTEGER NOT NULL DEFAULT 0,
    published_time TEXT NOT NULL DEFAULT '',  -- the publisher's local time of day, '' when not stated
    url TEXT NOT NULL DEFAULT '',
    authors TEXT NOT NULL DEFAULT '[]',
    text TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    origin TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,           -- 'pending' while its vectors are being written, then 'ready'
    ingested_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_url ON articles(url) WHERE url != '';
CREATE INDEX IF NOT EXISTS articles_text_hash ON articles(text_hash);
CREATE INDEX IF NOT EXISTS articles_published ON articles(published);

-- Other ids under which the same article (same URL or same text) arrived.
CREATE TABLE IF NOT EXISTS aliases(
    alias TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS aliases_article ON aliases(article_id);

CREATE TABLE IF NOT EXISTS chunks(
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);

CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    title, text, content='chunks', content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS chunks_ai AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text);
END;
CREATE TRIGGER IF NOT EXISTS chunks_ad AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, title, text) VALUES ('delete', old.rowid, old.title, old.text);
END;

CREATE TABLE IF NOT EXISTS snapshots(
    rowid INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    asset TEXT NOT NULL,
    metric TEXT NOT NULL,
    value REAL NOT NULL,
    unit TEXT NOT NULL,
    period TEXT NOT NULL DEFAULT '',
    as_of TEXT NOT NULL,
    sentence TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS snapshots_asset ON snapshots(asset, as_of);
CREATE INDEX IF NOT EXISTS snapshots_article ON snapshots(article_id);

CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class TermStats(Protocol):
    """Document frequencies over all chunks, for ranking (the catalog's cached counts)."""

    def df(self, term: str) -> int:
        """How many chunks contain ``term``."""
        ...

    def idf(self, term: str) -> float:
        """Inverse document frequency of ``term``."""
        ...


class Database(Protocol):
    """What the index needs from its database; rows answer ``row[0]``, ``row["name"]`` and ``keys()``."""

    @property
    def Error(self) -> type[Exception]:  # noqa: N802  (named like the DB-API's exception attribute)
        """The driver's base exception class."""
        ...

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Any:
        """Run one statement (``?`` placeholders) outside any transaction unless inside :meth:`transaction`."""
        ...

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> Any:
        """Run one statement for each parameter tuple."""
        ...

    def transaction(self) -> AbstractContextManager[Any]:
        """A write transaction: committed on exit, rolled back on an exception."""
        ...

    def lexical_rows(self) -> int:
        """How many chunks the lexical index holds."""
        ...

    def integrity_problems(self) -> list[str]:
        """Damage the database finds in its own files (corrupt pages, a broken lexical index), one line each."""
        ...

    def match_count(self, term: str) -> int:
        """How many chunks contain ``term`` (after the lexical index's stemming)."""
        ...

    def keyword_search(self, terms: Sequence[str], k: int, cutoff: str, stats: TermStats) -> list[tuple[str, float]]:
        """The ``k`` best (chunk id, score) for any of ``terms``, higher is better, ready articles
        published on or before ``cutoff`` (ISO date) only."""
        ...

    def close(self) -> None:
        """Close the connection."""
        ...


def _fts_query(terms: Sequence[str]) -> str:
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def damage(exc: BaseException | None) -> str | None:
    """Why SQLite cannot read the database when its file is damaged (corrupt pages, not a database), else None."""
    while exc is not None:
        name = getattr(exc, "sqlite_errorname", "") if isinstance(exc, sqlite3.DatabaseError) else ""
        if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
            return one_line(exc)
        exc = exc.__cause__ or exc.__context__
    return None


class SqliteDatabase(sqlite3.Connection):
    """A SQLite connection (WAL mode, FTS5) that is also a :class:`Database`."""

    Error = sqlite3.Error

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE``: one writer at a time; readers keep reading."""
        with self:
            self.execute("BEGIN IMMEDIATE")
            yield

    def lexical_rows(self) -> int:
        """Rows the FTS5 index holds: its docsize shadow table (``count(*)`` on an external-content table
        reads the content table, the chunks, and so could never disagree with them)."""
        return int(self.execute("SELECT count(*) FROM chunks_fts_docsize").fetchone()[0])

    def integrity_problems(self) -> list[str]:
        """``PRAGMA integrity_check`` (up to 100 lines) and FTS5's ``integrity-check`` of the lexical index."""
        problems: list[str] = []
        try:
            rows = [str(r[0]) for r in self.execute("PRAGMA integrity_check(100)")]
            problems += [] if rows == ["ok"] else [f"database: {' '.join(r.split())}" for r in rows]
        except sqlite3.DatabaseError as exc:
            problems.append(f"database: {one_line(exc)}")
        try:
            self.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('integrity-check')")
        except sqlite3.DatabaseError as exc:
            problems.append(f"lexical index: {one_line(exc)}")
        return problems

    def match_count(self, term: str) -> int:
        """Chunks FTS5 matches for ``term`` (porter-stemmed)."""
        row = self.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?", (_fts_query([term]),))
        return int(row.fetchone()[0])

    def keyword_search(self, terms: Sequence[str], k: int, cutoff: str, stats: TermStats) -> list[tuple[str, float]]:
        """BM25 in FTS5 (title words count double; FTS5 has its own statistics, ``stats`` is unused)."""
        # Rank in FTS5 alone first (fast), then keep ready chunks published by the cutoff; only when
        # too few survive (an early as-of date) run the slower query that filters while ranking.
        rows = self.execute(
            """SELECT c.id, f.score FROM (
                   SELECT rowid, bm25(chunks_fts, 2.0, 1.0) AS score FROM chunks_fts
                   WHERE chunks_fts MATCH ? ORDER BY score LIMIT ?) f
               JOIN chunks c ON c.rowid = f.rowid JOIN articles a ON a.id = c.article_id
               WHERE a.status = 'ready' AND a.published <= ? ORDER BY f.score LIMIT ?""",
            (_fts_query(terms), k * 6, cutoff, k),
        ).fetchall()
        if len(rows) < k:
            rows = self.execute(
                """SELECT c.id, bm25(chunks_fts, 2.0, 1.0) AS score
                   FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid
                   JOIN articles a ON a.id = c.article_id
                   WHERE chunks_fts MATCH ? AND a.status = 'ready' AND a.published <= ?
                   ORDER BY score LIMIT ?""",
                (_fts_query(terms), cutoff, k),
            ).fetchall()
        return [(r[0], -float(r[1])) for r in rows]


def connect(path: Path, *, readonly: bool = False) -> SqliteDatabase:
    """Open (creating if needed) the index database in WAL mode, safe for one writer and many readers."""
    conn: SqliteDatabase
    if readonly:
        conn = sqlite3.connect(
            f"file:{path}?mode=ro", uri=True, check_same_thread=False, timeout=30, factory=SqliteDatabase
        )
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False, timeout=30, isolation_level=None, factory=SqliteDatabase)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    if not readonly:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.executescript(SCHEMA)
        _add_missing_columns(conn)
    return conn


# Columns added since the first release: a data dir made by an older newsbot gains them on open.
ADDED_COLUMNS = (("articles", "published_time", "TEXT NOT NULL DEFAULT ''"),)


def _add_missing_columns(conn: sqlite3.Connection) -> None:
    for table, column, kind in ADDED_COLUMNS:
        if column not in {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
