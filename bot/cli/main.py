"""The ``newsbot`` command: parses arguments and delegates to the ingest and bot modules."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli._shared import DataDir, fail, load_settings, out
from bot.cli.ask import register as register_ask
from bot.cli.evaluate import register as register_eval
from bot.cli.index import register as register_index
from bot.cli.slack import register as register_slack
from ingest import NewsbotError


def start_command(
    data_dir: DataDir = None,
    port: Annotated[int, typer.Option("--port", help="HTTP port when only a signing secret is set.")] = 3000,
) -> None:
    """Start the Slack bot when Slack is configured; otherwise say what is missing and offer `newsbot chat`."""
    try:
        settings = load_settings(data_dir)
    except NewsbotError as exc:
        raise fail(exc) from None
    missing = []
    if not settings.slack_bot_token:
        missing.append("SLACK_BOT_TOKEN")
    if not (settings.slack_app_token or settings.slack_signing_secret):
        missing.append("SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)")
    if missing:
        out.print(
            f"The Slack bot is not started: missing {' and '.join(missing)} (see docs/slack.md and .env.example).\n"
            "Meanwhile, ask in the terminal with the same answers: .venv/bin/newsbot chat",
            markup=False,
        )
        return
    from bot.slack.server import serve

    try:
        serve(settings, http=not settings.slack_app_token, host="0.0.0.0", port=port)
    except NewsbotError as exc:
        raise fail(exc) from None


def make_app() -> typer.Typer:
    """The full ``newsbot`` command-line app."""
    app = typer.Typer(add_completion=False, no_args_is_help=True, help="newsbot: cited answers about the news.")
    register_index(app)
    register_ask(app)
    register_eval(app)
    register_slack(app)
    app.command("start")(start_command)
    return app


def command_names(app: typer.Typer | None = None) -> set[str]:
    """The names of the ``newsbot`` commands, as registered in the app."""
    app = app or make_app()
    return {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands} - {""}


def main() -> None:
    """Console-script entry point."""
    make_app()(prog_name="newsbot")
