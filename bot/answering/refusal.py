"""Refusals decided in code: past the newest market snapshot, predictions, past the news, no evidence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.answering.answer import RefusalKind
from bot.answering.formatting import METRIC_LABELS, human_date, human_value
from bot.answering.question import ParsedQuestion
from ingest import Coverage, Index, SnapshotRow


@dataclass(frozen=True)
class Decision:
    """What the rules decided before any passage is read: refuse, answer from a snapshot, or go on."""

    kind: RefusalKind | None  # None: not refused
    text: str = ""
    latest: str | None = None
    snapshots: tuple[SnapshotRow, ...] = ()  # the snapshot rows cited, as [1], [2], ...
    short: str = ""  # the figure that answers, as it stands in ``text``


def _pick(rows: list[SnapshotRow], metric: str | None) -> list[SnapshotRow]:
    """The rows for the asked metric, else the price, else whatever there is; newest first."""
    for wanted in (metric, "price"):
        chosen = [r for r in rows if r.metric == wanted]
        if chosen:
            return sorted(chosen, key=lambda r: r.as_of, reverse=True)
    return sorted(rows, key=lambda r: r.as_of, reverse=True)


_PERIODS = {
    "24h": "over 24 hours",
    "7d": "over the week",
    "30d": "over the month",
    "ytd": "year to date",
    "1y": "over the year",
}


def _figure(row: SnapshotRow) -> str:
    value = human_value(row.value, row.unit)
    period = row.period
    return f"{value} {_PERIODS.get(period, period)}".rstrip()


def market_decision(parsed: ParsedQuestion, index: Index) -> Decision | None:
    """For a question about an asset's market figure: refuse past the newest snapshot, or answer from it."""
    if not parsed.assets or (parsed.metric is None and not parsed.prediction):
        return None
    # "the dollar against the yen": the first asset named that has figures (the pair), else the first
    asset, rows = parsed.assets[0], []
    for candidate in parsed.assets:
        rows = index.newest_snapshots(candidate, as_of=parsed.as_of)
        if rows:
            asset = candidate
            break
    if not rows:
        # Nothing dated for this asset: say so, and never let another asset's figure answer it.
        return None if parsed.prediction else _no_market_data(asset, index, parsed.as_of)
    chosen = _pick(rows, parsed.metric)
    latest_row = chosen[0]
    latest = latest_row.as_of
    label = METRIC_LABELS.get(parsed.metric or "price", "price")
    shown = (
        _figure(latest_row)
        if latest_row.metric == "price"
        else f"{METRIC_LABELS.get(latest_row.metric, latest_row.metric)} {_figure(latest_row)}"
    )
    stated = f"My latest market data for {asset} is from {human_date(latest)}: {shown} [1]."
    if parsed.prediction:
        text = f"I can't predict where {asset} is going; I only report dated figures from the news. {stated}"
        return Decision("prediction", text, latest.isoformat(), (latest_row,))
    period = parsed.period
    if period is None:
        return None
    if period.start > latest or (period.implicit and parsed.as_of > latest):
        when = "after that" if period.label in {"now", ""} else f"for {period.label}"
        text = f"{stated} I can't tell you its {label} {when}."
        return Decision("after_snapshot", text, latest.isoformat(), (latest_row,))
    exact = [r for r in index.snapshots_on(asset, period.end) if r.metric in {parsed.metric, "price"}]
    if period.start == period.end and exact:
        rows_for_day = _pick(exact, parsed.metric)[:1]
        r = rows_for_day[0]
        metric_label = METRIC_LABELS.get(r.metric, r.metric)
        text = f"As of {human_date(period.end)}, {asset}'s {metric_label} was {_figure(r)} [1]."
        return Decision(None, text, r.as_of.isoformat(), tuple(rows_for_day), _figure(r))
    return _nearest_day(asset, label, parsed.metric, period.end, index, parsed.as_of)


def _nearest_day(asset: str, label: str, metric: str | None, day: date, index: Index, as_of: date) -> Decision | None:
    """A day with no figure of its own: the nearest earlier figure (else the first later one), dated."""
    later = [r for r in index.snapshots_between(asset, day, as_of) if r.metric == (metric or "price")]
    near = _pick(index.newest_snapshots(asset, as_of=day), metric) or later[:1]
    if not near:
        return None
    r = near[0]
    text = (
        f"I have no {asset} {label} for {human_date(day)}. The nearest I have is from {human_date(r.as_of)}: "
        f"{METRIC_LABELS.get(r.metric, r.metric)} {_figure(r)} [1]."
    )
    return Decision(None, text, r.as_of.isoformat(), (r,))


def _no_market_data(asset: str, index: Index, as_of: date) -> Decision:
    """No dated figure for ``asset``: say so and name the assets there are figures for."""
    newest: dict[str, date] = {}
    for row in index.newest_snapshots(as_of=as_of):
        newest[row.asset] = max(newest.get(row.asset, row.as_of), row.as_of)
    have = ", ".join(f"{a} (to {human_date(d)})" for a, d in sorted(newest.items())[:8])
    also = f" I have dated figures for {have}." if have else " I have no dated market figures at all."
    return Decision("no_evidence", f"I have no market data for {asset} in my news.{also}", None)


_PAST_TENSE = re.compile(r"\b(?:did|was|were|happened|won|lost|had|took place|ended|went)\b", re.I)


def coverage_refusal(parsed: ParsedQuestion, coverage: Coverage) -> Decision | None:
    """Refuse a question about a period after the newest article (or after the as-of date)."""
    last = coverage.last
    period = parsed.period
    if parsed.prediction:
        runs_to = f" My news runs to {human_date(last)}." if last else ""
        return Decision(
            "prediction", f"I can't predict future events; I only report what the news says.{runs_to}", last
        )
    if period is None or period.implicit or last is None:
        return None
    if period.start > parsed.as_of and not _PAST_TENSE.search(parsed.text):
        return None  # plans for a future date are reported now, and answerable from the news
    newest = date.fromisoformat(last)
    # "now"/"today" in a news question means recent news: only refuse when the news is over a week old.
    horizon = period.start - timedelta(days=7) if period.label == "now" else period.start
    if horizon > newest:
        return Decision(
            "after_coverage",
            f"My news runs to {human_date(last)}, so I can't tell you about {period.label}.",
            last,
        )
    return None


def no_evidence_text(coverage: Coverage) -> str:
    """A plain no-evidence message that says what the news does cover."""
    if not coverage.articles:
        return "I couldn't find anything that answers this: no news has been ingested yet."
    # the most frequent sources with their counts (whatever order a backend returns them in)
    ranked = sorted(((n, s) for s, n in coverage.sources.items() if s and s != "unknown"), key=lambda x: -x[0])
    named = [f"{s} ({n:,})" for n, s in ranked[:5]]
    more = " and others" if len(ranked) > 5 else ""
    sources = f", most from {', '.join(named)}{more}" if named else ""
    count = f"{coverage.articles:,} article" + ("" if coverage.articles == 1 else "s")
    return (
        f"I couldn't find anything in my news that answers this. My news covers {count} from "
        f"{human_date(coverage.first or '')} to {human_date(coverage.last or '')}{sources}."
    )
