"""The period a question asks about, resolved against its as-of date ("yesterday", "in 2026", "now")."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from ingest import find_dates


@dataclass(frozen=True)
class Period:
    """An inclusive date range; ``implicit`` when the question only implies "now"; ``relative`` when
    it is named relative to the as-of date ("this week", "yesterday", "now"): news of that time."""

    start: date
    end: date
    label: str
    implicit: bool = False
    relative: bool = False


_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTHS["sept"] = 9
_MONTH_YEAR = re.compile(
    r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?\s+((?:19|20|21)\d\d)\b", re.I
)
_YEAR = re.compile(r"\b(?:in|during|of|for|by|since)\s+((?:19|20|21)\d\d)\b|\b((?:19|20|21)\d\d)\b", re.I)
_NOW = re.compile(
    r"\b(now|right now|currently|current|at the moment|at present|presently|today|tonight|latest|these days)\b",
    re.I,
)


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _month_range(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _shift_month(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def _relative(text: str, as_of: date) -> Period | None:
    t = text.lower()
    table: list[tuple[str, tuple[date, date]]] = [
        ("day before yesterday", (as_of - timedelta(2), as_of - timedelta(2))),
        ("yesterday", (as_of - timedelta(1), as_of - timedelta(1))),
        ("tomorrow", (as_of + timedelta(1), as_of + timedelta(1))),
        ("this week", (_week_start(as_of), as_of)),
        ("last week", (_week_start(as_of) - timedelta(7), _week_start(as_of) - timedelta(1))),
        ("past week", (as_of - timedelta(7), as_of)),
        ("next week", (_week_start(as_of) + timedelta(7), _week_start(as_of) + timedelta(13))),
        ("this month", (as_of.replace(day=1), as_of)),
        ("last month", _month_range(*_shift_month(as_of, -1))),
        ("next month", _month_range(*_shift_month(as_of, 1))),
        ("this year", (date(as_of.year, 1, 1), as_of)),
        ("last year", (date(as_of.year - 1, 1, 1), date(as_of.year - 1, 12, 31))),
        ("next year", (date(as_of.year + 1, 1, 1), date(as_of.year + 1, 12, 31))),
    ]
    for phrase, (start, end) in table:
        if re.search(rf"\b{phrase}\b", t):
            return Period(start, end, phrase, relative=True)
    return None


def question_period(text: str, as_of: date, *, market: bool = False) -> Period | None:
    """The period ``text`` asks about, or None when it names no time (a market question implies now)."""
    try:
        return _question_period(text, as_of, market)
    except (ValueError, OverflowError):  # "yesterday" as of 0001-01-01: off the calendar, no period
        return None


# Named days people ask about ("on New Year's Eve 2023", "at Christmas"), as (month, day).
_HOLIDAYS = {
    "new year's eve": (12, 31), "new years eve": (12, 31), "new year's day": (1, 1), "new years day": (1, 1),
    "christmas eve": (12, 24), "christmas day": (12, 25), "christmas": (12, 25), "halloween": (10, 31),
    "independence day": (7, 4), "valentine's day": (2, 14),
}  # fmt: skip
_HOLIDAY = re.compile(
    r"\b(" + "|".join(re.escape(h) for h in sorted(_HOLIDAYS, key=len, reverse=True)) + r")(?:\s+((?:19|20|21)\d\d))?",
    re.I,
)


def _holiday(text: str, as_of: date) -> Period | None:
    """A named day, in the year given, else its most recent occurrence by ``as_of``."""
    match = _HOLIDAY.search(text.replace("’", "'"))
    if not match:
        return None
    month, day = _HOLIDAYS[match.group(1).lower()]
    year = int(match.group(2)) if match.group(2) else as_of.year - (date(as_of.year, month, day) > as_of)
    return Period(date(year, month, day), date(year, month, day), match.group(0))


def _question_period(text: str, as_of: date, market: bool) -> Period | None:
    holiday = _holiday(text, as_of)
    if holiday:
        return holiday
    dates = find_dates(text)
    if dates:
        days = sorted(d for d, _, _ in dates)
        return Period(days[0], days[-1], text[dates[0][1] : dates[0][2]])
    relative = _relative(text, as_of)
    if relative:
        return relative
    month = _MONTH_YEAR.search(text)
    if month:
        start, end = _month_range(int(month.group(2)), _MONTHS[month.group(1).lower()])
        return Period(start, end, month.group(0))
    # A year is often part of a name ("the 2024 election"): it sets the period only once it has begun.
    years = [int(m.group(1) or m.group(2)) for m in _YEAR.finditer(text)]
    years = [y for y in years if y <= as_of.year]
    if years:
        y = max(years)
        return Period(date(y, 1, 1), min(date(y, 12, 31), as_of), str(y))
    if _NOW.search(text):
        return Period(as_of, as_of, "now", relative=True)
    if market:  # a market figure asked with no time named ("BTC price?", "was bitcoin up?") means now
        return Period(as_of, as_of, "now", implicit=True, relative=True)
    return None
