"""What the listeners share: the responder, the stores, and the once-only claim."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.slack.channels import ChannelRules
from bot.slack.responder import SlackResponder
from bot.slack.state.dedupe import DedupeStore
from bot.slack.state.feedback import FeedbackBackend
from bot.slack.state.ratelimit import RateLimiter
from bot.slack.state.stores import STORE_ERRORS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deps:
    """The listeners' collaborators, built once by :func:`bot.slack.app.create_app`."""

    responder: SlackResponder
    dedupe: DedupeStore
    feedback: FeedbackBackend
    limiter: RateLimiter
    rules: ChannelRules = field(default_factory=ChannelRules)

    def claim(self, key: str) -> bool:
        """True the first time ``key`` is seen, across restarts and processes."""
        try:
            return self.dedupe.claim(key)
        except STORE_ERRORS as exc:
            # Fail open: with the store down (Redis gone, the disk full), a rare double reply beats answering nobody.
            log.warning("De-duplication unavailable, handling %s anyway: %s", key, exc)
            return True

    def in_thread(self, channel: str, thread_ts: str) -> bool:
        """True for a thread the bot answered in; False when the store can't tell right now."""
        try:
            return self.feedback.in_thread(channel, thread_ts)
        except STORE_ERRORS as exc:
            log.warning("Thread lookup unavailable, not treating %s as a follow-up: %s", thread_ts, exc)
            return False

    def claim_message(self, channel: str, ts: str) -> bool:
        """Once per message: app_mention and message.* events for the same message have different ids."""
        return self.claim(f"message:{channel}:{ts}")
