"""Where the bot answers: per-channel rules an operator writes in a YAML file (``NEWSBOT_SLACK_CHANNELS``).

::

    default: {answer: mention}            # mention (the default) | questions | never
    channels:
      C0123ABCD: {answer: questions}      # every question asked in this channel, mention or not
      C0456EFGH: {answer: never}          # not even when mentioned
      C0789IJKL: {ephemeral: true}        # a busy channel: only the asker sees the answer, with "Share in channel"

Channels are named by ID (names change; the ID is in the channel's details). Direct messages are always
answered and never ephemeral.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import yaml

from ingest import ConfigError

Mode = Literal["mention", "questions", "never"]
MODES: tuple[Mode, ...] = ("mention", "questions", "never")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")


@dataclass(frozen=True)
class ChannelRule:
    """How the bot behaves in one channel."""

    answer: Mode = "mention"
    ephemeral: bool = False


@dataclass(frozen=True)
class ChannelRules:
    """The operator's rules: one per listed channel, ``default`` for the rest."""

    default: ChannelRule = ChannelRule()
    channels: Mapping[str, ChannelRule] = field(default_factory=dict)

    def for_channel(self, channel: str) -> ChannelRule:
        """The rule for ``channel``; direct messages always get a plain, public answer."""
        if channel.startswith("D"):
            return ChannelRule()
        return self.channels.get(channel, self.default)


def looks_like_question(text: str) -> bool:
    """A message in a ``questions`` channel worth answering: ends with ``?`` and has at least three words."""
    stripped = text.strip()
    return stripped.endswith("?") and len(stripped.split()) >= 3


def _rule(raw: Any, where: str, base: ChannelRule) -> ChannelRule:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping like {{answer: mention, ephemeral: false}}")
    unknown = set(raw) - {"answer", "ephemeral"}
    if unknown:
        raise ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r} (use answer, ephemeral)")
    answer = raw.get("answer", base.answer)
    if answer not in MODES:
        raise ConfigError(f"{where}: answer must be one of {', '.join(MODES)}, got {answer!r}")
    ephemeral = raw.get("ephemeral", base.ephemeral)
    if not isinstance(ephemeral, bool):
        raise ConfigError(f"{where}: ephemeral must be true or false, got {ephemeral!r}")
    return ChannelRule(answer=cast(Mode, answer), ephemeral=ephemeral)


def load_channel_rules(path: Path | None) -> ChannelRules:
    """The rules in ``path`` (none: answer when mentioned, everywhere); a bad file is one :class:`ConfigError`."""
    if path is None:
        return ChannelRules()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"NEWSBOT_SLACK_CHANNELS: cannot read {path} ({type(exc).__name__})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"NEWSBOT_SLACK_CHANNELS: {path} is not valid YAML ({type(exc).__name__})") from None
    if not isinstance(data, dict) or set(data) - {"default", "channels"}:
        raise ConfigError(f"NEWSBOT_SLACK_CHANNELS: {path} must have only 'default' and 'channels'")
    default = _rule(data.get("default") or {}, f"{path}: default", ChannelRule())
    listed = data.get("channels") or {}
    if not isinstance(listed, dict):
        raise ConfigError(f"{path}: channels must map channel IDs to rules")
    channels: dict[str, ChannelRule] = {}
    for channel, raw in listed.items():
        if not _CHANNEL_ID.match(str(channel)):
            raise ConfigError(f"{path}: {str(channel)[:40]!r} is not a channel ID (like C0123ABCD)")
        channels[str(channel)] = _rule(raw, f"{path}: {channel}", default)
    return ChannelRules(default=default, channels=channels)
