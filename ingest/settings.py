"""The index's settings (data dir, embedding model, Chroma, database), read from the environment in one place.

The read side extends them (``bot.settings.Settings``) with its own; secrets are marked on their fields, and
:func:`public_settings` is the one way a setting is shown, logged or saved.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ingest.errors import ConfigError

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def env_int(env: Mapping[str, str], name: str, default: int) -> int:
    """A whole-number variable, or ``default`` when unset; a ConfigError naming it when malformed."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None


def _database_url(env: Mapping[str, str]) -> str:
    raw = env.get("NEWSBOT_DATABASE_URL", "").strip()
    if raw and not raw.startswith(("postgresql://", "postgres://")):
        scheme = raw.split("://", 1)[0] if "://" in raw else "no scheme"
        raise ConfigError(f"NEWSBOT_DATABASE_URL must start with postgresql://, got {scheme!r}")
    return raw


def secret(default: str = "") -> Any:
    """A settings field whose value is never shown, logged or saved (tokens, passwords, URLs with passwords)."""
    return field(default=default, metadata={"secret": True})


def secret_fields(settings: object) -> frozenset[str]:
    """The names of the secret fields of a settings object."""
    return frozenset(f.name for f in fields(settings) if f.metadata.get("secret"))  # type: ignore[arg-type]


def public_settings(settings: object) -> dict[str, Any]:
    """Settings as JSON-safe values, with every secret field left out."""
    hidden = secret_fields(settings)
    data = {f.name: getattr(settings, f.name) for f in fields(settings) if f.name not in hidden}  # type: ignore[arg-type]
    return {
        k: (str(v) if v is not None and not isinstance(v, str | int | float | bool) else v) for k, v in data.items()
    }


def redact_url(url: str) -> str:
    """``url`` with its password (in the authority or a ``password=`` parameter) replaced by ``***``."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if parts.password is not None:
            userinfo, host = netloc.rsplit("@", 1)
            netloc = userinfo.split(":", 1)[0] + ":***@" + host
    except ValueError:
        return "<unparsable URL>"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = (
        urlencode([(k, "***" if k.lower() == "password" else v) for k, v in pairs], safe="*") if pairs else parts.query
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def url_passwords(url: str) -> set[str]:
    """The passwords inside ``url`` (authority and ``password=`` parameters), for redacting them from text."""
    try:
        parts = urlsplit(url)
        found = {parts.password or ""}
    except ValueError:
        return set()
    found |= {v for k, v in parse_qsl(parts.query) if k.lower() == "password"}
    return found - {""}


def secret_values(settings: object) -> set[str]:
    """Every secret a settings object holds (tokens, and passwords inside URLs), to redact from logs."""
    values: set[str] = set()
    for name in secret_fields(settings):
        value = str(getattr(settings, name) or "")
        values |= {value, *url_passwords(value)} if value else set()
    return values


def read_index_fields(env: Mapping[str, str]) -> dict[str, Any]:
    """The index's fields from ``NEWSBOT_*`` and ``CHROMA_*`` variables."""
    backend = env.get("NEWSBOT_EMBEDDING_BACKEND", "auto").strip().lower() or "auto"
    if backend not in {"auto", "onnx-int8", "onnx", "torch"}:
        raise ConfigError(f"NEWSBOT_EMBEDDING_BACKEND must be auto, onnx-int8, onnx or torch, got {backend!r}")
    return {
        "data_dir": Path(env.get("NEWSBOT_DATA_DIR", "").strip() or "data"),
        "embedding_model": env.get("NEWSBOT_EMBEDDING_MODEL", "").strip() or DEFAULT_MODEL,
        "embedding_backend": backend,
        "model_dir": Path(env["NEWSBOT_MODEL_DIR"].strip()) if env.get("NEWSBOT_MODEL_DIR", "").strip() else None,
        "embedding_batch_size": env_int(env, "NEWSBOT_EMBEDDING_BATCH_SIZE", 16),
        "collection": env.get("NEWSBOT_COLLECTION", "").strip() or "newsbot",
        "chroma_host": env.get("CHROMA_HOST", "").strip(),
        "chroma_port": env_int(env, "CHROMA_PORT", 8000),
        "database_url": _database_url(env),
        "max_record_bytes": env_int(env, "NEWSBOT_MAX_RECORD_BYTES", 5_000_000),
        "fetch_timeout": env_int(env, "NEWSBOT_FETCH_TIMEOUT", 30),
        "fetch_run_timeout": env_int(env, "NEWSBOT_FETCH_RUN_TIMEOUT", 600),
        "log_level": env.get("NEWSBOT_LOG_LEVEL", "").strip().upper() or "WARNING",
    }


@dataclass(frozen=True, repr=False)
class IndexSettings:
    """Where the index lives and how it embeds; build it with :meth:`from_env`, pass it down as an argument."""

    data_dir: Path = Path("data")
    embedding_model: str = DEFAULT_MODEL
    embedding_backend: str = "auto"  # auto | onnx-int8 | onnx | torch
    embedding_batch_size: int = 16
    model_dir: Path | None = None  # where ONNX/int8 exports are cached (default: one cache per machine)
    collection: str = "newsbot"
    chroma_host: str = ""
    chroma_port: int = 8000
    database_url: str = secret()  # postgresql://...: the articles table and lexical index in PostgreSQL
    max_record_bytes: int = 5_000_000
    fetch_timeout: int = 30  # seconds for one URL's whole response
    fetch_run_timeout: int = 600  # seconds for all the URLs of one ingest run
    log_level: str = "WARNING"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> IndexSettings:
        """Read every ``NEWSBOT_*`` and ``CHROMA_*`` variable the index uses."""
        return cls(**read_index_fields(os.environ if env is None else env))

    @property
    def model_cache(self) -> Path:
        """Where exported model variants are cached: NEWSBOT_MODEL_DIR, else the user's cache folder
        (``$XDG_CACHE_HOME/newsbot/models`` or ``~/.cache/newsbot/models``), shared by every data dir."""
        if self.model_dir is not None:
            return self.model_dir
        base = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
        return Path(base) / "newsbot" / "models"

    def with_overrides(self, **changes: object) -> Any:
        """A copy with some fields replaced (``None`` values are ignored), e.g. from CLI flags."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]

    def __repr__(self) -> str:  # never show secrets in logs or tracebacks
        hidden = secret_fields(self)
        parts = [
            f"{f.name}={'***' if f.name in hidden and getattr(self, f.name) else repr(getattr(self, f.name))}"
            for f in fields(self)
        ]
        return f"{type(self).__name__}({', '.join(parts)})"
