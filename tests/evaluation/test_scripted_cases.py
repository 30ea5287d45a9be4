"""Every scripted case in tests/cases, one test each, through the real answering chain and embedding model.

The articles each case file names are ingested once per session (per distinct article set) into a
temporary data dir. Marked ``eval`` but not ``slow``: they run in the default CI run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.answering.answer import Asks as Answerer
from bot.evaluation.cases import Case, load_case_files
from bot.evaluation.runner import group_by_articles, run_case
from bot.evaluation.scoring import describe_result

CASE_DIR = Path(__file__).resolve().parents[1] / "cases"
FILES = load_case_files([CASE_DIR])
CASES = [case for f in FILES for case in f.cases]
ARTICLES = {id(case): group.articles for group in group_by_articles(FILES) for case in group.cases}


@pytest.fixture(scope="session")
def answerer_for(tmp_path_factory: pytest.TempPathFactory, embedder) -> Callable[[Case], Answerer]:  # type: ignore[no-untyped-def]
    """The real answerer over the articles a case's file names; each article set is ingested once."""
    from bot.answering.chain import Answerer as ServiceAnswerer
    from bot.settings import Settings
    from ingest.pipeline import run_ingest
    from ingest.store import open_index

    built: dict[tuple[Path, ...], Answerer] = {}

    def get(case: Case) -> Answerer:
        articles = ARTICLES[id(case)]
        if articles not in built:
            settings = Settings(data_dir=tmp_path_factory.mktemp("eval-cases"))
            index = open_index(settings, model=embedder.name, dim=embedder.dim)
            report = run_ingest([str(p) for p in articles], index, embedder)
            assert report.failed == 0, report.errors
            built[articles] = ServiceAnswerer(index, embedder, settings)
        return built[articles]

    return get


PARAMS = [
    pytest.param(
        c,
        id=f"{Path(c.source).stem}:{c.id}",
        marks=[pytest.mark.xfail(reason=c.xfail, strict=False)] if c.xfail else [],
    )
    for c in CASES
]


@pytest.mark.eval
@pytest.mark.parametrize("case", PARAMS)
def test_case(case: Case, answerer_for: Callable[[Case], Answerer]) -> None:
    result = run_case(case, answerer_for(case))
    if not result.passed:
        pytest.fail("\n" + describe_result(result), pytrace=False)
