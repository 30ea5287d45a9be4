"""The one exception family for problems a user can fix."""

from __future__ import annotations

import re


def one_line(exc: BaseException) -> str:
    """An exception as one short line (for error messages shown to users)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"


def unexpected(exc: BaseException) -> str:
    """The reason for an error no reader or step foresaw, as one line naming its kind."""
    return f"could not be read ({type(exc).__name__}: {one_line(exc)})"


class NewsbotError(Exception):
    """An error a user can fix; shown as one clear line, never as a traceback."""


class ConfigError(NewsbotError):
    """A setting is missing or wrong."""


def record_name(origin: str, n: int, *, line: bool = False) -> str:
    """How every message names a record, 1-based: ``file:line`` for a line or CSV row, ``file#n`` for the
    n-th item of a feed or JSON array."""
    return f"{origin}:{n}" if line else f"{origin}#{n}"


_RECORD = re.compile(r"^(?P<file>.*?)(?P<record>:\d+|#\d+)?$", re.S)
_URL_AUTHORITY = re.compile(r"^[a-z][a-z0-9+.-]*://[^/]*$", re.I)  # "http://host": what follows is a port


def split_origin(origin: str) -> tuple[str, str]:
    """``("file", "record")`` of a name made by :func:`record_name` (record "" for a whole file)."""
    m = _RECORD.match(origin)
    if not m or not m["record"] or (m["record"].startswith(":") and _URL_AUTHORITY.match(m["file"])):
        return origin, ""
    return m["file"], m["record"][1:]


class InputError(NewsbotError):
    """One input (file, record, URL) could not be read; names where and why, and how many records that
    cost (one line may stand for many, such as a feed's headline-only items)."""

    def __init__(self, origin: str, reason: str, count: int = 1) -> None:
        super().__init__(f"{origin}: {reason}")
        self.origin = origin
        self.reason = reason
        self.count = count


class IndexUnavailable(NewsbotError):
    """The news index (Chroma server, database) cannot be reached right now."""
