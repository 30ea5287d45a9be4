"""Safety and robustness: hostile article text, Slack's limits, 429s, slow answers, rate limits,
failures, secrets in logs."""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bot.answering.answer import Citation
from tests.support.fake_slack import (
    APP_TOKEN,
    BOT_TOKEN,
    HOSTILE_CITATION,
    SIGNING_SECRET,
    SON_CITATION,
    FakeAnswerer,
    mention,
)


def test_hostile_article_text_is_rendered_harmless(make_bot, fake_slack):
    answerer = FakeAnswerer(text="Per the article <!channel> & <@U123> said <http://evil.example|click> [1].",
                            citations=[HOSTILE_CITATION])  # fmt: skip
    bot = make_bot(answerer)
    bot.event(mention("what happened?"))
    [posted] = fake_slack.wait_for("chat.postMessage")
    everything = posted["text"] + json.dumps(posted["blocks"], ensure_ascii=False)
    assert "&lt;!channel&gt;" in everything
    assert "&lt;@U123&gt;" in everything
    assert "&lt;http://evil.example|click&gt;" in everything
    assert "here &amp; now" in everything
    for raw in ("<!channel>", "<!here>", "<@U123>", "<http://evil.example", "javascript:"):
        assert raw not in everything, raw
    sections = [b["text"]["text"] for b in posted["blocks"] if b["type"] == "section"]
    source = next(s for s in sections if s.startswith("*[1]*"))
    assert source.startswith("*[1]* Totally normal &lt;!here&gt; headline &amp; more · Sketchy &lt;Times&gt;")
    assert "<" not in source  # no link at all: the URL was not http(s)


def test_429_is_retried_after_retry_after(make_bot, fake_slack):
    fake_slack.rate_limit("chat.postMessage", times=1, retry_after=1)
    bot = make_bot(FakeAnswerer())
    bot.event(mention("Who proposed the US-Japan fund?"))
    fake_slack.wait_for("chat.postMessage", 2, timeout=8)
    time.sleep(0.2)
    posts = [c for c in fake_slack.calls if c.method == "chat.postMessage"]
    assert len(posts) == 2  # the 429, then the retry that succeeded
    assert posts[1].at - posts[0].at >= 1.0
    assert posts[0].body == posts[1].body
    assert "Masayoshi Son" in posts[1].body["text"]


def test_overlong_answer_stays_within_slack_limits(make_bot, fake_slack):
    long_text = " ".join(f"Sentence {i} about the fund & its <backers> [1]." for i in range(4000))
    citations = [
        Citation(n, f"a{n}", "A headline " * 40, "Example Wire", "2025-05-26", f"https://example.com/{n}",
                 "A long & quoted passage. " * 300)
        for n in range(1, 80)
    ]  # fmt: skip
    bot = make_bot(FakeAnswerer(text=long_text, citations=citations))
    bot.event(mention("tell me everything"))
    [posted] = fake_slack.wait_for("chat.postMessage")
    # the fake rejects what Slack rejects; check the numbers too
    from bot.slack.blocks import block_text_length

    blocks = posted["blocks"]
    assert len(blocks) <= 50
    assert block_text_length(blocks) <= 12_000
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    assert len(posted["text"]) <= 40_000
    assert any(b["type"] == "actions" for b in blocks)  # feedback buttons survive trimming
    joined = json.dumps(blocks, ensure_ascii=False)
    assert "…" in joined and "more sources not shown" in joined
    assert "Sentence 0 about the fund &amp; its &lt;backers&gt;" in joined
    assert "&amp" not in joined.replace("&amp;", "")  # no entity cut in half by trimming


def test_slow_answers_never_delay_acks(make_bot, fake_slack):
    gate = threading.Event()
    answerer = FakeAnswerer(gate=gate)
    bot = make_bot(answerer, max_workers=4)
    try:
        with ThreadPoolExecutor(12) as pool:
            events = [pool.submit(bot.event, mention(f"q{i}", ts=f"17483002{i:02d}.000100")) for i in range(10)]
            commands = [pool.submit(bot.command, f"question {i}", response=f"r{i}") for i in range(4)]
            replies = [f.result() for f in events + commands]
        assert all(r.status == 200 for r in replies)
        assert max(r.seconds for r in replies) < 1.5, [round(r.seconds, 2) for r in replies]
        assert "chat.postMessage" not in fake_slack.methods()  # all of them are still "thinking"
    finally:
        gate.set()
    fake_slack.wait_for("chat.postMessage", 10, timeout=10)
    fake_slack.wait_for("response_url", 4, timeout=10)


