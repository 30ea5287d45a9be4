"""The feedback store in Redis, shared by every ``newsbot serve`` process (``REDIS_URL``).

Same interface and export rows as :class:`bot.slack.state.feedback.FeedbackStore`. Keys, under a prefix:
``answer:{id}`` (hash: the answer as posted), ``votes:{id}`` (hash: user → JSON vote and time),
``voted`` (set of answer ids with votes, for export), ``threads`` and ``assistant_threads``
(sets of ``channel thread_ts``: where follow-ups are for the bot). Nothing expires: like the
SQLite file, this is the record of what people thought of the answers.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any, cast

from bot.answering.answer import Answer
from bot.slack.state.feedback import VOTES, citations_json, now_iso
from bot.slack.state.redis import PREFIX, unavailable_on_outage

if TYPE_CHECKING:
    import redis

_EXPORT_FIELDS = ("asker", "channel", "question", "answer", "refused", "refusal_kind", "citations", "as_of")


def _thread(channel: str, thread_ts: str) -> str:
    return f"{channel} {thread_ts}"


class RedisFeedbackStore:
    """Answers posted, votes on them, and assistant threads, in Redis (see the module docstring)."""

    def __init__(self, client: redis.Redis, *, prefix: str = PREFIX) -> None:
        self._redis = client
        self._prefix = prefix + "feedback:"

    def _key(self, *parts: str) -> str:
        return self._prefix + ":".join(parts)

    def record_answer(self, answer: Answer, *, asker: str, channel: str, thread_ts: str) -> str:
        """Store an answer about to be posted; returns the id its feedback buttons carry."""
        answer_id = uuid.uuid4().hex[:16]
        record = {
            "created": now_iso(),
            "asker": asker,
            "channel": channel,
            "thread_ts": thread_ts or "",
            "question": answer.question,
            "answer": answer.text,
            "refused": "1" if answer.refused else "0",
            "refusal_kind": answer.refusal.kind if answer.refusal else "",
            "citations": citations_json(answer),
            "as_of": answer.as_of.isoformat(),
        }
        with unavailable_on_outage("feedback"):
            pipe = self._redis.pipeline(transaction=True)
            pipe.hset(self._key("answer", answer_id), mapping=cast(Any, record))  # redis-py types keys too narrowly
            pipe.sadd(self._key("threads"), _thread(channel, thread_ts or ""))
            pipe.execute()
        return answer_id

    def record_vote(self, answer_id: str, *, user: str, vote: str) -> bool:
        """Store ``user``'s vote on an answer (the latest wins); False if the answer is unknown or the vote invalid."""
        if vote not in VOTES:
            return False
        with unavailable_on_outage("feedback"):
            if not self._redis.exists(self._key("answer", answer_id)):
                return False
            pipe = self._redis.pipeline(transaction=True)
            pipe.hset(self._key("votes", answer_id), user, json.dumps({"vote": vote, "ts": now_iso()}))
            pipe.sadd(self._key("voted"), answer_id)
            pipe.execute()
        return True

    def in_thread(self, channel: str, thread_ts: str) -> bool:
        """Whether the bot has answered (or was opened as an assistant) in this thread."""
        member = _thread(channel, thread_ts)
        with unavailable_on_outage("feedback"):
            pipe = self._redis.pipeline(transaction=False)
            pipe.sismember(self._key("threads"), member)
            pipe.sismember(self._key("assistant_threads"), member)
            return any(pipe.execute())

    def add_assistant_thread(self, channel: str, thread_ts: str) -> None:
        """Remember an AI-app (assistant) thread the bot was opened in."""
        with unavailable_on_outage("feedback"):
            self._redis.sadd(self._key("assistant_threads"), _thread(channel, thread_ts))

    def is_assistant_thread(self, channel: str, thread_ts: str) -> bool:
        with unavailable_on_outage("feedback"):
            return bool(self._redis.sismember(self._key("assistant_threads"), _thread(channel, thread_ts)))

    def swap_home_visit(self, user: str, seen: str) -> str | None:
        """Store what ``user`` sees on the Home tab now; return what they saw last time (None: first visit)."""
        with unavailable_on_outage("feedback"):
            previous = self._redis.set(self._key("home", user), seen, get=True)
        if isinstance(previous, bytes):
            return previous.decode()
        return previous if isinstance(previous, str) else None

    def export(self) -> list[dict[str, Any]]:
        """Every vote with its question, answer and citations, oldest first (the SQLite store's row shape)."""
        with unavailable_on_outage("feedback export"):
            answer_ids: list[str] = sorted(cast(set[str], self._redis.smembers(self._key("voted"))))
            pipe = self._redis.pipeline(transaction=False)
            for answer_id in answer_ids:
                pipe.hgetall(self._key("votes", answer_id))
                pipe.hgetall(self._key("answer", answer_id))
            fetched = pipe.execute()
        records: list[dict[str, Any]] = []
        for i, answer_id in enumerate(answer_ids):
            votes, answer = fetched[2 * i], fetched[2 * i + 1]
            if not answer:
                continue
            for user, raw in votes.items():
                vote = json.loads(raw)
                record: dict[str, Any] = {"ts": vote["ts"], "user": user, "vote": vote["vote"], "answer_id": answer_id}
                record.update({name: answer.get(name, "") for name in _EXPORT_FIELDS})
                record["refused"] = record["refused"] == "1"
                record["refusal_kind"] = record["refusal_kind"] or None
                record["citations"] = json.loads(record["citations"] or "[]")
                record["answered"] = answer.get("created", "")
                records.append(record)
        records.sort(key=lambda r: (r["ts"], r["answer_id"], r["user"]))
        return records

    def close(self) -> None:
        self._redis.close()
