"""Shared fixtures: every test runs isolated from the developer's data dir, Slack settings and proxies."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
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
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model_cache: Path) -> Iterator[Path]:
    """Point the data dir at a temp folder; clear Slack, Chroma, Redis and proxy variables; share the
    session's model exports (one ONNX export and int8 quantization per session, not per data dir)."""
    for name in list(os.environ):
        if name.startswith(_ISOLATED):
            monkeypatch.delenv(name, raising=False)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(data_dir))
    monkeypatch.setenv("NEWSBOT_MODEL_DIR", str(model_cache))
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


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ChromaServer:
    """`chroma run` on 127.0.0.1 that can be stopped, restarted on the same port and path, or frozen."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.exe, "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={"RUST_LOG": "warn", "PATH": "/usr/bin:/bin"},
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        pytest.fail("chroma run did not answer its heartbeat within 30 s")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGCONT)  # in case it was frozen
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None

    def freeze(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)


@pytest.fixture
def chroma_process(tmp_path: Path) -> Iterator[ChromaServer]:
    """A real ``chroma run`` server on 127.0.0.1, started; stopped after the test."""
    server = ChromaServer(tmp_path / "chroma-server")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def chroma_server(chroma_process: ChromaServer) -> int:
    """The port of a real ``chroma run`` server on 127.0.0.1."""
    return chroma_process.port
