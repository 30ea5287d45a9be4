"""Where the bot answers (per-channel rules), private answers with "Share in channel", and the
"Check against the news" message shortcut — through the real Bolt app over signed HTTP."""

from __future__ import annotations

import json
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from bot.slack.channels import ChannelRule, ChannelRules, load_channel_rules, looks_like_question
from bot.slack.text import NOT_IN_CHANNEL
from ingest import ConfigError
from tests.support.fake_slack import FakeAnswerer, mention, message, post

RULES = ChannelRules(
    channels={
        "C1": ChannelRule(ephemeral=True),
        "CQUESTIONS": ChannelRule(answer="questions"),
        "CQUIET": ChannelRule(answer="never"),
    }
)


def _share_value(blocks: list[dict[str, Any]]) -> str:
    actions = next(b for b in blocks if b["type"] == "actions")
    return next(e["value"] for e in actions["elements"] if e["action_id"] == "share_answer")


def _shortcut(bot: Any, text: str, *, channel: str = "C1", ts: str = "1748300000.000500") -> int:
    payload = {
        "type": "message_action",
        "callback_id": "check_against_news",
        "team": {"id": "T0001"},
        "user": {"id": "U9", "team_id": "T0001"},
        "channel": {"id": channel, "name": "general"},
        "message": {"type": "message", "user": "U3", "text": text, "ts": ts},
        "response_url": bot.fake.response_url("shortcut"),
        "trigger_id": "1.2.3",
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    return post(bot.url, body, "application/x-www-form-urlencoded").status


def test_rules_file_is_read_and_checked(tmp_path: Path) -> None:
    good = tmp_path / "channels.yaml"
    good.write_text(
        "default: {ephemeral: true}\nchannels:\n  CNEWS1: {answer: questions}\n  CQUIET1: {answer: never}\n"
    )
    rules = load_channel_rules(good)
    assert rules.for_channel("CNEWS1") == ChannelRule(answer="questions", ephemeral=True)  # inherits the default
    assert rules.for_channel("CQUIET1").answer == "never"
    assert rules.for_channel("COTHER") == ChannelRule(ephemeral=True)
    assert rules.for_channel("D123") == ChannelRule()  # a DM is always answered, in the open
    assert load_channel_rules(None) == ChannelRules()

    for text, reason in [
        ("channels:\n  CNEWS1: {answer: always}\n", "answer must be one of mention, questions, never, got 'always'"),
        ("channels:\n  CNEWS1: {private: true}\n", "unknown key 'private'"),
        ("channels:\n  '#general': {answer: never}\n", "'#general' is not a channel ID"),
        ("channels:\n  CNEWS1: {ephemeral: maybe}\n", "ephemeral must be true or false"),
        ("channel:\n  CNEWS1: {}\n", "must have only 'default' and 'channels'"),
        ("channels: [\n", "is not valid YAML"),
    ]:
        bad = tmp_path / "bad.yaml"
        bad.write_text(text)
        with pytest.raises(ConfigError) as caught:
            load_channel_rules(bad)
        assert reason in str(caught.value) and str(bad) in str(caught.value)
    with pytest.raises(ConfigError, match="cannot read"):
        load_channel_rules(tmp_path / "missing.yaml")


def test_looks_like_question() -> None:
    assert looks_like_question("What did the central bank decide?")
    assert not looks_like_question("lunch?")
    assert not looks_like_question("The fund was proposed in May.")


def test_questions_channel_answers_questions_without_a_mention(make_bot: Any, fake_slack: Any) -> None:
    answerer = FakeAnswerer()
    bot = make_bot(answerer, rules=RULES)
    chatter = "1748300002.000100"
    bot.event(message("Anyone for lunch today", channel="CQUESTIONS", channel_type="channel", ts=chatter))
    bot.event(message("Who proposed the fund?", channel="COTHER", channel_type="channel", ts="1748300003.000100"))
    asked = "1748300004.000100"
    bot.event(message("Who proposed the US-Japan fund?", channel="CQUESTIONS", channel_type="channel", ts=asked))
    [posted] = fake_slack.wait_for("chat.postMessage")
    assert (posted["channel"], posted["thread_ts"]) == ("CQUESTIONS", asked)
    assert "Masayoshi Son" in posted["text"]
    time.sleep(0.3)
    assert [c["question"] for c in answerer.calls] == ["Who proposed the US-Japan fund?"]


def test_never_channel_ignores_even_mentions(make_bot: Any, fake_slack: Any) -> None:
    answerer = FakeAnswerer()
    bot = make_bot(answerer, rules=RULES)
    assert bot.event(mention("Who proposed the US-Japan fund?", channel="CQUIET")).status == 200
    bot.event(mention("Who proposed the US-Japan fund?", channel="CPLAIN", ts="1748300009.000100"))
    [posted] = fake_slack.wait_for("chat.postMessage")
    assert posted["channel"] == "CPLAIN"
    time.sleep(0.3)
    assert len(answerer.calls) == 1 and fake_slack.calls_to("chat.postMessage") == [posted]


def test_ephemeral_channel_answers_privately_and_share_posts_it(make_bot: Any, fake_slack: Any) -> None:
    answerer = FakeAnswerer()
    bot = make_bot(answerer, rules=RULES)
    bot.event(mention("Who proposed the US-Japan fund?", channel="C1", user="U2", ts="1748300010.000100"))
    [private] = fake_slack.wait_for("chat.postEphemeral")
    assert (private["channel"], private["user"], private["thread_ts"]) == ("C1", "U2", "1748300010.000100")
    assert "Masayoshi Son" in private["text"]
    assert fake_slack.calls_to("chat.postMessage") == [] and fake_slack.calls_to("reactions.add") == []

    assert bot.click("share_answer", _share_value(private["blocks"]), user="U2", response="share").status == 200
    [shared] = fake_slack.wait_for("chat.postMessage")
    assert (shared["channel"], shared["thread_ts"]) == ("C1", "1748300010.000100")
    assert shared["text"] == private["text"]
    header = json.dumps(shared["blocks"][0])
    assert "<@U2> asked:" in header and "Who proposed the US-Japan fund?" in header
    assert "share_answer" not in json.dumps(shared["blocks"])  # the public copy has no Share button
    [deleted] = fake_slack.wait_for("response_url")
    assert deleted["_path"] == "/response/share" and deleted["delete_original"] is True
    assert len(answerer.calls) == 1  # the answer the asker saw, not a new one


def test_share_after_a_restart_asks_again(make_bot: Any, fake_slack: Any) -> None:
    answerer = FakeAnswerer()
    bot = make_bot(answerer, rules=RULES)
    value = json.dumps({"k": "forgotten", "q": "Who proposed the US-Japan fund?", "t": "1748300011.000100"})
    bot.click("share_answer", value, user="U2", response="share")
    [shared] = fake_slack.wait_for("chat.postMessage")
    assert "Masayoshi Son" in shared["text"] and shared["thread_ts"] == "1748300011.000100"
    assert [c["question"] for c in answerer.calls] == ["Who proposed the US-Japan fund?"]
    bot.click("share_answer", "not json", user="U2", response="junk")  # ignored, no crash, no post
    time.sleep(0.3)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_slash_command_private_answer_can_be_shared(make_bot: Any, fake_slack: Any) -> None:
    bot = make_bot(FakeAnswerer())
    bot.command("Who proposed the US-Japan fund?", user="U5")
    [private] = fake_slack.wait_for("response_url")
    assert private["response_type"] == "ephemeral"
    bot.click("share_answer", _share_value(private["blocks"]), user="U5", response="share")
    _, public, deleted = fake_slack.wait_for("response_url", 3)
    assert public["response_type"] == "in_channel" and "Masayoshi Son" in public["text"]
    assert "<@U5> asked:" in json.dumps(public["blocks"])
    assert deleted["delete_original"] is True


def test_check_against_the_news_replies_in_the_message_thread(make_bot: Any, fake_slack: Any) -> None:
    answerer = FakeAnswerer()
    bot = make_bot(answerer)
    assert _shortcut(bot, "I heard Masayoshi Son proposed a US-Japan fund") == 200
    [posted] = fake_slack.wait_for("chat.postMessage")
    assert (posted["channel"], posted["thread_ts"]) == ("C1", "1748300000.000500")
    assert "<@U9> asked me to check this message against the news" in json.dumps(posted["blocks"][0])
    assert "Masayoshi Son" in posted["text"]
    assert answerer.calls[0]["question"] == "I heard Masayoshi Son proposed a US-Japan fund"


def test_check_in_a_channel_the_bot_is_not_in_answers_privately(make_bot: Any, fake_slack: Any) -> None:
    fake_slack.not_in.add("COUTSIDE")
    bot = make_bot(FakeAnswerer())
    _shortcut(bot, "Masayoshi Son proposed a fund", channel="COUTSIDE")
    [private] = fake_slack.wait_for("response_url")
    assert private["response_type"] == "ephemeral" and private["text"] == NOT_IN_CHANNEL
    assert "Masayoshi Son" in json.dumps(private["blocks"])
    _shortcut(bot, "   ", channel="C1", ts="1748300000.000600")
    _, empty = fake_slack.wait_for("response_url", 2)
    assert "no text I can check" in empty["text"]


def test_the_example_rules_file_is_valid() -> None:
    rules = load_channel_rules(Path(__file__).resolve().parents[2] / "examples" / "slack-channels.yaml")
    assert rules.for_channel("C0NEWSDESK1").answer == "questions"
    assert rules.for_channel("C0GENERAL01").ephemeral and rules.for_channel("C0RANDOM001").answer == "never"


class _StreamingAnswerer(FakeAnswerer):
    """Writes its answer in three drafts, as a chat model streams it."""

    streams = True

    def ask(self, question: str, *, on_draft: Any = None, **kwargs: Any) -> Any:
        for draft in ("Masayoshi", "Masayoshi Son <!channel>", "Masayoshi Son proposed it, says *[1]*"):
            on_draft(draft)
            time.sleep(1.05)
        return super().ask(question, **kwargs)


def test_a_streamed_answer_is_shown_while_written_then_replaced(make_bot: Any, fake_slack: Any) -> None:
    bot = make_bot(_StreamingAnswerer())
    bot.event(mention("Who proposed the US-Japan fund?", ts="1748300020.000100"))
    [final] = fake_slack.wait_for("chat.update", timeout=15)
    [started] = fake_slack.calls_to("chat.startStream")
    assert started["thread_ts"] == "1748300020.000100" and started["recipient_user_id"] == "U1"
    assert "Writing…" in started["markdown_text"] and "Masayoshi" in started["markdown_text"]
    appended = "".join(c["markdown_text"] for c in fake_slack.calls_to("chat.appendStream"))
    assert "&lt;!channel&gt;" in appended and "<!channel>" not in appended  # drafts are escaped too
    assert fake_slack.calls_to("chat.stopStream")
    assert final["ts"] and "Masayoshi Son" in final["text"] and final["blocks"]  # the verified answer
    assert fake_slack.calls_to("chat.postMessage") == []  # one message: the draft became the answer


def test_a_streamed_top_level_dm_is_edited_in_place(make_bot: Any, fake_slack: Any) -> None:
    bot = make_bot(_StreamingAnswerer())
    bot.event(message("Who proposed the US-Japan fund?", ts="1748300021.000100"))
    [final] = fake_slack.wait_for("chat.update", 3, timeout=15)[-1:]
    [draft] = fake_slack.calls_to("chat.postMessage")
    assert draft.get("thread_ts") in (None, "") and "Writing…" in draft["text"]
    assert fake_slack.calls_to("chat.startStream") == []
    assert "Masayoshi Son" in final["text"] and final["blocks"] and "Writing…" not in final["text"]
