"""Human-readable dates and market values for answers and refusals."""

from __future__ import annotations

from datetime import date

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
