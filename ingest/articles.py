"""From a raw record to a clean, dated, identified article (or a clear reason why not)."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from ingest.clean import clean_field, clean_text, clean_title
from ingest.dates import infer_published, parse_date, parse_timestamp
from ingest.errors import InputError
from ingest.models import Article, RawRecord


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n\n".join(_as_text(v) for v in value)
    return str(value)


def _authors(value: object) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        names = value.replace(" and ", ",").split(",")
    elif isinstance(value, list):
        names = [str(a.get("name", "") if isinstance(a, dict) else a) for a in value if a]
    else:
        names = [str(value)]
    return tuple(n for n in (clean_title(x) for x in names) if n)


def _title_from_text(text: str) -> str:
    first = text.strip().split("\n", 1)[0]
    return first if len(first) <= 120 else first[:117].rsplit(" ", 1)[0] + "…"


def stable_id(record_id: str, url: str, text: str, origin: str = "") -> str:
    """The record's own id, else one from its URL, else from its file (one article a file), else its text."""
    if record_id:
        return record_id
    if url:
        return "url-" + hashlib.sha1(url.encode()).hexdigest()[:16]
    if origin and Path(origin).is_file():  # an edited .txt/.md keeps its id and is updated in place
        return "file-" + hashlib.sha1(str(Path(origin).resolve()).encode()).hexdigest()[:16]
    return "txt-" + hashlib.sha1(text.encode()).hexdigest()[:16]


def content_hash(article: Article) -> str:
    """A hash of everything stored about an article; unchanged input gives the same hash."""
    parts = [
        article.title,
        article.text,
        article.published.isoformat(),
        article.url,
        article.source,
        "|".join(article.authors),
    ] + ([article.published_time] if article.published_time else [])  # older rows keep their hashes
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def text_hash(text: str) -> str:
    """A hash of the text alone: the same story under another id or file is stored once."""
    return hashlib.sha256(" ".join(text.split()).lower().encode()).hexdigest()


def _published(record: RawRecord, text: str, today: date | None, default_date: date | None) -> tuple[date, bool]:
    """The record's date and whether it was inferred: its own field, else a date in its text (the dateline
    first), else ``default_date``."""
    stated = record.fields.get("published")
    if (published := parse_date(stated)) is not None:
        return published, False
    if (found := infer_published(text, today=today) or default_date) is not None:
        return found, True
    why = (
        "no publication date in the record"
        if stated in (None, "")
        else f"cannot read publication date {str(stated)[:40]!r}"
    )
    raise InputError(record.origin, f"{why} and none mentioned in its text")


def stated_time(record: RawRecord) -> str:
    """The time of day the record's date states, as the publisher wrote it ("22:30:00-05:00"), else ""."""
    stamp = parse_timestamp(record.fields.get("published"))
    return stamp.timetz().isoformat() if stamp is not None else ""


def to_article(
    record: RawRecord, *, max_bytes: int, today: date | None = None, default_date: date | None = None
) -> Article:
    """Clean and date one record (undated ones with ``default_date``, marked inferred, when none is in the
    text); raises :class:`InputError` naming the record when it cannot be used."""
    f = record.fields
    raw_text = _as_text(f.get("text"))
    if len(raw_text.encode("utf-8", "ignore")) > max_bytes:
        raise InputError(
            record.origin,
            f"record text is {len(raw_text) / 1e6:.1f} MB, over the "
            f"{max_bytes / 1e6:.1f} MB limit (NEWSBOT_MAX_RECORD_BYTES)",
        )
    text = clean_text(raw_text)
    if not text:
        reason = "record has no text field" if f.get("text") is None else "record text is empty"
        raise InputError(record.origin, reason)
    title = clean_title(_as_text(f.get("title"))) or _title_from_text(text)
    published, inferred = _published(record, text, today, default_date)
    url = clean_field(_as_text(f.get("url")))
    return Article(
        id=stable_id(clean_field(_as_text(f.get("id"))), url, text, record.origin),
        title=title,
        text=text,
        published=published,
        date_inferred=inferred,
        published_time="" if inferred else stated_time(record),
        source=clean_title(_as_text(f.get("source"))),
        url=url,
        authors=_authors(f.get("authors")),
        origin=record.origin,
    )
