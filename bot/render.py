"""Terminal rendering of answers (rich), shared by ``newsbot ask`` and ``newsbot chat``."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from bot.answer import Answer
from bot.formatting import human_date


def print_answer(console: Console, answer: Answer) -> None:
    """The answer (or refusal) and its numbered sources; article text is printed, never interpreted."""
    style = "yellow" if answer.refused else "green"
    title = f"refused: {answer.refusal.kind}" if answer.refusal else "answer"
    console.print(Panel(escape(answer.text), title=title, border_style=style, title_align="left"))
    for c in answer.citations:
        meta = " · ".join(x for x in (c.source, human_date(c.published)) if x)
        console.print(f"[bold][{c.n}][/bold] {escape(c.title)} [dim]({escape(meta)})[/dim]")
        if c.url:
            console.print(f"    [link={escape(c.url)}]{escape(c.url)}[/link]")
        console.print(f"    [italic]“{escape(c.quote)}”[/italic]")
