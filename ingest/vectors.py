"""Dense vectors in Chroma: embedded on disk by default, or a Chroma server through the same code."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from ingest.errors import ConfigError, IndexUnavailable


def date_ordinal(day: date) -> int:
    """A date as the integer YYYYMMDD, for Chroma's numeric ``where`` filters."""
    return day.year * 10000 + day.month * 100 + day.day


class ChromaVectors:
    """The chunk vectors of one Chroma collection; ids are chunk ids, metadata carries article and date."""

    def __init__(self, client: Any, collection: Any) -> None:
        self.client = client
        self.collection = collection
        self.max_batch = int(client.get_max_batch_size())

    @classmethod
    def open(
        cls, *, path: Path | None, host: str, port: int, name: str, model: str, dim: int
    ) -> ChromaVectors:
        """Open (creating if needed) the collection; refuses one built with another embedding model."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        try:
            if host:
                client = chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
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
            where = f"Chroma server at {host}:{port}" if host else f"Chroma at {path}"
            raise IndexUnavailable(f"cannot open {where}: {exc}") from exc
        built_with = (collection.metadata or {}).get("embedding_model")
        if built_with and built_with != model:
            raise ConfigError(
                f"collection {name!r} was built with embedding model {built_with!r}, not {model!r}; "
                "use another NEWSBOT_COLLECTION or re-ingest into a new data dir"
            )
        return cls(client, collection)

    def upsert(self, ids: Sequence[str], embeddings: np.ndarray, metadatas: Sequence[dict[str, Any]]) -> None:
        """Add or replace vectors, in batches Chroma accepts."""
        for i in range(0, len(ids), self.max_batch):
            self.collection.upsert(
                ids=list(ids[i : i + self.max_batch]),
                embeddings=embeddings[i : i + self.max_batch],
                metadatas=[
                    {k: v for k, v in m.items() if v is not None} for m in metadatas[i : i + self.max_batch]
                ],
            )

    def delete(self, ids: Sequence[str]) -> None:
        """Remove vectors by chunk id (missing ids are ignored)."""
        for i in range(0, len(ids), self.max_batch):
            self.collection.delete(ids=list(ids[i : i + self.max_batch]))

    def ids_for_articles(self, article_ids: Sequence[str]) -> set[str]:
        """Every vector id stored for these articles, including orphans from an interrupted run."""
        found: set[str] = set()
        for i in range(0, len(article_ids), 500):
            batch = list(article_ids[i : i + 500])
            where = {"article_id": batch[0]} if len(batch) == 1 else {"article_id": {"$in": batch}}
            found.update(self.collection.get(where=where, include=[])["ids"])
        return found

    def all_ids(self) -> set[str]:
        """Every vector id in the collection (for consistency checks)."""
        ids: set[str] = set()
        total = self.collection.count()
        for offset in range(0, total, 10000):
            ids.update(self.collection.get(include=[], limit=10000, offset=offset)["ids"])
        return ids

    def embeddings(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors by chunk id."""
        if not ids:
            return {}
        got = self.collection.get(ids=list(ids), include=["embeddings"])
        return {
            cid: np.asarray(e, dtype=np.float32) for cid, e in zip(got["ids"], got["embeddings"], strict=True)
        }

    def count(self) -> int:
        return int(self.collection.count())

    def query(
        self, embedding: np.ndarray, k: int, max_published: date | None = None
    ) -> list[tuple[str, float]]:
        """The ``k`` nearest chunk ids with cosine similarity, optionally only up to a publication date."""
        where = {"published_ord": {"$lte": date_ordinal(max_published)}} if max_published else None
        try:
            result = self.collection.query(
                query_embeddings=[embedding], n_results=k, where=where, include=["distances"]
            )
        except Exception as exc:
            raise IndexUnavailable(f"Chroma query failed: {exc}") from exc
        return [
            (cid, 1.0 - float(d)) for cid, d in zip(result["ids"][0], result["distances"][0], strict=True)
        ]
