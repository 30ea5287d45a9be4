"""``newsbot serve`` (the Slack bot) and ``newsbot feedback`` (export 👍/👎 votes). Parses and delegates."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from bot.cli._shared import DataDir, JsonFlag, fail, load_settings, out
from ingest import NewsbotError


def serve_command(
    http: Annotated[bool, typer.Option("--http", help="Serve HTTP on /slack/events instead of Socket Mode.")] = False,
    port: Annotated[int, typer.Option("--port", help="HTTP port (with --http).")] = 3000,
    host: Annotated[str, typer.Option("--host", help="HTTP interface to bind (with --http).")] = "0.0.0.0",
    data_dir: DataDir = None,
) -> None:
    """Run the Slack bot: Socket Mode when SLACK_APP_TOKEN is set, else `--http --port N`."""
    from bot.slack.server import serve

    try:
        serve(load_settings(data_dir), http=http, host=host, port=port)
    except NewsbotError as exc:
        raise fail(exc) from None


def feedback_command(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Export the 👍/👎 feedback given in Slack, with the question, answer and citations."""
    from bot.slack.state.stores import open_feedback_store

    try:
        settings = load_settings(data_dir)
        store = open_feedback_store(settings)  # Redis when REDIS_URL is set
        try:
            rows = store.export()
        finally:
            store.close()
    except NewsbotError as exc:
        raise fail(exc) from None
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        out.print("No feedback yet.")
        return
    table = Table("when", "vote", "user", "question", "answer")
    for row in rows:
        table.add_row(
            row["ts"],
            "👍" if row["vote"] == "up" else "👎",
            row["user"],
            row["question"],
            row["answer"][:120],
        )
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``feedback`` to the ``newsbot`` command."""
    app.command("serve")(serve_command)
    app.command("feedback")(feedback_command)
