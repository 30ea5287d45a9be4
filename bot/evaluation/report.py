"""A self-contained HTML report of a run: scorecard, latency histogram (inline SVG), accuracy by kind,
and every failing case with its cited passages. All article and answer text is escaped."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from bot.evaluation.scoring import pct

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#1d2330;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}
h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #dde;padding-bottom:.2rem}
.meta{color:#667;font-size:.85rem}table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid #dde;padding:.25rem .6rem;text-align:left;vertical-align:top}th{background:#f4f5f9}
td.num{text-align:right;font-variant-numeric:tabular-nums}.good{color:#17703a}.bad{color:#b3261e;font-weight:600}
.case{border:1px solid #e3c5c3;border-left:4px solid #b3261e;border-radius:4px;padding:.6rem .9rem;
margin:.8rem 0}.case h3{margin:.1rem 0 .4rem;font-size:1rem}.why{color:#b3261e}
blockquote{margin:.3rem 0 .3rem 1rem;padding:.2rem .6rem;border-left:3px solid #ccd;background:#f8f8fb;
white-space:pre-wrap}.bar{fill:#4a67c7}
.kbar{display:inline-block;height:.7rem;background:#4a67c7;vertical-align:middle}.small{font-size:.85rem;color:#556}
"""


def latency_histogram_svg(latencies: Sequence[float], *, width: int = 640, height: int = 200, bins: int = 20) -> str:
    """An inline SVG histogram of latencies in milliseconds."""
    if not latencies:
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="30">'
            '<text x="0" y="20">no latencies</text></svg>'
        )
    lo, hi = min(latencies), max(latencies)
    span = hi - lo or 1.0
    bins = max(1, min(bins, len(latencies)))
    counts = [0] * bins
    for v in latencies:
        counts[min(int((v - lo) / span * bins), bins - 1)] += 1
    top = max(counts)
    left, bottom, plot_w, plot_h = 40, 30, width - 50, height - 45
    bar_w = plot_w / bins
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="latency histogram"><title>Latency histogram (ms)</title>'
    ]
    for i, c in enumerate(counts):
        h = plot_h * c / top
        x = left + i * bar_w
        y = height - bottom - h
        start = lo + span * i / bins
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{max(bar_w - 2, 1):.1f}" height="{h:.1f}">'
            f"<title>{start:.0f}–{start + span / bins:.0f} ms: {c}</title></rect>"
        )
    axis_y = height - bottom
    parts.append(f'<line x1="{left}" y1="{axis_y}" x2="{left + plot_w}" y2="{axis_y}" stroke="#889"/>')
    parts.append(f'<line x1="{left}" y1="{axis_y}" x2="{left}" y2="{axis_y - plot_h}" stroke="#889"/>')
    for frac in (0, 0.5, 1):
        x = left + plot_w * frac
        parts.append(
            f'<text x="{x:.1f}" y="{axis_y + 16}" font-size="11" text-anchor="middle">{lo + span * frac:.0f} ms</text>'
        )
    parts.append(f'<text x="{left - 6}" y="{axis_y - plot_h + 4}" font-size="11" text-anchor="end">{top}</text>')
    parts.append(f'<text x="{left - 6}" y="{axis_y}" font-size="11" text-anchor="end">0</text>')
    parts.append("</svg>")
    return "".join(parts)


def _row(label: str, value: str, cls: str = "") -> str:
    return f'<tr><th>{escape(label)}</th><td class="num {cls}">{escape(value)}</td></tr>'


