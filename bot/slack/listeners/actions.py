"""Block actions and shortcuts: the 👍/👎 buttons, "Share in channel", and "Check against the news"."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.slack.blocks import FEEDBACK_DOWN, FEEDBACK_UP, SHARE
from bot.slack.text import CHECK_SHORTCUT

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


def on_share(ack: Callable[[], None], body: dict[str, Any], action: dict[str, Any], context: Any) -> None:
    """The "Share in channel" button under an answer only the asker could see."""
    ack()
    user = str((body.get("user") or {}).get("id") or "")
    channel = str((body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or "")
    if not user or not channel:
        log.info("Ignoring a Share click with no user or channel")
        return
    bot = context["deps"].responder
    bot.submit(
        bot.share, value=str(action.get("value", "")), user=user, channel=channel, response_url=body.get("response_url")
    )


def on_check_message(ack: Callable[[], None], body: dict[str, Any], context: Any) -> None:
    """The message shortcut: check any message against the news, replying in its thread."""
    ack()
    message = body.get("message") or {}
    user = str((body.get("user") or {}).get("id") or "")
    channel = str((body.get("channel") or {}).get("id") or "")
    ts = str(message.get("thread_ts") or message.get("ts") or "")
    if not (user and channel and ts):
        log.info("Ignoring a message shortcut with no user, channel or message")
        return
    bot = context["deps"].responder
    bot.submit(
        bot.check_message,
        channel=channel,
        user=user,
        text=str(message.get("text") or ""),
        thread_ts=ts,
        response_url=body.get("response_url"),
        bot_user_id=context.bot_user_id,
    )


def register(app: App) -> None:
    """Attach the feedback and share buttons and the message shortcut."""
    app.shortcut(CHECK_SHORTCUT)(on_check_message)
    app.action(FEEDBACK_UP)(on_vote_up)
    app.action(FEEDBACK_DOWN)(on_vote_down)
    app.action(SHARE)(on_share)
