"""Scripted Q&A cases as data: YAML or JSON-lines files, including the realtimeqa question format."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from bot.answering.answer import REFUSAL_KINDS
from ingest import NewsbotError

CASE_KEYS = {"id", "question", "as_of", "history", "articles", "expect", "kind", "note", "xfail"}
EXPECT_KEYS = {
    "answer_contains",
    "answer_contains_all",
    "answer_not_contains",
    "first_sentence_contains",
    "short_answer",
    "cites",
    "refused",
    "refusal_kind",
    "evidence",
}
THRESHOLD_KEYS = {"min_accuracy", "min_citation_hit", "min_pass_rate", "max_wrongly_refused"}
REALTIMEQA_KEYS = {"asked_on", "gold_articles"}


class CaseError(NewsbotError):
    """A case file cannot be used; names the file (and case) and why."""


@dataclass(frozen=True)
class Expect:
    """What a case expects of the answer; empty fields are not checked."""

    answer_contains: tuple[str, ...] = ()  # any of them, normalised
    answer_contains_all: tuple[str, ...] = ()  # every one of them, normalised
    answer_not_contains: tuple[str, ...] = ()  # none of them, normalised
    first_sentence_contains: tuple[str, ...] = ()  # the direct answer (the reply's first sentence) has any of them
    short_answer: tuple[str, ...] = ()  # the marked short answer matches any of them (either holds the other)
    cites: tuple[str, ...] = ()  # any of them: an article id, or a substring of a cited title
    refused: bool | None = None
    refusal_kind: str | None = None
    evidence: str = ""  # a passage that supports the answer (realtimeqa), for citation precision


@dataclass(frozen=True)
class Case:
    """One scripted question with its date, conversation, articles and expectations."""

    id: str
    question: str
    expect: Expect
    as_of: date | None = None
    history: tuple[tuple[str, str], ...] = ()
    articles: tuple[Path, ...] = ()  # absolute paths of files or folders to ingest first
    kind: str = ""
    source: str = ""  # "file.yaml" — where the case was read from
    xfail: str = ""  # a known failure's reason: pytest marks it xfail (non-strict); eval still counts it

    @property
    def answerable(self) -> bool:
        """True when the case expects an answer rather than a refusal."""
        return self.expect.refused is False


@dataclass(frozen=True)
class CaseFile:
    """A case file: its cases, the articles it names, and its thresholds."""

    path: Path
    cases: list[Case]
    articles: tuple[Path, ...] = ()
    thresholds: dict[str, float] = field(default_factory=dict)

    def article_set(self) -> tuple[Path, ...]:
        """Every article path the file and its cases name, sorted and de-duplicated."""
        paths = set(self.articles)
        for case in self.cases:
            paths.update(case.articles)
        return tuple(sorted(paths))


def _strings(value: Any, where: str, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return (str(value),)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return tuple(str(v) for v in value)
    raise CaseError(f"{where}: {name} must be a string or a list of strings")


def _date(value: Any, where: str, name: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise CaseError(f"{where}: {name} must be a date like 2025-05-26, got {value!r}") from None


def _history(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    """Turns as ``[role, text]`` pairs, ``{role, text|content}`` or ``{user: .., assistant: ..}``."""
    if not value:
        return ()
    if not isinstance(value, list):
        raise CaseError(f"{where}: history must be a list of turns")
    turns: list[tuple[str, str]] = []
    for turn in value:
        if isinstance(turn, list | tuple) and len(turn) == 2:
            turns.append((str(turn[0]), str(turn[1])))
        elif isinstance(turn, Mapping) and "role" in turn:
            turns.append((str(turn["role"]), str(turn.get("text", turn.get("content", "")))))
        elif isinstance(turn, Mapping) and set(turn) <= {"user", "assistant"} and turn:
            for role in ("user", "assistant"):
                if role in turn:
                    turns.append((role, str(turn[role])))
        else:
            raise CaseError(f"{where}: cannot read history turn {turn!r}")
    for role, _ in turns:
        if role not in {"user", "assistant"}:
            raise CaseError(f"{where}: history roles are user or assistant, got {role!r}")
    return tuple(turns)


def _articles(value: Any, base: Path, where: str) -> tuple[Path, ...]:
    paths = []
    for name in _strings(value, where, "articles"):
        path = (base / name).resolve()
        if not path.exists():
            raise CaseError(f"{where}: articles path {name!r} does not exist (relative to {base})")
        paths.append(path)
    return tuple(paths)


def _expect(raw: Any, where: str) -> Expect:
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise CaseError(f"{where}: expect must be a mapping")
    unknown = set(raw) - EXPECT_KEYS
    if unknown:
        raise CaseError(f"{where}: unknown expect keys {sorted(unknown)} (known: {sorted(EXPECT_KEYS)})")
    kind = raw.get("refusal_kind")
    if kind is not None and kind not in REFUSAL_KINDS:
        raise CaseError(f"{where}: refusal_kind must be one of {', '.join(REFUSAL_KINDS)}, got {kind!r}")
    refused = raw.get("refused")
    if refused is not None and not isinstance(refused, bool):
        raise CaseError(f"{where}: refused must be true or false")
    if kind is not None:
        if refused is False:
            raise CaseError(f"{where}: refusal_kind given but refused is false")
        refused = True
    return Expect(
        answer_contains=_strings(raw.get("answer_contains"), where, "answer_contains"),
        answer_contains_all=_strings(raw.get("answer_contains_all"), where, "answer_contains_all"),
        answer_not_contains=_strings(raw.get("answer_not_contains"), where, "answer_not_contains"),
        first_sentence_contains=_strings(raw.get("first_sentence_contains"), where, "first_sentence_contains"),
        short_answer=_strings(raw.get("short_answer"), where, "short_answer"),
        cites=_strings(raw.get("cites"), where, "cites"),
        refused=refused,
        refusal_kind=kind,
        evidence=str(raw.get("evidence") or ""),
    )


def default_kind(expect: Expect, history: Sequence[object]) -> str:
    """A case's kind when the file does not give one: its refusal kind, follow-up or answerable."""
    if expect.refusal_kind:
        return expect.refusal_kind
    if expect.refused:
        return "refusal"
    if history:
        return "follow-up"
    return "answerable"


