"""End to end: the real answerer over examples/articles behind the real Bolt app, asked by a signed
app_mention; Slack is the fake on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.fake_slack import mention

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "articles"


@pytest.mark.slow
def test_real_answerer_answers_a_mention_with_sources(make_bot, fake_slack, settings):
    from bot.answering.chain import build_answerer
    from ingest.pipeline import run_ingest
    from ingest.store import open_with_embedder

    index, embedder = open_with_embedder(settings)
    try:
        report = run_ingest([str(EXAMPLES)], index, embedder)
        assert report.failed == 0, report.errors
    finally:
        index.close()

    bot = make_bot(build_answerer(settings))
    reply = bot.event(mention("Who proposed the US-Japan fund?", ts="1748309000.000100"))
    assert reply.status == 200 and reply.seconds < 3

    [posted] = fake_slack.wait_for("chat.postMessage", timeout=60)
    assert posted["thread_ts"] == "1748309000.000100"
    assert "Masayoshi Son" in posted["text"]
    sections = [b["text"]["text"] for b in posted["blocks"] if b["type"] == "section"]
    assert "*Sources*" in sections
    first = next(s for s in sections if s.startswith("*[1]*"))
    assert "\n> " in first  # the quoted passage
