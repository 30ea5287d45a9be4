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
    text = Text(answer.text)
    span = answer.short_answer_span()
    if span:
        text.stylize("bold", *span)
    subtitle = Text(f"news up to {human_date(answer.news_until)}") if answer.news_until else None
    console.print(
        Panel(
            text, title=Text(title), subtitle=subtitle, border_style=style, title_align="left", subtitle_align="right"
        )
    )
    for c in answer.citations:
        meta = " · ".join(x for x in (c.source, human_date(c.published)) if x)
        console.print(Text.assemble((f"[{c.n}]", "bold"), " ", c.title, " ", (f"({meta})", "dim")))
        if c.url:
            console.print(Text.assemble("    ", (c.url, Style(link=c.url))))
        console.print(Text.assemble("    ", (f"“{c.quote}”", "italic")))
    for r in answer.also_reported:
        meta = " · ".join(x for x in (r.source, human_date(r.published)) if x)
        label = ("also reported by", "dim") if r.agrees else (f"reports differently ({r.short_answer}):", "yellow")
        console.print(Text.assemble(label, " ", r.title, " ", (f"({meta})", "dim")))
        if r.url:
            console.print(Text.assemble("    ", (r.url, Style(link=r.url))))
