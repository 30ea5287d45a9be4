"""The answer structure every front end shares (terminal, JSON, Slack, evaluation)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal, Protocol

RefusalKind = Literal["after_snapshot", "after_coverage", "no_evidence", "prediction"]
REFUSAL_KINDS: tuple[str, ...] = ("after_snapshot", "after_coverage", "no_evidence", "prediction")


@dataclass(frozen=True)
class Citation:
    """Passage ``[n]`` of an answer: a verbatim quote from a stored article."""

    n: int
    article_id: str
    title: str
    source: str
    published: str  # ISO date
    url: str
    quote: str
    chunk_id: str = ""
    start: int = 0  # character offsets of the quote in the stored article text
    end: int = 0


@dataclass(frozen=True)
class AlsoReported:
    """Another article reporting the answer's fact (``agrees``) or giving a different one for it."""

    article_id: str
    title: str
    source: str
    published: str  # ISO date
    url: str
    quote: str  # the verbatim sentence that reports it
    short_answer: str  # what this article says: the same short answer, or its different one
    agrees: bool = True


@dataclass(frozen=True)
class Refusal:
    """Why the question was not answered, and the newest data that was available."""

    kind: RefusalKind
    latest: str | None = None  # ISO date of the newest relevant data, when there is one


@dataclass
class Answer:
    """A cited answer or an honest refusal."""

    question: str
    as_of: date
    text: str
    citations: list[Citation] = field(default_factory=list)
    refusal: Refusal | None = None
    standalone_question: str = ""  # the question after follow-up rewriting
    answerer: str = "extractive"  # or the chat model's name
    timings_ms: dict[str, float] = field(default_factory=dict)
    retrieved: list[str] = field(default_factory=list)  # article ids retrieved, best first (for evaluation)
    relevance: float | None = None  # the best passage's relevance (None: decided before retrieval)
    news_until: str = ""  # ISO date of the newest article the answer could draw on
    short_answer: str = ""  # the name, number, date or phrase asked for, as it stands in the first sentence
    also_reported: list[AlsoReported] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return self.refusal is not None

    def short_answer_span(self) -> tuple[int, int] | None:
        """Where the short answer stands in ``text``'s first sentence (the one before its first ``[n]``)."""
        if not self.short_answer:
            return None
        first_mark = self.text.find(" [")
        at = self.text.find(self.short_answer, 0, first_mark if first_mark > 0 else len(self.text))
        return (at, at + len(self.short_answer)) if at >= 0 else None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``newsbot ask --json``."""
        return {
            "question": self.question,
            "as_of": self.as_of.isoformat(),
            "short_answer": self.short_answer,
            "answer": self.text,
            "refused": self.refused,
            "refusal": asdict(self.refusal) if self.refusal else None,
            "citations": [
                {k: v for k, v in asdict(c).items() if k not in {"chunk_id", "start", "end"}} for c in self.citations
            ],
            "also_reported": [asdict(r) for r in self.also_reported],
            "news_until": self.news_until or None,
            "standalone_question": self.standalone_question or self.question,
            "answerer": self.answerer,
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }


Drafts = Callable[[str], None]  # gets a chat model's unverified reply so far, while it streams


class Asks(Protocol):
    """What a front end (Slack, evaluation) needs of an answerer: :class:`bot.answering.chain.Answerer`."""

    def ask(self, question: str, *, as_of: date | None = None, history: Sequence[tuple[str, str]] = ()) -> Answer: ...
