"""What each sentence of an article is: prose, or structure (a heading, a list item, a byline, a caption,
a "Related:"/"Read more" line) that stays in the text for retrieval but is never quoted as an answer.

Works on stored plain text, where structure survives only as line shape: a heading is a short line of
its own without closing punctuation; a list item starts with a bullet or a number; boilerplate lines
start with words such as "Related:", "Read more", "Subscribe". A news dateline ("WASHINGTON (Reuters) -")
is not a sentence of its own: :func:`without_dateline` trims it from a quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ingest.sentences import sentence_spans

Kind = Literal["prose", "heading", "list_item", "byline", "caption", "boilerplate", "question"]

_BULLET = re.compile(r"[-*•‣◦▪●–—·]\s+|\(?\d{1,2}[.)]\s+|\(?[a-z][.)]\s+")
_BOILERPLATE = re.compile(
    r"(?:related(?:\s+(?:articles?|stories|coverage|content|reading|links?))?\s*:|read\s+(?:more|also|next|the\s+full)|"
    r"see\s+also|more\s*:|continue\s+reading|click\s+here|sign\s+up|subscribe|follow\s+(?:us|@)|share\s+(?:this|on)|"
    r"advertisement|sponsored|all\s+rights\s+reserved|©|copyright\s|reporting\s+by|editing\s+by|writing\s+by|"
    r"additional\s+reporting|(?:photo|image|video|picture|graphic)s?\s*(?:credit)?\s*:|watch\s*:|listen\s*:|"
    r"recommended\s*:|trending\s*:|most\s+read|don't\s+miss|get\s+the\s+latest|download\s+(?:our|the)\s+app)",
    re.I,
)
_CAPTION = re.compile(r"\((?:AP|Reuters|AFP|Getty)[^)]*(?:Photo|Images?)[^)]*\)|\bGetty Images\b|\bFILE\s+-\s", re.I)
# A photo credit opening a caption: "Joe Skipper/Reuters People watch …", "Scott Olson/Getty Images …"
_PHOTO_CREDIT = re.compile(r"(?:[A-Z][\w.'’-]+\s+){1,3}[A-Z][\w.'’-]+/[A-Z][\w&.-]*(?:\s+(?:Images|Photos?|Pool))?\s")
# An inline link to another story, its headline glued to its subhead by a colon with no space after it:
# "What to know about the vote:The council's choice explained", "'WE ARE READY':Crews brace for the storm"
_LINKED_HEADLINE = re.compile(r"[^.!?\n]{3,90}?[\w'’”\"]:[A-Z\"“‘']")
_BYLINE = re.compile(
    r"(?:[Bb]y|[Ff]rom)\s+[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}(?:\s*(?:,|and|&)\s*[A-Z][\w.'’-]+.*)?$"
)
_CLOSES = re.compile(r"[.!?…:;,\"'”’)\]]$")
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.'’ -]{1,40}(?:,\s*[A-Z][\w.' -]{1,30})?\s*(?:\([A-Za-z .&]{2,30}\))?\s*[-–—]{1,2}\s+"
    r"|(?:[A-Z][A-Z.'’ -]{1,40}\s*)?\((?:CNN|AP|AFP|Reuters|Bloomberg|UPI)(?:\s+Business)?\)\s*(?:[-–—]{1,2}\s*)?)"
    r"(?=[A-Z\"“‘'])"
)
HEADING_MAX_WORDS = 14


@dataclass(frozen=True)
class Unit:
    """A sentence of the text with its kind; ``start``/``end`` are offsets into the text."""

    start: int
    end: int
    kind: Kind


def _is_line(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` is a line of its own."""
    before = text.rfind("\n", 0, start)
    head = text[before + 1 : start]
    after = text.find("\n", end)
    tail = text[end : len(text) if after < 0 else after]
    return not head.strip() and not tail.strip()


def sentence_kind(text: str, start: int, end: int) -> Kind:
    """The kind of the sentence ``text[start:end]`` (offsets into ``text``, which keeps its line breaks)."""
    sentence = text[start:end].strip()
    line_start = text.rfind("\n", 0, start) + 1
    if _BULLET.match(text, line_start):  # every sentence of a bulleted or numbered line
        return "list_item"
    if _BOILERPLATE.match(sentence) or _LINKED_HEADLINE.match(sentence):
        return "boilerplate"
    if _CAPTION.search(sentence) or _PHOTO_CREDIT.match(sentence):
        return "caption"
    words = sentence.split()
    if len(words) <= 8 and _BYLINE.match(sentence):
        return "byline"
    if sentence.endswith("?"):
        return "question"
    if _is_line(text, start, end) and len(words) <= HEADING_MAX_WORDS and not _CLOSES.search(sentence):
        return "heading"
    return "prose"


def sentence_units(text: str, start: int = 0, end: int | None = None) -> list[Unit]:
    """The sentences of ``text[start:end]`` with their kinds."""
    return [Unit(a, b, sentence_kind(text, a, b)) for a, b in sentence_spans(text, start, end)]


def without_dateline(text: str, start: int, end: int) -> int:
    """Where the sentence ``text[start:end]`` begins once a leading dateline ("LONDON (Reuters) -") is cut."""
    match = _DATELINE.match(text[start:end])
    return start + match.end() if match else start