def _scorecard(m: dict[str, Any]) -> str:
    lat = m.get("latency_ms", {})
    rows = [
        _row("Cases passed", f"{m.get('passed', 0)} / {m.get('cases', 0)} ({pct(m.get('pass_rate'))})"),
        _row("Answer accuracy", f"{pct(m.get('answer_accuracy'))} of {m.get('answer_cases', 0)}"),
        _row("First sentence holds the answer", pct(m.get("first_sentence_accuracy"))),
        _row(
            "Words per reply p50 / p90",
            " / ".join("–" if v is None else f"{v:g}" for v in (m.get("words_per_reply") or {}).values()) or "–",
        ),
        _row(
            "Articles cited per answer",
            "–" if m.get("articles_per_answer") is None else f"{m['articles_per_answer']:g}",
        ),
        _row("Citation hit rate", f"{pct(m.get('citation_hit_rate'))} of {m.get('citation_cases', 0)}"),
        _row(
            "Citation precision",
            f"{pct(m.get('citation_precision'))} of {m.get('judged_citations', 0)} cited",
        ),
        _row(
            "Wrongly refused answerable",
            f"{m.get('wrongly_refused', 0)} of {m.get('answerable_cases', 0)}",
            "bad" if m.get("wrongly_refused") else "good",
        ),
        _row("Errors", str(m.get("errors", 0)), "bad" if m.get("errors") else ""),
        _row("Latency p50 / p95", f"{lat.get('p50', 0):.0f} ms / {lat.get('p95', 0):.0f} ms"),
    ]
    return "<table>" + "".join(rows) + "</table>"


def _refusals(m: dict[str, Any]) -> str:
    refusals = m.get("refusals") or {}
    if not refusals:
        return '<p class="small">No refusal expectations in these cases.</p>'
    head = (
        "<tr>"
        + "".join(f"<th>{h}</th>" for h in ("Kind", "Expected", "Refused so", "Correct", "Precision", "Recall"))
        + "</tr>"
    )
    rows = [
        f"<tr><td>{escape(kind)}</td><td class=num>{r['expected']}</td><td class=num>{r['predicted']}</td>"
        f"<td class=num>{r['correct']}</td><td class=num>{pct(r['precision'])}</td>"
        f"<td class=num>{pct(r['recall'])}</td></tr>"
        for kind, r in refusals.items()
    ]
    return "<table>" + head + "".join(rows) + "</table>"


def _by_kind(m: dict[str, Any]) -> str:
    head = "<tr><th>Kind</th><th>Cases</th><th>Passed</th><th>Answer accuracy</th><th></th></tr>"
    rows = []
    for kind, k in sorted((m.get("by_kind") or {}).items()):
        rate = k.get("pass_rate") or 0.0
        rows.append(
            f"<tr><td>{escape(kind)}</td><td class=num>{k['cases']}</td><td class=num>{k['passed']} "
            f"({pct(k.get('pass_rate'))})</td><td class=num>{pct(k.get('accuracy'))}</td>"
            f'<td><span class="kbar" style="width:{math.floor(rate * 160)}px"></span></td></tr>'
        )
    return "<table>" + head + "".join(rows) + "</table>"


def _safe_url(url: str) -> str | None:
    return url if url.startswith(("https://", "http://")) else None


def _citation(c: dict[str, Any]) -> str:
    title = escape(str(c.get("title") or c.get("article_id") or ""))
    url = _safe_url(str(c.get("url") or ""))
    link = f'<a href="{escape(url, quote=True)}" rel="noopener noreferrer">{title}</a>' if url else title
    meta = " · ".join(escape(str(c.get(k) or "")) for k in ("source", "published", "article_id") if c.get(k))
    return (
        f"<li>[{escape(str(c.get('n', '')))}] {link} <span class=small>{meta}</span>"
        f"<blockquote>{escape(str(c.get('quote') or ''))}</blockquote></li>"
    )


def _answer_html(answer: dict[str, Any], fallback: str) -> str:
    """The reply, its short answer in bold (the same shape as the terminal and Slack)."""
    text = str(answer.get("answer", fallback))
    short = str(answer.get("short_answer") or "")
    first_mark = text.find(" [")
    at = text.find(short, 0, first_mark if first_mark > 0 else len(text)) if short else -1
    if at < 0:
        return escape(text)
    return f"{escape(text[:at])}<b>{escape(short)}</b>{escape(text[at + len(short) :])}"


