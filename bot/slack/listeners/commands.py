"""The ``/news`` slash command: ack at once (ephemeral), answer on the responder's pool."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.slack.blocks import clip, escape, visible
from bot.slack.listeners.deps import Deps
from bot.slack.text import INDEX_DOWN, SLASH_USAGE, parse_command
from ingest import IndexUnavailable

log = logging.getLogger(__name__)
MAX_ECHO_CHARS = 300


def on_news(ack: Callable[..., None], command: dict[str, Any], context: Any) -> None:
    """``/news [public] question``: usage, rate limit, then the answer through ``response_url``."""
    deps: Deps = context["deps"]
    question, public = parse_command(command.get("text", ""))
    user = command.get("user_id", "")
    if not question:
        ack(response_type="ephemeral", text=SLASH_USAGE)
        return
    try:
        allowed = deps.limiter.allow(user)
    except IndexUnavailable as exc:  # the shared store (Redis) is down
        log.warning("/news rate limit unavailable: %s", exc)
        ack(response_type="ephemeral", text=INDEX_DOWN)
        return
    bot = deps.responder
    if not allowed:
        ack(response_type="ephemeral", text=bot.rate_limited_text(user))
        return
    where = " (the answer will be posted to the channel)" if public else ""
    shown = clip(visible(question), MAX_ECHO_CHARS)  # a 40,000-character question is not echoed whole
    ack(response_type="ephemeral", text=f":mag: Searching the news for: _{escape(shown)}_{where}")
    bot.submit(
        bot.answer_command,
        question=question,
        public=public,
        user=user,
        channel=command.get("channel_id", ""),
        response_url=command["response_url"],
    )


def register(app: App) -> None:
    """Attach the slash command."""
    app.command("/news")(on_news)
