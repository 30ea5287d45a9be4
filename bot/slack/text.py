"""Slack text in and out: the bot's fixed replies, and Slack markup turned back into a plain question."""

from __future__ import annotations

import re

from bot.slack.blocks import unescape

APOLOGY = "Sorry, something went wrong while I was answering that. Please try again in a minute."
INDEX_DOWN = "I can't reach my news index right now. Please try again in a few minutes."
EMPTY_QUESTION = "Ask me a question about the news, e.g. _Who proposed the US–Japan fund?_"
SLASH_USAGE = "Usage: `/news your question` (only you see the answer) or `/news --public your question`."
STATUS = "Searching the news…"
CHECK_SHORTCUT = "check_against_news"  # the message shortcut's callback_id (manifest.yaml)
NOT_IN_CHANNEL = "I'm not in this channel, so only you see this. Invite me with `/invite @newsbot` to post here."
NOTHING_TO_CHECK = "That message has no text I can check against the news."
GREETING = "Hi! Ask me about the news; I'll answer with sources."
SUGGESTED_PROMPTS = [
    {"title": "Today's news", "message": "What are the main stories in the latest news?"},
    {"title": "Markets", "message": "What was the latest Bitcoin price in the news?"},
    {"title": "Follow a story", "message": "Who proposed the US–Japan fund?"},
]

_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!([a-z]+)(?:\^[^|>]*)?(?:\|([^>]*))?>")
_PUBLIC = re.compile(r"^\s*--public\s+|\s+--public\s*$", re.IGNORECASE)


def clean_text(text: str, bot_user_id: str | None = None) -> str:
    """Slack message text as plain text: the bot's mention removed, links and entities unwrapped."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _SPECIAL.sub(lambda m: "@" + (m.group(2) or m.group(1)), text)
    return " ".join(unescape(text).split())


def parse_command(text: str) -> tuple[str, bool]:
    """``/news`` text → (question, public); ``--public`` as first or last word posts to the channel."""
    question, hits = _PUBLIC.subn(" ", " " + (text or "") + " ")
    return " ".join(question.split()), hits > 0
