"""Numbered citations: passages become ``[n]``; markers are parsed and checked against the cited text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.answering.answer import Citation
from bot.answering.retrieval import Passage
from ingest import SnapshotRow

_MARKER = re.compile(r"\[(\d{1,2})\]")


def citation_from_passage(n: int, passage: Passage, quote: str, start: int, end: int) -> Citation:
    """``[n]``: a verbatim quote from a retrieved passage, with its article's metadata."""
    c = passage.chunk
    return Citation(n, c.article_id, c.title, c.source, c.published.isoformat(), c.url, quote, c.id, start, end)


def citation_from_snapshot(n: int, row: SnapshotRow) -> Citation:
    """``[n]``: the exact sentence a market snapshot was read from."""
    return Citation(
        n, row.article_id, row.title, row.source, row.published, row.url, row.sentence, "", row.start, row.end
    )


def markers(text: str) -> list[int]:
    """The citation numbers in ``text``, in order."""
    return [int(m) for m in _MARKER.findall(text)]


def strip_markers(text: str) -> str:
    """``text`` without its ``[n]`` markers."""
    return re.sub(r"\s*\[\d{1,2}\]", "", text).strip()


@dataclass
class NumberedPassages:
    """Passages numbered from 1, as shown to a chat model."""

    passages: Sequence[Passage]

    def render(self) -> str:
        """The passages as untrusted, clearly delimited data blocks."""
        blocks = []
        for n, p in enumerate(self.passages, 1):
            c = p.chunk
            blocks.append(
                f'<passage n="{n}" title="{_attr(c.title)}" source="{_attr(c.source)}" '
                f'date="{c.published.isoformat()}">\n{_body(c.text)}\n</passage>'
            )
        return "\n\n".join(blocks)


def _attr(value: str) -> str:
    return value.replace('"', "'").replace("<", "(").replace(">", ")")


def _body(text: str) -> str:
    # A passage cannot close its own data block and pretend to be instructions.
    return re.sub(r"</?\s*passage", "(passage", text, flags=re.I)
