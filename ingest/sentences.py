"""A fast, offset-preserving sentence splitter for news prose."""

from __future__ import annotations

import re

# Words that end with a period but rarely end a sentence.
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st mt ft gen gov sen rep rev col lt sgt capt cmdr adm pres vs etc inc corp co
    ltd v jan feb mar apr jun jul aug sep sept oct nov dec no nos fig approx est dept univ ave blvd rd""".split()
)
# A line break ends a sentence (headlines, list items) unless the next line goes on in lower case:
# newswire text is hard-wrapped at ~65 characters mid-sentence.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9$£€])|\n(?![ \t]*[a-z])\s*")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)[.]$")


def _is_abbreviation(text: str, end: int) -> bool:
    """True when the period ending at ``end`` belongs to an abbreviation or an initial."""
    match = _WORD_BEFORE.search(text, max(0, end - 12), end)
    if not match:
        return False
    word = match.group(1).rstrip(".")
    if "." in word:  # U.S. / a.m. / U.K.
        return True
    return len(word) == 1 and word.isupper() or word.lower() in _ABBREVIATIONS


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Character spans of the sentences in ``text[start:end]``, whitespace trimmed."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    begin = start
    for match in _BOUNDARY.finditer(text, start, end):
        stop = match.end()
        if match.group(0)[0] == "." and _is_abbreviation(text, match.start() + 1):
            continue
        _append_trimmed(text, begin, stop, spans)
        begin = stop
    _append_trimmed(text, begin, end, spans)
    return spans


def _append_trimmed(text: str, begin: int, stop: int, spans: list[tuple[int, int]]) -> None:
    while begin < stop and text[begin].isspace():
        begin += 1
    while stop > begin and text[stop - 1].isspace():
        stop -= 1
    if stop > begin:
        spans.append((begin, stop))


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` as strings."""
    return [text[a:b] for a, b in sentence_spans(text)]
