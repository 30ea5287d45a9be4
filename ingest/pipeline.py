"""The ingest run: read → clean → plan → chunk → embed → write, with reading and writing overlapped
with encoding (the bottleneck) so the pipeline around the model costs almost nothing."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TextIO, cast

import numpy as np

from ingest.articles import content_hash, text_hash, to_article
from ingest.chunking import chunk_article
from ingest.embedding import Embedder
from ingest.errors import IndexUnavailable, InputError, split_origin, unexpected
from ingest.fetch import Fetcher
from ingest.models import Article, RawRecord
from ingest.readers import input_limit, read_inputs
from ingest.snapshots import extract_snapshots
from ingest.store import Index, PreparedArticle

BATCH_CHUNKS = 256
_WriteJob = tuple[list[PreparedArticle], list[str], np.ndarray]
log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    """What a run did: counts per outcome, the errors (one line each), and throughput."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    reembedded: int = 0  # unchanged, but their vectors were missing
    failed: int = 0
    chunks: int = 0
    tokens: int = 0
    seconds: float = 0.0
    failures: list[InputError] = field(default_factory=list)  # records and files not stored
    doubts: list[InputError] = field(default_factory=list)  # stored, but worth a look

    @property
    def errors(self) -> list[str]:
        """One line per failure, naming file, record and reason."""
        return [str(e) for e in self.failures]

    @property
    def warnings(self) -> list[str]:
        """One line per doubtful record that was stored all the same."""
        return [str(e) for e in self.doubts]

    def as_dict(self) -> dict[str, object]:
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "duplicates": self.duplicates,
            "reembedded": self.reembedded,
            "failed": self.failed,
            "chunks": self.chunks,
            "tokens": self.tokens,
            "seconds": round(self.seconds, 3),
            "chunks_per_second": round(self.chunks / self.seconds, 2) if self.seconds else 0.0,
            "errors": [_as_object(e) for e in self.failures],
            "warnings": [_as_object(e) for e in self.doubts],
        }


def _as_object(error: InputError) -> dict[str, str | int]:
    """An error or warning as {file, record, reason, count} (record "" for a whole file; count the records it
    stands for)."""
    file, record = split_origin(error.origin)
    return {"file": file, "record": record, "reason": error.reason, "count": error.count}


ProgressCallback = Callable[[int, int], None]  # (records read, chunks embedded)


@dataclass
class _Planner:
    """Decides per article: skip (unchanged or duplicate), or prepare for writing."""

    index: Index
    report: IngestReport
    on_error: Callable[[str], None]
    max_bytes: int
    redo: set[str]
    missing_vectors: set[str]
    seen_hashes: dict[str, str] = field(default_factory=dict)
    seen_urls: dict[str, str] = field(default_factory=dict)
    aliases: list[tuple[str, str]] = field(default_factory=list)  # written once their articles are
    planned: dict[str, str] = field(default_factory=dict)  # id -> content hash, prepared in this run
    progress: ProgressCallback | None = None
    default_date: date | None = None
    on_warning: Callable[[str], None] = lambda _m: None
    seen: int = 0

    def plan(self, item: RawRecord | InputError) -> PreparedArticle | None:
        self.seen += 1
        if self.progress and self.seen % 25 == 0:
            self.progress(self.seen, self.report.chunks)
        if isinstance(item, InputError):
            self._fail(item)
            return None
        article = self._article(item)
        if article is None:
            return None
        for warning in item.warnings:
            doubt = InputError(item.origin, warning)
            self.report.doubts.append(doubt)
            self.on_warning(str(doubt))
        digest = content_hash(article)
        if self.planned.get(article.id) == digest:  # the same record again (overlapping inputs): once
            self.report.duplicates += 1
            return None
        text_key = text_hash(article.text)
        existing = self.index.existing(article.id)
        unchanged = existing is not None and existing["content_hash"] == digest and existing["status"] == "ready"
        if unchanged and article.id not in self.missing_vectors:
            self.report.unchanged += 1
            return None
        twin = self.seen_hashes.get(text_key) or (self.seen_urls.get(article.url) if article.url else None)
        if twin is None and existing is None:
            twin = self.index.find_duplicate(article.id, article.url, text_key)
        if twin is not None and twin != article.id:
            self.aliases.append((article.id, twin))
            self.report.duplicates += 1
            return None
        prepared = self._prepare(article, digest, text_key)
        if prepared is None:
            return None
        self.seen_hashes[text_key] = article.id
        if article.url:
            self.seen_urls[article.url] = article.id
        if unchanged:
            self.report.reembedded += 1
        elif existing is None or article.id in self.redo:
            self.report.new += 1
        else:
            self.report.updated += 1
        self.planned[article.id] = digest
        return prepared

    def _article(self, item: RawRecord) -> Article | None:
        """The record as an article, or None after reporting why it cannot be one."""
        try:
            return to_article(item, max_bytes=self.max_bytes, default_date=self.default_date)
        except InputError as exc:
            self._fail(exc)
        except Exception as exc:  # one record no step foresaw must not cost the others
            log.debug("unexpected failure reading %s", item.origin, exc_info=True)
            self._fail(InputError(item.origin, unexpected(exc)))
        return None

    def _prepare(self, article: Article, digest: str, text_key: str) -> PreparedArticle | None:
        """Chunks and snapshots of an article, or None after reporting why they cannot be made."""
        try:
            chunks = chunk_article(article.id, article.text, digest)
            snapshots = extract_snapshots(article.text, article.id, article.published)
        except Exception as exc:  # one record no step foresaw must not cost the others
            log.debug("unexpected failure preparing %s", article.origin, exc_info=True)
            self._fail(InputError(article.origin, unexpected(exc)))
            return None
        return PreparedArticle(article, digest, text_key, chunks, snapshots)

    def _fail(self, error: InputError) -> None:
        self.report.failed += error.count
        self.report.failures.append(error)
        self.on_error(str(error))


