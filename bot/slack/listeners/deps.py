"""What the listeners share: the responder, the stores, and the once-only claim."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.slack.responder import SlackResponder
from bot.slack.state.dedupe import DedupeStore
from bot.slack.state.feedback import FeedbackBackend
from bot.slack.state.ratelimit import RateLimiter
from ingest import IndexUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deps:
    """The listeners' collaborators, built once by :func:`bot.slack.app.create_app`."""

    responder: SlackResponder
    dedupe: DedupeStore
    feedback: FeedbackBackend
    limiter: RateLimiter

    def claim(self, key: str) -> bool:
        """True the first time ``key`` is seen, across restarts and processes."""
        try:
            return self.dedupe.claim(key)
        except IndexUnavailable as exc:
            # Fail open: with a shared store (Redis) down, a rare double reply beats answering nobody.
            log.warning("De-duplication unavailable, handling %s anyway: %s", key, exc)
            return True

    def claim_message(self, channel: str, ts: str) -> bool:
        """Once per message: app_mention and message.* events for the same message have different ids."""
        return self.claim(f"message:{channel}:{ts}")
