"""The Slack front end: a Bolt app factory with thin listeners over the answering chain.

Listeners (mentions, DMs, thread follow-ups, ``/news``, feedback buttons, the Home tab, AI-app threads)
only acknowledge, filter, de-duplicate and hand work to :class:`bot.slack.responder.SlackResponder`,
which answers on its own thread pool — never on Bolt's listener pool — so acks stay under Slack's
3 seconds however slow answers are. Nothing here builds a client at import time.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from bot.settings import Settings
from bot.slack.blocks import FEEDBACK_DOWN, FEEDBACK_UP, escape, visible
from bot.slack.responder import AnswererLike, SlackResponder, build_client
from bot.slack.state.dedupe import DedupeStore, open_dedupe
from bot.slack.state.feedback import FeedbackBackend, open_feedback
from bot.slack.state.ratelimit import RateLimiter, SlidingWindowLimiter
from bot.slack.text import INDEX_DOWN, SLASH_USAGE, parse_command
from ingest import IndexUnavailable

log = logging.getLogger(__name__)


class _DropMessage(logging.Filter):
    def __init__(self, fragment: str) -> None:
        super().__init__()
        self.fragment = fragment

    def filter(self, record: logging.LogRecord) -> bool:
        return self.fragment not in record.getMessage()


def _ignored_message(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """Bot messages, the bot's own messages, edits, deletions and every other subtype."""
    return bool(
        event.get("subtype")
        or event.get("bot_id")
        or not event.get("user")
        or (bot_user_id and event.get("user") == bot_user_id)
    )


def create_app(  # noqa: C901  # the listeners move to module-level functions per kind: see docs/architecture.md
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

    def claim(key: str) -> bool:
        try:
            return dedupe.claim(key)
        except IndexUnavailable as exc:
            # Fail open: with a shared store (Redis) down, a rare double reply beats answering nobody.
            log.warning("De-duplication unavailable, handling %s anyway: %s", key, exc)
            return True

    @app.middleware
    def drop_retried_deliveries(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
        """Slack re-sends an event it thinks was lost; answer each event_id once, across restarts and processes."""
        event_id = body.get("event_id")
        if body.get("type") == "event_callback" and event_id and not claim(f"event:{event_id}"):
            log.info("Ignoring repeated delivery of %s", event_id)
            return BoltResponse(status=200, body="")
        next()
        return None

    def claim_message(channel: str, ts: str) -> bool:
        # app_mention and message.* events for the same message have different event ids
        return claim(f"message:{channel}:{ts}")

    @app.event("app_mention")
    def on_mention(event: dict[str, Any], context: Any) -> None:
        if event.get("bot_id") or event.get("user") == context.bot_user_id or not event.get("user"):
            return
        channel, ts = event["channel"], event["ts"]
        if not claim_message(channel, ts):
            return
        thread = event.get("thread_ts")
        bot.submit(
            bot.answer_event,
            channel=channel,
            user=event["user"],
            text=event.get("text", ""),
            ts=ts,
            reply_thread=thread or ts,
            history_thread=thread,
            bot_user_id=context.bot_user_id,
            bot_id=context.bot_id,
        )

    @app.event("message")
    def on_message(event: dict[str, Any], context: Any) -> None:
        if _ignored_message(event, context.bot_user_id):
            return
        channel, ts, thread = event.get("channel", ""), event.get("ts", ""), event.get("thread_ts")
        text = event.get("text", "")
        if event.get("channel_type") != "im":
            if context.bot_user_id and f"<@{context.bot_user_id}" in text:
                return  # the app_mention listener answers it
            if not thread or not feedback.in_thread(channel, thread):
                return  # channel chatter that isn't a follow-up to the bot
        if not claim_message(channel, ts):
            return
        bot.submit(
            bot.answer_event,
            channel=channel,
            user=event["user"],
            text=text,
            ts=ts,
            reply_thread=thread,
            history_thread=thread,
            bot_user_id=context.bot_user_id,
            bot_id=context.bot_id,
        )

    @app.command("/news")
    def on_news(ack: Callable[..., None], command: dict[str, Any]) -> None:
        question, public = parse_command(command.get("text", ""))
        user = command.get("user_id", "")
        if not question:
            ack(response_type="ephemeral", text=SLASH_USAGE)
            return
        try:
            allowed = limiter.allow(user)
        except IndexUnavailable as exc:  # the shared store (Redis) is down
            log.warning("/news rate limit unavailable: %s", exc)
            ack(response_type="ephemeral", text=INDEX_DOWN)
            return
        if not allowed:
            ack(response_type="ephemeral", text=bot.rate_limited_text(user))
            return
        where = " (the answer will be posted to the channel)" if public else ""
        ack(response_type="ephemeral", text=f":mag: Searching the news for: _{escape(visible(question))}_{where}")
        bot.submit(
            bot.answer_command,
            question=question,
            public=public,
            user=user,
            channel=command.get("channel_id", ""),
            response_url=command["response_url"],
        )

    def on_vote(vote: str) -> Callable[..., None]:
        def listener(ack: Callable[[], None], body: dict[str, Any], action: dict[str, Any]) -> None:
            ack()
            bot.submit(
                bot.vote,
                answer_id=str(action.get("value", "")),
                user=body.get("user", {}).get("id", ""),
                vote=vote,
                response_url=body.get("response_url"),
            )

        listener.__name__ = f"on_vote_{vote}"
        return listener

    app.action(FEEDBACK_UP)(on_vote("up"))
    app.action(FEEDBACK_DOWN)(on_vote("down"))

    @app.event("app_home_opened")
    def on_home(event: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home" and event.get("user"):
            bot.submit(bot.publish_home, event["user"])

    @app.event("assistant_thread_started")
    def on_assistant_thread(event: dict[str, Any]) -> None:
        thread = event.get("assistant_thread") or {}
        if thread.get("channel_id") and thread.get("thread_ts"):
            bot.submit(bot.start_assistant_thread, thread["channel_id"], thread["thread_ts"])

    @app.event(re.compile(".*"))
    def acknowledge_anything_else(event: dict[str, Any]) -> None:
        """Every other event (e.g. assistant_thread_context_changed) is acked, so Slack doesn't retry it."""
        log.debug("Ignoring %s event", event.get("type"))

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("Slack listener failed for %s: %s", body.get("type", "request"), type(error).__name__)
        log.debug("Listener failure detail", exc_info=error)

    return app
