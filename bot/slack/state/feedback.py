"""What the bot answered in Slack and what people thought of it, in SQLite in the data dir.

Each posted answer is stored with its question, text and citations under a short id that the
👍/👎 buttons carry; a click records the vote (one per user per answer, the latest wins). The
answers table also tells the bot which threads it is part of, so follow-ups there get answered.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from bot.answering.answer import Answer

VOTES = ("up", "down")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    asker TEXT NOT NULL,
    channel TEXT NOT NULL,
    thread_ts TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    refused INTEGER NOT NULL,
    refusal_kind TEXT,
    citations TEXT NOT NULL,
    as_of TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS answers_thread ON answers (channel, thread_ts);
CREATE TABLE IF NOT EXISTS votes (
    answer_id TEXT NOT NULL REFERENCES answers(id),
    user TEXT NOT NULL,
    vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    ts TEXT NOT NULL,
    PRIMARY KEY (answer_id, user)
);
CREATE TABLE IF NOT EXISTS home_visits (
    user TEXT PRIMARY KEY,
    seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS assistant_threads (
    channel TEXT NOT NULL,
    thread_ts TEXT NOT NULL,
    PRIMARY KEY (channel, thread_ts)
);
"""


class FeedbackBackend(Protocol):
    """What the Slack app needs from a feedback store (SQLite here, Redis in :mod:`bot.slack.state.redis_feedback`)."""

    def record_answer(self, answer: Answer, *, asker: str, channel: str, thread_ts: str) -> str: ...

    def record_vote(self, answer_id: str, *, user: str, vote: str) -> bool: ...

    def in_thread(self, channel: str, thread_ts: str) -> bool: ...

    def add_assistant_thread(self, channel: str, thread_ts: str) -> None: ...

    def is_assistant_thread(self, channel: str, thread_ts: str) -> bool: ...

    def swap_home_visit(self, user: str, seen: str) -> str | None: ...

    def export(self) -> list[dict[str, Any]]: ...

    def close(self) -> None: ...


def citations_json(answer: Answer) -> str:
    """The answer's citations as stored with it (JSON, without character offsets)."""
    return json.dumps(
        [{k: v for k, v in asdict(c).items() if k not in {"start", "end"}} for c in answer.citations],
        ensure_ascii=False,
    )


def now_iso() -> str:
    """The current UTC time, to the second, as stored with each vote."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class FeedbackStore:
    """Answers posted, votes on them, and the assistant threads the bot was opened in."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def record_answer(self, answer: Answer, *, asker: str, channel: str, thread_ts: str) -> str:
        """Store an answer about to be posted; returns the id its feedback buttons carry."""
        answer_id = uuid.uuid4().hex[:16]
        citations = citations_json(answer)
        with self._lock:
            self._db.execute(
                "INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    answer_id,
                    now_iso(),
                    asker,
                    channel,
                    thread_ts or "",
                    answer.question,
                    answer.text,
                    int(answer.refused),
                    answer.refusal.kind if answer.refusal else None,
                    citations,
                    answer.as_of.isoformat(),
                ),
            )
        return answer_id

    def record_vote(self, answer_id: str, *, user: str, vote: str) -> bool:
        """Store ``user``'s vote on an answer; False if the answer is unknown or the vote invalid."""
        if vote not in VOTES:
            return False
        with self._lock:
            if self._db.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)).fetchone() is None:
                return False
            self._db.execute(
                "INSERT INTO votes VALUES (?, ?, ?, ?) ON CONFLICT (answer_id, user) "
                "DO UPDATE SET vote = excluded.vote, ts = excluded.ts",
                (answer_id, user, vote, now_iso()),
            )
        return True

    def in_thread(self, channel: str, thread_ts: str) -> bool:
        """Whether the bot has answered in this thread (so follow-ups there are for it)."""
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM answers WHERE channel = ? AND thread_ts = ? LIMIT 1", (channel, thread_ts)
            ).fetchone()
            if row is None:
                row = self._db.execute(
                    "SELECT 1 FROM assistant_threads WHERE channel = ? AND thread_ts = ?",
                    (channel, thread_ts),
                ).fetchone()
        return row is not None

    def add_assistant_thread(self, channel: str, thread_ts: str) -> None:
        """Remember an AI-app (assistant) thread the bot was opened in."""
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO assistant_threads VALUES (?, ?)", (channel, thread_ts))

    def is_assistant_thread(self, channel: str, thread_ts: str) -> bool:
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM assistant_threads WHERE channel = ? AND thread_ts = ?", (channel, thread_ts)
            ).fetchone()
        return row is not None

    def swap_home_visit(self, user: str, seen: str) -> str | None:
        """Store what ``user`` sees on the Home tab now; return what they saw last time (None: first visit)."""
        with self._lock:
            row = self._db.execute("SELECT seen FROM home_visits WHERE user = ?", (user,)).fetchone()
            self._db.execute("INSERT OR REPLACE INTO home_visits VALUES (?, ?)", (user, seen))
        return str(row[0]) if row else None

    def export(self) -> list[dict[str, Any]]:
        """Every vote with its question, answer and citations, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT v.ts, v.user, v.vote, a.id AS answer_id, a.asker, a.channel, a.question, a.answer, "
                "a.refused, a.refusal_kind, a.citations, a.as_of, a.created AS answered "
                "FROM votes v JOIN answers a ON a.id = v.answer_id ORDER BY v.ts, a.id, v.user"
            )
            names = [column[0] for column in rows.description]
            records = [dict(zip(names, row, strict=True)) for row in rows.fetchall()]
        for record in records:
            record["refused"] = bool(record["refused"])
            record["citations"] = json.loads(record["citations"])
        return records

    def close(self) -> None:
        with self._lock:
            self._db.close()


def open_feedback(data_dir: Path | str) -> FeedbackStore:
    """The feedback store in the data dir (``slack-feedback.sqlite``)."""
    return FeedbackStore(Path(data_dir) / "slack-feedback.sqlite")
