"""HTML pages: the headline, canonical URL, publisher and timestamp a page states about itself, read from
its meta tags, JSON-LD, <title> and <h1>, with template placeholders and bare site names rejected."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ingest.dates import parse_date
from ingest.feeds import absolute_url

# Headlines a CMS leaves behind when its template was not filled in.
_PLACEHOLDERS = frozenset(
    {"escenic", "headline", "title", "untitled", "untitled document", "null", "none", "undefined", "article",
     "news", "home", "home page", "homepage", "index", "default", "no title", "story", "page title"}
)  # fmt: skip
_TEMPLATE = re.compile(r"\{\{.*\}\}|\$\{.*\}|\{%.*%\}|<%.*%>")  # anywhere: always a leftover
_TEMPLATE_WHOLE = re.compile(r"%%?\w+%%?|\[\[?\w+\]\]?|__\w+__|:\w+")  # only as the whole title ("[title]")
_SEPARATOR = re.compile(r"\s+(?:[|\-–—·•:»]|::)\s+")
_ARTICLE_TYPES = ("article", "posting", "report", "webpage")
_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


@dataclass(frozen=True)
class PageMeta:
    """What a page's markup says about the page (each "" when it says nothing)."""

    og_title: str = ""
    html_title: str = ""
    h1: str = ""
    ld_headline: str = ""
    site_name: str = ""
    og_url: str = ""
    canonical: str = ""
    ld_url: str = ""
    published: str = ""
    main_chars: int = 0  # characters of paragraph text in the page's <article>/<main> (else its body)


def _text(node: Any) -> str:
    return " ".join(node.text_content().split()) if node is not None else ""


def _first(values: list[Any]) -> str:
    return next((" ".join(str(v).split()) for v in values if str(v).strip()), "")


def page_text(data: bytes) -> str:
    """The page decoded as its ``<meta charset>`` says, else as UTF-8 when it is that, else as Windows-1252
    (an HTML parser left to guess takes an undeclared UTF-8 page for Latin-1: "Yahooâ€™s")."""
    declared = _CHARSET.search(data[:8192])
    for encoding in ([declared[1].decode("ascii")] if declared else []) + ["utf-8"]:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("cp1252", errors="replace")


def read_page_meta(data: bytes | str) -> PageMeta:
    """The page's own metadata from its markup; an empty PageMeta when it cannot be parsed."""
    import lxml.html
    from lxml import etree

    text = page_text(data) if isinstance(data, bytes) else data
    try:  # lxml refuses a str that declares its own encoding
        root = lxml.html.fromstring(_XML_DECLARATION.sub("", text, count=1))
    except (etree.ParserError, ValueError):
        return PageMeta()

    def meta(*names: str) -> str:
        tests = " or ".join(f"@property='{n}' or @name='{n}' or @itemprop='{n}'" for n in names)
        return _first(root.xpath(f"//meta[{tests}]/@content"))

    ld = list(_ld_articles(root.xpath("//script[@type='application/ld+json']/text()")))
    return PageMeta(
        og_title=meta("og:title", "twitter:title"),
        html_title=_text(next(iter(root.xpath("//title")), None)),
        h1=_text(next(iter(root.xpath("//h1")), None)),
        ld_headline=_first(
            [a.get("headline") or a.get("name") for a in ld if isinstance(a.get("headline") or a.get("name"), str)]
        ),  # fmt: skip
        site_name=meta("og:site_name", "application-name") or _first([_name(a.get("publisher")) for a in ld]),
        og_url=meta("og:url"),
        canonical=_first(root.xpath("//link[@rel='canonical']/@href")),
        ld_url=_first([a.get("url") for a in ld if isinstance(a.get("url"), str)]),
        published=_first([a.get("datePublished") for a in ld if isinstance(a.get("datePublished"), str)])
        or meta("article:published_time", "datePublished", "og:published_time"),
        main_chars=_main_chars(root),
    )


# Paragraphs a reader does not take for the article: comments, sidebars, related stories, footers.
_ASIDE = (
    "ancestor::aside or ancestor::nav or ancestor::footer or ancestor::*[re:test(concat(@class, ' ', @id), "
    "'comment|related|sidebar|footer|promo|newsletter|recommend', 'i')]"
)


_EXSLT = {"re": "http://exslt.org/regular-expressions"}


def _main_chars(root: Any) -> int:
    """Characters of the paragraphs of prose (≥ 80 characters each) in the page's biggest <article> or
    <main>, else anywhere, comments and sidebars aside: what a reader takes for the article."""
    scope = root.xpath("//article") or root.xpath("//main") or [root]

    def prose(node: Any) -> int:
        paragraphs = [p for p in node.xpath(".//p") if not p.xpath(_ASIDE, namespaces=_EXSLT)]
        return sum(n for p in paragraphs if (n := len(" ".join(p.text_content().split()))) >= 80)

    return max(prose(node) for node in scope)  # a page listing other stories as <article>s: the biggest


def _name(value: object) -> str:
    if isinstance(value, dict):
        return str(value.get("name") or "")
    return value if isinstance(value, str) else ""


