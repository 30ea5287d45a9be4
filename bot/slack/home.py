"""The Home tab: what the news covers, the newest market figure per asset, and what changed since the
user's last visit (the previous visit's :class:`HomeSeen` is kept in the feedback store)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from bot.answering.formatting import METRIC_LABELS, human_date, human_value
from bot.slack.blocks import MAX_BLOCKS, MAX_SECTION_CHARS, Block, clip, escape, section_block, visible
from ingest import Coverage, SnapshotRow

MAX_SOURCES = 40
MAX_SNAPSHOT_LINES = 60


@dataclass(frozen=True)
class HomeSeen:
    """What a user saw on the Home tab: the day, the article count and newest date, each asset's figure."""

    day: str
    articles: int
    last: str | None
    figures: dict[str, tuple[float, str, str]] = field(default_factory=dict)  # label -> (value, unit, as_of)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str | None) -> HomeSeen | None:
        """The stored visit, or None when there is none or it can't be read (an older format)."""
        if not raw:
            return None
        try:
            data = json.loads(raw)
            figures = {str(k): (float(v[0]), str(v[1]), str(v[2])) for k, v in dict(data["figures"]).items()}
            return cls(str(data["day"]), int(data["articles"]), data.get("last"), figures)
        except (ValueError, KeyError, TypeError, IndexError):
            return None


def newest_snapshots(snapshots: Sequence[SnapshotRow]) -> dict[str, SnapshotRow]:
    """The newest snapshot per asset and metric, labelled like "Bitcoin price", in label order."""
    newest: dict[str, SnapshotRow] = {}
    for snap in snapshots:
        label = f"{snap.asset} {METRIC_LABELS.get(snap.metric, snap.metric)}"
        if label not in newest or snap.as_of > newest[label].as_of:
            newest[label] = snap
    return dict(sorted(newest.items()))


def seen_now(coverage: Coverage, snapshots: Sequence[SnapshotRow], today: date) -> HomeSeen:
    """What the Home tab shows today, to compare with at the next visit."""
    figures = {label: (s.value, s.unit, str(s.as_of)) for label, s in newest_snapshots(snapshots).items()}
    return HomeSeen(today.isoformat(), coverage.articles, coverage.last, figures)


def changes(before: HomeSeen, now: HomeSeen) -> list[str]:
    """Plain-text lines saying what changed between two visits (empty: nothing)."""
    lines = []
    added = now.articles - before.articles
    if added > 0 or now.last != before.last:
        until = f"; news now up to {human_date(now.last)}" if now.last and now.last != before.last else ""
        noun = "article" if added == 1 else "articles"
        lines.append(
            f"{added:,} new {noun}{until}" if added > 0 or not now.last else f"News now up to {human_date(now.last)}"
        )
    for label, (value, unit, as_of) in now.figures.items():
        old = before.figures.get(label)
        if old is None:
            lines.append(f"{label}: {human_value(value, unit)} (as of {human_date(as_of)}), new")
        elif old[2] != as_of or old[0] != value:
            lines.append(
                f"{label}: {human_value(old[0], old[1])} (as of {human_date(old[2])}) → "
                f"{human_value(value, unit)} (as of {human_date(as_of)})"
            )
    return lines


def home_view(
    coverage: Coverage, snapshots: Sequence[SnapshotRow] = (), *, last_visit: HomeSeen | None = None
) -> dict[str, Any]:
    """The Home tab: what changed since ``last_visit``, articles, dates, sources, newest snapshot per asset."""
    first, last = coverage.first, coverage.last
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "What newsbot knows", "emoji": True}},
        section_block(
            "Mention me in a channel, message me directly, or use `/news your question`. "
            "I answer only from the articles below, quote them, and say when I can't answer."
        ),
    ]
    if last_visit is not None:
        found = changes(last_visit, seen_now(coverage, snapshots, date.today()))
        heading = f"*Since your last visit* ({escape(human_date(last_visit.day))})"
        body = "\n".join(f"• {escape(line)}" for line in found) if found else "Nothing new."
        blocks.append(section_block(clip(f"{heading}\n{body}", MAX_SECTION_CHARS)))
    blocks.append(
        section_block(
            f"*Articles:* {coverage.articles:,}\n*Dates:* {escape(human_date(first)) if first else '—'} to "
            f"{escape(human_date(last)) if last else '—'}"
        )
    )
    sources = sorted(coverage.sources.items(), key=lambda kv: (-kv[1], kv[0]))
    if sources:
        lines = [f"• {escape(visible(name))}: {n:,}" for name, n in sources[:MAX_SOURCES]]
        if len(sources) > MAX_SOURCES:
            lines.append(f"…and {len(sources) - MAX_SOURCES} more")
        blocks.append(section_block(clip("*Sources*\n" + "\n".join(lines), MAX_SECTION_CHARS)))
    newest = newest_snapshots(snapshots)
    if newest:
        lines = [
            f"• {escape(label)}: {escape(human_value(s.value, s.unit))} (as of {escape(human_date(s.as_of))})"
            for label, s in newest.items()
        ]
        text = "*Newest market snapshots*\n" + "\n".join(lines[:MAX_SNAPSHOT_LINES])
        blocks.append(section_block(clip(text, MAX_SECTION_CHARS)))
    return {"type": "home", "blocks": blocks[:MAX_BLOCKS]}
