"""The Slack front end: a Bolt app factory with thin listeners over the answering chain.

Listeners only acknowledge, filter and hand work to :class:`SlackResponder`, which answers on its
own thread pool — never on Bolt's listener pool — so acks stay under Slack's 3 seconds however
slow answers are. Nothing here builds a client at import time.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any, Protocol

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.answer import Answer
from bot.blocks import (
    FEEDBACK_DOWN,
    FEEDBACK_UP,
    answer_blocks,
    escape,
    fallback_text,
    home_view,
    unescape,
    visible,
)
from bot.dedupe import DedupeStore, open_dedupe
from bot.feedback import FeedbackBackend, open_feedback
from bot.ratelimit import RateLimiter, SlidingWindowLimiter
from ingest.errors import IndexUnavailable
from ingest.settings import Settings

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong while I was answering that. Please try again in a minute."
INDEX_DOWN = "I can't reach my news index right now. Please try again in a few minutes."
EMPTY_QUESTION = "Ask me a question about the news, e.g. _Who proposed the US–Japan fund?_"
SLASH_USAGE = "Usage: `/news your question` (only you see the answer) or `/news --public your question`."
STATUS = "Searching the news…"
GREETING = "Hi! Ask me about the news; I'll answer with sources."
MAX_HISTORY_TURNS = 10
SUGGESTED_PROMPTS = [
    {"title": "Today's news", "message": "What are the main stories in the latest news?"},
    {"title": "Markets", "message": "What was the latest Bitcoin price in the news?"},
    {"title": "Follow a story", "message": "Who proposed the US–Japan fund?"},
]

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!([a-z]+)(?:\^[^|>]*)?(?:\|([^>]*))?>")
_PUBLIC = re.compile(r"^\s*--public\s+|\s+--public\s*$", re.IGNORECASE)


class AnswererLike(Protocol):
    """What the Slack app needs from :class:`bot.service.Answerer`."""

    def ask(self, question: str, *, as_of: date | None = None, history: Sequence[tuple[str, str]] = ()) -> Answer: ...

    def coverage(self) -> dict[str, Any]: ...


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

    # ---- plumbing -------------------------------------------------------------------------------

    def submit(self, fn: Callable[..., None], /, *args: Any, **kwargs: Any) -> None:
        """Run ``fn`` on the answer pool; failures are logged, never raised into Bolt."""

        def guarded() -> None:
            try:
                fn(*args, **kwargs)
            except Exception:
                log.exception("Slack task %s failed", getattr(fn, "__name__", fn))

        self.executor.submit(guarded)

    def _ask(self, question: str, history: Sequence[tuple[str, str]] = ()) -> Answer:
        with self._answering:
            return self.answerer.ask(question, as_of=self.settings.as_of, history=history)

    def _quietly(self, what: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except SlackApiError as exc:
            log.warning("%s failed: %s", what, exc.response.get("error", "unknown error"))
        except Exception as exc:  # a side effect (reaction, status) must never block the answer
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
    ) -> None:
        """Answer a question from a mention or message, replying in ``reply_thread`` (None: top level)."""
        try:  # the shared stores (Redis) may be down: the user gets a short reply, not silence
            allowed = self.limiter.allow(user)
            in_assistant = bool(reply_thread) and self.feedback.is_assistant_thread(channel, reply_thread or "")
        except Exception as exc:
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
        if assistant:
            self._quietly(
                "assistant.threads.setStatus",
                lambda: self.client.assistant_threads_setStatus(channel_id=channel, thread_ts=assistant, status=STATUS),
            )
        else:
            self._quietly(
                "reactions.add", lambda: self.client.reactions_add(channel=channel, timestamp=ts, name="eyes")
            )
        try:
            history = self.history(channel, history_thread, ts, bot_user_id, bot_id) if history_thread else []
            answer = self._ask(question, history)
            answer_id = self.feedback.record_answer(answer, asker=user, channel=channel, thread_ts=reply_thread or ts)
            self.client.chat_postMessage(
                channel=channel,
                thread_ts=reply_thread,
                text=fallback_text(answer),
                blocks=answer_blocks(answer, answer_id=answer_id),
                unfurl_links=False,
                unfurl_media=False,
            )
        except Exception as exc:
            self._post_apology(
                exc, f"Answering a Slack question failed (channel {channel}, message {ts})", channel, reply_thread
            )
            if assistant:  # posting clears the status; make sure it is cleared after a failure too
                self._quietly(
                    "assistant.threads.setStatus",
                    lambda: self.client.assistant_threads_setStatus(channel_id=channel, thread_ts=assistant, status=""),
                )
        finally:
            if not assistant:
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
            answer_id = self.feedback.record_answer(answer, asker=user, channel=channel, thread_ts="")
            response = hook.send(
                text=fallback_text(answer),
                blocks=answer_blocks(answer, answer_id=answer_id, asked_by=user),
                response_type="in_channel" if public else "ephemeral",
                replace_original=False,
                unfurl_links=False,
                unfurl_media=False,
            )
            if response.status_code != 200:
                raise RuntimeError(f"response_url returned HTTP {response.status_code}")
        except Exception as exc:
            apology = self._apology(exc, f"Answering /news failed (channel {channel})")
            self._quietly(
                "response_url (apology)",
                lambda: hook.send(text=apology, response_type="ephemeral", replace_original=False),
            )

    # ---- everything else ------------------------------------------------------------------------

    def vote(self, *, answer_id: str, user: str, vote: str, response_url: str | None) -> None:
        """Store a 👍/👎 click and thank the user privately."""
        try:
            stored = self.feedback.record_vote(answer_id, user=user, vote=vote)
            text = "Thanks for the feedback!" if stored else "Sorry, I couldn't find that answer any more."
        except IndexUnavailable as exc:  # the shared store (Redis) is down
            log.warning("Storing a vote failed: %s", exc)
            text = "Sorry, I couldn't save your feedback right now. Please try again in a few minutes."
        if response_url:
            WebhookClient(response_url, timeout=30).send(text=text, response_type="ephemeral", replace_original=False)

    def publish_home(self, user: str) -> None:
        """The Home tab with what the news covers."""
        self.client.views_publish(user_id=user, view=home_view(self.answerer.coverage()))

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


def create_app(
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
