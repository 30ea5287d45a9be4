"""The /news slash command, 👍/👎 feedback, the Home tab and AI-app threads, over signed HTTP."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests.support.fake_slack import FakeAnswerer, message


def test_slash_command_acks_with_echo_then_answers_via_response_url(make_bot, fake_slack):
    answerer = FakeAnswerer()
    bot = make_bot(answerer)
    reply = bot.command("Who proposed the US-Japan fund?", response="cmd-1")
    assert reply.status == 200
    ack = reply.json()
    assert ack["response_type"] == "ephemeral"
    assert "Who proposed the US-Japan fund?" in ack["text"]  # the user can't see their own command

    [posted] = fake_slack.wait_for("response_url")
    assert posted["_path"] == "/response/cmd-1"
    assert posted["response_type"] == "ephemeral"
    assert posted["replace_original"] is False
    assert "Masayoshi Son" in posted["text"]
    texts = json.dumps(posted["blocks"])
    assert "<@U1> asked: *Who proposed the US-Japan fund?*" in texts
    assert "*Sources*" in texts
    assert "chat.postMessage" not in fake_slack.methods()  # no channel membership needed


def test_slash_command_public_flag_posts_in_channel(make_bot, fake_slack):
    answerer = FakeAnswerer()
    bot = make_bot(answerer)
    ack = bot.command("--public Who proposed the US-Japan fund?").json()
    assert "posted to the channel" in ack["text"]
    [posted] = fake_slack.wait_for("response_url")
    assert posted["response_type"] == "in_channel"
    assert answerer.calls[0]["question"] == "Who proposed the US-Japan fund?"


def test_slash_command_without_question_shows_usage(make_bot, fake_slack):
    answerer = FakeAnswerer()
    bot = make_bot(answerer)
    ack = bot.command("   ").json()
    assert "Usage: `/news your question`" in ack["text"]
    assert answerer.calls == []


def test_feedback_click_is_stored_and_exported(make_bot, fake_slack, settings, monkeypatch):
    bot = make_bot(FakeAnswerer())
    bot.event(message("who proposed the fund?", channel="D9", ts="1748300020.000100"))
    [posted] = fake_slack.wait_for("chat.postMessage")
    actions = next(b for b in posted["blocks"] if b["type"] == "actions")
    down = next(e for e in actions["elements"] if e["action_id"] == "feedback_down")

    assert bot.click("feedback_down", down["value"], user="U7").status == 200
    [thanks] = fake_slack.wait_for("response_url")
    assert thanks["response_type"] == "ephemeral" and "Thanks" in thanks["text"]
    assert bot.click("feedback_up", down["value"], user="U7").status == 200  # changed their mind
    fake_slack.wait_for("response_url", 2)

    from bot.cli import make_app

    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(settings.data_dir))
    result = CliRunner().invoke(make_app(), ["feedback", "--json"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert row["user"] == "U7" and row["vote"] == "up" and row["asker"] == "U1"
    assert row["question"] == "who proposed the fund?"
    assert "Masayoshi Son" in row["answer"]
    assert row["citations"][0]["url"] == "https://news.example.com/2025/05/26/us-japan-fund"
    assert row["ts"] and row["channel"] == "D9"


def test_feedback_for_unknown_answer_is_not_stored(make_bot, fake_slack, settings):
    bot = make_bot(FakeAnswerer())
    bot.click("feedback_up", "no-such-answer")
    [reply] = fake_slack.wait_for("response_url")
    assert "couldn't find" in reply["text"]
    from bot.slack.state.feedback import open_feedback

    assert open_feedback(settings.data_dir).export() == []


def test_home_tab_shows_coverage(make_bot, fake_slack):
    bot = make_bot(FakeAnswerer())
    assert bot.event({"type": "app_home_opened", "user": "U5", "tab": "home", "channel": "D5"}).status == 200
    [published] = fake_slack.wait_for("views.publish")
    assert published["user_id"] == "U5"
    assert published["view"]["type"] == "home"
    text = json.dumps(published["view"]["blocks"], ensure_ascii=False)
    assert "*Articles:* 3" in text
    assert "May 20, 2025 to May 26, 2025" in text
    assert "Example Gazette: 2" in text
    assert "Bitcoin price: $108,029.56 (as of May 25, 2025)" in text
    assert "99,000" not in text  # only the newest snapshot per asset


def test_assistant_thread_gets_prompts_and_status(make_bot, fake_slack):
    answerer = FakeAnswerer()
    bot = make_bot(answerer)
    started = {
        "type": "assistant_thread_started",
        "assistant_thread": {
            "user_id": "U1",
            "channel_id": "D3",
            "thread_ts": "1748300030.000100",
            "context": {},
        },
    }
    assert bot.event(started).status == 200
    [prompts] = fake_slack.wait_for("assistant.threads.setSuggestedPrompts")
    assert prompts["channel_id"] == "D3" and prompts["thread_ts"] == "1748300030.000100"
    assert len(prompts["prompts"]) >= 2 and all(p["title"] and p["message"] for p in prompts["prompts"])

    ask = message("Who proposed the fund?", channel="D3", ts="1748300031.000100", thread_ts="1748300030.000100")
    bot.event(ask)
    posts = fake_slack.wait_for("chat.postMessage", 2)  # greeting, then the answer
    assert posts[-1]["thread_ts"] == "1748300030.000100" and "Masayoshi Son" in posts[-1]["text"]
    [status] = fake_slack.calls_to("assistant.threads.setStatus")
    assert status["status"] == "Searching the news…"
    assert "reactions.add" not in fake_slack.methods()
    assert answerer.calls[0]["history"] == []  # the greeting is not part of the conversation


def test_a_vote_without_a_user_is_not_stored(make_bot, fake_slack, settings):
    bot = make_bot(FakeAnswerer())
    bot.event(message("who proposed the fund?", channel="D9", ts="1748300020.000100"))
    [posted] = fake_slack.wait_for("chat.postMessage")
    actions = next(b for b in posted["blocks"] if b["type"] == "actions")
    value = actions["elements"][0]["value"]
    assert bot.click("feedback_up", value, user="").status == 200  # acked, then ignored
    assert bot.click("feedback_down", value, user="U7").status == 200
    [thanks] = fake_slack.wait_for("response_url")
    assert "Thanks" in thanks["text"]
    from bot.slack.state.feedback import open_feedback

    assert [(r["user"], r["vote"]) for r in open_feedback(settings.data_dir).export()] == [("U7", "down")]
    assert len(fake_slack.calls_to("response_url")) == 1


def test_slash_command_ack_clips_a_huge_question(make_bot, fake_slack):
    answerer = FakeAnswerer()
    bot = make_bot(answerer)
    question = "why " * 10_000
    ack = bot.command(question).json()
    assert len(ack["text"]) < 400 and ack["text"].rstrip("_").endswith("…")
    fake_slack.wait_for("response_url")
    assert answerer.calls[0]["question"] == question.strip()  # only the echo is clipped


def test_home_tab_says_what_changed_since_the_last_visit(make_bot, fake_slack):
    from bot.slack.home import HomeSeen, changes

    answerer = FakeAnswerer()
    bot = make_bot(answerer)
    opened = {"type": "app_home_opened", "user": "U6", "tab": "home", "channel": "D6"}
    bot.event(opened)
    [first] = fake_slack.wait_for("views.publish")
    assert "Since your last visit" not in json.dumps(first["view"]["blocks"])  # a first visit

    bot.event(opened)
    _, again = fake_slack.wait_for("views.publish", 2)
    assert "*Since your last visit*" in json.dumps(again["view"]["blocks"]) and "Nothing new." in json.dumps(
        again["view"]["blocks"]
    )

    before = HomeSeen("2025-05-24", 2, "2025-05-24", {"Bitcoin price": (99000.0, "USD", "2025-05-01")})
    now = HomeSeen("2025-05-27", 3, "2025-05-26", {"Bitcoin price": (108029.56, "USD", "2025-05-25"),
                                                   "Gold price": (2300.0, "USD", "2025-05-26")})  # fmt: skip
    assert changes(before, now) == [
        "1 new article; news now up to May 26, 2025",
        "Bitcoin price: $99,000 (as of May 1, 2025) → $108,029.56 (as of May 25, 2025)",
        "Gold price: $2,300 (as of May 26, 2025), new",
    ]
    assert changes(now, now) == []
    assert HomeSeen.from_json(now.to_json()) == now and HomeSeen.from_json("{broken") is None
