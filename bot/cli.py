"""The ``newsbot`` command: parses arguments and delegates to the ingest and bot modules."""

from __future__ import annotations

import typer

from bot.eval_cli import register as register_eval
from bot.ask_cli import register as register_ask
from bot.slack_cli import register as register_slack
from ingest.cli import register as register_ingest


def make_app() -> typer.Typer:
    """The full ``newsbot`` command-line app."""
    app = typer.Typer(add_completion=False, no_args_is_help=True, help="newsbot: cited answers about the news.")
    register_ingest(app)
    register_ask(app)
    register_eval(app)
    register_slack(app)
    return app


def main() -> None:
    """Console-script entry point."""
    make_app()(prog_name="newsbot")
