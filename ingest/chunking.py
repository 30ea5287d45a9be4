"""Sentence-aware chunking sized to the embedding model's window, with offsets into the article."""

from __future__ import annotations

import re

from ingest.models import Chunk
from ingest.sentences import sentence_spans

# all-MiniLM-L6-v2 truncates at 256 word pieces; ~170 words plus a title stays inside it.
MAX_WORDS = 170
OVERLAP_MAX_WORDS = 40
_WORD = re.compile(r"\S+")


def _word_count(text: str, start: int, end: int) -> int:
    return sum(1 for _ in _WORD.finditer(text, start, end))


def _split_long(text: str, start: int, end: int, max_words: int) -> list[tuple[int, int, int]]:
    """Cut an over-long sentence at word boundaries into (start, end, words) pieces."""
    words = list(_WORD.finditer(text, start, end))
    pieces = []
    for i in range(0, len(words), max_words):
        group = words[i : i + max_words]
        pieces.append((group[0].start(), group[-1].end(), len(group)))
    return pieces


def chunk_spans(text: str, max_words: int = MAX_WORDS) -> list[tuple[int, int]]:
    """Spans of consecutive whole sentences of at most ``max_words`` words, overlapping by one
    short sentence so a fact split across a boundary is still found whole in one chunk."""
    units: list[tuple[int, int, int]] = []
    for a, b in sentence_spans(text):
        n = _word_count(text, a, b)
        units.extend(_split_long(text, a, b, max_words) if n > max_words else [(a, b, n)])
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        j, words = i, 0
        while j < len(units) and (j == i or words + units[j][2] <= max_words):
            words += units[j][2]
            j += 1
        spans.append((units[i][0], units[j - 1][1]))
        if j >= len(units):
            break
        # Start the next chunk on the last sentence of this one when it is short: a small overlap.
        i = j - 1 if j - 1 > i and units[j - 1][2] <= OVERLAP_MAX_WORDS else j
    return spans


def chunk_article(article_id: str, text: str, content_hash: str, max_words: int = MAX_WORDS) -> list[Chunk]:
    """Chunks of an article; ids embed the content hash so a changed article never reuses an id."""
    return [
        Chunk(f"{article_id}#{content_hash[:10]}-{n}", article_id, n, a, b, text[a:b])
        for n, (a, b) in enumerate(chunk_spans(text, max_words))
    ]
