"""Block actions: the 👍/👎 feedback buttons under an answer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.slack.blocks import FEEDBACK_DOWN, FEEDBACK_UP

log = logging.getLogger(__name__)


def _vote(vote: str, ack: Callable[[], None], body: dict[str, Any], action: dict[str, Any], context: Any) -> None:
    ack()
    user = str((body.get("user") or {}).get("id") or "")
    if not user:
        log.info("Ignoring a %s vote with no user", vote)
        return  # a vote must belong to someone: never stored as user ""
    bot = context["deps"].responder
    bot.submit(
        bot.vote,
        answer_id=str(action.get("value", "")),
        user=user,
        vote=vote,
        response_url=body.get("response_url"),
    )


def on_vote_up(ack: Callable[[], None], body: dict[str, Any], action: dict[str, Any], context: Any) -> None:
    """👍 on an answer."""
    _vote("up", ack, body, action, context)


def on_vote_down(ack: Callable[[], None], body: dict[str, Any], action: dict[str, Any], context: Any) -> None:
    """👎 on an answer."""
    _vote("down", ack, body, action, context)


def register(app: App) -> None:
    """Attach the feedback buttons."""
    app.action(FEEDBACK_UP)(on_vote_up)
    app.action(FEEDBACK_DOWN)(on_vote_down)
