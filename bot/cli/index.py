"""The index commands: ``newsbot ingest``, ``list``, ``stats``, ``snapshots``, ``remove``, ``check``, ``copy``.
Parses and delegates."""

from __future__ import annotations

import json
import sys
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import TextColumn
from rich.table import Table

from bot.answering.formatting import human_value, visible
from bot.cli._shared import (
    DataDir,
    JsonFlag,
    QuietFlag,
    damage_is_one_line,
    err,
    fail,
    load_settings,
    out,
    parse_date,
    progress_bar,
    warn,
)
from ingest import IndexSettings, NewsbotError, parse_field_map


def ingest_command(
    paths: Annotated[
        list[str], typer.Argument(help="Files, folders, globs, http(s) URLs, or - for JSON lines on stdin.")
    ],
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
    quiet: QuietFlag = False,
    default_date: Annotated[
        str | None,
        typer.Option(
            "--default-date",
            metavar="DATE|today",
            help="Date records that have no date, and none in their text, with this day (marked inferred).",
        ),
    ] = None,
    fields: Annotated[
        list[str] | None,
        typer.Option("--field", metavar="FIELD=NAME", help="Read FIELD from the inputs' NAME, e.g. text=body_html."),
    ] = None,
    follow_links: Annotated[
        bool, typer.Option("--follow-links", help="Fetch the page of each feed item that is only a headline.")
    ] = False,
) -> None:
    """Read, clean, date, chunk and embed news articles into the index (idempotent)."""
    from ingest import open_with_embedder, run_ingest

    try:
        undated = date.today() if default_date == "today" else parse_date(default_date, "--default-date")
        field_map = parse_field_map(fields or [])
        settings = load_settings(data_dir)
        index, embedder = open_with_embedder(settings)
    except NewsbotError as exc:
        raise fail(exc) from None

    show_progress = not quiet and not as_json and err.is_terminal
    from ingest import estimate_records

    total = estimate_records(paths) if show_progress else None
    rate = TextColumn("{task.fields[chunks]} chunks · {task.fields[rate]:.1f} chunks/s")
    with progress_bar("ingest", rate, show=show_progress) as bar:
        task = bar.add_task("ingest", total=total, chunks=0, rate=0.0)

        def progress(articles: int, chunks: int) -> None:
            elapsed = bar.tasks[0].elapsed or 1e-9
            bar.update(task, completed=articles, chunks=chunks, rate=chunks / elapsed)

        try:
            report = run_ingest(
                paths,
                index,
                embedder,
                stdin=sys.stdin,
                on_error=lambda message: warn("skipped", message),
                on_warning=lambda message: warn("warning", message),
                progress=progress,
                max_record_bytes=settings.max_record_bytes,
                batch_size=settings.embedding_batch_size,
                default_date=undated,
                field_map=field_map,
                follow_links=follow_links,
                fetch_timeout=settings.fetch_timeout,
                fetch_run_timeout=settings.fetch_run_timeout,
            )
        except NewsbotError as exc:
            raise fail(exc) from None
        finally:
            index.close()
    if as_json:
        out.print_json(json.dumps(report.as_dict()))
    else:
        out.print(
            f"{report.new} new, {report.updated} updated, {report.unchanged} unchanged, "
            f"{report.duplicates} duplicates, "
            + (f"{report.reembedded} re-embedded (vectors were missing), " if report.reembedded else "")
            + f"{report.failed} failed · {report.chunks} chunks embedded "
            f"in {report.seconds:.1f}s",
            soft_wrap=True,  # one line for a pipe or a log; a terminal wraps it itself
        )
    raise typer.Exit(1 if report.failed else 0)


def _open_catalog(data_dir: Path | None):  # type: ignore[no-untyped-def]
    from ingest import open_catalog

    try:
        return open_catalog(load_settings(data_dir))
    except NewsbotError as exc:
        raise fail(exc) from None


def list_command(
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
    limit: Annotated[int, typer.Option(help="How many articles.")] = 50,
    show_all: Annotated[bool, typer.Option("--all", help="Every article.")] = False,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
) -> None:
    """List stored articles, newest first; inferred dates are marked."""
    catalog = _open_catalog(data_dir)
    total = catalog.count_articles(source)
    rows = catalog.list_articles(limit=total if show_all else limit, source=source)
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table("id", "published", "source", "title", "chunks")
    longest_id = max((len(visible(r["id"])) for r in rows), default=2)
    table.columns[0].no_wrap = True  # ids are what `newsbot remove` takes: never cut or wrapped
    table.columns[0].min_width = longest_id
    for r in rows:
        day = r["published"] + (" (inferred from text)" if r["date_inferred"] else "")
        status = "" if r["status"] == "ready" else f" [{r['status']}]"
        table.add_row(
            visible(r["id"]), day, visible(r["source"]), visible(r["title"])[:70] + status, str(r["chunk_count"])
        )
    out.print(table, width=max(out.width, longest_id + 60), crop=False)  # wider than the terminal, not a cut id
    if len(rows) < total:
        out.print(
            f"Showing {len(rows):,} of {total:,} articles; --all shows every one, --limit N the newest N.",
            soft_wrap=True,
        )


