"""Terminal rendering of answers (rich), shared by ``newsbot ask`` and ``newsbot chat``.

Article text, titles and URLs are untrusted: they are built into ``Text`` objects, never parsed as markup.
"""

from __future__ import annotations

from rich.console import Console
from rich.panel import Panel
from rich.style import Style
from rich.text import Text

from bot.answering.answer import Answer
from bot.answering.formatting import human_date


def print_answer(console: Console, answer: Answer) -> None:
    """The answer (or refusal) and its numbered sources; article text is printed, never interpreted."""
    style = "yellow" if answer.refused else "green"
    title = f"refused: {answer.refusal.kind}" if answer.refusal else "answer"
    console.print(Panel(Text(answer.text), title=Text(title), border_style=style, title_align="left"))
    for c in answer.citations:
        meta = " · ".join(x for x in (c.source, human_date(c.published)) if x)
        console.print(Text.assemble((f"[{c.n}]", "bold"), " ", c.title, " ", (f"({meta})", "dim")))
        if c.url:
            console.print(Text.assemble("    ", (c.url, Style(link=c.url))))
        console.print(Text.assemble("    ", (f"“{c.quote}”", "italic")))
