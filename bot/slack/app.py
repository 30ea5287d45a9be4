"""The Slack front end: a Bolt app factory; its listeners live in :mod:`bot.slack.listeners`.

Listeners (mentions, DMs, thread follow-ups, ``/news``, feedback buttons, the Home tab, AI-app threads)
only acknowledge, filter, de-duplicate and hand work to :class:`bot.slack.responder.SlackResponder`,
which answers on its own thread pool — never on Bolt's listener pool — so acks stay under Slack's
3 seconds however slow answers are. Nothing here builds a client at import time.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient

from bot.settings import Settings
from bot.slack.channels import ChannelRules, load_channel_rules
from bot.slack.listeners import Deps, register
from bot.slack.responder import AnswererLike, SlackResponder, build_client
from bot.slack.state.dedupe import DedupeStore, open_dedupe
from bot.slack.state.feedback import FeedbackBackend, open_feedback
from bot.slack.state.ratelimit import RateLimiter, SlidingWindowLimiter

log = logging.getLogger(__name__)


class _DropMessage(logging.Filter):
    def __init__(self, fragment: str) -> None:
        super().__init__()
        self.fragment = fragment

    def filter(self, record: logging.LogRecord) -> bool:
        return self.fragment not in record.getMessage()


def create_app(
    settings: Settings,
    answerer: AnswererLike,
    *,
    client: WebClient | None = None,
    dedupe: DedupeStore | None = None,
    feedback: FeedbackBackend | None = None,
    limiter: RateLimiter | None = None,
    executor: ThreadPoolExecutor | None = None,
    max_workers: int = 8,
    max_concurrent_answers: int = 2,
    token_verification_enabled: bool = True,
    rules: ChannelRules | None = None,
) -> App:
    """The newsbot Bolt app. Stores default to SQLite files in ``settings.data_dir``."""
    client = client or build_client(settings)
    dedupe = dedupe or open_dedupe(settings.data_dir)
    feedback = feedback or open_feedback(settings.data_dir)
    limiter = limiter or SlidingWindowLimiter(settings.rate_limit_per_minute)
    executor = executor or ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="newsbot-answer")
    # Bolt also reads SLACK_BOT_TOKEN from the environment and warns that it is unused next to our
    # client (which carries the same token); the warning only confuses operators.
    quiet = _DropMessage("`token` will be unused")
    bolt_log = logging.getLogger("slack_bolt.App")
    bolt_log.addFilter(quiet)
    try:
        app = App(
            client=client,
            signing_secret=settings.slack_signing_secret,
            process_before_response=False,
            token_verification_enabled=token_verification_enabled,
        )
    finally:
        bolt_log.removeFilter(quiet)
    bot = SlackResponder(
        settings,
        answerer,
        client,
        feedback=feedback,
        limiter=limiter,
        executor=executor,
        max_concurrent_answers=max_concurrent_answers,
    )
    app.responder = bot  # type: ignore[attr-defined]  # for serve() to shut the pool down

    rules = rules or load_channel_rules(settings.slack_channels_file)
    register(app, Deps(responder=bot, dedupe=dedupe, feedback=feedback, limiter=limiter, rules=rules))
    return app
