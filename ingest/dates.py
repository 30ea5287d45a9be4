"""Dates: parse a date field strictly, find explicit dates in text, infer a publication date."""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

MIN_YEAR, MAX_YEAR = 1900, 2100

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20|21)\d\d"
_DATE_RE = re.compile(
    rf"\b(?P<m1>{_MONTH})\s+(?P<d1>{_DAY}),?\s+(?P<y1>{_YEAR})\b"
    rf"|\b(?P<d2>{_DAY})\s+(?:of\s+)?(?P<m2>{_MONTH}),?\s+(?P<y2>{_YEAR})\b"
    rf"|\b(?P<y3>{_YEAR})-(?P<m3>[01]\d)-(?P<d3>[0-3]\d)(?![\d-])"
    rf"|(?<![\d/])(?P<m4>[01]?\d)/(?P<d4>[0-3]?\d)/(?P<y4>{_YEAR})\b",
    re.IGNORECASE,
)
# Whole-string formats tried before dateutil: ISO prefix, and Reuters' "26-FEB-1987 15:01:01.79".
_ISO_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:$|[T ]\d)")
_DMY_DASH_RE = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})\b")
_HAS_YEAR = re.compile(r"(?<!\d)(?:19|20|21)\d\d(?!\d)")
_LETTERS = re.compile(r"[A-Za-z]+")
_DATE_WORDS = frozenset(
    "jan january feb february mar march apr april may jun june jul july aug august sep sept september "
    "oct october nov november dec december mon monday tue tues tuesday wed wednesday thu thur thurs "
    "thursday fri friday sat saturday sun sunday t z utc gmt est edt cst cdt mst mdt pst pdt bst cet "
    "cest jst ist am pm of on at st nd rd th".split()
)


def _make(year: int, month: int, day: int) -> date | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month(word: str) -> int:
    return _MONTHS[word.lower().rstrip(".")[:3]]


