"""Every setting, read from the environment in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from ingest.errors import ConfigError

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None


def _fraction(env: Mapping[str, str], name: str, default: float) -> float:
    value = _float(env, name, default)
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"{name} must be between 0 and 1, got {value}")
    return value


def _date(env: Mapping[str, str], name: str) -> date | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a date like 2025-05-26, got {raw!r}") from None


def _database_url(env: Mapping[str, str]) -> str:
    raw = env.get("NEWSBOT_DATABASE_URL", "").strip()
    if raw and not raw.startswith(("postgresql://", "postgres://")):
        scheme = raw.split("://", 1)[0] if "://" in raw else "no scheme"
        raise ConfigError(f"NEWSBOT_DATABASE_URL must start with postgresql://, got {scheme!r}")
    return raw


@dataclass(frozen=True)
class Settings:
    """newsbot's configuration; build it with :meth:`from_env`, pass it down as an argument."""

    data_dir: Path = Path("data")
    embedding_model: str = DEFAULT_MODEL
    embedding_backend: str = "auto"  # auto | onnx-int8 | onnx | torch
    embedding_batch_size: int = 16
    model_dir: Path | None = None  # where ONNX/int8 exports are cached (default: DATA_DIR/models)
    collection: str = "newsbot"
    chroma_host: str = ""
    chroma_port: int = 8000
    database_url: str = ""  # postgresql://...: the articles table and lexical index in PostgreSQL
    as_of: date | None = None
    llm: str = ""
    llm_timeout: float = 30.0
    # A question is refused as "no evidence" when no passage's relevance reaches this (0..1); calibrated
    # by benchmarks/refusal_calibration.py on answerable and unanswerable realtimeqa questions.
    min_relevance: float = 0.36
    max_record_bytes: int = 5_000_000
    slack_bot_token: str = ""
    slack_app_token: str = ""
    slack_signing_secret: str = ""
    slack_api_url: str = "https://slack.com/api/"
    redis_url: str = ""
    rate_limit_per_minute: int = 10
    log_level: str = "WARNING"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read every ``NEWSBOT_*``, ``CHROMA_*``, ``SLACK_*`` and ``REDIS_URL`` variable."""
        env = os.environ if env is None else env
        backend = env.get("NEWSBOT_EMBEDDING_BACKEND", "auto").strip().lower() or "auto"
        if backend not in {"auto", "onnx-int8", "onnx", "torch"}:
            raise ConfigError(
                f"NEWSBOT_EMBEDDING_BACKEND must be auto, onnx-int8, onnx or torch, got {backend!r}"
            )
        return cls(
            data_dir=Path(env.get("NEWSBOT_DATA_DIR", "").strip() or "data"),
            embedding_model=env.get("NEWSBOT_EMBEDDING_MODEL", "").strip() or DEFAULT_MODEL,
            embedding_backend=backend,
            model_dir=Path(env["NEWSBOT_MODEL_DIR"].strip()) if env.get("NEWSBOT_MODEL_DIR", "").strip() else None,
            embedding_batch_size=_int(env, "NEWSBOT_EMBEDDING_BATCH_SIZE", 16),
            collection=env.get("NEWSBOT_COLLECTION", "").strip() or "newsbot",
            chroma_host=env.get("CHROMA_HOST", "").strip(),
            chroma_port=_int(env, "CHROMA_PORT", 8000),
            database_url=_database_url(env),
            as_of=_date(env, "NEWSBOT_AS_OF"),
            llm=env.get("NEWSBOT_LLM", "").strip(),
            llm_timeout=_float(env, "NEWSBOT_LLM_TIMEOUT", 30.0),
            min_relevance=_fraction(env, "NEWSBOT_MIN_RELEVANCE", cls.min_relevance),
            max_record_bytes=_int(env, "NEWSBOT_MAX_RECORD_BYTES", 5_000_000),
            slack_bot_token=env.get("SLACK_BOT_TOKEN", "").strip(),
            slack_app_token=env.get("SLACK_APP_TOKEN", "").strip(),
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET", "").strip(),
            slack_api_url=env.get("SLACK_API_URL", "").strip() or "https://slack.com/api/",
            redis_url=env.get("REDIS_URL", "").strip(),
            rate_limit_per_minute=_int(env, "NEWSBOT_RATE_LIMIT_PER_MINUTE", 10),
            log_level=env.get("NEWSBOT_LOG_LEVEL", "").strip().upper() or "WARNING",
        )

    @property
    def model_cache(self) -> Path:
        """Where exported model variants are cached: NEWSBOT_MODEL_DIR, else the data dir's models/."""
        return self.model_dir or Path(self.data_dir) / "models"

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with some fields replaced (``None`` values are ignored), e.g. from CLI flags."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]

    def __repr__(self) -> str:  # never show secrets in logs or tracebacks
        hidden = {"slack_bot_token", "slack_app_token", "slack_signing_secret", "redis_url", "database_url"}
        parts = []
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            parts.append(f"{name}={'***' if name in hidden and value else repr(value)}")
        return f"Settings({', '.join(parts)})"
