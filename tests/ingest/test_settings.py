"""Settings come from the environment in one place, with clear errors and no secrets in repr."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bot.settings import Settings
from ingest.errors import ConfigError
from ingest.settings import (
    DEFAULT_MODEL,
    IndexSettings,
    public_settings,
    redact_url,
    secret_fields,
    secret_values,
)


def test_defaults_without_environment() -> None:
    s = Settings.from_env({})
    assert s.data_dir == Path("data")
    assert s.embedding_model == DEFAULT_MODEL
    assert s.chroma_host == "" and s.as_of is None and s.llm == ""


def test_values_are_parsed() -> None:
    s = Settings.from_env(
        {
            "NEWSBOT_DATA_DIR": "/x",
            "CHROMA_HOST": "127.0.0.1",
            "CHROMA_PORT": "9001",
            "NEWSBOT_AS_OF": "2025-05-26",
            "NEWSBOT_EMBEDDING_BACKEND": "TORCH",
            "NEWSBOT_MIN_RELEVANCE": "0.25",
        }
    )
    assert (s.data_dir, s.chroma_host, s.chroma_port, s.as_of, s.embedding_backend, s.min_relevance) == (
        Path("/x"),
        "127.0.0.1",
        9001,
        date(2025, 5, 26),
        "torch",
        0.25,
    )


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"CHROMA_PORT": "eight"}, "CHROMA_PORT"),
        ({"NEWSBOT_AS_OF": "May 5"}, "NEWSBOT_AS_OF"),
        ({"NEWSBOT_EMBEDDING_BACKEND": "gpu"}, "NEWSBOT_EMBEDDING_BACKEND"),
        ({"NEWSBOT_MIN_RELEVANCE": "high"}, "NEWSBOT_MIN_RELEVANCE"),
        ({"NEWSBOT_MIN_RELEVANCE": "1.5"}, "NEWSBOT_MIN_RELEVANCE must be between 0 and 1"),
    ],
)
def test_bad_values_name_the_setting(env: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        Settings.from_env(env)


def test_repr_hides_secrets() -> None:
    s = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-secret-1", "SLACK_SIGNING_SECRET": "shh-2"})
    assert "xoxb-secret-1" not in repr(s) and "shh-2" not in repr(s)
    assert "slack_bot_token=***" in repr(s)


SECRETS_ENV = {
    "SLACK_BOT_TOKEN": "xoxb-secret-1",
    "SLACK_APP_TOKEN": "xapp-secret-2",
    "SLACK_SIGNING_SECRET": "shh-3",
    "REDIS_URL": "redis://u:redispw4@h:6379/0",
    "NEWSBOT_DATABASE_URL": "postgresql://user:dbsecret5@host/db",
}


def test_one_list_of_secrets_covers_every_secret_setting() -> None:
    s = Settings.from_env(SECRETS_ENV)
    assert secret_fields(s) == {
        "slack_bot_token",
        "slack_app_token",
        "slack_signing_secret",
        "redis_url",
        "database_url",
    }
    # the index's own settings know their one secret, and never mention Slack
    assert secret_fields(IndexSettings.from_env(SECRETS_ENV)) == {"database_url"}
    assert not [f for f in IndexSettings.__dataclass_fields__ if "slack" in f or "redis" in f]
    assert {"redispw4", "dbsecret5", "shh-3"} <= secret_values(s)


def test_shown_and_saved_settings_carry_no_secret() -> None:
    s = Settings.from_env(SECRETS_ENV)
    shown = json.dumps(public_settings(s)) + repr(s)
    for leaked in ("xoxb-secret-1", "xapp-secret-2", "shh-3", "redispw4", "dbsecret5"):
        assert leaked not in shown
    assert public_settings(s)["collection"] == "newsbot" and "database_url" not in public_settings(s)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:p%40ss@h:5432/db?sslmode=require", "postgresql://u:***@h:5432/db?sslmode=require"),
        ("postgresql://h/db?password=pw&user=u", "postgresql://h/db?password=***&user=u"),
        ("rediss://user:pw@h:6380/1?password=pw2", "rediss://user:***@h:6380/1?password=***"),
        ("postgresql://u@h/db", "postgresql://u@h/db"),
        ("redis://h:6379/0", "redis://h:6379/0"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown
