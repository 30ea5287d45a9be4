"""Rules for page furniture in article text ("Advertisement", "Sign up for...", "Continue reading..."), kept
as data in ``boilerplate.txt`` (and ``NEWSBOT_BOILERPLATE_FILE``), and applied line by line."""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from itertools import accumulate
from pathlib import Path

from ingest.errors import ConfigError

LINE_MAX = 300  # a longer line is article text, whatever it starts with


@dataclass(frozen=True)
class Rules:
    """Whole furniture lines, and furniture at the end of a line, each with its pre-filter keywords."""

    line: re.Pattern[str] | None
    line_keywords: tuple[str, ...]
    tail: re.Pattern[str] | None
    tail_keywords: tuple[str, ...]


def parse_rules(text: str, origin: str) -> Rules:
    """Rules from lines of ``kind | keyword | pattern``; a ConfigError naming ``origin`` and the line when bad."""
    found: dict[str, tuple[list[str], set[str]]] = {"line": ([], set()), "tail": ([], set())}
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        kind, keyword, pattern = (part.strip() for part in (raw.split("|", 2) + ["", ""])[:3])
        if kind not in found or not keyword or not pattern:
            raise ConfigError(f"{origin}:{number}: expected 'line|tail | keyword | pattern', got {raw.strip()!r}")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{origin}:{number}: bad pattern ({exc})") from None
        found[kind][0].append(pattern)
        found[kind][1].add(keyword.lower())

    def compiled(patterns: list[str], suffix: str = "") -> re.Pattern[str] | None:
        return re.compile("(?:" + "|".join(f"(?:{p})" for p in patterns) + ")" + suffix, re.I) if patterns else None

    lines, tails = found["line"], found["tail"]
    return Rules(compiled(lines[0]), tuple(sorted(lines[1])), compiled(tails[0], r"\s*$"), tuple(sorted(tails[1])))


@cache
def rules() -> Rules:
    """The packaged rules, plus those of ``NEWSBOT_BOILERPLATE_FILE`` when set (read once, on first use)."""
    text = files("ingest").joinpath("boilerplate.txt").read_text(encoding="utf-8")
    packaged = parse_rules(text, "ingest/boilerplate.txt")  # names the packaged file in its own errors
    extra = os.environ.get("NEWSBOT_BOILERPLATE_FILE", "").strip()
    if not extra:
        return packaged
    try:
        more = Path(extra).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"NEWSBOT_BOILERPLATE_FILE={extra}: cannot read it ({exc})") from exc
    parse_rules(more, extra)
    return parse_rules(text + "\n" + more, extra)


def is_boilerplate(line: str) -> bool:
    """True for a (stripped) line that is page furniture such as "Advertisement" or "Sign up for ..."."""
    pattern = rules().line
    return len(line) <= LINE_MAX and pattern is not None and pattern.fullmatch(line) is not None


def _lines_with(lowered: str, keywords: tuple[str, ...], starts: list[int]) -> set[int]:
    """The numbers of the lines that contain any of ``keywords``, found by fast substring search."""
    hits = set()
    for word in keywords:
        pos = lowered.find(word)
        while pos != -1:
            hits.add(bisect_right(starts, pos) - 1)
            pos = lowered.find(word, pos + 1)
    return hits


def drop_boilerplate(text: str) -> str:
    """``text`` without its furniture lines and with furniture cut off the ends of lines."""
    found = rules()
    lowered = text.lower()
    if not any(word in lowered for word in found.line_keywords + found.tail_keywords):
        return text
    lines = text.split("\n")
    starts = list(accumulate((len(line) + 1 for line in lines), initial=0))
    drop = {i for i in _lines_with(lowered, found.line_keywords, starts) if is_boilerplate(lines[i].strip())}
    if found.tail is not None:
        for i in _lines_with(lowered, found.tail_keywords, starts) - drop:
            cut = found.tail.sub("", lines[i], count=1)
            if cut != lines[i]:
                lines[i] = cut.rstrip()
                drop |= {i} if not lines[i].strip() else set()
    return "\n".join(line for i, line in enumerate(lines) if i not in drop)
