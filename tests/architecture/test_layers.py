"""The one-way rule: ``bot`` reads the index only through ``ingest``'s public contract; ``ingest`` never imports ``bot``."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> list[str]:
    """Every module name imported by ``path`` (absolute imports, at any depth in the file)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_bot_imports_only_the_public_ingest_contract() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in _modules("bot")
        for name in _imports(path)
        if name.startswith("ingest.")
    ]
    assert offenders == []


def test_ingest_never_imports_bot_except_its_command_entry_point() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in _modules("ingest")
        if path.name != "__main__.py"
        for name in _imports(path)
        if name == "bot" or name.startswith("bot.")
    ]
    assert offenders == []
    assert any(n.startswith("bot") for n in _imports(ROOT / "ingest" / "__main__.py"))  # the one exception is real


def test_ingest_never_mentions_slack() -> None:
    mentions = [
        str(p.relative_to(ROOT)) for p in _modules("ingest") if "slack" in p.read_text(encoding="utf-8").lower()
    ]
    assert mentions == []
