"""Choosing the Slack bot's stores: Redis when ``REDIS_URL`` is set (shared by several processes),
else SQLite files in the data dir and an in-memory rate limit (one process)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from bot.settings import Settings
from bot.slack.state.dedupe import DedupeStore, open_dedupe
from bot.slack.state.feedback import FeedbackBackend, open_feedback
from bot.slack.state.ratelimit import RateLimiter, SlidingWindowLimiter
from ingest import ConfigError, IndexUnavailable

#: What a store raises when it cannot serve right now: Redis down, a full or read-only disk, a locked file.
#: Callers treat it as "unavailable" (answer anyway, or apologise) and the next call tries again.
STORE_ERRORS: tuple[type[Exception], ...] = (IndexUnavailable, sqlite3.Error, OSError)


@dataclass
class SlackStores:
    """Event de-duplication, per-user rate limits and feedback, as the Slack app needs them."""

    dedupe: DedupeStore
    limiter: RateLimiter
    feedback: FeedbackBackend
    backend: str  # "redis" or "sqlite"
    _closers: list[Any] = field(default_factory=list, repr=False)

    def close(self) -> None:
        """Close every connection or file the stores hold."""
        for closer in self._closers:
            closer()


def open_stores(settings: Settings) -> SlackStores:
    """The stores for ``settings``; with ``REDIS_URL`` a one-line :class:`ConfigError` if Redis is unreachable."""
    if settings.redis_url:
        from bot.slack.state.redis import RedisDedupeStore, RedisRateLimiter, connect
        from bot.slack.state.redis_feedback import RedisFeedbackStore

        client = connect(settings.redis_url)  # one connection pool shared by the three stores
        return SlackStores(
            dedupe=RedisDedupeStore(client),
            limiter=RedisRateLimiter(client, settings.rate_limit_per_minute),
            feedback=RedisFeedbackStore(client),
            backend="redis",
            _closers=[client.close],
        )
    try:
        dedupe = open_dedupe(settings.data_dir)
        feedback = open_feedback(settings.data_dir)
    except (sqlite3.Error, OSError) as exc:  # a read-only or missing disk: one line, not a traceback
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ConfigError(
            f"{settings.data_dir}: the Slack bot cannot keep its stores there ({reason}); "
            "set NEWSBOT_DATA_DIR to a writable folder"
        ) from exc
    return SlackStores(
        dedupe=dedupe,
        limiter=SlidingWindowLimiter(settings.rate_limit_per_minute),
        feedback=feedback,
        backend="sqlite",
        _closers=[dedupe.close, feedback.close],
    )


def open_feedback_store(settings: Settings) -> FeedbackBackend:
    """Only the feedback store (for ``newsbot feedback``): Redis when ``REDIS_URL`` is set, else SQLite."""
    if settings.redis_url:
        from bot.slack.state.redis import connect
        from bot.slack.state.redis_feedback import RedisFeedbackStore

        return RedisFeedbackStore(connect(settings.redis_url))
    return open_feedback(settings.data_dir)