def _also_reported(answer: dict[str, Any]) -> str:
    items = []
    for r in answer.get("also_reported") or []:
        title = escape(str(r.get("title") or r.get("article_id") or ""))
        url = _safe_url(str(r.get("url") or ""))
        link = f'<a href="{escape(url, quote=True)}" rel="noopener noreferrer">{title}</a>' if url else title
        meta = " · ".join(escape(str(r.get(k) or "")) for k in ("source", "published") if r.get(k))
        how = (
            "also reported by"
            if r.get("agrees", True)
            else f"reported differently ({escape(str(r.get('short_answer')))}) by"
        )
        items.append(f"<li class=small>{how} {link} <span class=small>{meta}</span></li>")
    return f"<ul>{''.join(items)}</ul>" if items else ""


def _failing_case(r: dict[str, Any]) -> str:
    answer = r.get("answer") or {}
    refusal = answer.get("refusal")
    refused = f" — refused ({escape(str(refusal.get('kind')))})" if refusal else ""
    why = "".join(f"<li>{escape(f)}</li>" for f in r.get("failures") or [])
    expected = escape(", ".join(f"{k}: {v}" for k, v in (r.get("expected") or {}).items()))
    cites = "".join(_citation(c) for c in answer.get("citations") or [])
    history = "".join(
        f"<p class=small><b>{escape(role)}:</b> {escape(text)}</p>" for role, text in r.get("history") or []
    )
    return (
        f'<div class="case"><h3>{escape(r["id"])} <span class=small>({escape(str(r.get("kind", "")))}, '
        f"as of {escape(str(r.get('as_of') or 'today'))}, {r.get('latency_ms', 0):.0f} ms)</span></h3>"
        f"{history}<p><b>Q:</b> {escape(r.get('question', ''))}</p>"
        f"<p><b>A{refused}:</b> {_answer_html(answer, str(r.get('error') or ''))}</p>{_also_reported(answer)}"
        f"<p class=small><b>Expected:</b> {expected}</p><ul class=why>{why}</ul>"
        f"{'<p><b>Cited passages</b></p><ol style=list-style:none>' + cites + '</ol>' if cites else ''}</div>"
    )


def render_report(run: dict[str, Any], comparison: dict[str, Any] | None = None) -> str:
    """The HTML page of a saved run (optionally with its comparison to an earlier run)."""
    m = run.get("metrics", {})
    results = run.get("results", [])
    failing = [r for r in results if not r.get("passed")]
    latencies = [r["latency_ms"] for r in results if r.get("answer") is not None]
    model = run.get("model") or {}
    meta = escape(
        f"run {run.get('run_id', '')} · {run.get('created', '')} · "
        f"commit {run.get('git_commit') or 'unknown'} · embedding {model.get('embedding', '')} · "
        f"answerer {model.get('answerer') or model.get('llm') or ''} · "
        f"files {', '.join(run.get('case_files', []))}"
    )
    compare_html = ""
    if comparison:
        flips = "".join(
            f"<li>{escape(label)}: {escape(', '.join(comparison[key]) or 'none')}</li>"
            for key, label in (
                ("newly_failing", "Now failing"),
                ("newly_passing", "Now passing"),
                ("added", "Added"),
                ("removed", "Removed"),
            )
        )
        compare_html = f"<h2>Compared with run {escape(str(comparison.get('old_run')))}</h2><ul>{flips}</ul>"
    body = (
        f"<h1>newsbot evaluation</h1><p class=meta>{meta}</p>"
        f"<h2>Scorecard</h2>{_scorecard(m)}"
        f"<h2>Latency</h2>{latency_histogram_svg(latencies)}"
        f"<h2>Accuracy by case kind</h2>{_by_kind(m)}"
        f"<h2>Refusals</h2>{_refusals(m)}{compare_html}"
        f"<h2>Failing cases ({len(failing)})</h2>"
        + ("".join(_failing_case(r) for r in failing) or "<p class=good>Every case passed.</p>")
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>newsbot evaluation</title>'
        f"<style>{_CSS}</style></head><body>{body}</body></html>"
    )


def write_report(run: dict[str, Any], out_dir: Path, comparison: dict[str, Any] | None = None) -> Path:
    """Write ``out_dir/report.html``; returns its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "report.html"
    path.write_text(render_report(run, comparison), encoding="utf-8")
    return path
