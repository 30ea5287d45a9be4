"""Text encodings of input files: byte order marks and UTF-16/32, told apart from binary data."""

from __future__ import annotations

import codecs
import re

# Longest first: the UTF-32-LE mark begins with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED = re.compile(rb"""(encoding|charset)\s*=\s*(["']?)utf-?(?:16|32)(?:-?[bl]e)?\2""", re.IGNORECASE)


def sniff_encoding(head: bytes) -> str | None:
    """The encoding a file's first bytes show: from a byte order mark, or the NUL pattern UTF-16/32 gives
    mostly-ASCII text; "utf-8" when there is no NUL; None for binary data."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    if b"\0" not in head:
        return "utf-8"
    sample = head[: len(head) - len(head) % 4]
    for name, zeros, chars in (("utf-32-le", (1, 2, 3), (0,)), ("utf-32-be", (0, 1, 2), (3,)),
                               ("utf-16-le", (1, 3), (0, 2)), ("utf-16-be", (0, 2), (1, 3))):  # fmt: skip
        if _mostly(sample, zeros, b"\0") and not _mostly(sample, chars, b"\0", share=0.1):
            return name
    return None


def _mostly(data: bytes, offsets: tuple[int, ...], byte: bytes, share: float = 0.9) -> bool:
    """True when at least ``share`` of the bytes at ``offsets`` (mod 4) are ``byte``."""
    picked = b"".join(data[o::4] for o in offsets)
    return bool(picked) and picked.count(byte) >= share * len(picked)


def to_utf8(data: bytes, encoding: str) -> bytes:
    """``data`` re-encoded as UTF-8 without a BOM, its XML or HTML encoding declaration made to agree;
    raises UnicodeDecodeError when it is not really in ``encoding``."""
    if encoding in ("utf-8", "utf-8-sig"):
        return data.removeprefix(codecs.BOM_UTF8)
    text = data.decode(encoding).removeprefix("\ufeff").encode("utf-8")
    head, rest = text[:1024], text[1024:]
    return _DECLARED.sub(rb"\1=\2utf-8\2", head) + rest
