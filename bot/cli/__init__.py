"""The ``newsbot`` command: one Typer app, one module per command group, shared plumbing in ``_shared``."""

from bot.cli.main import command_names, main, make_app

__all__ = ["command_names", "main", "make_app"]
