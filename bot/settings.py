"""The read side's settings: the index's, plus answering (as-of, chat model, relevance), Slack and Redis."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ingest import ConfigError, IndexSettings, env_int, read_index_fields, secret


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


@dataclass(frozen=True, repr=False)
class Settings(IndexSettings):
    """Everything ``newsbot`` needs; build it with :meth:`from_env`, pass it down as an argument."""

    as_of: date | None = None
    llm: str = ""
    llm_timeout: float = 30.0
    llm_max_tokens: int = 200  # a direct answer and two supporting sentences; a small local model rambles without it
    # A question is refused as "no evidence" when no passage's relevance reaches this (0..1); calibrated
    # by benchmarks/refusal_calibration.py on answerable and unanswerable realtimeqa questions.
    min_relevance: float = 0.37
    slack_bot_token: str = secret()
    slack_app_token: str = secret()
    slack_signing_secret: str = secret()
    slack_api_url: str = "https://slack.com/api/"
    redis_url: str = secret()
    rate_limit_per_minute: int = 10
    slack_channels_file: Path | None = None  # per-channel rules: bot/slack/channels.py

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read every ``NEWSBOT_*``, ``CHROMA_*``, ``SLACK_*`` and ``REDIS_URL`` variable."""
        env = os.environ if env is None else env
        return cls(
            **read_index_fields(env),
            as_of=_date(env, "NEWSBOT_AS_OF"),
            llm=env.get("NEWSBOT_LLM", "").strip(),
            llm_timeout=_float(env, "NEWSBOT_LLM_TIMEOUT", 30.0),
            llm_max_tokens=env_int(env, "NEWSBOT_LLM_MAX_TOKENS", 200),
            min_relevance=_fraction(env, "NEWSBOT_MIN_RELEVANCE", cls.min_relevance),
            slack_bot_token=env.get("SLACK_BOT_TOKEN", "").strip(),
            slack_app_token=env.get("SLACK_APP_TOKEN", "").strip(),
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET", "").strip(),
            slack_api_url=env.get("SLACK_API_URL", "").strip() or "https://slack.com/api/",
            redis_url=env.get("REDIS_URL", "").strip(),
            rate_limit_per_minute=env_int(env, "NEWSBOT_RATE_LIMIT_PER_MINUTE", 10),
            slack_channels_file=Path(raw) if (raw := env.get("NEWSBOT_SLACK_CHANNELS", "").strip()) else None,
        )
