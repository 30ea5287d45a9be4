"""Human-readable dates and market values for answers and refusals, and untrusted text made safe to show."""

from __future__ import annotations

import re
from datetime import date

# Zero-width, bidi override/isolate, BOM and control characters (but \t and \n): the same set ingest
# cleans from article text, here also for metadata, questions and model output shown in Slack or a terminal.
_INVISIBLE = re.compile(
    "[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\x00-\x08\x0b-\x1f\x7f-\x9f]+"
)


def visible(text: str) -> str:
    """``text`` without invisible and bidirectional control characters (so no terminal escape sequences)."""
    return _INVISIBLE.sub("", text)


METRIC_LABELS = {
    "price": "price",
    "market_cap": "market cap",
    "volume": "trading volume",
    "dominance": "market dominance",
    "change": "price change",
}


def human_date(day: date | str) -> str:
    """``2025-05-25`` → ``May 25, 2025``."""
    d = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{d:%B} {d.day}, {d.year}"


def human_value(value: float, unit: str) -> str:
    """``108029.56, USD`` → ``$108,029.56``; ``43610, USD`` → ``$43,610``; ``2.15e12, USD`` → ``$2.15 trillion``;
    ``63.27, %`` → ``63.27%``."""
    if unit == "%":
        return f"{value:g}%"
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(unit, "")
    suffix = "" if symbol else f" {unit}"
    for scale, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(value) >= scale:
            return f"{symbol}{value / scale:,.2f} {word}{suffix}"
    if abs(value) >= 100 and value == int(value):
        return f"{symbol}{value:,.0f}{suffix}"  # $43,610, not $43,610.00
    return f"{symbol}{value:,.2f}{suffix}"
