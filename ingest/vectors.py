"""Dense vectors in Chroma: embedded on disk by default, or a Chroma server through the same code."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ingest.errors import ConfigError, IndexUnavailable, NewsbotError, one_line

# chromadb's HttpClient waits forever by default: a hung server would hang every question with it.
SERVER_TIMEOUT_S = 60.0
SERVER_CONNECT_TIMEOUT_S = 5.0
_T = TypeVar("_T")


def date_ordinal(day: date) -> int:
    """A date as the integer YYYYMMDD, for Chroma's numeric ``where`` filters."""
    return day.year * 10000 + day.month * 100 + day.day


def _guarded(what: str) -> Callable[[Callable[..., _T]], Callable[..., _T]]:
    """Turn any failure of a Chroma call into :class:`IndexUnavailable` naming where and what failed."""

    def wrap(method: Callable[..., _T]) -> Callable[..., _T]:
        @functools.wraps(method)
        def guarded(self: ChromaVectors, *args: Any, **kwargs: Any) -> _T:
            try:
                return method(self, *args, **kwargs)
            except NewsbotError:
                raise
            except Exception as exc:  # connection refused, timeout, server error, disk full, ...
                raise IndexUnavailable(f"{self.where}: {what} failed: {one_line(exc)}") from exc

        return guarded

    return wrap


def _set_timeout(client: Any) -> None:
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(SERVER_TIMEOUT_S, connect=SERVER_CONNECT_TIMEOUT_S)


class ChromaVectors:
    """The chunk vectors of one Chroma collection; ids are chunk ids, metadata carries article and date.

    Every call raises :class:`IndexUnavailable` when Chroma fails; a server's client reconnects by
    itself, so calls succeed again once the server is back."""

    def __init__(self, client: Any, collection: Any, where: str = "Chroma") -> None:
        self.client = client
        self.collection = collection
        self.where = where
        self.max_batch = int(client.get_max_batch_size())

    @classmethod
    def open(cls, *, path: Path | None, host: str, port: int, name: str, model: str, dim: int) -> ChromaVectors:
        """Open (creating if needed) the collection; refuses one built with another embedding model."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        where = f"Chroma server at {host}:{port}" if host else f"Chroma at {path}"
        try:
            if host:
                client = chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
                _set_timeout(client)
            else:
                assert path is not None
                path.mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
            collection = client.get_or_create_collection(
                name,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedding_model": model, "dim": dim},
                embedding_function=None,
            )
        except ConfigError:
            raise
        except Exception as exc:  # connection refused, bad server, corrupt files
            raise IndexUnavailable(f"cannot open {where}: {one_line(exc)}") from exc
        built_with = (collection.metadata or {}).get("embedding_model")
        if built_with and built_with != model:
            raise ConfigError(
                f"collection {name!r} was built with embedding model {built_with!r}, not {model!r}; "
                "use another NEWSBOT_COLLECTION or re-ingest into a new data dir"
            )
        return cls(client, collection, where)

    @classmethod
    def recorded_model(cls, *, path: Path | None, host: str, port: int, name: str) -> str | None:
        """The embedding model an existing collection was built with; None when there is none yet."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        if not host and (path is None or not path.exists()):
            return None
        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        try:
            if host:
                client = chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
                _set_timeout(client)
            else:
                client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
            collection = client.get_collection(name)
        except Exception:  # no such collection (or unreachable: opening it will say so clearly)  # noqa: BLE001
            return None
        return (collection.metadata or {}).get("embedding_model")

    @_guarded("writing vectors")
    def upsert(self, ids: Sequence[str], embeddings: np.ndarray, metadatas: Sequence[dict[str, Any]]) -> None:
        """Add or replace vectors, in batches Chroma accepts."""
        for i in range(0, len(ids), self.max_batch):
            self.collection.upsert(
                ids=list(ids[i : i + self.max_batch]),
                embeddings=embeddings[i : i + self.max_batch],
                metadatas=[{k: v for k, v in m.items() if v is not None} for m in metadatas[i : i + self.max_batch]],
            )

    @_guarded("deleting vectors")
    def delete(self, ids: Sequence[str]) -> None:
        """Remove vectors by chunk id (missing ids are ignored)."""
        for i in range(0, len(ids), self.max_batch):
            self.collection.delete(ids=list(ids[i : i + self.max_batch]))

    @_guarded("reading vector ids")
    def ids_for_articles(self, article_ids: Sequence[str]) -> set[str]:
        """Every vector id stored for these articles, including orphans from an interrupted run."""
        found: set[str] = set()
        for i in range(0, len(article_ids), 500):
            batch = list(article_ids[i : i + 500])
            where = {"article_id": batch[0]} if len(batch) == 1 else {"article_id": {"$in": batch}}
            found.update(self.collection.get(where=where, include=[])["ids"])
        return found

    @_guarded("reading vector ids")
    def all_ids(self) -> set[str]:
        """Every vector id in the collection (for consistency checks)."""
        ids: set[str] = set()
        total = self.collection.count()
        for offset in range(0, total, 10000):
            ids.update(self.collection.get(include=[], limit=10000, offset=offset)["ids"])
        return ids

    @_guarded("reading vectors")
    def embeddings(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors by chunk id."""
        if not ids:
            return {}
        got = self.collection.get(ids=list(ids), include=["embeddings"])
        return {cid: np.asarray(e, dtype=np.float32) for cid, e in zip(got["ids"], got["embeddings"], strict=True)}

    @_guarded("counting vectors")
    def count(self) -> int:
        return int(self.collection.count())

    @_guarded("query")
    def query(self, embedding: np.ndarray, k: int, max_published: date | None = None) -> list[tuple[str, float]]:
        """The ``k`` nearest chunk ids with cosine similarity, optionally only up to a publication date."""
        where = {"published_ord": {"$lte": date_ordinal(max_published)}} if max_published else None
        result = self.collection.query(query_embeddings=[embedding], n_results=k, where=where, include=["distances"])
        return [(cid, 1.0 - float(d)) for cid, d in zip(result["ids"][0], result["distances"][0], strict=True)]