def _ld_articles(scripts: list[str]) -> Iterator[dict[str, Any]]:
    """The article-like objects of a page's JSON-LD blocks (in @graph and lists too)."""
    for script in scripts:
        try:
            stack = [json.loads(script)]
        except (json.JSONDecodeError, RecursionError):
            continue
        while stack:
            node = stack.pop(0)
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                stack.extend(node["@graph"] if isinstance(node.get("@graph"), list) else [])
                kinds = node.get("@type")
                kinds = " ".join(kinds) if isinstance(kinds, list) else str(kinds or "")
                if any(k in kinds.lower() for k in _ARTICLE_TYPES):
                    yield node


def _key(title: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", title.casefold()).split())


def is_placeholder(title: str, site_name: str = "") -> bool:
    """True for a headline that is not one: empty, a template's leftover ("escenic", "{{title}}"), or the
    site's name alone."""
    key = _key(title)
    if not key or key in _PLACEHOLDERS or key == _key(site_name):
        return True
    return bool(_TEMPLATE.search(title) or _TEMPLATE_WHOLE.fullmatch(title.strip()))


def _trimmed(html_title: str, site_name: str, others: list[str]) -> str:
    """A <title> without its " | Site" or "Site - " part, when the site's name or another headline shows
    which part that is."""
    parts = _SEPARATOR.split(html_title)
    if len(parts) < 2:
        return html_title
    keys = {_key(o) for o in others} - {""}
    for head, tail in ((" - ".join(parts[:-1]), parts[-1]), (" - ".join(parts[1:]), parts[0])):
        if _key(head) in keys or (site_name and _key(tail) == _key(site_name)):
            return next((o for o in others if _key(o) == _key(head)), head)
    return html_title


def best_title(meta: PageMeta, fallback: str = "") -> str:
    """The headline most of the page's candidates agree on (og:title, JSON-LD, <title>, <h1>), placeholders
    rejected; ties go to that order (a lone first <h1> is often a site's logo or a section's name);
    ``fallback`` (the extractor's guess) only when nothing is left. A "site name" equal to the headline is none."""
    site = meta.site_name if _key(meta.site_name) not in {_key(meta.og_title), _key(meta.html_title)} else ""
    others = [meta.og_title, meta.ld_headline, meta.h1, fallback]
    candidates = [*others[:2], _trimmed(meta.html_title, site, others), meta.h1]
    usable = [c for c in candidates if not is_placeholder(c, site)]
    if not usable:  # the extractor's guess comes from the same tags: it breaks no tie, it only fills a gap
        return "" if is_placeholder(fallback, site) else fallback
    votes = [sum(_key(c) == _key(o) for o in usable) for c in usable]
    return usable[votes.index(max(votes))]


def page_url(meta: PageMeta, fetched: str | None) -> str:
    """The page's canonical http(s) URL (canonical link, og:url, JSON-LD, resolved against the fetched URL),
    else the fetched URL."""
    found = [u for u in (absolute_url(c, fetched) for c in (meta.canonical, meta.og_url, meta.ld_url)) if u]
    return next((u for u in found if u.split("://", 1)[1].strip("/").count("/")), None) or (
        fetched or (found[0] if found else "")
    )


def page_published(meta: PageMeta, fallback: object) -> object:
    """The timestamp the page states as written (keeping the publisher's local day), else ``fallback``."""
    return meta.published if parse_date(meta.published) is not None else fallback


KEPT_MIN_SHARE = 0.5  # an extraction keeping less of the page's prose than this is reported
NAVIGATION_MIN_SHARE = 0.7  # … and one whose lines are mostly short link-like lines,
NAVIGATION_MAX_PROSE = 600  # with less prose (lines of 80+ characters) than this


def extraction_warning(text: str, main_chars: int) -> str:
    """Why the extracted ``text`` looks like a failed extraction of a page with ``main_chars`` of prose, or ""."""
    kept = len(text)
    if main_chars >= 1000 and kept < KEPT_MIN_SHARE * main_chars:
        return (
            f"extracted text looks incomplete: {kept:,} characters kept of about {main_chars:,} in the page's "
            "paragraphs (check it with newsbot show)"
        )
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    short = [line for line in lines if len(line) < 40 and not line.endswith((".", "!", "?", '"', "”"))]
    prose = sum(len(line) for line in lines if len(line) >= 80)
    if len(lines) >= 6 and len(short) >= NAVIGATION_MIN_SHARE * len(lines) and prose < NAVIGATION_MAX_PROSE:
        return (
            f"extracted text looks like navigation: {len(short)} of its {len(lines)} lines are short link-like "
            "lines (check it with newsbot show)"
        )
    return ""


def page_fields(data: bytes, url: str | None) -> dict[str, Any] | str:
    """A page's main text (trafilatura) and its own metadata as reader fields, or why it cannot be read."""
    try:
        import trafilatura
    except ImportError as exc:
        return f"cannot extract HTML: trafilatura is unusable ({exc})"
    doc = trafilatura.bare_extraction(data, url=url, with_metadata=True, include_comments=False, include_tables=True)
    found = (doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)) if doc is not None else {}
    meta = read_page_meta(data)
    return {
        "title": best_title(meta, found.get("title") or ""), "text": found.get("text") or "",
        "published": page_published(meta, found.get("date")),
        "url": page_url(meta, url) or absolute_url(found.get("url"), url),
        "source": meta.site_name or found.get("sitename") or found.get("hostname"),
        "authors": [a for a in re.split(r";\s*", found.get("author") or "") if a],
        "extraction_warning": extraction_warning(found.get("text") or "", meta.main_chars),
    }  # fmt: skip
