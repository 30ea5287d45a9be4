"""Fixtures for the scale-out tests: a real ``redis-server`` on 127.0.0.1 (``chroma run`` comes from tests/conftest.py), and
the Slack fakes from tests/slack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake_slack import FakeSlack

# The Slack fakes (tests/slack) and the service helpers here are plain modules imported by name
# (see the note in tests/slack/conftest.py).
from tests.support.services import REDIS_SERVER, RedisServer


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A real redis-server for this test (skips when Debian's redis-server is not installed)."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server; .ci/run does this)")
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """The fake Slack Web API on 127.0.0.1, recording every call."""
    fake = FakeSlack().start()
    yield fake
    fake.stop()
