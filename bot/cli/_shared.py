"""What every ``newsbot`` command shares: the data-dir and as-of options, consoles, settings, one-line errors."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot.settings import Settings
from ingest import InputError, NewsbotError, index_damage

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Where the index lives (default: $NEWSBOT_DATA_DIR or ./data)."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="Answer as of this date (YYYY-MM-DD); default $NEWSBOT_AS_OF or today."),
]
QuietFlag = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
err = Console(stderr=True, highlight=False, markup=False)  # untrusted text is never markup
out = Console(highlight=False, markup=False)


def load_settings(data_dir: Path | None = None, **overrides: Any) -> Settings:
    """Settings from the environment with command-line overrides applied."""
    from dotenv import load_dotenv

    load_dotenv(".env", override=False)  # a local .env fills in what the environment leaves unset
    settings = Settings.from_env().with_overrides(data_dir=data_dir, **overrides)
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    return settings


def parse_date(value: str | None, origin: str = "--as-of") -> date | None:
    """A YYYY-MM-DD option value as a date (None when empty); an InputError naming ``origin`` otherwise."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(origin, f"not a date like 2025-05-26: {value!r}") from None


def fail(exc: NewsbotError) -> typer.Exit:
    """Show a user-fixable error as one line and exit 2."""
    err.print("[red]error:[/red] ", end="", markup=True)
    err.print(str(exc), markup=False, soft_wrap=True)
    return typer.Exit(2)


def damage_is_one_line(command: Callable[..., Any]) -> Callable[..., Any]:
    """A command that reports a damaged index database as one ``error:`` line (exit 2), not a traceback."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except Exception as exc:
            problem = index_damage(exc, load_settings(kwargs.get("data_dir")))
            if problem is None:
                raise
            raise fail(NewsbotError(problem)) from None

    return run


def warn(label: str, message: str) -> None:
    """One yellow ``label`` line on stderr; ``message`` (untrusted text: file names, records) is never markup."""
    err.print(f"[yellow]{label}[/yellow] ", end="", markup=True)
    err.print(message, markup=False, soft_wrap=True, highlight=False)


def progress_bar(label: str, *extra: TextColumn, show: bool) -> Progress:
    """A transient progress bar on stderr (disabled when ``show`` is false)."""
    columns = (TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(), TextColumn("articles"), *extra)
    return Progress(*columns, TimeElapsedColumn(), console=err, disable=not show, transient=True)


ProgressCallback = Callable[[int, int], None]