def test_slow_single_answer_is_acked_fast(make_bot, fake_slack):
    bot = make_bot(FakeAnswerer(delay=3.2))
    reply = bot.command("Who proposed the US-Japan fund?")
    assert reply.status == 200 and reply.seconds < 1.0
    [posted] = fake_slack.wait_for("response_url", timeout=8)
    assert "Masayoshi Son" in posted["text"]


def test_failure_gives_a_short_apology_and_logs_the_detail(make_bot, fake_slack, caplog):
    bot = make_bot(FakeAnswerer(fail=True))
    with caplog.at_level(logging.ERROR):
        bot.event(mention("who?", ts="1748300300.000100"))
        [posted] = fake_slack.wait_for("chat.postMessage")
        time.sleep(0.1)
    assert posted["thread_ts"] == "1748300300.000100"
    assert posted["text"].startswith("Sorry, something went wrong")
    assert "chroma" not in json.dumps(posted) and "Traceback" not in json.dumps(posted)
    assert "chroma exploded at /srv/secret/path" in caplog.text  # the detail is in the log
    fake_slack.wait_for("reactions.remove")


def test_per_user_rate_limit_has_a_friendly_message(make_bot, fake_slack, settings):
    answerer = FakeAnswerer()
    bot = make_bot(answerer, settings_=settings.with_overrides(rate_limit_per_minute=2))
    for i in range(3):
        bot.event(mention(f"question {i}", ts=f"17483004{i:02d}.000100", user="U9"))
    [ephemeral] = fake_slack.wait_for("chat.postEphemeral")
    assert ephemeral["user"] == "U9" and "faster than I can read" in ephemeral["text"]
    assert "2 questions a minute" in ephemeral["text"]
    fake_slack.wait_for("chat.postMessage", 2)
    ack = bot.command("one more", user="U9").json()
    assert "faster than I can read" in ack["text"]
    bot.event(mention("another user is fine", ts="1748300499.000100", user="U10"))
    fake_slack.wait_for("chat.postMessage", 3)
    assert len(answerer.calls) == 3


def test_tokens_and_secrets_never_logged(make_bot, fake_slack, caplog):
    fake_slack.rate_limit("reactions.add", times=1, retry_after=0)
    with caplog.at_level(logging.DEBUG):
        bot = make_bot(FakeAnswerer(fail=True))
        bot.event(mention("who?"))
        bot.command("who?")
        fake_slack.wait_for("chat.postMessage")
        fake_slack.wait_for("response_url")
        time.sleep(0.2)
    assert "slack_sdk" in caplog.text or "slack_bolt" in caplog.text  # debug logging really was on
    for secret in (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET):
        assert secret not in caplog.text


def test_redaction_filter_masks_token_shapes():
    from bot.slack.server import RedactSecrets

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "token %s and %s", (BOT_TOKEN, "s3cr3t"), None)
    assert RedactSecrets(["s3cr3t"]).filter(record)
    assert record.getMessage() == "token xoxb-*** and ***"


def test_citations_linked_only_for_http_urls():
    from bot.slack.blocks import citation_text

    good = citation_text(SON_CITATION)
    assert good.startswith("*[1]* <https://news.example.com/2025/05/26/us-japan-fund|SoftBank")
    sneaky = Citation(2, "x", "T", "S", "2025-01-01", "https://example.com/a|b><!channel>", "q")
    text = citation_text(sneaky)
    assert text.count("<") == 1 and "<!channel>" not in text and "|b>" not in text
    for url in ("ftp://example.com/x", "javascript:alert(1)", "", "https:///nohost"):
        assert "<" not in citation_text(Citation(3, "x", "T", "S", "2025-01-01", url, "q")), url
