"""The one exception family for problems a user can fix."""

from __future__ import annotations


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
