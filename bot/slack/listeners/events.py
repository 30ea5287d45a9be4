"""Event listeners: repeated deliveries, mentions, DMs and thread follow-ups, the Home tab, AI-app threads."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse

from bot.slack.channels import looks_like_question
from bot.slack.listeners.deps import Deps

log = logging.getLogger(__name__)


def drop_retried_deliveries(body: dict[str, Any], context: Any, next: Callable[[], None]) -> BoltResponse | None:
    """Slack re-sends an event it thinks was lost; answer each event_id once, across restarts and processes."""
    deps: Deps = context["deps"]
    event_id = body.get("event_id")
    if body.get("type") == "event_callback" and event_id and not deps.claim(f"event:{event_id}"):
        log.info("Ignoring repeated delivery of %s", event_id)
        return BoltResponse(status=200, body="")
    next()
    return None


def _ignored_message(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """Bot messages, the bot's own messages, edits, deletions and every other subtype."""
    return bool(
        event.get("subtype")
        or event.get("bot_id")
        or not event.get("user")
        or (bot_user_id and event.get("user") == bot_user_id)
    )


def on_mention(event: dict[str, Any], context: Any) -> None:
    """A mention in a channel: answer in its thread."""
    deps: Deps = context["deps"]
    if event.get("bot_id") or event.get("user") == context.bot_user_id or not event.get("user"):
        return
    channel, ts = event["channel"], event["ts"]
    rule = deps.rules.for_channel(channel)
    if rule.answer == "never":
        log.info("Not answering in %s (the channel's rule is answer: never)", channel)
        return
    if not deps.claim_message(channel, ts):
        return
    thread = event.get("thread_ts")
    bot = deps.responder
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
        ephemeral=rule.ephemeral,
    )


def on_message(event: dict[str, Any], context: Any) -> None:
    """A DM, a follow-up in a thread the bot answered, or a question in a channel whose rule is
    ``answer: questions``; other channel chatter is ignored."""
    deps: Deps = context["deps"]
    if _ignored_message(event, context.bot_user_id):
        return
    channel, ts, thread = event.get("channel", ""), event.get("ts", ""), event.get("thread_ts")
    text = event.get("text", "")
    rule = deps.rules.for_channel(channel)
    reply_thread = thread
    if event.get("channel_type") != "im":
        if rule.answer == "never" or (context.bot_user_id and f"<@{context.bot_user_id}" in text):
            return  # a quiet channel, or the app_mention listener answers it
        if thread and deps.in_thread(channel, thread):
            pass  # a follow-up to the bot
        elif not thread and rule.answer == "questions" and looks_like_question(text):
            reply_thread = ts  # a question asked in the channel: answered in its thread
        else:
            return  # channel chatter that isn't for the bot
    if not deps.claim_message(channel, ts):
        return
    bot = deps.responder
    bot.submit(
        bot.answer_event,
        channel=channel,
        user=event["user"],
        text=text,
        ts=ts,
        reply_thread=reply_thread,
        history_thread=thread,
        bot_user_id=context.bot_user_id,
        bot_id=context.bot_id,
        ephemeral=rule.ephemeral,
    )


def on_home(event: dict[str, Any], context: Any) -> None:
    """The Home tab opened: publish what the news covers."""
    bot = context["deps"].responder
    if event.get("tab", "home") == "home" and event.get("user"):
        bot.submit(bot.publish_home, event["user"])


def on_assistant_thread(event: dict[str, Any], context: Any) -> None:
    """An AI-app thread started: suggested prompts and a greeting."""
    bot = context["deps"].responder
    thread = event.get("assistant_thread") or {}
    if thread.get("channel_id") and thread.get("thread_ts"):
        bot.submit(bot.start_assistant_thread, thread["channel_id"], thread["thread_ts"])


def acknowledge_anything_else(event: dict[str, Any]) -> None:
    """Every other event (e.g. assistant_thread_context_changed) is acked, so Slack doesn't retry it."""
    log.debug("Ignoring %s event", event.get("type"))


def on_error(error: Exception, body: dict[str, Any]) -> None:
    """A listener failed: one line, no request body (it may hold user text); detail at DEBUG."""
    log.error("Slack listener failed for %s: %s", body.get("type", "request"), type(error).__name__)
    log.debug("Listener failure detail", exc_info=error)


def register(app: App) -> None:
    """Attach the event listeners (the catch-all last) and the error handler."""
    app.middleware(drop_retried_deliveries)
    app.event("app_mention")(on_mention)
    app.event("message")(on_message)
    app.event("app_home_opened")(on_home)
    app.event("assistant_thread_started")(on_assistant_thread)
    app.event(re.compile(".*"))(acknowledge_anything_else)
    app.error(on_error)
