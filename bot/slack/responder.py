"""Delivering answers to Slack, off Bolt's listener threads: the answer pool (with a cap on concurrent
answers), the 👀 reaction or assistant status while answering, the answer blocks, thread history,
votes, the Home tab, and a short apology when answering fails. :func:`build_client` makes the
``WebClient`` that retries Slack's 429s after ``Retry-After``.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.answering.answer import Answer, Asks, Drafts
from bot.settings import Settings
from bot.slack.blocks import answer_blocks, fallback_text, unescape
from bot.slack.home import HomeSeen, home_view, seen_now
from bot.slack.state.feedback import FeedbackBackend
from bot.slack.state.ratelimit import RateLimiter
from bot.slack.state.stores import STORE_ERRORS
from bot.slack.streaming import DraftMessage
from bot.slack.text import (
    APOLOGY,
    EMPTY_QUESTION,
    GREETING,
    INDEX_DOWN,
    NOT_IN_CHANNEL,
    NOTHING_TO_CHECK,
    STATUS,
    SUGGESTED_PROMPTS,
    clean_text,
)
from ingest import Coverage, IndexUnavailable, SnapshotRow

log = logging.getLogger(__name__)

MAX_HISTORY_TURNS = 10
MAX_SHAREABLE = 500  # ephemeral answers kept for "Share in channel"; older ones are asked again
MAX_SHARED_QUESTION_CHARS = 1000  # a button's value holds at most 2,000 characters


class AnswererLike(Asks, Protocol):
    """What the Slack app needs from :class:`bot.answering.chain.Answerer`: answers, and what it knows."""

    def coverage(self) -> Coverage: ...

    def snapshots(self) -> list[SnapshotRow]: ...


def build_client(settings: Settings, *, max_retries: int = 3) -> WebClient:
    """A WebClient for ``settings.slack_api_url`` that retries 429s after ``Retry-After``."""
    base_url = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    return WebClient(
        token=settings.slack_bot_token,
        base_url=base_url,
        timeout=30,
        retry_handlers=[
            ConnectionErrorRetryHandler(),
            RateLimitErrorRetryHandler(max_retry_count=max_retries),
        ],
    )


class SlackResponder:
    """Does the slow part of every reply (answering, posting, storing) on its own thread pool."""

    def __init__(
        self,
        settings: Settings,
        answerer: AnswererLike,
        client: WebClient,
        *,
        feedback: FeedbackBackend,
        limiter: RateLimiter,
        executor: ThreadPoolExecutor,
        max_concurrent_answers: int = 2,
    ) -> None:
        self.settings = settings
        self.answerer = answerer
        self.client = client
        self.feedback = feedback
        self.limiter = limiter
        self.executor = executor
        self._answering = threading.BoundedSemaphore(max_concurrent_answers)
        self._shareable: OrderedDict[str, Answer] = OrderedDict()
        self._shareable_lock = threading.Lock()

    # ---- plumbing -------------------------------------------------------------------------------

    def submit(self, fn: Callable[..., None], /, *args: Any, **kwargs: Any) -> None:
        """Run ``fn`` on the answer pool; failures are logged, never raised into Bolt."""

        def guarded() -> None:
            try:
                fn(*args, **kwargs)
            except Exception:
                log.exception("Slack task %s failed", getattr(fn, "__name__", fn))

        self.executor.submit(guarded)

    def _ask(self, question: str, history: Sequence[tuple[str, str]] = (), on_draft: Drafts | None = None) -> Answer:
        with self._answering:
            if on_draft is None:
                return self.answerer.ask(question, as_of=self.settings.as_of, history=history)
            return self.answerer.ask(question, as_of=self.settings.as_of, history=history, on_draft=on_draft)  # type: ignore[call-arg]

    def _quietly(self, what: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except SlackApiError as exc:
            log.warning("%s failed: %s", what, exc.response.get("error", "unknown error"))
        except Exception as exc:  # a side effect (reaction, status) must never block the answer  # noqa: BLE001
            log.warning("%s failed: %s", what, type(exc).__name__)
        return None

    @staticmethod
    def _apology(exc: Exception, what: str) -> str:
        """Log a failed answer and choose what the user sees: the index is down, or something else broke."""
        if isinstance(exc, IndexUnavailable):  # expected while Chroma restarts: no traceback in the log
            log.warning("%s: %s", what, exc)
            return INDEX_DOWN
        log.exception("%s", what)
        return APOLOGY

    def _post_apology(self, exc: Exception, what: str, channel: str, thread_ts: str | None) -> None:
        apology = self._apology(exc, what)
        self._quietly(
            "chat.postMessage (apology)",
            lambda: self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=apology),
        )

    def rate_limited_text(self, user: str) -> str:
        wait = self.limiter.retry_after(user)
        return (
            f"You're asking faster than I can read the news. Please try again in about {wait} seconds "
            f"(limit: {self.settings.rate_limit_per_minute} questions a minute)."
        )

    # ---- questions from events ------------------------------------------------------------------

    def answer_event(
        self,
        *,
        channel: str,
        user: str,
        text: str,
        ts: str,
        reply_thread: str | None,
        history_thread: str | None,
        bot_user_id: str | None,
        bot_id: str | None,
        ephemeral: bool = False,
    ) -> None:
        """Answer a question from a mention or message, replying in ``reply_thread`` (None: top level);
        ``ephemeral``: only the asker sees it, with "Share in channel"."""
        try:  # the shared stores (Redis) may be down: the user gets a short reply, not silence
            allowed = self.limiter.allow(user)
            in_assistant = bool(reply_thread) and self._is_assistant_thread(channel, reply_thread or "")
        except Exception as exc:  # whatever fails, the asker gets an apology, not silence  # noqa: BLE001
            self._post_apology(
                exc, f"Answering a Slack question failed (channel {channel}, message {ts})", channel, reply_thread
            )
            return
        if not allowed:
            self._quietly(
                "chat.postEphemeral",
                lambda: self.client.chat_postEphemeral(
                    channel=channel, user=user, thread_ts=reply_thread, text=self.rate_limited_text(user)
                ),
            )
            return
        question = clean_text(text, bot_user_id)
        if not question:
            self.client.chat_postMessage(channel=channel, thread_ts=reply_thread, text=EMPTY_QUESTION)
            return
        assistant = reply_thread if reply_thread and in_assistant else ""
        if ephemeral:
            pass  # no public 👀 in a channel where answers are private
        elif assistant:
            self._quietly(
                "assistant.threads.setStatus",
                lambda: self.client.assistant_threads_setStatus(channel_id=channel, thread_ts=assistant, status=STATUS),
            )
        else:
            self._quietly(
                "reactions.add", lambda: self.client.reactions_add(channel=channel, timestamp=ts, name="eyes")
            )
        streams = bool(getattr(self.answerer, "streams", False)) and not ephemeral
        drafts = DraftMessage(self.client, channel, reply_thread, user) if streams else None
        try:
            history = self.history(channel, history_thread, ts, bot_user_id, bot_id) if history_thread else []
            answer = self._ask(question, history, on_draft=drafts.draft if drafts else None)
            answer_id = self._record(answer, asker=user, channel=channel, thread_ts=reply_thread or ts)
            if drafts is not None and drafts.finish(fallback_text(answer), answer_blocks(answer, answer_id=answer_id)):
                pass  # the verified answer replaced the draft
            elif ephemeral:
                share = self._shareable_value(answer, reply_thread or ts)
                self.client.chat_postEphemeral(
                    channel=channel,
                    user=user,
                    thread_ts=reply_thread,
                    text=fallback_text(answer),
                    blocks=answer_blocks(answer, answer_id=answer_id, share=share),
                )
            else:
                self.client.chat_postMessage(
                    channel=channel,
                    thread_ts=reply_thread,
                    text=fallback_text(answer),
                    blocks=answer_blocks(answer, answer_id=answer_id),
                    unfurl_links=False,
                    unfurl_media=False,
                )
        except Exception as exc:  # whatever fails, the asker gets an apology, not silence  # noqa: BLE001
            what = f"Answering a Slack question failed (channel {channel}, message {ts})"
            if drafts is not None and drafts.ts is not None:  # an unverified draft never stays up
                apology = self._apology(exc, what)
                self._quietly("chat.update (apology)", lambda: drafts.finish(apology))
            else:
                self._post_apology(exc, what, channel, reply_thread)
            if assistant:  # posting clears the status; make sure it is cleared after a failure too
                self._quietly(
                    "assistant.threads.setStatus",
                    lambda: self.client.assistant_threads_setStatus(channel_id=channel, thread_ts=assistant, status=""),
                )
        finally:
            if not assistant and not ephemeral:
                self._quietly(
                    "reactions.remove",
                    lambda: self.client.reactions_remove(channel=channel, timestamp=ts, name="eyes"),
                )

    def history(
        self, channel: str, thread_ts: str, current_ts: str, bot_user_id: str | None, bot_id: str | None
    ) -> list[tuple[str, str]]:
        """Earlier turns of a thread as ("user"|"assistant", text), oldest first."""
        try:
            reply = self.client.conversations_replies(channel=channel, ts=thread_ts, limit=100)
        except SlackApiError as exc:
            log.warning("conversations.replies failed: %s", exc.response.get("error", "unknown error"))
            return []
        turns: list[tuple[str, str]] = []
        for message in reply.get("messages") or []:
            ts = str(message.get("ts", ""))
            if not ts or ts == current_ts or float(ts) > float(current_ts):
                continue
            if message.get("subtype") not in (None, "thread_broadcast", "bot_message"):
                continue
            mine = (bot_user_id and message.get("user") == bot_user_id) or (bot_id and message.get("bot_id") == bot_id)
            if mine:
                text = unescape(str(message.get("text", ""))).removeprefix(":warning: ").strip()
                if text and text not in {APOLOGY, INDEX_DOWN, EMPTY_QUESTION, GREETING}:
                    turns.append(("assistant", text))
            elif not message.get("bot_id"):
                text = clean_text(str(message.get("text", "")), bot_user_id)
                if text:
                    turns.append(("user", text))
        return turns[-MAX_HISTORY_TURNS:]

    # ---- the slash command ----------------------------------------------------------------------

    def answer_command(self, *, question: str, public: bool, user: str, channel: str, response_url: str) -> None:
        """Answer ``/news`` through its response_url: ephemeral unless asked for ``--public``."""
        hook = WebhookClient(
            response_url,
            timeout=30,
            retry_handlers=[ConnectionErrorRetryHandler(), RateLimitErrorRetryHandler()],
        )
        try:
            answer = self._ask(question)
            answer_id = self._record(answer, asker=user, channel=channel, thread_ts="")
            response = hook.send(
                text=fallback_text(answer),
                blocks=answer_blocks(
                    answer, answer_id=answer_id, asked_by=user, share=None if public else self._shareable_value(answer)
                ),
                response_type="in_channel" if public else "ephemeral",
                replace_original=False,
                unfurl_links=False,
                unfurl_media=False,
            )
            if response.status_code != 200:
                raise RuntimeError(f"response_url returned HTTP {response.status_code}")
        except Exception as exc:  # whatever fails, the asker gets an apology, not silence  # noqa: BLE001
            apology = self._apology(exc, f"Answering /news failed (channel {channel})")
            self._quietly(
                "response_url (apology)",
                lambda: hook.send(text=apology, response_type="ephemeral", replace_original=False),
            )

    # ---- the "Check against the news" message shortcut ------------------------------------------

    def check_message(
        self, *, channel: str, user: str, text: str, thread_ts: str, response_url: str | None, bot_user_id: str | None
    ) -> None:
        """Answer a message's claim from the news, in that message's thread (only to the asker when the
        bot can't post there): the direct answer, its sources, and who reports it differently."""
        hook = WebhookClient(response_url, timeout=30) if response_url else None
        claim = clean_text(text, bot_user_id)
        if not claim:
            if hook is not None:
                self._quietly("response_url", lambda: hook.send(text=NOTHING_TO_CHECK, response_type="ephemeral"))
            return
        try:
            answer = self._ask(claim)
            answer_id = self._record(answer, asker=user, channel=channel, thread_ts=thread_ts)
            blocks = answer_blocks(answer, answer_id=answer_id, checked_for=user)
            try:
                self.client.chat_postMessage(
                    channel=channel, thread_ts=thread_ts, text=fallback_text(answer), blocks=blocks,
                    unfurl_links=False, unfurl_media=False,
                )  # fmt: skip
            except SlackApiError as exc:
                if exc.response.get("error") not in ("not_in_channel", "channel_not_found") or hook is None:
                    raise
                hook.send(
                    text=NOT_IN_CHANNEL,
                    blocks=[{"type": "context", "elements": [{"type": "mrkdwn", "text": NOT_IN_CHANNEL}]}, *blocks],
                    response_type="ephemeral",
                )
        except Exception as exc:  # noqa: BLE001 - the asker hears about it, privately
            apology = self._apology(exc, f"Checking a message failed (channel {channel})")
            if hook is not None:
                self._quietly("response_url (apology)", lambda: hook.send(text=apology, response_type="ephemeral"))

    # ---- "Share in channel" ---------------------------------------------------------------------

    def _shareable_value(self, answer: Answer, thread_ts: str = "") -> str:
        """The Share button's value: a key to this answer (kept here), its question and where to post."""
        key = secrets.token_urlsafe(9)
        with self._shareable_lock:
            self._shareable[key] = answer
            while len(self._shareable) > MAX_SHAREABLE:
                self._shareable.popitem(last=False)
        return json.dumps({"k": key, "q": answer.question[:MAX_SHARED_QUESTION_CHARS], "t": thread_ts})

    def share(self, *, value: str, user: str, channel: str, response_url: str | None) -> None:
        """Post an ephemeral answer for everyone, headed by who asked, and remove the private copy.

        The answer is the one the asker saw when this process still has it; otherwise (a restart,
        another bot process) the question is asked again."""
        try:
            shared = json.loads(value)
            key, question, thread = str(shared["k"]), str(shared["q"]), str(shared.get("t") or "")
        except (ValueError, KeyError, TypeError):
            log.info("Ignoring a Share click with an unreadable value")
            return
        with self._shareable_lock:
            answer = self._shareable.get(key)
        hook = WebhookClient(response_url, timeout=30) if response_url else None
        try:
            answer = answer or self._ask(question)
            blocks = answer_blocks(answer, asked_by=user)
            if thread or hook is None:  # an answer to a message: into that message's thread
                self.client.chat_postMessage(
                    channel=channel, thread_ts=thread or None, text=fallback_text(answer), blocks=blocks,
                    unfurl_links=False, unfurl_media=False,
                )  # fmt: skip
            else:  # /news: through the command's response_url, which works in channels the bot isn't in
                hook.send(text=fallback_text(answer), blocks=blocks, response_type="in_channel", replace_original=False)
        except Exception as exc:  # noqa: BLE001 - the asker hears about it, privately
            apology = self._apology(exc, f"Sharing an answer failed (channel {channel})")
            if hook is not None:
                self._quietly("response_url (apology)", lambda: hook.send(text=apology, response_type="ephemeral"))
            return
        if hook is not None:
            self._quietly("response_url (delete the private copy)", lambda: hook.send(delete_original=True))

    # ---- everything else ------------------------------------------------------------------------

    def vote(self, *, answer_id: str, user: str, vote: str, response_url: str | None) -> None:
        """Store a 👍/👎 click and thank the user privately."""
        try:
            stored = self.feedback.record_vote(answer_id, user=user, vote=vote)
            text = "Thanks for the feedback!" if stored else "Sorry, I couldn't find that answer any more."
        except STORE_ERRORS as exc:  # Redis down, the disk full: say so; the next vote tries again
            log.warning("Storing a vote failed: %s", exc)
            text = "Sorry, I couldn't save your feedback right now. Please try again in a few minutes."
        if response_url:
            WebhookClient(response_url, timeout=30).send(text=text, response_type="ephemeral", replace_original=False)

    def _is_assistant_thread(self, channel: str, thread_ts: str) -> bool:
        try:
            return self.feedback.is_assistant_thread(channel, thread_ts)
        except STORE_ERRORS as exc:  # can't tell right now: answer as in any thread
            log.warning("Assistant-thread lookup unavailable: %s", exc)
            return False

    def _record(self, answer: Answer, *, asker: str, channel: str, thread_ts: str) -> str | None:
        """Store the answer for feedback; None (no vote buttons) when the store is unavailable right now."""
        try:
            return self.feedback.record_answer(answer, asker=asker, channel=channel, thread_ts=thread_ts)
        except STORE_ERRORS as exc:
            log.warning("Storing an answer for feedback failed; answering without vote buttons: %s", exc)
            return None

    def publish_home(self, user: str) -> None:
        """The Home tab with what the news covers and what changed since the user's last visit."""
        coverage, snapshots = self.answerer.coverage(), self.answerer.snapshots()
        seen = seen_now(coverage, snapshots, date.today()).to_json()
        previous = self._quietly("remembering a Home visit", lambda: self.feedback.swap_home_visit(user, seen))
        view = home_view(coverage, snapshots, last_visit=HomeSeen.from_json(previous))
        self.client.views_publish(user_id=user, view=view)

    def start_assistant_thread(self, channel: str, thread_ts: str) -> None:
        """An AI-app thread opened: remember it, greet, suggest prompts."""
        self._quietly("remembering an assistant thread", lambda: self.feedback.add_assistant_thread(channel, thread_ts))
        self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=GREETING)
        self._quietly(
            "assistant.threads.setSuggestedPrompts",
            lambda: self.client.assistant_threads_setSuggestedPrompts(
                channel_id=channel, thread_ts=thread_ts, title="Ask about the news", prompts=SUGGESTED_PROMPTS
            ),
        )
