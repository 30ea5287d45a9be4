"""Fixtures for the robustness tests; helpers live in robustkit.py next to this file."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# pytest runs with --import-mode=importlib, which doesn't put test folders on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from robustkit import HashingEmbedder  # noqa: E402


@pytest.fixture(scope="session")
def hashing_embedder() -> HashingEmbedder:
    """The keyword-hashing stand-in for the embedding model."""
    return HashingEmbedder()
