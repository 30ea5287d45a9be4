"""Starting the bot: Socket Mode over a fake WebSocket server, settings checked before anything
connects, the HTTP server's extra routes, and the CLI."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from typer.testing import CliRunner

from bot.settings import Settings
from bot.slack.app import create_app
from bot.slack.http_server import HttpServer
from bot.slack.server import check_settings, missing_settings, start_socket_mode
from ingest.errors import ConfigError
from tests.support.fake_slack import (
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    FakeAnswerer,
    FakeSlack,
    FakeSocketMode,
    event_body,
    mention,
)


@pytest.fixture
def socket_server(fake_slack: FakeSlack):
    server = FakeSocketMode().start()
    fake_slack.ws_url = server.url
    yield server
    server.stop()


def test_socket_mode_event_is_acked_and_answered(settings, fake_slack, socket_server):
    executor = ThreadPoolExecutor(4)
    app = create_app(settings, FakeAnswerer(), executor=executor)
    handler = start_socket_mode(app, settings.slack_app_token)
    try:
        assert socket_server.connected.wait(5)
        [opened] = [c for c in fake_slack.calls if c.method == "apps.connections.open"]
        assert opened.token == APP_TOKEN  # the app-level token opens the socket; the bot token does the rest
        body = event_body(mention("Who proposed the US-Japan fund?", ts="1748300600.000100"), event_id="EvSock1")
        socket_server.send({"envelope_id": "env-1", "type": "events_api", "accepts_response_payload": False,
                            "retry_attempt": 0, "retry_reason": "", "payload": body})  # fmt: skip
        ack = socket_server.received.get(timeout=5)
        assert ack["envelope_id"] == "env-1"
        [posted] = fake_slack.wait_for("chat.postMessage")
        assert posted["thread_ts"] == "1748300600.000100" and "Masayoshi Son" in posted["text"]
        assert [c.token for c in fake_slack.calls if c.method == "chat.postMessage"] == [BOT_TOKEN]

        # Slack re-sends the envelope when it misses the ack: acked again, answered once
        socket_server.send({"envelope_id": "env-2", "type": "events_api", "accepts_response_payload": False,
                            "retry_attempt": 1, "retry_reason": "timeout", "payload": body})  # fmt: skip
        assert socket_server.received.get(timeout=5)["envelope_id"] == "env-2"
        time.sleep(0.3)
        assert len(fake_slack.calls_to("chat.postMessage")) == 1
    finally:
        # the builtin Socket Mode client's close() waits ~3 s for its reader thread; don't make the test wait
        threading.Thread(target=handler.close, daemon=True).start()
        executor.shutdown(wait=True)


def _settings(**overrides: str) -> Settings:
    base = {"slack_bot_token": BOT_TOKEN, "slack_app_token": APP_TOKEN, "slack_signing_secret": "secret"}
    return Settings(**{**base, **overrides})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "http", "message"),
    [
        ({"slack_bot_token": ""}, False, "SLACK_BOT_TOKEN is not set"),
        (
            {"slack_bot_token": "xoxp-user-token"},
            False,
            "SLACK_BOT_TOKEN must be a bot token starting with xoxb-",
        ),
        ({"slack_app_token": ""}, False, "SLACK_APP_TOKEN is not set"),
        (
            {"slack_app_token": "xoxb-oops"},
            False,
            "SLACK_APP_TOKEN must be an app-level token starting with xapp-",
        ),
        ({"slack_signing_secret": ""}, True, "SLACK_SIGNING_SECRET is not set"),
        ({"slack_api_url": "slack.com/api"}, True, "SLACK_API_URL must be an http(s) URL"),
    ],
)
def test_wrong_settings_fail_with_one_line(overrides, http, message):
    with pytest.raises(ConfigError) as caught:
        check_settings(_settings(**overrides), http=http)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_mode_choice():
    assert check_settings(_settings(), http=False) == "socket"
    assert check_settings(_settings(), http=True) == "http"
    assert check_settings(_settings(slack_app_token=""), http=True) == "http"
    assert missing_settings(_settings()) is None
    assert "SLACK_SIGNING_SECRET" in (missing_settings(_settings(slack_app_token="", slack_signing_secret="")) or "")


def test_serve_cli_fails_before_connecting(monkeypatch, fake_slack):
    from bot.cli import make_app

    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)
    runner = CliRunner()
    result = runner.invoke(make_app(), ["serve"])
    assert result.exit_code == 2
    assert "SLACK_BOT_TOKEN is not set" in result.output
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    result = runner.invoke(make_app(), ["serve"])
    assert result.exit_code == 2 and "SLACK_APP_TOKEN is not set" in result.output
    result = runner.invoke(make_app(), ["serve", "--http", "--port", "0"])
    assert result.exit_code == 2 and "SLACK_SIGNING_SECRET is not set" in result.output
    assert fake_slack.calls == []  # nothing connected

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-revoked")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    result = runner.invoke(make_app(), ["serve", "--http", "--port", "0"])
    assert result.exit_code == 2 and "Slack rejected SLACK_BOT_TOKEN (invalid_auth)" in result.output
    assert "xoxb-revoked" not in result.output


def test_http_server_routes(settings, fake_slack):
    app = create_app(settings, FakeAnswerer())
    server = HttpServer(app, SIGNING_SECRET, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        assert opener.open(base + "/healthz", timeout=5).read() == b"ok"
        with pytest.raises(urllib.error.HTTPError) as caught:
            opener.open(base + "/elsewhere", timeout=5)
        assert caught.value.code == 404
        # Slack's URL check when the request URL is saved
        from tests.support.fake_slack import post

        challenge = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "t"}).encode()
        reply = post(base + "/slack/events", challenge, "application/json")
        assert reply.status == 200 and "abc123" in reply.body
    finally:
        server.shutdown()


def test_serve_on_a_data_dir_it_cannot_write_is_one_line(monkeypatch, fake_slack, tmp_path):
    from bot.cli import make_app

    not_a_folder = tmp_path / "data"
    not_a_folder.write_text("a file where the data dir should be")  # unwritable even for root
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    result = CliRunner().invoke(make_app(), ["serve", "--http", "--port", "0", "--data-dir", str(not_a_folder)])
    assert result.exit_code == 2, result.output
    assert "the Slack bot cannot keep its stores there" in result.output and "NEWSBOT_DATA_DIR" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
