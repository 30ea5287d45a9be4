"""A chat model's answer shown in Slack while it is written, then replaced by the verified answer.

Drafts go out through Slack's streaming methods (``chat.startStream`` / ``appendStream`` /
``stopStream``) when the installed slack_sdk has them and Slack accepts them there, else as a posted
message edited with ``chat.update``; at most one update a second. A draft is unverified, so it is
marked as such, escaped like any article text, and always replaced by the final answer (or an apology).
"""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.blocks import Block, clip, escape, neutralise

log = logging.getLogger(__name__)

DRAFT_NOTE = "_Writing… the sources are checked before the final answer._"
MIN_INTERVAL_S = 1.0
MAX_DRAFT_CHARS = 3000


class DraftMessage:
    """One Slack message that shows drafts of an answer and ends as the answer."""

    def __init__(self, client: WebClient, channel: str, thread_ts: str | None, user: str) -> None:
        self.client, self.channel, self.thread_ts, self.user = client, channel, thread_ts, user
        self.ts: str | None = None
        self.streaming = False
        self._sent = ""
        self._last = 0.0
        self._lock = threading.Lock()
        self._closed = False

    def draft(self, text: str) -> None:
        """Show ``text`` (the reply so far); called from the model's thread, throttled."""
        with self._lock:
            now = time.monotonic()
            if self._closed or (self.ts is not None and now - self._last < MIN_INTERVAL_S):
                return
            self._last = now
            shown = escape(neutralise(clip(text, MAX_DRAFT_CHARS)))
            if self.ts is None:
                self._start(shown)
            elif self.streaming:
                if shown.startswith(self._sent) and len(shown) > len(self._sent):
                    self.client.chat_appendStream(
                        channel=self.channel, ts=self.ts, markdown_text=shown[len(self._sent) :]
                    )
                    self._sent = shown
            else:
                self.client.chat_update(channel=self.channel, ts=self.ts, text=f"{DRAFT_NOTE}\n{shown}")

    def _start(self, shown: str) -> None:
        if self.thread_ts and hasattr(self.client, "chat_startStream"):  # Slack streams only into threads
            try:
                reply = self.client.chat_startStream(
                    channel=self.channel,
                    thread_ts=self.thread_ts,
                    recipient_user_id=self.user,
                    markdown_text=f"{DRAFT_NOTE}\n{shown}",
                )
                self.ts, self.streaming, self._sent = str(reply["ts"]), True, shown
                return
            except SlackApiError as exc:  # e.g. streaming not allowed here: edit a posted message instead
                log.info(
                    "chat.startStream unavailable (%s); showing drafts with chat.update", exc.response.get("error")
                )
        reply = self.client.chat_postMessage(
            channel=self.channel, thread_ts=self.thread_ts, text=f"{DRAFT_NOTE}\n{shown}", unfurl_links=False
        )
        self.ts = str(reply["ts"])

    def finish(self, text: str, blocks: list[Block] | None = None) -> bool:
        """Replace the draft with the final ``text``/``blocks``; False when no draft was shown (post normally)."""
        with self._lock:
            self._closed = True
            if self.ts is None:
                return False
            if self.streaming:
                try:
                    self.client.chat_stopStream(channel=self.channel, ts=self.ts)
                except SlackApiError as exc:
                    log.warning("chat.stopStream failed: %s", exc.response.get("error"))
            self.client.chat_update(channel=self.channel, ts=self.ts, text=text, blocks=blocks or [])
            return True
