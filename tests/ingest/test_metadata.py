"""Right metadata from the real web: headlines, canonical URLs, local dates, feed links and entities,
non-English dates, UTF-16 files, JSON Feed and other field names — asserted on the stored article."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ingest.articles import to_article
from ingest.dates import parse_date, parse_timestamp
from ingest.errors import ConfigError, InputError
from ingest.models import Article, RawRecord
from ingest.pages import PageMeta, best_title, is_placeholder
from ingest.readers import parse_field_map, read_inputs

BODY = (
    "<p>The harbor council voted late on Sunday to widen the old pier by four meters, after months of "
    "debate about the cost of the work.</p><p>Fishermen welcomed the plan, which should be finished "
    "before the summer season begins, the council said in a statement.</p>"
)


def _page(head: str, h1: str = "Harbor council votes to widen the pier") -> str:
    return f"<!doctype html><html><head>{head}</head><body><article><h1>{h1}</h1>{BODY}</article></body></html>"


def _ld(**fields: object) -> str:
    return f'<script type="application/ld+json">{json.dumps({"@type": "NewsArticle", **fields})}</script>'


def _articles(path: Path, **kwargs: object) -> list[Article]:
    items = list(read_inputs([str(path)], **kwargs))  # type: ignore[arg-type]
    assert all(isinstance(i, RawRecord) for i in items), items
    return [to_article(i, max_bytes=1_000_000, today=date(2025, 1, 1)) for i in items]  # type: ignore[arg-type]


@pytest.mark.parametrize("placeholder", ["escenic", "headline", "{{title}}", "", "Bayside Gazette"])
def test_a_placeholder_headline_never_becomes_the_title(tmp_path: Path, placeholder: str) -> None:
    pytest.importorskip("trafilatura")
    head = ("<title>Harbor council votes to widen the pier | Bayside Gazette</title>"
            '<meta property="og:site_name" content="Bayside Gazette">'
            + _ld(headline=placeholder, datePublished="2020-01-19T22:30:00-05:00"))  # fmt: skip
    path = tmp_path / "pier.html"
    path.write_text(_page(head))
    (article,) = _articles(path)
    assert article.title == "Harbor council votes to widen the pier"
    assert article.source == "Bayside Gazette"


def test_title_is_the_one_candidates_agree_on_and_the_site_suffix_goes() -> None:
    meta = PageMeta(og_title="Pier to be widened", html_title="Pier to be widened - Bayside Gazette",
                    h1="Pier to be widened", ld_headline="headline")  # fmt: skip
    assert best_title(meta) == "Pier to be widened"
    assert best_title(PageMeta(html_title="Bayside Gazette | Pier to be widened", h1="Pier to be widened")) == (
        "Pier to be widened"
    )
    assert best_title(PageMeta(html_title="Pier to be widened | Bayside", site_name="Bayside")) == "Pier to be widened"
    assert best_title(PageMeta(og_title="A", h1="Ferry line closes", html_title="Ferry line closes")) == (
        "Ferry line closes"
    )
    assert is_placeholder("${headline}") and is_placeholder("Untitled") and is_placeholder("[title]")
    assert not is_placeholder("Fed holds rates") and not is_placeholder("[Video] Storm hits the coast")
    assert not is_placeholder("Prices up 5% after 20% fall")


def test_a_lone_first_h1_loses_to_the_title_and_a_site_name_equal_to_the_headline_is_ignored() -> None:
    section = PageMeta(h1="Allergies Health Center", html_title="Babies who eat peanuts early may avoid allergy")
    assert best_title(section) == "Babies who eat peanuts early may avoid allergy"
    odd_site = PageMeta(og_title="Ferry line closes", html_title="Ferry line closes", site_name="Ferry line closes",
                        h1="back to home news")  # fmt: skip
    assert best_title(odd_site) == "Ferry line closes"
    assert best_title(PageMeta(h1="Untitled"), fallback="Ferry line closes") == "Ferry line closes"
    assert best_title(PageMeta(h1="Ferry line closes"), fallback="Ferry") == "Ferry line closes"  # no vote


def test_an_undeclared_utf8_page_is_not_read_as_latin1(tmp_path: Path) -> None:
    pytest.importorskip("trafilatura")
    title = "Māori elders’ «réunion» in Zürich"
    path = tmp_path / "plain.html"
    dated = '<meta property="article:published_time" content="2024-01-02">'
    path.write_bytes(_page(f"<title>{title}</title>{dated}", h1=title).encode("utf-8"))  # no <meta charset>
    (article,) = _articles(path)
    assert article.title == title
    latin = tmp_path / "latin.html"
    declared = f'<meta charset="windows-1252"><title>Caf\xe9 reopens</title>{dated}'
    latin.write_bytes(_page(declared, h1="Caf\xe9 reopens").encode("cp1252"))
    (article,) = _articles(latin)
    assert article.title == "Caf\xe9 reopens"


def test_page_url_from_og_url_or_canonical_resolved_and_http_only(tmp_path: Path) -> None:
    pytest.importorskip("trafilatura")
    cases = {
        "og.html": ('<meta property="og:url" content="https://gazette.example.com/news/pier">', None),
        "canon.html": ('<link rel="canonical" href="https://gazette.example.com/news/canon">', None),
        "bad.html": ('<meta property="og:url" content="javascript:alert(1)">', ""),
    }
    for name, (head, _) in cases.items():
        dated = '<meta property="article:published_time" content="2020-01-19">'
        (tmp_path / name).write_text(_page("<title>Harbor council votes to widen the pier</title>" + dated + head))
    urls = {name: _articles(tmp_path / name)[0].url for name in cases}
    assert urls == {"og.html": "https://gazette.example.com/news/pier",
                    "canon.html": "https://gazette.example.com/news/canon", "bad.html": ""}  # fmt: skip

    relative = _page('<link rel="canonical" href="/news/2020/pier">')
    bodies = {"https://gazette.example.com/a?ref=home": (relative.encode(), "text/html")}
    (record,) = read_inputs(list(bodies), fetch=lambda u: bodies[u])
    assert isinstance(record, RawRecord) and record.fields["url"] == "https://gazette.example.com/news/2020/pier"


def test_an_offset_timestamp_keeps_the_publishers_local_date(tmp_path: Path) -> None:
    pytest.importorskip("trafilatura")
    path = tmp_path / "late.html"
    path.write_text(_page("<title>Harbor council votes to widen the pier</title>"
                          + _ld(headline="Harbor council votes to widen the pier",
                                datePublished="2020-01-19T22:30:00-05:00")))  # fmt: skip
    (article,) = _articles(path)
    assert article.published == date(2020, 1, 19) and not article.date_inferred
    assert parse_date("2020-01-19T22:30:00-05:00") == date(2020, 1, 19)
    stamp = parse_timestamp("2020-01-19T22:30:00-05:00")
    assert stamp is not None and stamp.isoformat() == "2020-01-19T22:30:00-05:00"
    assert parse_timestamp("Sun, 19 Jan 2020 22:30:00 -0500").isoformat() == "2020-01-19T22:30:00-05:00"  # type: ignore[union-attr]
    assert parse_timestamp("2020-01-19") is None


PT_FEED = """<?xml version="1.0" encoding="{encoding}"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
<title>Jornal da Baía</title><link>https://jornal.example.br/</link><language>pt-BR</language>
<atom:link href="https://jornal.example.br/feed/" rel="self" type="application/rss+xml"/>
<item><title>Porto amplia o cais &amp;#x0024;2150</title><link>/blog/2018/09/24/cais</link>
<guid isPermaLink="false">cais-1</guid><pubDate>Seg, 24 Set 2018 22:00:00 -0300</pubDate>
<description>O conselho do porto aprovou a obra no cais.</description></item>
<item><title>Smith &amp;amp; Filhos fecham a loja</title><link>noticias/loja</link><guid>loja-2</guid>
<pubDate>Qua, 26 Set 2018 10:00:00 -0300</pubDate><description>A loja fechou.</description></item>
<item><title>Sem data legível</title><link>https://jornal.example.br/x</link><guid>x-3</guid>
<pubDate>amanhã cedo</pubDate><description>Publicado em 27 Sep 2018, dizem os editores.</description></item>
</channel></rss>"""


def test_portuguese_feed_dates_relative_links_and_entities(tmp_path: Path) -> None:
    path = tmp_path / "jornal.rss"
    path.write_text(PT_FEED.format(encoding="utf-8"), encoding="utf-8")
    cais, loja, undated = _articles(path)
    assert cais.published == date(2018, 9, 24) and not cais.date_inferred  # local day, not UTC's 25th
    assert cais.url == "https://jornal.example.br/blog/2018/09/24/cais"
    assert loja.url == "https://jornal.example.br/feed/noticias/loja"
    assert cais.title == "Porto amplia o cais $2150" and loja.title == "Smith & Filhos fecham a loja"
    assert undated.published == date(2018, 9, 27) and undated.date_inferred
    assert parse_date("Seg, 24 Set 2018 10:00:00 -0300") == date(2018, 9, 24)


def test_utf16_feed_and_json_lines_are_read(tmp_path: Path) -> None:
    feed = tmp_path / "wide.rss"
    feed.write_bytes(PT_FEED.format(encoding="utf-16").encode("utf-16"))
    assert [a.id for a in _articles(feed)] == ["cais-1", "loja-2", "x-3"]
    lines = "".join(json.dumps({"id": f"w{i}", "text": f"Story {i}: Café", "published": "2024-01-02"}) + "\n"
                    for i in range(2))  # fmt: skip
    for encoding in ("utf-16", "utf-16-le", "utf-32"):
        path = tmp_path / f"{encoding}.jsonl"
        path.write_bytes(lines.encode(encoding))
        assert [(a.id, a.text) for a in _articles(path)] == [("w0", "Story 0: Café"), ("w1", "Story 1: Café")]
    (tmp_path / "blob.jsonl").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    (err,) = read_inputs([str(tmp_path / "blob.jsonl")])
    assert isinstance(err, InputError) and err.reason == "binary file (NUL bytes), not text"


def test_json_feed_items(tmp_path: Path) -> None:
    feed = {
        "version": "https://jsonfeed.org/version/1.1", "title": "Octo Notes",
        "home_page_url": "https://octo.example.org/", "authors": [{"name": "Ana Reis"}],
        "items": [
            {"id": "1", "url": "/2024/05/kelp", "title": "Kelp farm doubles its harvest",
             "content_html": "<p>The kelp farm doubled its harvest.</p><p>Divers expect more.</p>",
             "date_published": "2024-05-03T23:10:00-07:00"},
            {"id": "2", "title": "Ferry timetable changes", "content_text": "New times start in June.",
             "date_published": "2024-05-04T08:00:00Z", "authors": [{"name": "Bo Lind"}]},
        ],
    }  # fmt: skip
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(feed))
    kelp, ferry = _articles(path)
    assert (kelp.id, kelp.title, kelp.url) == (
        "1",
        "Kelp farm doubles its harvest",
        "https://octo.example.org/2024/05/kelp",
    )
    assert kelp.text == "The kelp farm doubled its harvest.\n\nDivers expect more."
    assert kelp.published == date(2024, 5, 3) and kelp.source == "Octo Notes" and kelp.authors == ("Ana Reis",)
    assert ferry.text == "New times start in June." and ferry.authors == ("Bo Lind",) and ferry.url == ""


def test_article_body_description_summary_and_operator_field_map(tmp_path: Path) -> None:
    records = [{"id": "a", "headline": "A", "articleBody": "Body A.", "datePublished": "2024-02-01"},
               {"id": "b", "title": "B", "description": "Body B.", "date": "2024-02-02"},
               {"id": "c", "title": "C", "summary": "Body C.", "date": "2024-02-03"},
               {"id": "d", "title": "D", "body_html": "<p>Body &amp; D.</p>", "text": "teaser", "date": "2024-02-04"}]  # fmt: skip
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert [(a.text, a.published.day) for a in _articles(path)] == [
        ("Body A.", 1), ("Body B.", 2), ("Body C.", 3), ("teaser", 4)]  # fmt: skip
    mapped = _articles(path, field_map=parse_field_map(["text=body_html"]))
    assert [a.text for a in mapped] == ["Body A.", "Body B.", "Body C.", "Body & D."]
    with pytest.raises(ConfigError, match="--field 'body=x'"):
        parse_field_map(["body=x"])


def test_the_publishers_time_of_day_is_stored_with_its_offset(isolated_env: Path, tmp_path: Path) -> None:
    pytest.importorskip("trafilatura")
    from typer.testing import CliRunner

    from bot.cli import make_app

    lines = tmp_path / "day.jsonl"
    rows = [
        {"id": "late", "title": "Late vote", "published": "2020-01-19T22:30:00-05:00", "text": "The council voted."},
        {"id": "day", "title": "Day only", "published": "2020-01-20", "text": "The ferry ran on time."},
    ]
    lines.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    late, day = _articles(lines)
    assert (late.published, late.published_time) == (date(2020, 1, 19), "22:30:00-05:00")
    assert (day.published, day.published_time) == (date(2020, 1, 20), "")
    runner = CliRunner()
    assert runner.invoke(make_app(), ["ingest", str(lines)]).exit_code == 0
    shown = runner.invoke(make_app(), ["show", "late"]).stdout
    assert "published: 2020-01-19 22:30:00-05:00" in shown
    stored = json.loads(runner.invoke(make_app(), ["show", "late", "--json"]).stdout)
    assert stored["published"] == "2020-01-19" and stored["published_time"] == "22:30:00-05:00"
    again = json.loads(runner.invoke(make_app(), ["ingest", str(lines), "--json"]).stdout)
    assert again["unchanged"] == 2  # the time is part of what is stored, and stable


def test_an_older_data_dir_gains_the_time_column(tmp_path: Path) -> None:
    import sqlite3

    from ingest.database import SCHEMA, connect

    column = next(line for line in SCHEMA.splitlines() if line.strip().startswith("published_time "))
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(SCHEMA.replace(column + "\n", ""))
    assert "published_time" not in {row[1] for row in old.execute("PRAGMA table_info(articles)")}
    old.execute("INSERT INTO articles(id, title, published, text, content_hash, text_hash, status, ingested_at) "
                "VALUES ('a', 'T', '2020-01-01', 'x', 'h', 'h', 'ready', 'now')")  # fmt: skip
    old.commit()
    old.close()
    conn = connect(path)
    assert conn.execute("SELECT published_time FROM articles WHERE id = 'a'").fetchone()[0] == ""
