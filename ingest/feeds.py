"""Feeds: RSS/Atom entries and JSON Feed items as reader fields, with links made absolute and dates read
in the feed's own language."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

from ingest.clean import html_to_text
from ingest.dates import parse_date, parse_timestamp

JSON_FEED_VERSION = "https://jsonfeed.org/version/"


def absolute_url(link: object, base: str | None) -> str:
    """``link`` resolved against ``base``; "" unless the result is an http(s) URL."""
    if not isinstance(link, str) or not link.strip():
        return ""
    url = urljoin(base or "", link.strip())
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else ""


def _base(candidates: list[object], url: str | None) -> str | None:
    """The first candidate that resolves (against ``url``) to an http(s) URL, else ``url``."""
    return next((u for u in (absolute_url(c, url) for c in candidates) if u), None) or url


def _languages(code: object) -> list[str] | None:
    """A feed's language ("pt-BR") as a hint for the date parser (["pt"])."""
    return [code.split("-")[0].strip().lower()] if isinstance(code, str) and code.strip() else None


_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^>]*)?/?>")


def _as_text(value: object, detail: Mapping[str, Any] | None) -> str:
    """A title, summary or content as plain text: HTML (RSS's default) unescaped once, plain text left be —
    unless it holds tags (feedparser calls an entity-escaped RSS title "plain"): scripts never survive."""
    text = value if isinstance(value, str) else ""
    is_html = "html" in str((detail or {}).get("type", "text/html")) or _TAG.search(text)
    return html_to_text(text) if is_html else text.strip()


def _detail_text(entry: Mapping[str, Any], key: str) -> str:
    return _as_text(entry.get(key), entry.get(f"{key}_detail"))


def _entry_date(entry: Mapping[str, Any], languages: list[str] | None) -> str | None:
    """The entry's date as written (the publisher's local day), read in the feed's language when it must be."""
    when = entry.get("published") or entry.get("updated")
    if not when or parse_date(when) is not None:
        return when
    if (stamp := parse_timestamp(when, languages=languages)) is not None:
        return stamp.isoformat()
    if parsed := entry.get("published_parsed") or entry.get("updated_parsed"):  # feedparser's parse is UTC
        return "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format(*parsed[:6])
    return str(when)


def feed_entries(data: bytes, url: str | None) -> tuple[list[dict[str, Any]], str]:
    """Reader fields for each entry of an RSS/Atom feed, and why there are none ("" when there are)."""
    import feedparser

    parsed = feedparser.parse(data)
    if not parsed.entries:
        problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
        return [], f"not a valid RSS/Atom feed ({problem})" if problem else "feed has no entries"
    feed = parsed.feed
    self_links = [link.get("href") for link in feed.get("links", []) if link.get("rel") == "self"]
    base = _base([*self_links, feed.get("link")], url)
    languages = _languages(feed.get("language"))
    entries = []
    for entry in parsed.entries:
        content = entry["content"][0] if entry.get("content") else None
        body = _as_text(content.get("value"), content) if content else _detail_text(entry, "summary")
        entries.append({"id": entry.get("id"), "title": _detail_text(entry, "title"), "text": body,
                        "published": _entry_date(entry, languages), "url": absolute_url(entry.get("link"), base),
                        "source": feed.get("title", ""),
                        "authors": [a.get("name", "") for a in entry.get("authors", [])]})  # fmt: skip
    return entries, ""


def is_json_feed(value: object) -> bool:
    """True for a JSON Feed document (https://jsonfeed.org)."""
    return (
        isinstance(value, dict)
        and str(value.get("version", "")).startswith(JSON_FEED_VERSION)
        and isinstance(value.get("items"), list)
    )


def json_feed_items(feed: Mapping[str, Any], url: str | None) -> Iterator[object]:
    """Reader fields for each item of a JSON Feed (non-objects passed on for the reader to report)."""
    base = _base([feed.get("feed_url"), feed.get("home_page_url")], url)
    feed_authors = _json_feed_authors(feed)
    for item in feed["items"]:
        if not isinstance(item, dict):
            yield item
            continue
        html = item.get("content_html")
        text = item.get("content_text") or (html_to_text(html) if isinstance(html, str) else "")
        yield {"id": item.get("id"), "title": item.get("title"), "text": text or item.get("summary"),
               "published": item.get("date_published") or item.get("date_modified"),
               "url": absolute_url(item.get("url") or item.get("external_url"), base),
               "source": feed.get("title"), "authors": _json_feed_authors(item) or feed_authors}  # fmt: skip


def _json_feed_authors(obj: Mapping[str, Any]) -> list[str]:
    """Author names: ``authors`` (version 1.1) or ``author`` (1.0)."""
    authors = obj.get("authors") or ([obj["author"]] if obj.get("author") else [])
    if not isinstance(authors, list):
        return []
    return [str(a.get("name", "")) if isinstance(a, dict) else str(a) for a in authors if a]
