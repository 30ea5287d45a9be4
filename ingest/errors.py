"""The one exception family for problems a user can fix."""

from __future__ import annotations


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


class InputError(NewsbotError):
    """One input (file, record, URL) could not be read; names where and why."""

    def __init__(self, origin: str, reason: str) -> None:
        super().__init__(f"{origin}: {reason}")
        self.origin = origin
        self.reason = reason


class IndexUnavailable(NewsbotError):
    """The news index (Chroma server, database) cannot be reached right now."""
