"""Per-user rate limit: at most N questions in any 60-second window (sliding log, in memory)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol


class RateLimiter(Protocol):
    """Decides whether a user may ask another question now."""

    def allow(self, user: str) -> bool:
        """Record an attempt by ``user``; True if it is within the limit."""
        ...

    def retry_after(self, user: str) -> int:
        """Seconds until ``user`` may ask again (0 if now)."""
        ...


class SlidingWindowLimiter:
    """At most ``per_minute`` allowed attempts per user in any ``window`` seconds; 0 disables the limit."""

    def __init__(self, per_minute: int, *, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.window = window
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, user: str, now: float) -> deque[float]:
        hits = self._hits.setdefault(user, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def allow(self, user: str) -> bool:
        if self.per_minute <= 0:
            return True
        now = self._clock()
        with self._lock:
            hits = self._recent(user, now)
            if len(hits) >= self.per_minute:
                return False
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle users
                for name in [u for u, h in self._hits.items() if not h or h[-1] <= now - self.window]:
                    del self._hits[name]
            return True

    def retry_after(self, user: str) -> int:
        if self.per_minute <= 0:
            return 0
        now = self._clock()
        with self._lock:
            hits = self._recent(user, now)
            if len(hits) < self.per_minute:
                return 0
            return max(1, math.ceil(hits[0] + self.window - now))