def show_command(
    article_id: Annotated[str, typer.Argument(help="An article id (as `newsbot list` shows it) or an alias.")],
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """One stored article: its metadata, its stored text and its chunks, to check what was extracted."""
    catalog = _open_catalog(data_dir)
    article = catalog.article(article_id)
    if article is None:
        raise fail(NewsbotError(f"no article with id {article_id!r} (newsbot list shows the ids)"))
    article["chunks"] = catalog.article_chunks(article["id"])
    article["aliases"] = catalog.aliases(article["id"])
    if as_json:
        out.print_json(json.dumps(article))
        return
    day = " ".join(filter(None, (article["published"], article.get("published_time", ""))))
    day += " (inferred from text)" if article["date_inferred"] else ""
    for label, value in (
        ("id", article["id"]),
        ("title", article["title"]),
        ("source", article["source"]),
        ("url", article["url"]),
        ("published", day),
        ("status", article["status"]),
        ("from", article["origin"]),
        ("aliases", ", ".join(article["aliases"])),
    ):
        if value:
            out.print(f"{label:>9}: {visible(value)}", soft_wrap=True)
    out.print(f"\n{visible(article['text'])}\n", soft_wrap=True)
    for c in article["chunks"]:
        out.print(f"chunk {c['position'] + 1} [{c['start']}:{c['end']}] {len(c['text']):,} characters", style="bold")
        out.print(visible(c["text"]), soft_wrap=True)


def stats_command(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Articles, chunks, date range, sources, and market snapshots per asset with their newest date."""
    stats = _open_catalog(data_dir).stats()
    if as_json:
        out.print_json(json.dumps(stats))
        return
    out.print(f"articles: {stats['articles']} ({stats['dates_inferred']} with dates inferred from text)")
    out.print(f"chunks:   {stats['chunks']}")
    out.print(f"dates:    {stats['first_published']} … {stats['last_published']}")
    out.print("sources:  " + ", ".join(f"{s} ({n})" for s, n in stats["sources"].items()))
    for asset, s in stats["snapshots"].items():
        latest = s["latest"].get("price") or next(iter(s["latest"].values()), None)
        shown = f": {human_value(latest['value'], latest['unit'])} as of {latest['as_of']}" if latest else ""
        out.print(f"snapshot: {asset}: {s['count']} figures, newest as of {s['newest']}{shown}")


def snapshots_command(
    asset: Annotated[str | None, typer.Argument(help="Only this asset (a name, alias or ticker).")] = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Stored market figures, newest first: asset, metric, value, as-of date, article and sentence."""
    from ingest import canonical_asset, plausible

    name = canonical_asset(asset) if asset else None
    if asset and name is None:
        raise fail(NewsbotError(f"newsbot snapshots: {asset!r} is not a known asset (see ingest/assets.txt)"))
    rows = _open_catalog(data_dir).snapshots_between(name, date.min, date.max)
    rows.sort(key=lambda r: (r.as_of, r.asset, r.metric), reverse=True)
    used = [plausible(r, [o for o in rows if o.asset == r.asset]) for r in rows]
    if as_json:
        keys = ("asset", "metric", "value", "unit", "period", "as_of", "article_id", "title", "sentence")
        listed = [{k: str(getattr(r, k)) if k == "as_of" else getattr(r, k) for k in keys} for r in rows]
        out.print_json(json.dumps([d | {"used": u} for d, u in zip(listed, used, strict=True)]))
        return
    table = Table("as of", "asset", "metric", "value", "article", "sentence")
    for r, u in zip(rows, used, strict=True):
        metric = r.metric + (f" ({r.period})" if r.period else "")
        value = human_value(r.value, r.unit) + ("" if u else " (implausible: not used)")
        table.add_row(r.as_of.isoformat(), r.asset, metric, value, r.article_id, r.sentence[:90])
    out.print(table if rows else "no market snapshots stored" + (f" for {name}" if name else ""))


def remove_command(
    ids: Annotated[list[str], typer.Argument(help="Article ids (or ids they were also ingested under).")],
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Remove articles from every store."""
    from ingest import open_with_embedder

    try:
        index, _ = open_with_embedder(load_settings(data_dir))
        removed = index.remove(ids)
    except NewsbotError as exc:  # e.g. the Chroma server is down
        raise fail(exc) from None
    missing = [i for i in ids if i not in removed]
    if as_json:
        out.print_json(json.dumps({"removed": removed, "not_found": missing}))
    else:
        out.print(f"removed {len(removed)}" + (f"; not found: {', '.join(missing)}" if missing else ""))
    raise typer.Exit(1 if missing else 0)


def check_command(
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
    repair: Annotated[
        bool, typer.Option("--repair", help="First re-embed ready articles whose vectors are missing.")
    ] = False,
) -> None:
    """Verify that the articles table, the lexical index and Chroma agree, and that the database is undamaged."""
    from ingest import open_with_embedder, repair_vectors

    try:
        settings = load_settings(data_dir)
        index, embedder = open_with_embedder(settings)
        with closing(index):
            repaired = repair_vectors(index, embedder, batch_size=settings.embedding_batch_size) if repair else []
            problems = index.check()
    except NewsbotError as exc:  # e.g. the Chroma server is down
        raise fail(exc) from None
    bad = {k: v for k, v in problems.items() if v}
    if as_json:
        out.print_json(json.dumps({"consistent": not bad, **problems} | ({"repaired": repaired} if repair else {})))
    else:
        if repair:
            out.print(f"re-embedded {len(repaired)} articles whose vectors were missing")
        out.print("\n".join(_check_lines(bad)) or "consistent")
    raise typer.Exit(1 if bad else 0)


def _check_lines(bad: dict[str, list[str]]) -> list[str]:
    """One line per kind of disagreement, and one per damage the database found."""
    return [
        line
        for kind, found in bad.items()
        for line in (
            [f"damaged: {d}" for d in found]
            if kind == "damaged_database"
            else [f"{kind}: {len(found)} e.g. {found[:3]}"]
        )
    ]


def copy_command(
    to_data_dir: Annotated[
        Path | None, typer.Option("--to-data-dir", help="The target's data dir (default: the source's).")
    ] = None,
    to_database_url: Annotated[
        str, typer.Option("--to-database-url", help="postgresql://… for the target's articles and keyword index.")
    ] = "",
    to_chroma_host: Annotated[str, typer.Option("--to-chroma-host", help="The target's Chroma server.")] = "",
    to_chroma_port: Annotated[int, typer.Option("--to-chroma-port", help="Its port.")] = 8000,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Copy the index to another place (e.g. PostgreSQL and a Chroma server) without re-embedding."""
    from ingest import open_index, open_with_embedder

    settings = load_settings(data_dir)
    target_settings = settings.with_overrides(
        data_dir=to_data_dir, database_url=to_database_url, chroma_host=to_chroma_host, chroma_port=to_chroma_port
    )
    if _same_place(settings, target_settings):
        raise fail(NewsbotError("the target is the source: give --to-data-dir, --to-database-url or --to-chroma-host"))
    try:
        source, embedder = open_with_embedder(settings)
        with closing(source), closing(open_index(target_settings, model=embedder.name, dim=embedder.dim)) as target:
            report = _copy_with_progress(source, target, show=not as_json and err.is_terminal)
    except NewsbotError as exc:
        raise fail(exc) from None
    for line in report.skipped:
        warn("skipped", line)
    if as_json:
        out.print_json(json.dumps(report.as_dict()))
    else:
        out.print(
            f"copied {report.copied} articles ({report.chunks} chunks), {report.unchanged} already there, "
            f"{report.aliases} aliases" + (f"; {len(report.skipped)} skipped" if report.skipped else "")
        )
    raise typer.Exit(1 if report.skipped else 0)


def _copy_with_progress(source: Any, target: Any, *, show: bool) -> Any:
    from ingest import copy_index

    with progress_bar("copy", show=show) as bar:
        task = bar.add_task("copy", total=None)
        return copy_index(source, target, progress=lambda done, total: bar.update(task, completed=done, total=total))


def _same_place(a: IndexSettings, b: IndexSettings) -> bool:
    database = (a.database_url or Path(a.data_dir).resolve()) == (b.database_url or Path(b.data_dir).resolve())
    vectors = (a.chroma_host, a.chroma_port) if a.chroma_host else Path(a.data_dir).resolve()
    return database and vectors == ((b.chroma_host, b.chroma_port) if b.chroma_host else Path(b.data_dir).resolve())


def register(app: typer.Typer) -> None:
    """Add the ingest commands to a Typer app."""
    for name, command in (("ingest", ingest_command), ("list", list_command), ("show", show_command),
                          ("stats", stats_command),
                          ("snapshots", snapshots_command), ("remove", remove_command), ("check", check_command),
                          ("copy", copy_command)):  # fmt: skip
        app.command(name)(damage_is_one_line(command))
