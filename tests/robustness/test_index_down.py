"""A real `chroma run` server stopped (or frozen) while the bot runs: questions get a clear "I can't reach
my news index" instead of a crash, the process stays up, and answers resume once the server is back,
without rebuilding the answerer or restarting the bot."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.answering.chain import Answerer
from bot.settings import Settings
from bot.slack.text import APOLOGY, INDEX_DOWN
from ingest.errors import IndexUnavailable
from ingest.pipeline import run_ingest
from ingest.store import Index, open_index
from tests.support.fake_slack import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, FakeSlack, event_body, mention, post

pytestmark = pytest.mark.integration
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "articles"
DAY = date(2025, 5, 26)
QUESTION = "Who proposed the US-Japan fund?"


@pytest.fixture
def server(chroma_process: Any) -> Any:
    """The shared ``chroma run`` fixture (tests/conftest.py), which can stop, restart and freeze."""
    return chroma_process


def _open(server: Any, data_dir: Path, embedder: Any) -> Index:
    settings = Settings(data_dir=data_dir, chroma_host="127.0.0.1", chroma_port=server.port)
    return open_index(settings, model=embedder.name, dim=embedder.dim)


@pytest.fixture
def answerer(server: Any, tmp_path: Path, embedder) -> Iterator[Answerer]:  # type: ignore[no-untyped-def]
    index = _open(server, tmp_path / "data", embedder)
    report = run_ingest([str(EXAMPLES)], index, embedder)
    assert report.new == 4 and report.failed == 0
    yield Answerer(index, embedder, index.settings)
    index.close()


def test_questions_fail_clearly_while_the_server_is_down_and_resume_after_restart(
    server: Any, answerer: Answerer
) -> None:
    assert "Masayoshi Son" in answerer.ask(QUESTION, as_of=DAY).text
    server.stop()
    for _ in range(2):  # and again: nothing is left broken by the first failure
        started = time.perf_counter()
        with pytest.raises(IndexUnavailable) as failure:
            answerer.ask(QUESTION, as_of=DAY)
        assert time.perf_counter() - started < 5
        message = str(failure.value)
        assert "\n" not in message and f"Chroma server at 127.0.0.1:{server.port}" in message
    # dated market figures live in SQLite: those questions are still answered
    market = answerer.ask("What did Bitcoin trade at on May 25, 2025?", as_of=DAY)
    assert "$108,029.56" in market.text
    server.start()  # same port, same path
    assert "Masayoshi Son" in answerer.ask(QUESTION, as_of=DAY).text


def test_a_frozen_server_times_out_instead_of_hanging(
    server: Any, tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("ingest.vectors.SERVER_TIMEOUT_S", 2.0)
    index = _open(server, tmp_path / "data", embedder)
    run_ingest([str(EXAMPLES)], index, embedder)
    answerer = Answerer(index, embedder, index.settings)
    server.freeze()
    try:
        started = time.perf_counter()
        with pytest.raises(IndexUnavailable, match="timed out"):
            answerer.ask(QUESTION, as_of=DAY)
        assert time.perf_counter() - started < 10
    finally:
        server.thaw()
    assert "Masayoshi Son" in answerer.ask(QUESTION, as_of=DAY).text
    index.close()


def test_ingest_while_the_server_is_down_is_one_clear_error_and_a_rerun_completes(
    server: Any, tmp_path: Path, embedder
) -> None:  # type: ignore[no-untyped-def]
    index = _open(server, tmp_path / "data", embedder)
    server.stop()
    with pytest.raises(IndexUnavailable) as failure:
        run_ingest([str(EXAMPLES)], index, embedder)
    assert "\n" not in str(failure.value) and "writing vectors failed" in str(failure.value)
    # nothing half-written: the failed batch was taken back out of SQLite
    assert index.db.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
    server.start()
    report = run_ingest([str(EXAMPLES)], index, embedder)
    assert report.new == 4 and not any(index.check().values())
    index.close()


# ---- the same through Slack ------------------------------------------------------------------------


class _Bot:
    def __init__(self, settings: Settings, answerer: Answerer) -> None:
        from bot.slack.app import create_app
        from bot.slack.http_server import HttpServer

        self.executor = ThreadPoolExecutor(max_workers=4)
        self.app = create_app(settings, answerer, executor=self.executor)
        self.server = HttpServer(self.app, SIGNING_SECRET, "127.0.0.1", 0)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.port}/slack/events"

    def mention(self, text: str, ts: str) -> int:
        body = json.dumps(event_body(mention(text, ts=ts))).encode()
        return post(self.url, body, "application/json").status

    def stop(self) -> None:
        self.server.shutdown()
        self.executor.shutdown(wait=True, cancel_futures=True)


@pytest.fixture
def fake_slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    fake = FakeSlack().start()
    yield fake
    fake.stop()


def test_slack_says_it_cannot_reach_the_index_and_recovers(
    server: Any, answerer: Answerer, fake_slack: FakeSlack, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = answerer.settings.with_overrides(
        slack_bot_token=BOT_TOKEN, slack_app_token=APP_TOKEN, slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.api_url, rate_limit_per_minute=100, data_dir=tmp_path / "bot-data",
    )  # fmt: skip
    bot = _Bot(settings, answerer)
    try:
        server.stop()
        assert bot.mention(QUESTION, ts="1748300000.000100") == 200
        [down] = fake_slack.wait_for("chat.postMessage", timeout=10)
        assert down["thread_ts"] == "1748300000.000100"  # in the question's thread
        assert down["text"] == INDEX_DOWN and "can't reach my news index right now" in down["text"]
        assert down["text"] != APOLOGY
        assert "Traceback" not in caplog.text  # logged as a warning, not as a crash

        server.start()
        assert bot.mention(QUESTION, ts="1748300001.000100") == 200  # the same process, still serving
        posts = fake_slack.wait_for("chat.postMessage", 2, timeout=15)
        assert posts[1]["thread_ts"] == "1748300001.000100" and "Masayoshi Son" in posts[1]["text"]
    finally:
        bot.stop()
