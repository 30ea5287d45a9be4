"""Fixtures for the Slack tests: isolated environment, the fake Slack, the real Bolt app in a real
HTTP server on 127.0.0.1, and helpers to send it signed events, commands and clicks."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings
from bot.slack.app import create_app
from bot.slack.http_server import HttpServer
from tests.support.fake_slack import (
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    FakeAnswerer,
    FakeSlack,
    Reply,
    event_body,
    post,
)

# The root conftest's autouse ``isolated_env`` clears proxies (slack_sdk honours HTTP(S)_PROXY but not
# NO_PROXY, so 127.0.0.1 would go through one) and every SLACK_/NEWSBOT_/REDIS_URL setting.


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def settings(tmp_path: Path, fake_slack: FakeSlack) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        slack_bot_token=BOT_TOKEN,
        slack_app_token=APP_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.api_url,
        rate_limit_per_minute=100,
    )


class Bot:
    """The real Bolt app from :func:`create_app`, served by the real threaded WSGI server."""

    def __init__(self, settings: Settings, answerer: Any, fake: FakeSlack, **options: Any) -> None:
        self.settings = settings
        self.answerer = answerer
        self.fake = fake
        self.executor = ThreadPoolExecutor(max_workers=options.pop("max_workers", 8))
        self.app = create_app(settings, answerer, executor=self.executor, **options)
        self.server = HttpServer(self.app, SIGNING_SECRET, "127.0.0.1", 0)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/slack/events"

    def stop(self) -> None:
        self.server.shutdown()
        self.executor.shutdown(wait=True, cancel_futures=True)

    def event(self, event: dict[str, Any], *, event_id: str | None = None, **kwargs: Any) -> Reply:
        body = json.dumps(event_body(event, event_id=event_id)).encode()
        return post(self.url, body, "application/json", **kwargs)

    def command(
        self, text: str, *, user: str = "U1", channel: str = "C1", response: str = "cmd", **kwargs: Any
    ) -> Reply:
        form = {
            "token": "legacy",
            "team_id": "T0001",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": "ada",
            "command": "/news",
            "text": text,
            "api_app_id": "A111",
            "response_url": self.fake.response_url(response),
            "trigger_id": "1.2.3",
        }
        return post(self.url, urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded", **kwargs)

    def click(self, action_id: str, value: str, *, user: str = "U2", response: str = "click") -> Reply:
        payload = {
            "type": "block_actions",
            "team": {"id": "T0001"},
            "user": {"id": user, "team_id": "T0001"},
            "api_app_id": "A111",
            "channel": {"id": "C1"},
            "container": {"type": "message", "message_ts": "1748300000.000200", "channel_id": "C1"},
            "trigger_id": "1.2.3",
            "response_url": self.fake.response_url(response),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "feedback",
                    "value": value,
                    "action_ts": "1748300001.1",
                }
            ],
        }
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        return post(self.url, body, "application/x-www-form-urlencoded")


@pytest.fixture
def make_bot(settings: Settings, fake_slack: FakeSlack) -> Iterator[Any]:
    bots: list[Bot] = []

    def factory(answerer: Any = None, *, settings_: Settings | None = None, **options: Any) -> Bot:
        bot = Bot(settings_ or settings, answerer or FakeAnswerer(), fake_slack, **options)
        bots.append(bot)
        return bot

    yield factory
    for bot in bots:
        bot.stop()
