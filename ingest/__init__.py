"""newsbot's write side: read, clean, date, chunk, embed and store news articles — and the index contract.

This module is the contract: ``bot/`` imports only the names below, never ``ingest``'s modules. The read
side opens the index (:func:`open_index`, :func:`open_with_embedder`), reads through :class:`Index`
(dense and keyword search, coverage, snapshots, generation and reopen), and shares the text utilities
(sentences, dates, keywords, assets). The ingest commands of the ``newsbot`` CLI run the write side
through :func:`run_ingest` and :func:`copy_index`.
"""

from ingest.catalog import Catalog, ChunkRecord, Coverage, SnapshotRow, keywords, plausible
from ingest.copy import CopyReport, copy_index
from ingest.dates import find_dates
from ingest.embedding import Embedder
from ingest.errors import ConfigError, IndexUnavailable, InputError, NewsbotError
from ingest.pipeline import IngestReport, run_ingest
from ingest.readers import estimate_records, parse_field_map
from ingest.repair import repair_vectors
from ingest.sentences import sentence_spans, split_sentences
from ingest.settings import (
    IndexSettings,
    env_int,
    public_settings,
    read_index_fields,
    redact_url,
    secret,
    secret_fields,
    secret_values,
)
from ingest.snapshots import canonical_asset, find_assets
from ingest.store import Index, index_damage, open_catalog, open_index, open_with_embedder, require_index
from ingest.structure import Unit, sentence_units, without_dateline

__all__ = [
    "Catalog",
    "ChunkRecord",
    "ConfigError",
    "CopyReport",
    "Coverage",
    "Embedder",
    "Index",
    "IndexSettings",
    "IndexUnavailable",
    "IngestReport",
    "InputError",
    "NewsbotError",
    "SnapshotRow",
    "Unit",
    "canonical_asset",
    "copy_index",
    "env_int",
    "estimate_records",
    "find_assets",
    "find_dates",
    "index_damage",
    "keywords",
    "open_catalog",
    "require_index",
    "open_index",
    "open_with_embedder",
    "parse_field_map",
    "plausible",
    "public_settings",
    "read_index_fields",
    "redact_url",
    "repair_vectors",
    "run_ingest",
    "secret",
    "secret_fields",
    "secret_values",
    "sentence_spans",
    "sentence_units",
    "split_sentences",
    "without_dateline",
]
