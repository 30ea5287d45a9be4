"""Fixtures for the robustness tests; helpers live in robust.py (tests/support) next to this file."""

from __future__ import annotations

import pytest

from tests.support.fake_embedder import HashingEmbedder


@pytest.fixture(scope="session")
def hashing_embedder() -> HashingEmbedder:
    """The keyword-hashing stand-in for the embedding model."""
    return HashingEmbedder()
