"""Events over HTTP into the real Bolt app: mentions, DMs, follow-ups, ignored messages, signatures,
retries. Slack is the fake on 127.0.0.1; assertions are on what was posted."""

from __future__ import annotations

import json
import time

import pytest

from tests.support.fake_slack import BOT_USER, SIGNING_SECRET, FakeAnswerer, event_body, mention, message, post


def _section_texts(blocks: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def test_mention_gets_threaded_answer_with_sources(make_bot, fake_slack):
    answerer = FakeAnswerer()
    bot = make_bot(answerer)
    reply = bot.event(mention("Who proposed the US-Japan fund?", ts="1748300000.000100"))
    assert reply.status == 200

    [posted] = fake_slack.wait_for("chat.postMessage")
    assert posted["channel"] == "C1"
    assert posted["thread_ts"] == "1748300000.000100"  # in the asker's thread, not the channel
    assert "Masayoshi Son" in posted["text"]
    sections = _section_texts(posted["blocks"])
    assert "Masayoshi Son" in sections[0]
    assert "*Sources*" in sections
    source = next(s for s in sections if s.startswith("*[1]*"))
    assert "<https://news.example.com/2025/05/26/us-japan-fund|SoftBank" in source
    assert "Example Wire · 2025-05-26" in source
    assert "\n> Masayoshi Son, the chief executive" in source
    actions = [b for b in posted["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions[0]["elements"]] == ["feedback_up", "feedback_down"]
    # the question reached the answerer without the bot's mention
    assert answerer.calls[0]["question"] == "Who proposed the US-Japan fund?"
    assert answerer.calls[0]["history"] == []
    # 👀 while working, removed afterwards
    fake_slack.wait_for("reactions.remove")
    assert fake_slack.calls_to("reactions.add")[0] == {
        "channel": "C1",
        "timestamp": "1748300000.000100",
        "name": "eyes",
    }


def test_direct_message_is_answered(make_bot, fake_slack):
    answerer = FakeAnswerer()
    bot = make_bot(answerer)
    assert bot.event(message("who proposed the fund?", channel="D42", ts="1748300010.000100")).status == 200
    [posted] = fake_slack.wait_for("chat.postMessage")
    assert posted["channel"] == "D42"
    assert "thread_ts" not in posted  # a top-level DM gets a top-level reply
    assert "Masayoshi Son" in posted["text"]
    assert answerer.calls[0]["question"] == "who proposed the fund?"


def test_follow_up_in_thread_gets_history(make_bot, fake_slack):
    answerer = FakeAnswerer()
    bot = make_bot(answerer)
    root = fake_slack.add_message("C1", "U1", f"<@{BOT_USER}> Who proposed the US-Japan fund?")
    bot.event(mention("Who proposed the US-Japan fund?", ts=root))
    fake_slack.wait_for("chat.postMessage")

    follow = fake_slack.add_message("C1", "U1", "and what would it invest in?", thread_ts=root)
    reply = bot.event(
        message("and what would it invest in?", channel="C1", channel_type="channel", ts=follow, thread_ts=root)
    )
    assert reply.status == 200
    posts = fake_slack.wait_for("chat.postMessage", 2)
    assert posts[1]["thread_ts"] == root
    assert answerer.calls[1]["question"] == "and what would it invest in?"
    assert answerer.calls[1]["history"] == [
        ("user", "Who proposed the US-Japan fund?"),
        ("assistant", "Masayoshi Son, SoftBank's chief executive, proposed it [1]."),
    ]
    replies = fake_slack.calls_to("conversations.replies")
    assert replies and replies[0]["ts"] == root


def test_channel_thread_without_the_bot_is_ignored(make_bot, fake_slack):
    answerer = FakeAnswerer()
    bot = make_bot(answerer)
    root = fake_slack.add_message("C1", "U1", "lunch?")
    reply = bot.event(message("pizza", channel="C1", channel_type="channel", ts=fake_slack.new_ts(), thread_ts=root))
    assert reply.status == 200
    time.sleep(0.3)
    assert answerer.calls == []
    assert "chat.postMessage" not in fake_slack.methods()


@pytest.mark.parametrize(
    "event",
    [
        message("I am a bot", bot_id="B999", subtype="bot_message"),
        message("my own answer", user=BOT_USER),
        message("edited", subtype="message_changed"),
        message("gone", subtype="message_deleted"),
        message("joined", subtype="channel_join"),
    ],
    ids=["bot", "self", "edit", "delete", "join"],
)
def test_bot_messages_edits_and_subtypes_are_acked_and_ignored(make_bot, fake_slack, event):
    answerer = FakeAnswerer()
    bot = make_bot(answerer)
    assert bot.event(event).status == 200
    time.sleep(0.2)
    assert answerer.calls == []
    assert "chat.postMessage" not in fake_slack.methods()


def test_every_event_type_is_acked(make_bot, fake_slack):
    bot = make_bot()
    for event in (
        {
            "type": "assistant_thread_context_changed",
            "assistant_thread": {"channel_id": "D1", "thread_ts": "1.2"},
        },
        {"type": "member_joined_channel", "user": "U1", "channel": "C1"},
        {"type": "app_home_opened", "user": "U1", "tab": "messages", "channel": "D1"},
    ):
        assert bot.event(event).status == 200, event["type"]


def test_bad_signature_is_rejected_and_nothing_answered(make_bot, fake_slack):
    answerer = FakeAnswerer()
    bot = make_bot(answerer)
    body = json.dumps(event_body(mention("who?"))).encode()
    bad = post(bot.url, body, "application/json", secret="not-the-secret")
    assert bad.status == 401
    tampered = post(
        bot.url,
        body.replace(b"who?", b"why?"),
        "application/json",
        signature=post.__globals__["sign"](body, int(time.time())),
    )
    assert tampered.status == 401
    time.sleep(0.3)
    assert answerer.calls == []
    assert "chat.postMessage" not in fake_slack.methods()


def test_old_timestamp_is_rejected(make_bot, fake_slack):
    answerer = FakeAnswerer()
    bot = make_bot(answerer)
    body = json.dumps(event_body(mention("who?"))).encode()
    stale = int(time.time()) - 6 * 60
    reply = post(bot.url, body, "application/json", timestamp=stale, secret=SIGNING_SECRET)  # correctly signed
    assert reply.status == 401
    time.sleep(0.3)
    assert answerer.calls == []


def test_retried_event_is_answered_once_also_after_restart(make_bot, fake_slack, settings):
    answerer = FakeAnswerer()
    bot = make_bot(answerer)
    event = mention("Who proposed the US-Japan fund?", ts="1748300100.000100")
    assert bot.event(event, event_id="Ev-retry").status == 200
    fake_slack.wait_for("chat.postMessage")
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert bot.event(event, event_id="Ev-retry", headers=retry).status == 200
    bot.stop()

    restarted = make_bot(answerer)  # a new process would open the same data dir
    retry = {"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_timeout"}
    assert restarted.event(event, event_id="Ev-retry", headers=retry).status == 200
    # the same message delivered as message.channels (another event id) is not answered again either
    as_message = message(event["text"], channel="C1", channel_type="channel", ts=event["ts"])
    assert restarted.event(as_message).status == 200
    time.sleep(0.4)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert len(answerer.calls) == 1


def test_empty_mention_gets_a_hint(make_bot, fake_slack):
    answerer = FakeAnswerer()
    bot = make_bot(answerer)
    bot.event({**mention(""), "text": f"<@{BOT_USER}>"})
    [posted] = fake_slack.wait_for("chat.postMessage")
    assert "Ask me a question about the news" in posted["text"]
    assert answerer.calls == []
