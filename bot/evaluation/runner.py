"""Running cases through an answerer: ingest the articles a case file names, ask, time, score."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from bot.answering.answer import Asks
from bot.evaluation.cases import Case, CaseError, CaseFile
from bot.evaluation.scoring import AliasLookup, CaseResult, score_case
from bot.settings import Settings

AnswererFactory = Callable[[Settings], Asks]
ResultCallback = Callable[[CaseResult], None]


def default_answerer_factory(settings: Settings) -> Asks:
    """The answering code the bot uses (imported lazily: it loads models)."""
    from bot.answering.chain import build_answerer

    return build_answerer(settings)


def run_case(
    case: Case, answerer: Asks, *, default_as_of: date | None = None, aliases: AliasLookup | None = None
) -> CaseResult:
    """Ask one case's question (with its history, as of its date) and score the answer."""
    started = time.perf_counter()
    try:
        answer = answerer.ask(case.question, as_of=case.as_of or default_as_of, history=case.history)
    except Exception as exc:  # one broken case must not stop the run; the scorecard shows the error  # noqa: BLE001
        elapsed = (time.perf_counter() - started) * 1000
        return score_case(case, None, elapsed, error=f"{type(exc).__name__}: {exc}", aliases=aliases)
    elapsed = (time.perf_counter() - started) * 1000
    return score_case(case, answer, elapsed, aliases=aliases)


def run_cases(
    cases: Iterable[Case],
    answerer: Asks,
    *,
    default_as_of: date | None = None,
    aliases: AliasLookup | None = None,
    on_result: ResultCallback | None = None,
) -> list[CaseResult]:
    """Run cases in order through one answerer."""
    results = []
    for case in cases:
        result = run_case(case, answerer, default_as_of=default_as_of, aliases=aliases)
        results.append(result)
        if on_result:
            on_result(result)
    return results


@dataclass
class ArticleGroup:
    """Cases that share one set of articles (and so one index and one answerer)."""

    articles: tuple[Path, ...]
    cases: list[Case] = field(default_factory=list)


def group_by_articles(files: Sequence[CaseFile]) -> list[ArticleGroup]:
    """Cases grouped by the article set of their file; files naming no articles share the configured index."""
    groups: dict[tuple[Path, ...], ArticleGroup] = {}
    for f in files:
        key = f.article_set()
        groups.setdefault(key, ArticleGroup(key)).cases.extend(f.cases)
    return list(groups.values())


def ingest_articles(paths: Sequence[Path], settings: Settings) -> dict[str, Any]:
    """Ingest articles into ``settings.data_dir`` (idempotent); raises when an article cannot be read."""
    from ingest import open_with_embedder, run_ingest

    index, embedder = open_with_embedder(settings)
    try:
        report = run_ingest(
            [str(p) for p in paths],
            index,
            embedder,
            max_record_bytes=settings.max_record_bytes,
            batch_size=settings.embedding_batch_size,
        )
    finally:
        index.close()
    if report.errors:
        raise CaseError("cannot ingest the case articles: " + "; ".join(report.errors[:3]))
    return report.as_dict()


def alias_lookup(settings: Settings) -> AliasLookup | None:
    """Aliases of a stored article (other ids that arrived with the same text), when the index knows them."""
    from ingest import open_catalog

    if not settings.database_url and not (Path(settings.data_dir) / "newsbot.sqlite").exists():
        return None
    catalog = open_catalog(settings)
    cache: dict[str, list[str]] = {}

    def lookup(article_id: str) -> list[str]:
        if article_id not in cache:
            cache[article_id] = catalog.aliases(article_id)
        return cache[article_id]

    return lookup


@dataclass
class Evaluation:
    """Everything one evaluation produced: results in case order, and how the indexes were prepared."""

    results: list[CaseResult]
    ingests: list[dict[str, Any]]
    answerers: list[str]


def evaluate(
    files: Sequence[CaseFile],
    settings: Settings,
    *,
    workdir: Path,
    answerer_factory: AnswererFactory = default_answerer_factory,
    default_as_of: date | None = None,
    on_result: ResultCallback | None = None,
) -> Evaluation:
    """Run every case of ``files``: a file naming its own articles gets a fresh index under ``workdir``
    holding exactly those articles; the others are asked against the configured index."""
    results: list[CaseResult] = []
    ingests: list[dict[str, Any]] = []
    answerers: list[str] = []
    for n, group in enumerate(group_by_articles(files)):
        group_settings = settings
        if group.articles:
            # a temporary local index, never the shared Chroma server or database the settings may name;
            # it reuses the configured model cache (an ONNX export takes ~8 s)
            group_settings = replace(
                settings,
                data_dir=workdir / f"index-{n}",
                model_dir=settings.model_cache,
                chroma_host="",
                database_url="",
            )
            report = ingest_articles(group.articles, group_settings)
            ingests.append({"articles": [str(p) for p in group.articles], **report})
        answerer = answerer_factory(group_settings)
        answerers.append(type(answerer).__name__)
        results.extend(
            run_cases(
                group.cases,
                answerer,
                default_as_of=default_as_of,
                aliases=alias_lookup(group_settings),
                on_result=on_result,
            )
        )
    return Evaluation(results, ingests, answerers)
