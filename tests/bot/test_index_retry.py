"""A question whose embedded Chroma query fails while another writer is mid-ingest waits for that write
to end (the index generation moves on), reopens Chroma and answers; with a Chroma server, when no write
ends, or when the retry fails too, the ``IndexUnavailable`` reaches the caller (the bot says "can't reach")."""

from __future__ import annotations

import functools
import json
import threading
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from chromadb.errors import InternalError

from bot.answering.chain import Answerer
from bot.settings import Settings
from ingest.errors import IndexUnavailable
from ingest.pipeline import IngestReport, run_ingest
from ingest.store import Index, open_index

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "articles"
QUESTION = "Who designed the Ostervik suspension bridge?"
AS_OF = date(2025, 6, 30)
BRIDGE = {
    "id": "bridge-1",
    "title": "Ostervik bridge opens to traffic",
    "source": "Test Desk",
    "published": "2025-06-12",
    "text": "The Ostervik suspension bridge opened to traffic on Thursday. It was designed by the engineer "
    "Lena Brask, whose team spent six years on the 1,200-metre span.",
}


class LaggingCollection:
    """The embedded Chroma collection while another process writes: its first ``failures`` queries fail
    the way they do then ("Error finding id"); everything else goes to the real collection."""

    def __init__(self, real: Any, failures: int = 1) -> None:
        self.real = real
        self.failures = failures
        self.queries = 0
        self.failed = threading.Event()

    def query(self, **kwargs: Any) -> Any:
        self.queries += 1
        if self.queries <= self.failures:
            self.failed.set()
            raise InternalError("Error executing plan: Error finding id")
        return self.real.query(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


class Writer:
    """Another writer on the same data dir (its own connections), ingesting the bridge article in a
    thread once the answerer's query has failed: the real write path, which bumps the generation."""

    def __init__(self, settings: Settings, embedder: Any, source: Path, start: threading.Event) -> None:
        self.index = open_index(settings, model=embedder.name, dim=embedder.dim)
        self.embedder = embedder
        self.source = source
        self.start = start
        self.reports: list[IngestReport] = []
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            if self.start.wait(120):
                self.reports.append(run_ingest([str(self.source)], self.index, self.embedder))
        except BaseException as exc:  # surfaced by join()
            self.errors.append(exc)

    def join(self) -> IngestReport:
        self.start.set()  # never leave the thread waiting when the query did not fail
        self.thread.join(120)
        self.index.close()
        assert not self.thread.is_alive() and not self.errors, self.errors
        [report] = self.reports
        assert report.failed == 0, report.errors
        return report


@pytest.fixture
def settings(isolated_env: Path) -> Settings:
    return Settings.from_env()


@pytest.fixture
def index(settings: Settings, embedder: Any) -> Index:
    """A fresh index holding one example article (the US–Japan fund), not the bridge."""
    index = open_index(settings, model=embedder.name, dim=embedder.dim)
    report = run_ingest([str(EXAMPLES / "us-japan-fund.md")], index, embedder)
    assert report.failed == 0, report.errors
    return index


@pytest.fixture
def bridge(tmp_path: Path) -> Path:
    path = tmp_path / "bridge.jsonl"
    path.write_text(json.dumps(BRIDGE) + "\n", encoding="utf-8")
    return path


def lag(index: Index, monkeypatch: pytest.MonkeyPatch, failures: int = 1) -> LaggingCollection:
    collection = LaggingCollection(index.vectors.collection, failures)
    monkeypatch.setattr(index.vectors, "collection", collection)
    return collection


def test_a_query_failing_mid_write_waits_for_the_write_reopens_and_answers_with_its_citation(
    settings: Settings, index: Index, embedder: Any, bridge: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answerer = Answerer(index, embedder, settings)
    stale_vectors, generation = index.vectors, index.generation()
    collection = lag(index, monkeypatch)
    writer = Writer(settings, embedder, bridge, start=collection.failed)

    answer = answerer.ask(QUESTION, as_of=AS_OF)
    writer.join()

    assert collection.queries == 1  # failed once; the retry queried the reopened collection
    assert index.vectors is not stale_vectors and index.generation() > generation
    assert not answer.refused, answer.text
    assert "Lena Brask" in answer.text
    assert answer.citations and answer.citations[0].article_id == "bridge-1"
    assert "Lena Brask" in answer.citations[0].quote


def test_with_a_chroma_server_the_failure_is_raised_at_once(
    settings: Settings, index: Index, embedder: Any, bridge: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With CHROMA_HOST a failed query means the server is down: no waiting for writes, no retry.
    answerer = Answerer(index, embedder, replace(settings, chroma_host="127.0.0.1"))
    waits: list[int] = []
    real_wait = answerer._await_new_generation

    def recorded_wait(seen: int) -> bool:
        waits.append(seen)
        return real_wait(seen)

    monkeypatch.setattr(answerer, "_await_new_generation", recorded_wait)
    collection = lag(index, monkeypatch)
    writer = Writer(settings, embedder, bridge, start=collection.failed)  # a write does end meanwhile

    with pytest.raises(IndexUnavailable, match="Error finding id"):
        answerer.ask(QUESTION, as_of=AS_OF)
    writer.join()

    assert waits == [] and collection.queries == 1


def test_when_no_write_ends_the_failure_is_raised_after_the_wait(
    settings: Settings, index: Index, embedder: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    answerer = Answerer(index, embedder, settings)
    # WRITE_WAIT_S is bound as the method's default when the module loads: shorten this answerer's wait
    monkeypatch.setattr(
        answerer, "_await_new_generation", functools.partial(Answerer._await_new_generation, answerer, timeout=0.2)
    )
    vectors, generation = index.vectors, index.generation()
    collection = lag(index, monkeypatch, failures=10)

    with pytest.raises(IndexUnavailable, match="Error finding id"):
        answerer.ask(QUESTION, as_of=AS_OF)

    assert collection.queries == 1  # no retry without a finished write
    assert index.vectors is vectors and index.generation() == generation  # nor a reopen


def test_a_retry_that_fails_too_is_raised_not_repeated(
    settings: Settings, index: Index, embedder: Any, bridge: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answerer = Answerer(index, embedder, settings)
    first = lag(index, monkeypatch)
    again: list[LaggingCollection] = []
    real_reopen = index.reopen_vectors

    def reopen_still_lagging() -> None:
        real_reopen()
        again.append(lag(index, monkeypatch, failures=10))

    monkeypatch.setattr(index, "reopen_vectors", reopen_still_lagging)
    writer = Writer(settings, embedder, bridge, start=first.failed)

    with pytest.raises(IndexUnavailable, match="Error finding id"):
        answerer.ask(QUESTION, as_of=AS_OF)
    writer.join()

    assert first.queries == 1 and [c.queries for c in again] == [1]  # one retry after one reopen
