"""Sentence embeddings straight from an exported ONNX model: onnxruntime and the tokenizer, no torch.

The same Transformer → mean pooling → normalise pipeline that sentence-transformers runs for an ONNX
export, without importing transformers, sentence-transformers or scikit-learn: that import costs ~10 s
on a 2-core machine, which is most of a one-question ``newsbot ask``. The export itself (done once per
machine) still goes through sentence-transformers; see :mod:`ingest.embedding`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ingest.embedding import Embedder


def supports(model_dir: Path) -> bool:
    """Whether the export is a plain mean-pooled, normalised sentence model this module can run."""
    try:
        modules = [m["type"].rsplit(".", 1)[-1] for m in json.loads((model_dir / "modules.json").read_text())]
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return (
        modules == ["Transformer", "Pooling", "Normalize"]
        and _pooling_modes(pooling) == {"mean"}
        and (model_dir / "tokenizer.json").is_file()
    )


def _pooling_modes(pooling: dict[str, Any]) -> set[str]:
    """``{"mean"}`` from either config format (``pooling_mode: mean`` or ``pooling_mode_mean_tokens: true``)."""
    if isinstance(pooling.get("pooling_mode"), str):
        return {pooling["pooling_mode"]}
    return {
        k.removeprefix("pooling_mode_").removesuffix("_tokens")
        for k, v in pooling.items()
        if k.startswith("pooling_mode_") and v
    }


def _dimension(model_dir: Path) -> int:
    pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
    return int(pooling.get("embedding_dimension") or pooling["word_embedding_dimension"])


class OnnxEmbedder(Embedder):
    """Unit-length vectors from ``onnx_file`` with the export's own tokenizer and sequence limit."""

    def __init__(self, model_dir: Path, onnx_file: Path, name: str, backend: str) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        config = json.loads((model_dir / "sentence_bert_config.json").read_text())
        self.max_length = int(config.get("max_seq_length") or 256)
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # the int8 model's "unused initializer" notices are not for users
        self.session = onnxruntime.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=self.max_length)
        self.counter = Tokenizer.from_str(tokenizer.to_str())  # its own copy: counting runs in another thread
        self.counter.no_padding()
        tokenizer.enable_padding(pad_id=tokenizer.padding["pad_id"] if tokenizer.padding else 0)
        self.tokenizer = tokenizer
        super().__init__(name, backend, _dimension(model_dir))

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length float32 vectors, one row per text (batched by length, like sentence-transformers)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = self._encode([texts[i] for i in rows])
        return out

    def _encode(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        feed: dict[str, Any] = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        tokens = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0]
        mask = feed["attention_mask"][..., None].astype(np.float32)
        pooled = (tokens * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def count_tokens(self, texts: Sequence[str]) -> int:
        """Word-piece tokens the model sees for these texts (after truncation)."""
        return sum(len(e.ids) for e in self.counter.encode_batch(list(texts)))
