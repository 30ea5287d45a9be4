"""Pure Block Kit builders for Slack: answers, sources, refusals, the Home tab, and mrkdwn escaping.

Everything that comes from an article, a question or a model is escaped here (``&``, ``<``, ``>``), so no
text can ping ``@channel``, mention a user or forge a link; links are only built from http(s) URLs.
Invisible and bidirectional control characters are dropped, so no text can hide or reorder what is shown.
Output stays within Slack's limits: 50 blocks, 3,000 characters a section, about 12,000 characters of block text in
total (``chat.postMessage`` rejects more), 40,000 characters of fallback ``text``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from bot.answering.answer import Answer, Citation
from bot.answering.formatting import human_date, visible

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
BLOCK_TEXT_BUDGET = 11_000  # headroom under Slack's undocumented total
MAX_TEXT_CHARS = 40_000
ANSWER_BUDGET = 6_000  # the answer may use this much; sources share what is left
QUOTE_CHARS = 600
TITLE_CHARS = 200
ELLIPSIS = "…"

FEEDBACK_UP = "feedback_up"
FEEDBACK_DOWN = "feedback_down"
SHARE = "share_answer"

Block = dict[str, Any]

_REFUSAL_HEADINGS = {
    "after_snapshot": "My market data stops before the date you asked about",
    "after_coverage": "My news stops before the date you asked about",
    "no_evidence": "I found nothing in the news I have that answers this",
    "prediction": "I don't predict the future, only report what the news says",
}


# mrkdwn that untrusted text could use to pose as the bot's own labels: emphasis, code, strike, emoji
# codes and quote markers. Each is swapped for a look-alike that Slack shows literally.
_EMPHASIS = str.maketrans({"*": "∗", "_": "ˍ", "~": "∼", "`": "ˋ"})
_EMOJI_CODE = re.compile(r":([a-z0-9_+'-]{1,40}):", re.I)
_QUOTE_MARK = re.compile(r"^(\s*)>", re.M)


def neutralise(text: str) -> str:
    """``text`` with no working mrkdwn: emphasis, code, ``:emoji:`` codes and ``>`` quote markers shown literally."""
    text = _EMOJI_CODE.sub(lambda m: f"꞉{m.group(1)}꞉", text)
    return _QUOTE_MARK.sub(r"\1›", text).translate(_EMPHASIS)


def escape(text: str) -> str:
    """Escape text for mrkdwn so it shows literally: ``&``, ``<`` and ``>`` become entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo :func:`escape` (for reading Slack message text back as plain text)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def safe_url(url: str) -> str | None:
    """The URL if it is http(s) with a host, with characters that could break out of ``<url|label>``
    percent-encoded; otherwise None."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~-._").replace("&", "&amp;")


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at a word boundary where possible, ending in ``…``."""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:limit]
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space > len(cut) * 0.8:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def clip_escaped(raw: str, limit: int) -> str:
    """Escape ``raw`` for mrkdwn and clip it so the *escaped* text fits ``limit`` (no half entities); its
    mrkdwn is neutralised, so untrusted text can't forge the bot's bold labels, emoji or quotes."""
    raw = neutralise(visible(raw))
    budget = limit
    while budget > 0:
        escaped = escape(clip(raw, budget))
        if len(escaped) <= limit:
            return escaped
        budget -= max(1, len(escaped) - limit)
    return ELLIPSIS[:limit]


def link(url: str, label: str) -> str:
    """``<url|label>`` for an http(s) URL, else the escaped label alone."""
    target = safe_url(url)
    text = escape(visible(label))
    return f"<{target}|{text}>" if target else text


def block_text_length(blocks: Iterable[Mapping[str, Any]]) -> int:
    """Characters of text in ``blocks``, counted the way Slack limits them (every ``text`` string)."""

    def walk(node: Any) -> int:
        if isinstance(node, Mapping):
            total = 0
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    total += len(value)
                else:
                    total += walk(value)
            return total
        if isinstance(node, list):
            return sum(walk(item) for item in node)
        return 0

    return walk(list(blocks))


def section_block(text: str) -> Block:
    """A mrkdwn section (``text`` already escaped)."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context_block(text: str) -> Block:
    """A one-line mrkdwn context block (``text`` already escaped)."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _split(escaped: str, size: int) -> list[str]:
    """Split escaped text into pieces of at most ``size``, preferring paragraph and word breaks."""
    pieces: list[str] = []
    rest = escaped
    while len(rest) > size:
        cut = max(rest.rfind("\n", 0, size), rest.rfind(" ", 0, size))
        if cut < size // 2:
            cut = size
        amp = rest.rfind("&", max(0, cut - 6), cut)  # don't split an entity like &amp;
        if amp != -1 and ";" not in rest[amp:cut]:
            cut = amp
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def citation_text(citation: Citation, *, quote_chars: int = QUOTE_CHARS) -> str:
    """``*[n]* title · source · date`` (title linked for http(s) URLs) and the quoted passage."""
    title = clip(visible(citation.title).strip() or "Untitled", TITLE_CHARS)
    head = " · ".join(
        part
        for part in (
            link(citation.url, title),
            escape(visible(citation.source).strip()),
            escape(visible(citation.published)),
        )
        if part
    )
    lines = [f"*[{citation.n}]* {head}"]
    quote_text = " ".join(citation.quote.split())
    if quote_text:
        lines.append("> " + clip_escaped(quote_text, quote_chars))
    return clip("\n".join(lines), MAX_SECTION_CHARS)


