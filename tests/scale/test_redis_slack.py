"""The Slack app on Redis stores: a Redis outage while running gets the user a short reply and
answers resume when it is back; an unreachable Redis at start stops `newsbot serve` before it
touches Slack; `newsbot feedback` exports from Redis."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.settings import Settings
from bot.slack.app import create_app
from bot.slack.http_server import HttpServer
from bot.slack.server import serve
from bot.slack.state.stores import open_stores
from bot.slack.text import INDEX_DOWN
from ingest.errors import ConfigError
from tests.support.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeAnswerer, FakeSlack, event_body, mention, post


def _settings(tmp_path: Path, fake_slack: FakeSlack, redis_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.api_url,
        redis_url=redis_url,
        rate_limit_per_minute=100,
    )


@pytest.fixture
def redis_bot(tmp_path: Path, fake_slack: FakeSlack, redis_server: Any) -> Iterator[str]:
    """The real Bolt app on Redis stores in a real HTTP server; yields its events URL."""
    settings = _settings(tmp_path, fake_slack, redis_server.url)
    stores = open_stores(settings)
    executor = ThreadPoolExecutor(4)
    app = create_app(
        settings,
        FakeAnswerer(),
        executor=executor,
        dedupe=stores.dedupe,
        feedback=stores.feedback,
        limiter=stores.limiter,
    )
    server = HttpServer(app, SIGNING_SECRET, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.port}/slack/events"
    server.shutdown()
    executor.shutdown(wait=True, cancel_futures=True)
    stores.close()


def _send(url: str, ts: str, event_id: str) -> int:
    body = json.dumps(event_body(mention("Who proposed the US-Japan fund?", ts=ts), event_id=event_id)).encode()
    return post(url, body, "application/json").status


def test_redis_outage_gets_a_short_reply_and_answers_resume(redis_bot, redis_server, fake_slack):
    assert _send(redis_bot, "1748300000.000100", "EvA") == 200
    [first] = fake_slack.wait_for("chat.postMessage")
    assert "Masayoshi Son" in first["text"]

    redis_server.stop()
    assert _send(redis_bot, "1748300000.000200", "EvB") == 200  # still acked: Slack won't retry into the outage
    [_, down] = fake_slack.wait_for("chat.postMessage", 2)
    assert down["text"] == INDEX_DOWN and down["thread_ts"] == "1748300000.000200"

    redis_server.start()  # same port, no restart of the bot
    assert _send(redis_bot, "1748300000.000300", "EvC") == 200
    [*_, back] = fake_slack.wait_for("chat.postMessage", 3)
    assert "Masayoshi Son" in back["text"] and back["thread_ts"] == "1748300000.000300"
    assert _send(redis_bot, "1748300000.000300", "EvC") == 200  # a retry after recovery is dropped again
    assert len(fake_slack.calls_to("chat.postMessage")) == 3


def test_serve_with_unreachable_redis_fails_before_slack(tmp_path: Path, fake_slack: FakeSlack):
    url = "redis://:topsecretpw@127.0.0.1:1/0"  # port 1: nothing listens
    settings = _settings(tmp_path, fake_slack, url)
    with pytest.raises(ConfigError) as caught:
        serve(settings, http=True, host="127.0.0.1", port=0, answerer=FakeAnswerer())
    assert "Cannot reach Redis" in str(caught.value) and "topsecretpw" not in str(caught.value)
    assert fake_slack.calls == []  # not even auth.test


def test_feedback_cli_reads_redis(redis_server, monkeypatch, tmp_path: Path):
    from bot.cli import make_app
    from bot.slack.state.redis import connect
    from bot.slack.state.redis_feedback import RedisFeedbackStore

    store = RedisFeedbackStore(connect(redis_server.url))
    answer_id = store.record_answer(
        FakeAnswerer().ask("Who proposed the US-Japan fund?"), asker="U1", channel="C1", thread_ts="1748300000.000100"
    )
    store.record_vote(answer_id, user="U9", vote="up")
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    result = CliRunner().invoke(make_app(), ["feedback", "--json"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)
    assert row["user"] == "U9" and row["vote"] == "up" and row["answer_id"] == answer_id
    assert "Masayoshi Son" in row["answer"]

    monkeypatch.setenv("REDIS_URL", "redis://:topsecretpw@127.0.0.1:1/0")
    result = CliRunner().invoke(make_app(), ["feedback"])
    assert result.exit_code != 0 and "Cannot reach Redis" in result.output
    assert "topsecretpw" not in result.output and "Traceback" not in result.output
