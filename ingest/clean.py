"""Text cleaning: unicode, invisible characters, whitespace, boilerplate lines (``ingest/boilerplate.py``),
template leftovers, drop caps split from their word."""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser

from ingest.boilerplate import drop_boilerplate

# Soft hyphen, zero-width and bidi controls, word joiners, BOM, C0 (but \t, \n), DEL and C1.
_INVISIBLE = re.compile(
    "[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\x00-\x08\x0b-\x1f\x7f-\x9f]+"
)
_NEWLINES = re.compile("\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_ODD_NEWLINES = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_SPACE_RUNS = re.compile(r"  +")
_BLANKS = re.compile(r"\n{3,}")

_FORMAT_CALL = re.compile(
    r"format(?:Number|LargeNumber|Currency|Price|Money|Amount)\(\s*(-?\d+(?:\.\d+)?)\s*"
    r"(?:,\s*(\d{1,2})\s*)?(?:,[^()\n]{0,40})?\)"
)
_TEMPLATE_LEFTOVER = re.compile(r"\{\{[^{}\n]{0,200}\}\}|\{%[^%\n]{0,200}%\}|\$\{[^{}\n]{0,200}\}")
# A drop cap on a line of its own, before the rest of its word: "T\n\nurkey, Poland" is "Turkey, Poland".
_DROP_CAP = re.compile(r"^([A-Z])\n+([a-z]+)", re.M)
# "A" and "I" are words too: they join only the rest of a common word ("A\nfter" -> "After", "A\nman" -> "A man").
_CAP_WORDS = {
    "A": frozenset(
        "fter s t n nd nother ny ll lso lthough lready mid mong ccording bout cross gain gainst round".split()
    ),
    "I": frozenset("t n f ts nto ndeed nstead".split()),
}
_SCALES = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"), (1e3, "thousand"))


def _render_number(match: re.Match[str]) -> str:
    value = float(match[1])
    decimals = int(match[2]) if match[2] else 2
    for scale, word in _SCALES:
        if abs(value) >= scale:
            return f"{value / scale:.{decimals}f} {word}"
    return f"{value:.{decimals}f}"


def _render_templates(text: str) -> str:
    if "format" in text:
        text = _FORMAT_CALL.sub(_render_number, text)
    if "{" in text:
        while True:  # loop: removing one leftover can expose another ("{{{{a}}}}")
            new = _TEMPLATE_LEFTOVER.sub("", text)
            if new == text:
                break
            text = new
    return text


def _clean_line_chars(line: str) -> str:
    if line.isprintable():
        return line if unicodedata.is_normalized("NFKC", line) else unicodedata.normalize("NFKC", line)
    # Remove first: a dropped joiner can let its neighbours compose; NFKC makes no new invisibles.
    return unicodedata.normalize("NFKC", _INVISIBLE.sub("", line))


def _normalise_chars(text: str) -> str:
    if not text.isascii() or not text.replace("\n", "").replace("\t", "").isprintable():
        if any(c in text for c in _ODD_NEWLINES):
            text = _NEWLINES.sub("\n", text)
        # A newline never composes with its neighbours, so working line by line is equivalent
        # and only touches the few lines that need it.
        text = "\n".join(_clean_line_chars(line) for line in text.split("\n"))
    rendered = _render_templates(text)
    if rendered != text:
        rendered = "\n".join(_clean_line_chars(line) for line in rendered.split("\n"))
    return rendered


def _join_cap(match: re.Match[str]) -> str:
    letter, rest = match[1], match[2]
    words = _CAP_WORDS.get(letter)
    return f"{letter}{rest}" if words is None or rest in words else f"{letter} {rest}"


def _join_drop_caps(text: str) -> str:
    return _DROP_CAP.sub(_join_cap, text) if "\n" in text else text


def clean_text(text: str) -> str:
    """Normalise unicode and whitespace, drop boilerplate lines, render template leftovers."""
    text = _normalise_chars(text)
    if "\t" in text:
        text = text.replace("\t", " ")
    if "  " in text:
        text = _SPACE_RUNS.sub(" ", text)
    text = text.replace(" \n", "\n").replace("\n ", "\n").strip(" ")
    text = drop_boilerplate(_join_drop_caps(text))
    if "\n\n\n" in text:
        text = _BLANKS.sub("\n\n", text)
    return text.strip()


def clean_field(value: str) -> str:
    """An id, URL or name with no control or invisible characters (no terminal escapes, OSC-8 links, bidi)."""
    return _INVISIBLE.sub("", value).strip()


def clean_title(title: str) -> str:
    """Clean a title to one line: same character rules as the text, whitespace collapsed."""
    # Collapse first: a line break inside "${\n}" must not survive to hide a leftover on the next pass.
    return " ".join(_normalise_chars(" ".join(title.split())).split())


_BLOCKS = frozenset("p div li h1 h2 h3 h4 h5 h6 blockquote tr ul ol table section article".split())


class _TagStripper(HTMLParser):
    """Text of an HTML fragment (feed summaries), with block tags turned into newlines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.skip += tag in ("script", "style")
        if tag in _BLOCKS or tag == "br":
            self.parts.append("\n\n" if tag != "br" else "\n")

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in ("script", "style") and self.skip > 0
        if tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """Plain text of a small HTML fragment such as a feed entry's summary; its entities decoded once."""
    if "<" not in fragment:
        return html.unescape(fragment).strip()
    stripper = _TagStripper()
    stripper.feed(fragment)
    stripper.close()
    return re.sub(r"[ \t]*\n[ \t\n]*\n[ \t]*", "\n\n", "".join(stripper.parts)).strip()
