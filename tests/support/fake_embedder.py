"""A deterministic, keyword-sensitive fake of the embedding model for logic tests (no model to load)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"\w+")


class HashingEmbedder:
    """A keyword-sensitive stand-in for the real model: words hashed into 384 dimensions, unit length.
    Same interface as ``ingest.embedding.Embedder``; thousands of chunks a second, no model to load."""

    name = "test-hashing-embedder"
    backend = "fake"
    dim = 384

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for word in _WORD.findall(text.lower())[:256]:  # like the real model, only the start counts
            v[int(hashlib.blake2b(word.encode(), digest_size=4).hexdigest(), 16) % self.dim] += 1.0
        norm = float(np.linalg.norm(v))
        return v / norm if norm else v

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def count_tokens(self, texts: Sequence[str]) -> int:
        return sum(min(256, len(_WORD.findall(t))) for t in texts)


FakeEmbedder = HashingEmbedder
