"""Pure parts of the Slack front end: Block Kit builders, text cleaning, stores, the rate limiter."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from bot.answering.answer import Answer, Refusal
from bot.slack.blocks import (
    MAX_SECTION_CHARS,
    answer_blocks,
    block_text_length,
    clip,
    clip_escaped,
    escape,
    fallback_text,
    neutralise,
    unescape,
)
from bot.slack.state.dedupe import MemoryDedupeStore, SqliteDedupeStore
from bot.slack.state.ratelimit import SlidingWindowLimiter
from bot.slack.text import clean_text, parse_command


def test_refusal_is_styled_distinctly_and_cites_latest_data():
    refusal = Answer("What will Bitcoin cost next year?", date(2025, 5, 26),
                     "I can't predict prices; the newest figure I have is from 2025-05-25.", [],
                     Refusal("prediction", "2025-05-25"))  # fmt: skip
    blocks = answer_blocks(refusal, answer_id="a1")
    first = blocks[0]
    assert first["type"] == "context"
    assert first["elements"][0]["text"].startswith(":warning: *")
    assert "newest data I have: 2025-05-25" in first["elements"][0]["text"]
    assert not any(b.get("text", {}).get("text") == "*Sources*" for b in blocks)
    assert fallback_text(refusal).startswith(":warning: I can't predict")
    normal = answer_blocks(Answer("q", date(2025, 5, 26), "An answer."), answer_id="a2")
    assert normal[0]["type"] == "section" and ":warning:" not in str(normal)


def test_answer_without_id_has_no_buttons():
    blocks = answer_blocks(Answer("q", date(2025, 5, 26), "An answer."))
    assert not any(b["type"] == "actions" for b in blocks)


@given(st.text(alphabet=st.sampled_from("ab &<>;\n"), max_size=400), st.integers(min_value=2, max_value=200))
def test_clip_escaped_fits_and_never_cuts_an_entity(raw, limit):
    out = clip_escaped(raw, limit)
    assert len(out) <= limit
    assert "<" not in out and ">" not in out
    stripped = out.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "")
    assert "&" not in stripped
    if len(escape(neutralise(raw))) <= limit:
        assert out == escape(neutralise(raw))


@given(st.text(max_size=300))
def test_escape_round_trips(text):
    assert unescape(escape(text)) == text


def test_clip_prefers_word_boundaries():
    clipped = clip("alpha beta gamma delta " * 10, 50)
    assert len(clipped) <= 50 and clipped.endswith(("alpha…", "beta…", "gamma…", "delta…"))
    assert clip("short", 10) == "short"


@given(st.text(alphabet=st.sampled_from("word &<>\n"), min_size=0, max_size=20_000))
def test_any_answer_fits_slack_limits(text):
    blocks = answer_blocks(Answer("q", date(2025, 5, 26), text), answer_id="x")
    assert len(blocks) <= 50
    assert block_text_length(blocks) <= 12_000
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(len(s) <= MAX_SECTION_CHARS for s in sections)
    for section in sections:  # splitting never leaves half an entity at either end
        assert "&" not in section.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "")


def test_clean_text_unwraps_slack_markup():
    text = "<@UBOT>  what did <@U2> say about <https://x.example/a|this story> &amp; <!here>?"
    assert clean_text(text, "UBOT") == "what did <@U2> say about this story & @here?"


def test_parse_command_public_flag():
    assert parse_command("who proposed it?") == ("who proposed it?", False)
    assert parse_command("--public who proposed it?") == ("who proposed it?", True)
    assert parse_command("who proposed it? --public") == ("who proposed it?", True)
    assert parse_command("public transport fares?") == ("public transport fares?", False)
    assert parse_command("--public") == ("", True)


def test_sqlite_dedupe_survives_reopen_and_expires(tmp_path):
    now = [1000.0]
    store = SqliteDedupeStore(tmp_path / "d.sqlite", clock=lambda: now[0])
    assert store.claim("event:Ev1", ttl=60)
    assert not store.claim("event:Ev1", ttl=60)
    store.close()
    reopened = SqliteDedupeStore(tmp_path / "d.sqlite", clock=lambda: now[0])
    assert not reopened.claim("event:Ev1", ttl=60)
    now[0] += 61
    assert reopened.claim("event:Ev1", ttl=60)  # long after Slack's retries, the key may be reused


def test_memory_dedupe_matches_interface():
    store = MemoryDedupeStore()
    assert store.claim("k") and not store.claim("k") and store.claim("other")


def test_sliding_window_limiter():
    now = [0.0]
    limiter = SlidingWindowLimiter(2, clock=lambda: now[0])
    assert limiter.allow("u") and limiter.allow("u") and not limiter.allow("u")
    assert limiter.allow("v")
    now[0] = 30.0
    assert not limiter.allow("u") and limiter.retry_after("u") == 30
    now[0] = 60.5
    assert limiter.allow("u")
    assert SlidingWindowLimiter(0).allow("u")  # 0 disables the limit


def test_manifest_matches_what_the_bot_uses():
    from pathlib import Path

    import yaml

    manifest = yaml.safe_load((Path(__file__).resolve().parents[2] / "bot" / "slack" / "manifest.yaml").read_text())
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    needed = {
        "app_mentions:read",
        "chat:write",
        "commands",
        "reactions:write",
        "assistant:write",
        "im:history",
    }
    assert needed <= scopes
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {
        "app_mention",
        "message.im",
        "message.channels",
        "app_home_opened",
        "assistant_thread_started",
    } <= events
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/news"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
