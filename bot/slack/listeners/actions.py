"""Block actions: the 👍/👎 feedback buttons under an answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.slack.blocks import FEEDBACK_DOWN, FEEDBACK_UP


def _vote(vote: str, ack: Callable[[], None], body: dict[str, Any], action: dict[str, Any], context: Any) -> None:
    ack()
    bot = context["deps"].responder
    bot.submit(
        bot.vote,
        answer_id=str(action.get("value", "")),
        user=body.get("user", {}).get("id", ""),
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
