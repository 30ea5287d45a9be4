"""A built wheel carries what an installed newsbot needs at run time: the prompts (issue 11, bug 4) and the
answering and asset data files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", str(ROOT), "-w", str(out)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (built,) = out.glob("newsbot-*.whl")
    return built


def test_the_wheel_ships_the_prompts(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"prompts/__init__.py", "prompts/answer.yaml", "prompts/condense.yaml"} <= names


def test_prompts_load_from_an_installed_wheel_away_from_the_checkout(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    code = (
        "import json, prompts; from bot.answering.prompts import prompt; p = prompt('answer'); "
        "print(json.dumps({'file': prompts.__file__, 'variables': list(p.variables), 'system': p.system[:40]}))"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout)
    assert Path(loaded["file"]).is_relative_to(site), "the prompts came from the checkout, not the wheel"
    assert "passages" in loaded["variables"] and "question" in loaded["variables"]
    assert loaded["system"].strip()


def test_the_wheel_ships_the_answering_and_asset_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "bot/answering/data/places.txt",
        "bot/answering/data/synonyms.txt",
        "ingest/assets.txt",
        "ingest/boilerplate.txt",
    } <= names
