"""Prompt templates loaded from the ``prompts`` package's YAML files and validated: unknown or missing
variables fail at load. They ship inside the wheel, so an installed newsbot finds them too."""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import yaml

from ingest import ConfigError


@dataclass(frozen=True)
class Prompt:
    """A system + human message pair with declared variables."""

    name: str
    variables: tuple[str, ...]
    system: str
    human: str

    def messages(self, **values: str) -> list[tuple[str, str]]:
        """The filled-in messages; every declared variable must be given."""
        missing = set(self.variables) - set(values)
        if missing:
            raise ConfigError(f"prompt {self.name!r} needs {sorted(missing)}")
        return [("system", self.system.format(**values)), ("human", self.human.format(**values))]


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def load_prompt(name: str, directory: Path | Traversable | None = None) -> Prompt:
    """Load and validate ``<name>.yaml`` from ``directory`` (default: the packaged ``prompts``)."""
    path = (directory if directory is not None else resources.files("prompts")) / f"{name}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot load prompt ({exc})") from None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("system", "human")):
        raise ConfigError(f"{path}: a prompt needs 'system' and 'human' texts")
    declared = tuple(data.get("variables") or ())
    used = _fields(data["system"]) | _fields(data["human"])
    if used - set(declared):
        raise ConfigError(f"{path}: undeclared variables {sorted(used - set(declared))}")
    if set(declared) - used:
        raise ConfigError(f"{path}: declared but unused variables {sorted(set(declared) - used)}")
    return Prompt(str(data.get("name") or name), declared, data["system"], data["human"])


@cache
def prompt(name: str) -> Prompt:
    """A packaged prompt, loaded once."""
    return load_prompt(name)
