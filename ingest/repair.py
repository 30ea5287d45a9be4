"""Embedding again what the vector store lost (a deleted Chroma folder, an old backup of it): ready articles
whose chunk vectors are missing go through the ingest write path again, from their stored text and chunks."""

from __future__ import annotations

from ingest.copy import stored_article
from ingest.embedding import Embedder
from ingest.pipeline import embed_text
from ingest.store import Index

ARTICLES_PER_BATCH = 64


def repair_vectors(index: Index, embedder: Embedder, *, batch_size: int = 16) -> list[str]:
    """Re-embed every ready article with missing vectors, as ingest embeds them; returns their ids."""
    ids = sorted(index.articles_missing_vectors())
    for start in range(0, len(ids), ARTICLES_PER_BATCH):
        batch = [p for p in (stored_article(index, i) for i in ids[start : start + ARTICLES_PER_BATCH]) if p]
        texts = [embed_text(p, c.text) for p in batch for c in p.chunks]
        index.write(batch, embedder.embed(texts, batch_size=batch_size))
    return ids
