"""The same ingest and search code against a real `chroma run` server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings
from ingest.pipeline import run_ingest
from ingest.store import open_index

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "articles"


@pytest.mark.integration
def test_ingest_and_query_through_a_chroma_server(chroma_server: int, monkeypatch, embedder) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("CHROMA_PORT", str(chroma_server))
    settings = Settings.from_env()
    index = open_index(settings, model=embedder.name, dim=embedder.dim)
    report = run_ingest([str(EXAMPLES)], index, embedder)
    assert report.new == 4 and report.failed == 0
    assert index.vectors.count() == report.chunks
    hits = index.vectors.query(embedder.embed_query("electric ferry route in the harbor"), 3)
    assert hits[0][0].startswith("ex-harbor-ferry#")
    assert not any(index.check().values())
    # a second client (another process's view) sees the same rows through the server
    import chromadb

    other = chromadb.HttpClient(host="127.0.0.1", port=chroma_server).get_collection(settings.collection)
    assert other.count() == report.chunks
    again = run_ingest([str(EXAMPLES)], index, embedder)
    assert again.unchanged == 4 and index.vectors.count() == report.chunks
