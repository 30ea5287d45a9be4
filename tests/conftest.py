"""Shared fixtures: every test runs isolated from the developer's data dir, Slack settings and proxies."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
EXAMPLES = REPO / "examples" / "articles"
_ISOLATED = (
    "NEWSBOT_",
    "SLACK_",
    "CHROMA_",
    "REDIS_URL",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "http_proxy",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the data dir at a temp folder; clear Slack, Chroma, Redis and proxy variables."""
    for name in list(os.environ):
        if name.startswith(_ISOLATED):
            monkeypatch.delenv(name, raising=False)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(data_dir))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)  # no stray ./data or .env from the developer's checkout
    yield data_dir


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ONNX export of the embedding model for the whole session."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def embedder(model_cache: Path):  # type: ignore[no-untyped-def]
    """The real default embedding model (packaged, offline), loaded once per session."""
    from ingest.embedding import load_embedder
    from ingest.settings import DEFAULT_MODEL

    return load_embedder(DEFAULT_MODEL, "auto", cache_dir=model_cache)


@pytest.fixture(scope="session")
def shared_data():  # type: ignore[no-untyped-def]
    """``shared_data("seed", "x.txt")``: a path under ../shared/data, skipping when it is not there."""

    def locate(*parts: str) -> Path:
        path = SHARED_DATA.joinpath(*parts)
        if not path.exists():
            pytest.skip(f"{path} not available")
        return path

    return locate
