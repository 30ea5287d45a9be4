"""``newsbot ask`` and ``newsbot chat``: the answering chain in the terminal. Parses and delegates."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli._shared import AsOf, DataDir, JsonFlag, damage_is_one_line, err, fail, load_settings, out, parse_date
from ingest import InputError, NewsbotError, require_index

if TYPE_CHECKING:
    from bot.answering.chain import Answerer


def ask_command(
    question: Annotated[str | None, typer.Argument(help="The question.")] = None,
    as_of: AsOf = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
    batch: Annotated[Path | None, typer.Option("--batch", help="JSON lines of {id, question, as_of}.")] = None,
) -> None:
    """Answer one question (or a batch) with cited passages, or refuse honestly."""
    from bot.cli.render import print_answer

    try:
        if (question is None) == (batch is None):
            raise InputError("newsbot ask", "give either a QUESTION or --batch FILE")
        day = parse_date(as_of)
        answerer = _open_answerer(data_dir)
        if batch is None:
            answer = answerer.ask(question or "", as_of=day)
            if as_json:
                print(json.dumps(answer.to_dict(), ensure_ascii=False))
            else:
                print_answer(out, answer)
            return
        failed = _run_batch(answerer, batch, day)
    except NewsbotError as exc:
        raise fail(exc) from None
    raise typer.Exit(1 if failed else 0)


def _open_answerer(data_dir: Path | None) -> Answerer:
    """The answering chain over an existing index (one line, nothing created, when there is none)."""
    from bot.answering.chain import build_answerer

    settings = load_settings(data_dir)
    require_index(settings)
    return build_answerer(settings)


def _run_batch(answerer, path: Path, default_as_of: date | None) -> int:  # type: ignore[no-untyped-def]
    """One answer object per input line, models and index loaded once; bad lines are reported."""
    failed = 0
    stream = sys.stdin if str(path) == "-" else path.open(encoding="utf-8")
    with stream:
        for number, line in enumerate(stream, 1):
            if not line.strip():
                continue
            origin = f"{path}:{number}"
            try:
                item = json.loads(line)
                if not isinstance(item, dict) or not str(item.get("question", "")).strip():
                    raise InputError(origin, 'expected an object with a non-empty "question"')
                day = parse_date(item.get("as_of"), origin) or default_as_of
                result = answerer.ask(str(item["question"]), as_of=day, history=item.get("history") or ())
                print(json.dumps({"id": item.get("id"), **result.to_dict()}, ensure_ascii=False), flush=True)
            except json.JSONDecodeError as exc:
                failed += 1
                err.print(f"skipped {origin}: malformed JSON ({exc.msg})", markup=False)
            except InputError as exc:
                failed += 1
                err.print(f"skipped {exc}", markup=False)
    return failed


def chat_command(as_of: AsOf = None, data_dir: DataDir = None) -> None:
    """A terminal conversation with follow-up questions; empty line or Ctrl-D to quit."""
    from bot.cli.render import print_answer

    try:
        day = parse_date(as_of)
        answerer = _open_answerer(data_dir)
    except NewsbotError as exc:
        raise fail(exc) from None
    history: list[tuple[str, str]] = []
    out.print("[dim]Ask about the news. Empty line to quit.[/dim]")
    while True:
        try:
            question = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not question:
            break
        try:
            answer = answerer.ask(question, as_of=day, history=history)
        except NewsbotError as exc:  # e.g. the Chroma server is down: say so, keep the conversation
            err.print(f"error: {exc}", markup=False)
            continue
        print_answer(out, answer)
        history += [("user", question), ("assistant", answer.text)]


def register(app: typer.Typer) -> None:
    """Add ``ask`` and ``chat`` to a Typer app."""
    app.command("ask")(damage_is_one_line(ask_command))
    app.command("chat")(damage_is_one_line(chat_command))
