"""Starting the Slack bot: check settings, load the answerer, run Socket Mode or an HTTP server.

Socket Mode (``SLACK_APP_TOKEN`` set) needs no public URL. HTTP mode serves events, commands and
interactivity on ``/slack/events`` (see :mod:`bot.slack.http_server`), verifying every request with
``SLACK_SIGNING_SECRET``; ``GET /healthz`` answers ``ok`` for load balancers.
"""

from __future__ import annotations

import logging
import re
import signal
import threading
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App

from bot.settings import Settings
from bot.slack.http_server import EVENTS_PATH, HttpServer
from ingest import ConfigError, secret_values

log = logging.getLogger(__name__)

_SECRET = re.compile(r"\b(xox[abposr]|xapp|xoxe(?:\.xox[bp])?)-[A-Za-z0-9-]+")


def check_settings(settings: Settings, *, http: bool) -> str:
    """The mode to run ("socket" or "http"), or a :class:`ConfigError` naming the missing/wrong setting."""
    token = settings.slack_bot_token
    if not token:
        raise ConfigError("SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…) from your Slack app")
    if not token.startswith("xoxb-"):
        raise ConfigError("SLACK_BOT_TOKEN must be a bot token starting with xoxb- (not a user or app token)")
    if not re.match(r"^https?://", settings.slack_api_url):
        raise ConfigError(f"SLACK_API_URL must be an http(s) URL, got {settings.slack_api_url!r}")
    if http:
        if not settings.slack_signing_secret:
            raise ConfigError("SLACK_SIGNING_SECRET is not set: HTTP mode needs it to verify requests from Slack")
        return "http"
    if not settings.slack_app_token:
        raise ConfigError(
            "SLACK_APP_TOKEN is not set: set it (xapp-…) for Socket Mode, "
            "or run `newsbot serve --http --port N` with SLACK_SIGNING_SECRET"
        )
    if not settings.slack_app_token.startswith("xapp-"):
        raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
    return "socket"


def missing_settings(settings: Settings) -> str | None:
    """One line saying what is missing to run the bot in any mode, or None when it can start."""
    try:
        check_settings(settings, http=not settings.slack_app_token)
    except ConfigError as exc:
        return str(exc)
    return None


class RedactSecrets(logging.Filter):
    """Replaces anything shaped like a Slack token in log records (belt and braces)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _SECRET.sub(r"\1-***", message)
        for secret in self.secrets:
            cleaned = cleaned.replace(secret, "***")
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install_redaction(settings: Settings) -> None:
    """Add :class:`RedactSecrets` to every handler of the root logger."""
    redactor = RedactSecrets(secret_values(settings))
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)


def start_socket_mode(app: App, app_token: str) -> Any:
    """Open a Socket Mode connection for ``app`` (via ``apps.connections.open``); returns the handler."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(app, app_token=app_token, trace_enabled=False)
    handler.connect()
    return handler


def _on_sigterm(action: Callable[[], None]) -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_args: action())


def run_socket_mode(app: App, app_token: str) -> None:
    """Connect over Socket Mode and block until interrupted."""
    stop = threading.Event()
    _on_sigterm(stop.set)
    handler = start_socket_mode(app, app_token)
    log.warning("newsbot is connected to Slack over Socket Mode; Ctrl-C stops it")
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        handler.close()


def run_http(app: App, signing_secret: str, host: str, port: int) -> None:
    """Serve ``app`` over HTTP and block until interrupted."""
    server = HttpServer(app, signing_secret, host, port)
    _on_sigterm(lambda: threading.Thread(target=server.shutdown, daemon=True).start())
    log.warning("newsbot listens on http://%s:%d%s; Ctrl-C stops it", host, server.port, EVENTS_PATH)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


def serve(
    settings: Settings, *, http: bool = False, host: str = "0.0.0.0", port: int = 3000, answerer: Any = None
) -> None:
    """Check settings and stores (one-line error before anything connects to Slack), load the answerer, run the bot."""
    mode = check_settings(settings, http=http)
    install_redaction(settings)
    from slack_sdk.errors import SlackApiError

    from bot.slack.app import create_app
    from bot.slack.channels import load_channel_rules
    from bot.slack.responder import build_client
    from bot.slack.state.stores import open_stores

    rules = load_channel_rules(settings.slack_channels_file)  # a bad rules file: one line, before anything starts
    stores = open_stores(settings)  # REDIS_URL set and Redis unreachable: ConfigError here
    try:
        client = build_client(settings)
        try:
            client.auth_test()  # a wrong token fails here, before the model is loaded
        except SlackApiError as exc:
            raise ConfigError(f"Slack rejected SLACK_BOT_TOKEN ({exc.response.get('error', 'error')})") from None
        except Exception as exc:  # any network failure is one line at start-up  # noqa: BLE001
            raise ConfigError(f"Cannot reach Slack at {settings.slack_api_url} ({type(exc).__name__})") from None
        if answerer is None:
            from bot.answering.chain import build_answerer

            answerer = build_answerer(settings)
        app = create_app(
            settings,
            answerer,
            client=client,
            dedupe=stores.dedupe,
            feedback=stores.feedback,
            limiter=stores.limiter,
            rules=rules,
        )
        log.info("Slack stores: %s", stores.backend)
        try:
            if mode == "socket":
                run_socket_mode(app, settings.slack_app_token)
            else:
                run_http(app, settings.slack_signing_secret, host, port)
        finally:
            app.responder.executor.shutdown(wait=False, cancel_futures=True)  # type: ignore[attr-defined]
    finally:
        stores.close()
