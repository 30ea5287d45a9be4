"""Helpers for the robustness tests: a fast keyword-hashing embedder and a Slack-safety checker."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot.answering.answer import Answer
from bot.slack.blocks import answer_blocks, fallback_text, safe_url

_WORD = re.compile(r"\w+")
INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def mrkdwn_strings(node: Any) -> Iterable[str]:
    """Every mrkdwn text in a Block Kit structure."""
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from mrkdwn_strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from mrkdwn_strings(item)


_ANGLE = re.compile(r"<([^<>]*)>")
_QUOTE_MARK = re.compile(r"^> ", re.M)
_BARE_AMP = re.compile(r"&(?!amp;|lt;|gt;)")
_SLACK_CONTROL = re.compile(r"<[!@#]|<(?!https?://)[a-z]+:", re.I)


def assert_harmless_in_slack(answer: Answer, *, asked_by: str | None = None) -> list[str]:
    """The Slack rendering of ``answer`` pings nobody, forges no link and shows article text literally.

    Allowed: links ``<url|label>`` to the http(s) URLs of the answer's own citations (as built by
    ``safe_url``) and, for the slash command, the asker's own mention. Returns the mrkdwn texts."""
    allowed_links = {safe_url(c.url) for c in answer.citations} - {None}
    blocks = answer_blocks(answer, answer_id="answer-1", asked_by=asked_by)
    texts = [*mrkdwn_strings(blocks), fallback_text(answer)]
    for text in texts:
        rest = text
        for match in _ANGLE.finditer(text):
            inner = match.group(1)
            if asked_by and inner == f"@{asked_by}":
                rest = rest.replace(match.group(0), "", 1)
                continue
            url, bar, _label = inner.partition("|")
            assert bar and url in allowed_links, f"link or control sequence not built by us: {match.group(0)!r}"
            assert url.startswith(("http://", "https://"))
            rest = rest.replace(match.group(0), "", 1)
        rest = _QUOTE_MARK.sub("", rest)  # our own "> " block-quote markers
        assert "<" not in rest and ">" not in rest, f"unescaped angle bracket in {text!r}"
        assert not _BARE_AMP.search(text), f"unescaped & in {text!r}"
        assert not _SLACK_CONTROL.search(rest)
        for raw in ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<!subteam^", "<http://evil"):
            assert raw not in text, (raw, text)
        assert not INVISIBLE.search(text), f"invisible or bidi character in {text!r}"
    return texts