def parse_case(raw: Any, *, base: Path, source: str, position: int) -> Case:
    """One case from its mapping (our format or a realtimeqa question)."""
    if not isinstance(raw, Mapping):
        raise CaseError(f"{source}: case #{position} is not a mapping")
    if "expect" not in raw and REALTIMEQA_KEYS & set(raw):
        return _realtimeqa_case(raw, source=source, position=position)
    case_id = str(raw.get("id") or f"case-{position}")
    where = f"{source}: case {case_id!r}"
    unknown = set(raw) - CASE_KEYS
    if unknown:
        raise CaseError(f"{where}: unknown keys {sorted(unknown)} (known: {sorted(CASE_KEYS)})")
    question = str(raw.get("question") or "").strip()
    if not question:
        raise CaseError(f"{where}: question is missing")
    expect = _expect(raw.get("expect"), where)
    history = _history(raw.get("history"), where)
    return Case(
        id=case_id,
        question=question,
        expect=expect,
        as_of=_date(raw.get("as_of"), where, "as_of"),
        history=history,
        articles=_articles(raw.get("articles"), base, where),
        kind=str(raw.get("kind") or default_kind(expect, history)),
        source=source,
        xfail=str(raw.get("xfail") or ""),
    )


def _realtimeqa_case(raw: Mapping[str, Any], *, source: str, position: int) -> Case:
    """A realtimeqa question read as it is: answer, gold_articles and asked_on become expectations."""
    case_id = str(raw.get("id") or f"case-{position}")
    where = f"{source}: question {case_id!r}"
    question = str(raw.get("question") or "").strip()
    if not question:
        raise CaseError(f"{where}: question is missing")
    expect = Expect(
        answer_contains=_strings(raw.get("answer"), where, "answer"),
        cites=_strings(raw.get("gold_articles"), where, "gold_articles"),
        refused=False,
        evidence=str(raw.get("evidence") or ""),
    )
    return Case(
        id=case_id,
        question=question,
        expect=expect,
        as_of=_date(raw.get("asked_on"), where, "asked_on"),
        kind=str(raw.get("kind") or "realtimeqa"),
        source=source,
    )


def _read_records(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CaseError(f"{path}: cannot read case file: {exc.strerror or exc}") from None
    suffix = path.suffix.lower()
    try:
        if suffix == ".jsonl":
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        if suffix == ".json":
            return json.loads(text)
        if suffix in {".yaml", ".yml"}:
            return yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise CaseError(f"{path}: not valid {suffix[1:].upper()}: {str(exc).splitlines()[0]}") from None
    raise CaseError(f"{path}: case files are .yaml, .yml, .json or .jsonl")


def _thresholds(raw: Any, source: str) -> dict[str, float]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or set(raw) - THRESHOLD_KEYS:
        raise CaseError(f"{source}: thresholds is a mapping of {', '.join(sorted(THRESHOLD_KEYS))}")
    try:
        return {str(k): float(v) for k, v in raw.items()}
    except (TypeError, ValueError):
        raise CaseError(f"{source}: thresholds must be numbers") from None


def load_case_file(path: str | Path) -> CaseFile:
    """Read a case file: a list of cases, or ``{articles, thresholds, cases}``."""
    path = Path(path)
    records = _read_records(path)
    source = path.name
    base = path.resolve().parent
    articles: tuple[Path, ...] = ()
    thresholds: dict[str, float] = {}
    if isinstance(records, Mapping):
        unknown = set(records) - {"articles", "thresholds", "cases"}
        if unknown:
            raise CaseError(f"{source}: unknown top-level keys {sorted(unknown)}")
        articles = _articles(records.get("articles"), base, source)
        thresholds = _thresholds(records.get("thresholds"), source)
        records = records.get("cases") or []
    if not isinstance(records, list):
        raise CaseError(f"{source}: expected a list of cases")
    cases = [parse_case(r, base=base, source=source, position=i + 1) for i, r in enumerate(records)]
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise CaseError(f"{source}: case id {case.id!r} is used twice")
        seen.add(case.id)
    return CaseFile(path=path, cases=cases, articles=articles, thresholds=thresholds)


def expand_case_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; folders become their case files in name order."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(sorted(f for f in p.iterdir() if f.suffix.lower() in {".yaml", ".yml", ".jsonl", ".json"}))
        else:
            found.append(p)
    return found


def load_case_files(paths: Iterable[str | Path]) -> list[CaseFile]:
    """Read several case files (folders expand to their case files)."""
    return [load_case_file(p) for p in expand_case_paths(paths)]


def merged_thresholds(files: Iterable[CaseFile]) -> dict[str, float]:
    """The strictest threshold of each kind across files."""
    merged: dict[str, float] = {}
    for f in files:
        for key, value in f.thresholds.items():
            if key not in merged:
                merged[key] = value
            elif key.startswith("max_"):
                merged[key] = min(merged[key], value)
            else:
                merged[key] = max(merged[key], value)
    return merged
