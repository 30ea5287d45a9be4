"""What a question asks about: its assets and market metric, its period, whether it wants a prediction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.answering.timeframe import Period, question_period
from ingest import find_assets

_METRICS: list[tuple[str, re.Pattern[str]]] = [
    ("market_cap", re.compile(r"\bmarket\s*cap(?:itali[sz]ation)?\b|\bvaluation\b", re.I)),
    ("volume", re.compile(r"\b(?:trading\s+)?volume\b", re.I)),
    ("dominance", re.compile(r"\bdominance\b|\bshare of the (?:\w+\s+)?market\b", re.I)),
    (
        "change",
        re.compile(
            r"\b(?:change[ds]?|percent|%|gain(?:ed)?|los[st]|up|down|r[io]se|fall|fell|drop(?:ped)?|"
            r"shift(?:ed)?|move[ds]?)\b",
            re.I,
        ),
    ),
    (
        "price",
        re.compile(
            r"\bprice[ds]?\b|\btrad(?:e|es|ed|ing)\b|\bworth\b|\bcost(?:s)?\b|\bvalue\b|\bhow much\b|"
            r"\bquote[ds]?\b|\bselling\b|\bclosed?\b|\bpriced\b",
            re.I,
        ),
    ),
]
_FORECAST = re.compile(
    r"\b(forecast|predict(?:ion|ed)?|projected|outlook|price target|should i (?:buy|sell)|in the future)\b",
    re.I,
)
# "What did VanEck's CEO predict?", "according to analysts": a reported forecast is news, not a request.
_REPORTED = re.compile(
    r"\b(?:did|does|do|has|have|had)\b[^?]{0,80}?\b(?:predict|forecast|expect|project|say|said|call|bet)\w*\b"
    r"|\baccording to\b|\bwho (?:predicted|forecast|expects|said)\b",
    re.I,
)
_FUTURE = re.compile(r"\b(will|going to|gonna|expected to|by (?:the )?end of)\b", re.I)
_YES_NO_FUTURE = re.compile(
    r"^\s*(?:will|is .{1,60}? going to|are .{1,60}? going to)\b.{0,120}?\b(win|reach|hit|rise|fall|crash|drop|"
    r"happen|pass|be elected|become|surge|recover|collapse|beat|lose)\b",
    re.I,
)


@dataclass(frozen=True)
class ParsedQuestion:
    """The parts of a question the refusal rules and the extractive answerer need."""

    text: str
    as_of: date
    assets: tuple[str, ...]
    metric: str | None  # price | market_cap | volume | dominance | change, for market questions
    period: Period | None
    prediction: bool


# "Is BTC over $45k?", "did gold fall below $400?": a level compared is a price question.
_COMPARED = re.compile(
    r"\b(?:above|below|over|under|more than|less than|exceed(?:s|ed)?|top(?:ped)?|hit|reach(?:ed)?|break|broke|"
    r"past|beyond)\s+(?:the\s+)?[$€£]?\s?\d",
    re.I,
)
_BARE = re.compile(r"^\W*(?:\$?[\w&.\- ]{1,30}?)\W*(?:rn|atm|now|today|pls|please)?\W*$", re.I)


def _metric(text: str, assets: tuple[str, ...]) -> str | None:
    for name, pattern in _METRICS:
        if pattern.search(text):
            return name
    if _COMPARED.search(text):
        return "price"
    if assets and _BARE.match(text) and len(text.split()) <= 3:  # "eth?", "BTC rn"
        return "price"
    return None


def parse_question(text: str, as_of: date) -> ParsedQuestion:
    """Parse ``text`` as asked on ``as_of``."""
    assets = tuple(find_assets(text))
    metric = _metric(text, assets) if assets else None
    period = question_period(text, as_of, market=bool(assets and metric))
    # A figure asked for at a named future time is past the snapshot (refused as such); a forecast,
    # or a future figure with no time named, is a prediction.
    dated = period is not None and not period.implicit
    market_future = bool(assets) and (_FORECAST.search(text) or (_FUTURE.search(text) and not dated))
    prediction = bool(market_future or _YES_NO_FUTURE.search(text)) and not _REPORTED.search(text)
    return ParsedQuestion(
        text=text,
        as_of=as_of,
        assets=assets,
        metric=metric,
        period=period,
        prediction=prediction,
    )
