"""Plain data types shared by the write side and the read side."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class RawRecord:
    """One article as read from an input, before cleaning; ``origin`` names file and record; ``raw`` is the
    object it was read from, for operator field mappings (``--field text=body_html``)."""

    fields: dict[str, Any]
    origin: str
    raw: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    warnings: tuple[str, ...] = ()  # stored anyway, but an operator should look (a doubtful extraction)


@dataclass(frozen=True)
class Article:
    """A cleaned, dated article ready to chunk and store."""

    id: str
    title: str
    text: str
    published: date
    date_inferred: bool = False
    source: str = ""
    published_time: str = ""  # the publisher's local time of day, with its UTC offset when stated: "22:30:00-05:00"
    url: str = ""
    authors: tuple[str, ...] = ()
    origin: str = ""


@dataclass(frozen=True)
class Chunk:
    """A passage of an article; ``start``/``end`` are character offsets into ``Article.text``."""

    id: str
    article_id: str
    position: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Snapshot:
    """A market figure stated at a date, e.g. Bitcoin price 108029.56 USD as of 2025-05-25."""

    asset: str
    metric: str  # price | market_cap | volume | dominance | change
    value: float
    unit: str  # USD | % | ...
    as_of: date
    article_id: str
    sentence: str
    start: int = 0
    end: int = 0
    period: str = ""  # for change: "24h", "7d", ... ; empty otherwise