def answer_mrkdwn(answer: Answer, limit: int) -> str:
    """The answer as escaped, neutralised mrkdwn within ``limit``, its short answer in bold."""
    text = answer.text.strip() or "(no answer)"
    span = answer.short_answer_span() if answer.text.strip() == answer.text else None
    if span is None or span[1] + 200 > limit:
        return clip_escaped(text, limit)
    before, short, after = text[: span[0]], text[span[0] : span[1]], text[span[1] :]
    head = f"{clip_escaped(before, limit)}*{clip_escaped(short, limit)}*"
    return head + clip_escaped(after, max(1, limit - len(head)))


def also_reported_text(answer: Answer) -> str:
    """The other articles that report the answer's fact, and those that report it differently."""
    lines = []
    for r in answer.also_reported:
        meta = " · ".join(escape(visible(x).strip()) for x in (r.source, r.published) if x.strip())
        title = link(r.url, clip(visible(r.title).strip() or "Untitled", TITLE_CHARS))
        if r.agrees:
            lines.append(f"Also reported by {title}" + (f" · {meta}" if meta else ""))
        else:
            lines.append(
                f":warning: Reported differently by {title}"
                + (f" · {meta}" if meta else "")
                + f": {clip_escaped(r.short_answer, 200)}"
            )
    return clip("\n".join(lines), MAX_SECTION_CHARS)


def share_button(value: str) -> Block:
    """The "Share in channel" button under an answer only the asker sees; ``value`` says which answer."""
    return {
        "type": "button",
        "action_id": SHARE,
        "style": "primary",
        "text": {"type": "plain_text", "text": "Share in channel", "emoji": True},
        "value": value,
    }


def _vote_button(action_id: str, label: str, answer_id: str) -> Block:
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "value": answer_id,
    }


def feedback_actions(answer_id: str | None, share: str | None = None) -> Block:
    """The 👍/👎 buttons (their value is the stored answer's id), after "Share in channel" when given."""
    elements = [share_button(share)] if share else []
    if answer_id:
        elements += [
            _vote_button(FEEDBACK_UP, ":+1: Helpful", answer_id),
            _vote_button(FEEDBACK_DOWN, ":-1: Not helpful", answer_id),
        ]
    return {"type": "actions", "block_id": "feedback", "elements": elements}


def fallback_text(answer: Answer) -> str:
    """The message's plain ``text``: shown in notifications and read back as history."""
    prefix = ":warning: " if answer.refused else ""
    return prefix + clip_escaped(answer.text.strip() or "(no answer)", MAX_TEXT_CHARS - len(prefix))


def answer_blocks(
    answer: Answer,
    *,
    answer_id: str | None = None,
    asked_by: str | None = None,
    share: str | None = None,
    checked_for: str | None = None,
) -> list[Block]:
    """Block Kit for an answer or refusal, within Slack's block, section and total-text limits.

    ``asked_by`` heads it with who asked what (a shared or slash-command answer); ``share`` adds the
    "Share in channel" button with that value (an answer only the asker sees); ``checked_for`` heads a
    "Check against the news" reply with who asked for the check."""
    head: list[Block] = []
    if checked_for is not None:
        head.append(context_block(f"<@{checked_for}> asked me to check this message against the news:"))
    if asked_by is not None:  # the slash command: the channel can't see what was asked
        head.append(context_block(f"<@{asked_by}> asked: *{clip_escaped(answer.question.strip(), 500)}*"))
    if answer.refusal is not None:
        heading = _REFUSAL_HEADINGS.get(answer.refusal.kind, "I can't answer that from the news I have")
        latest = answer.refusal.latest
        latest = f" · newest data I have: {escape(visible(latest))}" if latest else ""
        head.append(context_block(f":warning: *{heading}*{latest}"))

    stamp = f"Based on news up to {human_date(answer.news_until)}" if answer.news_until else "No news stored yet"
    tail: list[Block] = [
        context_block(f"{stamp} · asked on {human_date(answer.as_of)} · answers quote the stored articles only")
    ]
    if answer.also_reported:
        tail.insert(0, context_block(also_reported_text(answer)))
    if answer_id or share:
        tail.append(feedback_actions(answer_id, share))

    budget = BLOCK_TEXT_BUDGET - block_text_length(head) - block_text_length(tail)
    slots = MAX_BLOCKS - len(head) - len(tail)
    answer_text = answer_mrkdwn(answer, min(ANSWER_BUDGET, budget - 200))
    body = [section_block(piece) for piece in _split(answer_text, MAX_SECTION_CHARS)][: max(1, slots - 3)]
    budget -= block_text_length(body)
    slots -= len(body)

    if answer.citations:
        sources: list[Block] = [{"type": "divider"}, section_block("*Sources*")]
        budget -= len("*Sources*")
        shown = 0
        for citation in answer.citations:
            text = citation_text(citation)
            # keep room for one "more sources" note
            if len(text) > budget - 100 or len(sources) >= slots - 1:
                short = citation_text(citation, quote_chars=120)
                if len(short) > budget - 100 or len(sources) >= slots - 1:
                    break
                text = short
            sources.append(section_block(text))
            budget -= len(text)
            shown += 1
        if shown < len(answer.citations):
            sources.append(context_block(f"…and {len(answer.citations) - shown} more sources not shown"))
        body += sources
    return head + body + tail
