"""News ingested by another process while the bot runs is answerable without a restart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from bot.answering.chain import Answerer
from bot.settings import Settings
from ingest.pipeline import run_ingest
from ingest.store import open_index

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "articles"


def test_a_running_answerer_sees_articles_another_process_ingested(
    isolated_env: Path, embedder, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    settings = Settings.from_env()
    index = open_index(settings, model=embedder.name, dim=embedder.dim)
    run_ingest([str(EXAMPLES)], index, embedder)
    answerer = Answerer(index, embedder, settings)
    question = "Who designed the Ostervik suspension bridge?"
    before = answerer.ask(question, as_of=date(2025, 6, 30))
    assert before.refusal is not None and before.refusal.kind == "no_evidence"

    fresh = tmp_path / "fresh.jsonl"
    fresh.write_text(
        json.dumps(
            {
                "id": "bridge-1",
                "title": "Ostervik bridge opens to traffic",
                "source": "Test Desk",
                "published": "2025-06-12",
                "text": "The Ostervik suspension bridge opened to traffic on Thursday. It was designed by the engineer "
                "Lena Brask, whose team spent six years on the 1,200-metre span.",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(isolated_env)}
    subprocess.run([sys.executable, "-m", "ingest", str(fresh), "--quiet"], env=env, check=True, timeout=300)

    after = answerer.ask(question, as_of=date(2025, 6, 30))
    assert not after.refused and "Lena Brask" in after.text
    assert after.citations[0].article_id == "bridge-1"