def parse_date(value: object, languages: Sequence[str] | None = None) -> date | None:
    """Return the date a field value states, or None for anything that is not clearly a date; a timestamp
    with a UTC offset gives the publisher's local date. Dates in other languages ("Seg, 24 Set 2018") are
    read with dateparser, ``languages`` (e.g. ["pt"]) narrowing its guess."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return _make(value.year, value.month, value.day)
    if isinstance(value, date):
        return _make(value.year, value.month, value.day)
    if isinstance(value, time.struct_time):
        return _make(value.tm_year, value.tm_mon, value.tm_mday)
    if isinstance(value, int | float):
        return _from_epoch(float(value))
    if not isinstance(value, str):
        return None
    s = value.strip()
    if not s:
        return None
    if s.isdigit():
        if len(s) == 8:  # YYYYMMDD
            return _make(int(s[:4]), int(s[4:6]), int(s[6:]))
        return _from_epoch(float(s)) if len(s) in (10, 13) else None
    if m := _ISO_RE.match(s):
        return _make(int(m[1]), int(m[2]), int(m[3]))
    if (m := _DMY_DASH_RE.match(s)) and m[2].lower() in _MONTHS:
        return _make(int(m[3]), _MONTHS[m[2].lower()], int(m[1]))
    found = _parse_with_dateutil(s) or _parse_foreign(s, languages)
    return found.date() if isinstance(found, datetime) else found


def _from_epoch(seconds: float) -> date | None:
    if abs(seconds) > 1e11:  # milliseconds
        seconds /= 1000
    try:
        d = datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return _make(d.year, d.month, d.day)


def _parse_with_dateutil(s: str) -> date | None:
    # dateutil happily fills missing parts from a default; demand a 4-digit year, only date-ish
    # words, and check the day is really stated by parsing with two different defaults.
    if len(s) > 64 or not _HAS_YEAR.search(s):
        return None
    if any(w.lower() not in _DATE_WORDS for w in _LETTERS.findall(s)):
        return None
    from dateutil import parser

    try:
        a = parser.parse(s, default=datetime(2000, 1, 1), ignoretz=True)
        b = parser.parse(s, default=datetime(2001, 2, 2), ignoretz=True)
    except (ValueError, OverflowError, parser.ParserError):
        return None
    if (a.year, a.month, a.day) != (b.year, b.month, b.day):
        return None
    return _make(a.year, a.month, a.day)


def _parse_foreign(s: str, languages: Sequence[str] | None) -> datetime | None:
    """A full date in words of another language, read by dateparser; its year must be the one written."""
    years = _HAS_YEAR.findall(s)
    if len(s) > 64 or len(years) != 1 or all(w.lower() in _DATE_WORDS for w in _LETTERS.findall(s)):
        return None
    import dateparser

    settings = {"REQUIRE_PARTS": ["day", "month", "year"], "PREFER_DATES_FROM": "past"}
    try:
        found = dateparser.parse(s, languages=list(languages) if languages else None, settings=settings)
    except ValueError:  # a language dateparser does not know: let it guess
        found = dateparser.parse(s, settings=settings) if languages else None
    if found is None or str(found.year) != years[0] or _make(found.year, found.month, found.day) is None:
        return None
    return found


_TIME = re.compile(r"\d{1,2}:\d{2}")


def parse_timestamp(value: object, languages: Sequence[str] | None = None) -> datetime | None:
    """The date and time of day a string states, aware when it gives a UTC offset; None when it states no
    time of day or no clear date."""
    if not isinstance(value, str) or not _TIME.search(value) or parse_date(value, languages) is None:
        return None
    s = value.strip()
    try:
        return datetime.fromisoformat(s.replace("z", "Z"))
    except ValueError:
        pass
    if (foreign := _parse_foreign(s, languages)) is not None:
        return foreign
    from dateutil import parser

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unknown zone names ("EDT") give a naive time, not a warning
        try:
            found = parser.parse(_DMY_DASH_RE.sub(r"\1 \2 \3", s))
        except (ValueError, OverflowError, parser.ParserError):
            return None
    return found if found.date() == parse_date(s) else None


def find_dates(text: str) -> list[tuple[date, int, int]]:
    """Explicit full dates (with a year) mentioned in ``text``, with their character offsets."""
    found: list[tuple[date, int, int]] = []
    for m in _DATE_RE.finditer(text):
        g = m.groupdict()
        if g["m1"]:
            d = _make(int(g["y1"]), _month(g["m1"]), int(re.sub(r"\D", "", g["d1"])))
        elif g["m2"]:
            d = _make(int(g["y2"]), _month(g["m2"]), int(re.sub(r"\D", "", g["d2"])))
        elif g["y3"]:
            d = _make(int(g["y3"]), int(g["m3"]), int(g["d3"]))
        else:
            d = _make(int(g["y4"]), int(g["m4"]), int(g["d4"]))
        if d is not None:
            found.append((d, m.start(), m.end()))
    return found


_DATELINE = re.compile(
    rf"[A-Z][\w .'/-]{{1,40}},\s+(?P<m>{_MONTH})\s+(?P<d>{_DAY})(?:,?\s+(?P<y>{_YEAR}))?\s*"
    r"(?:\([^()\n]{1,40}\)\s*)?[-–—:]",
    re.IGNORECASE,
)


def _dateline(first_line: str, others: list[date], limit: date) -> date | None:
    """The date of a dateline ("WASHINGTON, March 3 (Reuters) -"), its year taken from the text's latest
    date when it gives none, else the latest such day not after ``limit``; or a full date that leads the first
    line or is on a short first line."""
    if m := _DATELINE.match(first_line):
        year = int(m["y"]) if m["y"] else max(others).year if others else limit.year
        found = _make(year, _month(m["m"]), int(re.sub(r"\D", "", m["d"])))
        if found is not None and found > limit and not m["y"]:
            found = _make(year - 1, found.month, found.day)
        if found is not None and found <= limit:
            return found
    short = len(first_line) <= 80  # a line of its own ("Published May 2, 2024"), or a date leading the text
    return next((d for d, start, _ in find_dates(first_line) if d <= limit and (short or start <= 40)), None)


def infer_published(text: str, today: date | None = None) -> date | None:
    """The article's dateline date (or a date in its first line), else the latest explicit date in ``text``
    that is not after ``today`` (+1 day), else None."""
    limit = (today or date.today()) + timedelta(days=1)
    dates = [d for d, _, _ in find_dates(text) if d <= limit]
    first_line = text.lstrip()[:300].split("\n", 1)[0]
    return _dateline(first_line, dates, limit) or (max(dates) if dates else None)
