"""Two real `newsbot serve --http` processes sharing a `chroma run` server, Redis and one data dir:
an event delivered to one and its retry delivered to the other is answered exactly once, and the
rate limit and feedback are shared too."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, event_body, mention, post
from tests.support.services import EXAMPLES, NEWSBOT, free_port

pytestmark = pytest.mark.integration


@dataclass
class BotProcess:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _env(tmp_path: Path, chroma_port: int, redis_url: str, fake_slack: FakeSlack) -> dict[str, str]:
    env = dict(os.environ)  # already stripped of proxies and NEWSBOT_/SLACK_/CHROMA_ by the autouse fixture
    env.update(
        NEWSBOT_DATA_DIR=str(tmp_path / "shared-data"),
        NEWSBOT_EMBEDDING_BACKEND="torch",  # no ONNX export: quicker to start on a busy 2-core machine
        NEWSBOT_AS_OF="2025-05-26",
        NEWSBOT_RATE_LIMIT_PER_MINUTE="2",
        NEWSBOT_LOG_LEVEL="INFO",
        CHROMA_HOST="127.0.0.1",
        CHROMA_PORT=str(chroma_port),
        REDIS_URL=redis_url,
        SLACK_API_URL=fake_slack.api_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        HF_HUB_OFFLINE="1",
        OMP_NUM_THREADS="1",
        TOKENIZERS_PARALLELISM="false",
    )
    return env


def _wait_healthy(bot: BotProcess, timeout: float = 90.0) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if bot.proc.poll() is not None:
            pytest.fail(f"newsbot serve exited with {bot.proc.returncode}:\n{bot.log_text()[-3000:]}")
        try:
            if opener.open(f"http://127.0.0.1:{bot.port}/healthz", timeout=1).read() == b"ok":
                return
        except OSError:
            time.sleep(0.25)
    pytest.fail(f"newsbot serve did not answer /healthz within {timeout:.0f} s:\n{bot.log_text()[-3000:]}")


@pytest.fixture
def two_bots(
    tmp_path: Path, chroma_server: int, redis_server: Any, fake_slack: FakeSlack
) -> Iterator[list[BotProcess]]:
    """Ingest examples/articles into the Chroma server, then start two bot processes on it."""
    env = _env(tmp_path, chroma_server, redis_server.url, fake_slack)
    ingest = subprocess.run(
        [NEWSBOT, "ingest", str(EXAMPLES), "--json", "--quiet"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert ingest.returncode == 0, ingest.stderr[-3000:]
    assert json.loads(ingest.stdout)["new"] == 4
    bots: list[BotProcess] = []
    try:
        for n in (1, 2):
            port = free_port()
            log = tmp_path / f"bot{n}.log"
            with log.open("wb") as sink:
                proc = subprocess.Popen(
                    [NEWSBOT, "serve", "--http", "--host", "127.0.0.1", "--port", str(port)],
                    env=env,
                    cwd=tmp_path,
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                )
            bots.append(BotProcess(proc, port, log))
        for bot in bots:
            _wait_healthy(bot)
        yield bots
    finally:
        for bot in bots:
            bot.proc.terminate()
        for bot in bots:
            try:
                bot.proc.wait(15)
            except subprocess.TimeoutExpired:
                bot.proc.kill()
                bot.proc.wait(5)


def _event(bot: BotProcess, ts: str, event_id: str, *, retry: int = 0) -> int:
    body = json.dumps(event_body(mention("Who proposed the US-Japan fund?", ts=ts), event_id=event_id)).encode()
    headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
    return post(bot.url, body, "application/json", headers=headers).status


def _click(bot: BotProcess, fake: FakeSlack, answer_id: str) -> int:
    payload = {
        "type": "block_actions",
        "team": {"id": "T0001"},
        "user": {"id": "U7", "team_id": "T0001"},
        "api_app_id": "A111",
        "channel": {"id": "C1"},
        "container": {"type": "message", "message_ts": "1748300000.000200", "channel_id": "C1"},
        "trigger_id": "1.2.3",
        "response_url": fake.response_url("vote"),
        "actions": [{"type": "button", "action_id": "feedback_up", "block_id": "feedback", "value": answer_id,
                     "action_ts": "1748300001.1"}],
    }  # fmt: skip
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    return post(bot.url, body, "application/x-www-form-urlencoded").status


def _answer_id(message: dict[str, Any]) -> str:
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == "feedback_up":
                return str(element["value"])
    raise AssertionError(f"no feedback button in {message}")


def test_event_and_its_retry_on_two_processes_get_one_answer(two_bots, fake_slack, redis_server, tmp_path):
    from bot.slack.state.redis import connect

    first, second = two_bots
    assert _event(first, "1748300000.000100", "EvScale1") == 200
    assert _event(second, "1748300000.000100", "EvScale1", retry=1) == 200  # Slack's retry, another process

    [answer] = fake_slack.wait_for("chat.postMessage", 1, timeout=60)
    assert "Masayoshi Son" in answer["text"] and answer["thread_ts"] == "1748300000.000100"
    deadline = time.monotonic() + 60
    while "Ignoring repeated delivery of EvScale1" not in second.log_text():
        assert time.monotonic() < deadline, second.log_text()[-3000:]
        time.sleep(0.1)
    time.sleep(1.0)  # room for a wrong second answer to arrive
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert "Ignoring repeated delivery" not in first.log_text()
    # both processes share a data dir, so SQLite stores would de-duplicate too: the state must be in Redis
    redis = connect(redis_server.url)
    assert redis.exists("newsbot:dedupe:event:EvScale1", "newsbot:dedupe:message:C1:1748300000.000100") == 2
    assert redis.hget(f"newsbot:feedback:answer:{_answer_id(answer)}", "asker") == "U1"
    data_dir = tmp_path / "shared-data"
    assert (data_dir / "newsbot.sqlite").exists()  # the articles table and lexical index
    assert not (data_dir / "slack-dedupe.sqlite").exists() and not (data_dir / "slack-feedback.sqlite").exists()

    # feedback: the answer was stored by one process, the 👍 lands on the other
    assert _click(second, fake_slack, _answer_id(answer)) == 200
    [thanks] = fake_slack.wait_for("response_url", 1, timeout=30)
    assert thanks["text"] == "Thanks for the feedback!"

    # the rate limit (2 a minute) counts U1's questions on both processes
    assert _event(second, "1748300000.000300", "EvScale2") == 200
    fake_slack.wait_for("chat.postMessage", 2, timeout=60)
    assert _event(first, "1748300000.000400", "EvScale3") == 200
    [limited] = fake_slack.wait_for("chat.postEphemeral", 1, timeout=30)
    assert limited["user"] == "U1" and "asking faster" in limited["text"]
    assert len(fake_slack.calls_to("chat.postMessage")) == 2
    assert redis.zcard("newsbot:rate:U1") == 2
    for bot in two_bots:
        assert "Slack stores: redis" in bot.log_text()
        assert "Traceback" not in bot.log_text()
        assert bot.proc.poll() is None
    redis.close()
