"""A doubtful extraction is stored, and said: one line naming the page, and an entry in ``--json``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import make_app
from ingest.pages import extraction_warning, read_page_meta

runner = CliRunner()
PARAGRAPH = (
    "The harbour board met on Tuesday to weigh a plan for new ferry berths along the eastern quay, officials said. "
)
LEAD = "The harbour board approved two new ferry berths on Tuesday after a long debate among its nine members."


def _paragraphs(n: int) -> str:
    """``n`` different paragraphs (an extractor drops repeated ones)."""
    return "".join(f"<p>Berth {i} was measured at {20 + i} metres. {PARAGRAPH * 2}</p>" for i in range(n))


def _page(title: str, body: str) -> str:
    return (
        '<html><head><meta property="article:published_time" content="2025-03-04T10:00:00+01:00">'
        f"<title>{title}</title></head><body><article><h1>{title}</h1><p>{LEAD}</p>{body}</article></body></html>"
    )


def test_the_page_prose_counts_the_biggest_article_and_leaves_comments_out() -> None:
    prose = f"<p>{PARAGRAPH * 2}</p>" * 4
    comments = f'<div id="comments">{prose * 3}</div>'
    html = f"<html><body><article>{prose}{comments}</article><article><p>{PARAGRAPH}</p></article></body></html>"
    assert read_page_meta(html).main_chars == 4 * len((PARAGRAPH * 2).strip())


def test_incomplete_and_navigation_extractions_are_named() -> None:
    assert "incomplete: 151 characters kept of about 8,600" in extraction_warning("x" * 151, 8600)
    assert extraction_warning("x" * 5000, 8600) == ""  # most of it kept
    assert extraction_warning("A caption.", 400) == ""  # a short page: nothing to compare with
    crumbs = "\n".join(["Home", "News", "World", "Europe", "Related articles", "Most read", LEAD])
    assert "navigation: 6 of its 7 lines" in extraction_warning(crumbs, 0)
    story = "\n".join(["Ferry berths", PARAGRAPH * 3, "Quay works", PARAGRAPH * 3, "Costs", "Next steps", "Votes"])
    assert extraction_warning(story, 0) == ""  # subheadings between real paragraphs


def test_ingest_warns_about_a_page_whose_text_it_mostly_lost_and_stores_it(
    isolated_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trafilatura

    real = trafilatura.bare_extraction

    def caption_only(data: bytes, **kwargs: object) -> object:  # the failure seen on real pages: a caption kept
        doc = real(data, **kwargs)
        if b"Ferry berths plan" in data:
            doc.text = "A ferry at the eastern quay on Tuesday. Photo: harbour board."
        return doc

    monkeypatch.setattr(trafilatura, "bare_extraction", caption_only)
    lost = tmp_path / "lost.html"
    lost.write_text(_page("Ferry berths plan", _paragraphs(8)), encoding="utf-8")
    fine = tmp_path / "fine.html"
    fine.write_text(_page("Quay works begin", _paragraphs(8)), encoding="utf-8")
    result = runner.invoke(make_app(), ["ingest", str(lost), str(fine), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["new"] == 2 and report["failed"] == 0  # stored all the same
    assert len(report["warnings"]) == 1
    warning = report["warnings"][0]
    assert warning["file"] == str(lost) and warning["record"] == ""
    assert warning["reason"].startswith("extracted text looks incomplete: 61 characters kept of about 2,")
    again = runner.invoke(make_app(), ["ingest", str(lost)])
    assert "warning" in again.stderr and "lost.html: extracted text looks incomplete" in again.stderr
