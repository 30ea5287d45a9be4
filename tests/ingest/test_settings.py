"""Settings come from the environment in one place, with clear errors and no secrets in repr."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ingest.errors import ConfigError
from ingest.settings import DEFAULT_MODEL, Settings


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
