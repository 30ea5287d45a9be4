"""Redis-backed stores that several ``newsbot serve`` processes share (``REDIS_URL``).

Event de-duplication is ``SET key 1 NX PX ttl``: the first process to claim a delivery wins,
whichever process Slack (or a load balancer) sent it to. The per-user rate limit is a sliding
log in a sorted set, updated by one Lua script so that check and record are atomic; its clock is
the Redis server's, so bot hosts with skewed clocks still agree. Redis errors while running become
:class:`IndexUnavailable` (the user gets a short "can't reach" reply, the process stays up);
redis-py reconnects on the next call once the server is back.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from bot.slack.state.dedupe import DEFAULT_TTL
from ingest import ConfigError, IndexUnavailable, redact_url

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)

PREFIX = "newsbot:"

_RATE_SCRIPT = """
local limit, window, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if ARGV[4] == '' then
  if count < limit then return 0 end
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, math.ceil(tonumber(oldest[2]) + window - now))
end
if count >= limit then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
return 1
"""


def connect(url: str, *, timeout: float = 1.0) -> redis.Redis:
    """A Redis client for ``url``, checked with PING; a :class:`ConfigError` (password hidden) if it fails.

    Short timeouts and a single retry keep a hung Redis from holding Slack's 3-second ack.
    """
    import redis
    from redis.backoff import ExponentialBackoff
    from redis.retry import Retry

    shown = redact_url(url)
    try:
        client = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(ExponentialBackoff(cap=0.25, base=0.05), 1),
            health_check_interval=30,
        )
    except ValueError:
        raise ConfigError(f"REDIS_URL must look like redis://[:password@]host:6379/0, got {shown}") from None
    try:
        client.ping()
    except redis.AuthenticationError:
        client.close()
        raise ConfigError(f"Redis at {shown} rejected the credentials in REDIS_URL") from None
    except redis.RedisError as exc:
        client.close()
        raise ConfigError(
            f"Cannot reach Redis at {shown} ({type(exc).__name__}): start redis-server or fix REDIS_URL"
        ) from None
    return client


@contextmanager
def unavailable_on_outage(what: str) -> Iterator[None]:
    """Turn a lost or hung Redis connection into :class:`IndexUnavailable` (no URL, no password)."""
    import redis

    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        raise IndexUnavailable(f"Redis cannot be reached ({what}: {type(exc).__name__})") from None


class RedisDedupeStore:
    """A :class:`bot.slack.state.dedupe.DedupeStore` in Redis: ``SET key 1 NX PX ttl``, shared by every process."""

    def __init__(self, client: redis.Redis, *, prefix: str = PREFIX) -> None:
        self._redis = client
        self._prefix = prefix + "dedupe:"

    def claim(self, key: str, ttl: float = DEFAULT_TTL) -> bool:
        with unavailable_on_outage("dedupe"):
            claimed = self._redis.set(self._prefix + key, "1", nx=True, px=max(1, int(ttl * 1000)))
        return bool(claimed)

    def close(self) -> None:
        self._redis.close()


class RedisRateLimiter:
    """A :class:`bot.slack.state.ratelimit.RateLimiter` in Redis: at most ``per_minute`` questions per user in any
    ``window`` seconds, counted across every process (0 disables the limit)."""

    def __init__(
        self,
        client: redis.Redis,
        per_minute: int,
        *,
        window: float = 60.0,
        prefix: str = PREFIX,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.per_minute = per_minute
        self.window = window
        self._redis = client
        self._prefix = prefix + "rate:"
        self._clock = clock  # None: the Redis server's clock
        self._script = client.register_script(_RATE_SCRIPT)

    def _run(self, user: str, member: str) -> int:
        now = "" if self._clock is None else repr(self._clock())
        with unavailable_on_outage("rate limit"):
            result = self._script(keys=[self._prefix + user], args=[self.per_minute, self.window, now, member])
        return int(result)  # type: ignore[arg-type]

    def allow(self, user: str) -> bool:
        if self.per_minute <= 0:
            return True
        return self._run(user, uuid.uuid4().hex) == 1

    def retry_after(self, user: str) -> int:
        if self.per_minute <= 0:
            return 0
        return self._run(user, "")

    def close(self) -> None:
        self._redis.close()