def _batches(prepared: Iterable[PreparedArticle | None]) -> Iterator[list[PreparedArticle]]:
    batch: list[PreparedArticle] = []
    size = 0
    for p in prepared:
        if p is None:
            continue
        batch.append(p)
        size += len(p.chunks)
        if size >= BATCH_CHUNKS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


_DONE = object()


def _in_thread(items: Iterable[object], maxsize: int) -> Generator[object, None, None]:
    """Run a producer in a background thread, handing its items over through a bounded queue.

    Closing the generator stops the producer and waits for it: it reads the index's database, which
    must not be closed under it (a failed run otherwise crashed in SQLite's native code)."""
    q: queue.Queue[object] = queue.Queue(maxsize)
    failure: list[BaseException] = []
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as exc:  # re-raised in the consumer  # noqa: BLE001
            failure.append(exc)
        put(_DONE)

    thread = threading.Thread(target=produce, name="ingest-reader", daemon=True)
    thread.start()
    try:
        while (item := q.get()) is not _DONE:
            yield item
    finally:
        stop.set()
        thread.join()
    if failure:
        raise failure[0]


def embed_text(p: PreparedArticle, chunk_text: str) -> str:
    """What gets embedded for a chunk: the title gives the passage its topic."""
    return f"{p.article.title}\n{chunk_text}"


def run_ingest(
    inputs: Sequence[str],
    index: Index,
    embedder: Embedder,
    *,
    stdin: TextIO | None = None,
    on_error: Callable[[str], None] = lambda _m: None,
    on_warning: Callable[[str], None] = lambda _m: None,
    progress: ProgressCallback | None = None,
    max_record_bytes: int = 5_000_000,
    batch_size: int = 16,
    default_date: date | None = None,
    field_map: Mapping[str, str] | None = None,
    follow_links: bool = False,
    fetch_timeout: float = 30.0,
    fetch_run_timeout: float = 600.0,
) -> IngestReport:
    """Ingest every article in ``inputs``; bad records are reported, the rest stored. Records with no date
    in them get ``default_date`` (marked inferred); ``field_map`` names the inputs' own fields. URLs get
    ``fetch_timeout`` seconds each for their whole response, and ``fetch_run_timeout`` all together;
    ``follow_links`` fetches the page of each feed item that is only a headline."""
    report = IngestReport()
    started = time.perf_counter()
    # Interrupted by a crash (or being written by another run right now): the planner redoes every
    # article that is not 'ready', whatever its hash; its stored hash is left alone, as a concurrent
    # run that finishes it must leave it unchanged for the next run.
    redo = set(index.pending_ids())
    try:  # e.g. the Chroma folder was lost: unchanged articles are embedded again
        missing = index.articles_missing_vectors(quick=True)
    except IndexUnavailable:  # a Chroma server down: the first write says so, as it always did
        missing = set()
    planner = _Planner(
        index,
        report,
        on_error,
        max_record_bytes,
        redo,
        missing,
        progress=progress,
        default_date=default_date,
        on_warning=on_warning,
    )
    fetch = Fetcher(deadline_s=fetch_timeout, run_deadline_s=fetch_run_timeout, max_bytes=input_limit(max_record_bytes))
    reader = read_inputs(
        list(inputs), stdin=stdin, fetch=fetch, max_record_bytes=max_record_bytes, field_map=field_map,
        follow_links=follow_links,
    )  # fmt: skip
    batches = _in_thread(_batches(planner.plan(item) for item in reader), maxsize=4)

    writes: queue.Queue[_WriteJob | object] = queue.Queue(maxsize=2)
    write_failure: list[BaseException] = []

    def write_loop() -> None:
        while (job := writes.get()) is not _DONE:
            if write_failure:
                continue
            done_batch, done_texts, done_vectors = cast(_WriteJob, job)
            try:
                for alias, twin in index.write(done_batch, done_vectors).items():  # another run was first
                    planner.aliases.append((alias, twin))
                    report.new -= 1
                    report.duplicates += 1
                report.tokens += embedder.count_tokens(done_texts)
            except BaseException as exc:  # re-raised in the consumer  # noqa: BLE001
                write_failure.append(exc)

    writer = threading.Thread(target=write_loop, name="ingest-writer", daemon=True)
    writer.start()
    try:
        for batch in batches:
            assert isinstance(batch, list)
            texts = [embed_text(p, c.text) for p in batch for c in p.chunks]
            vectors = embedder.embed(texts, batch_size=batch_size)
            if write_failure:
                break
            writes.put((batch, texts, vectors))
            report.chunks += len(texts)
            if progress:
                progress(planner.seen, report.chunks)
    finally:
        writes.put(_DONE)
        writer.join()
        batches.close()  # stop reading before anyone closes the index
    if write_failure:
        raise write_failure[0]
    for alias, twin in planner.aliases:
        index.add_alias(alias, twin)
    if progress:
        progress(planner.seen, report.chunks)
    report.seconds = time.perf_counter() - started
    return report
