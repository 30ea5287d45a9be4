"""The Redis stores against a real redis-server: shared across clients (i.e. processes), same
behaviour and export rows as the single-process stores, clear errors when Redis is missing."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from bot.answering.answer import Answer, Refusal
from bot.settings import Settings
from bot.slack.state.feedback import FeedbackStore
from bot.slack.state.redis import RedisDedupeStore, RedisRateLimiter, connect, redact_url
from bot.slack.state.redis_feedback import RedisFeedbackStore
from bot.slack.state.stores import open_feedback_store, open_stores
from ingest.errors import ConfigError, IndexUnavailable
from tests.support.fake_slack import SON_CITATION
from tests.support.services import free_port


def _answer(text: str = "Masayoshi Son proposed it [1].", refusal: Refusal | None = None) -> Answer:
    return Answer("Who proposed the US-Japan fund?", date(2025, 5, 26), text, [SON_CITATION], refusal)


def test_dedupe_claim_is_shared_between_clients(redis_server):
    first = RedisDedupeStore(connect(redis_server.url))
    second = RedisDedupeStore(connect(redis_server.url))
    assert first.claim("event:Ev1") is True
    assert first.claim("event:Ev1") is False
    assert second.claim("event:Ev1") is False  # another process sees the claim
    assert second.claim("event:Ev2") is True and first.claim("event:Ev2") is False
    assert first.claim("short", ttl=0.2) is True
    time.sleep(0.35)
    assert second.claim("short", ttl=0.2) is True  # expired: a new delivery much later is handled again
    first.close()
    second.close()


def test_rate_limit_counts_every_process(redis_server):
    now = [1000.0]
    a = RedisRateLimiter(connect(redis_server.url), 3, clock=lambda: now[0])
    b = RedisRateLimiter(connect(redis_server.url), 3, clock=lambda: now[0])
    assert [a.allow("U1"), b.allow("U1"), a.allow("U1")] == [True, True, True]
    assert b.allow("U1") is False and a.allow("U1") is False  # the 4th question, whichever process gets it
    assert a.allow("U2") is True  # per user
    assert a.retry_after("U1") == 60 and b.retry_after("U1") == 60 and b.retry_after("U2") == 0
    now[0] += 30
    assert b.retry_after("U1") == 30 and b.allow("U1") is False
    now[0] += 30.5  # the first three fell out of the window
    assert b.retry_after("U1") == 0
    assert [b.allow("U1"), a.allow("U1"), a.allow("U1"), b.allow("U1")] == [True, True, True, False]
    assert RedisRateLimiter(connect(redis_server.url), 0).allow("U1") is True  # 0 disables the limit


def test_rate_limit_on_the_server_clock(redis_server):
    limiter = RedisRateLimiter(connect(redis_server.url), 1, window=0.5)
    assert limiter.allow("U1") is True and limiter.allow("U1") is False
    assert limiter.retry_after("U1") == 1  # rounded up to whole seconds, never 0 while limited
    time.sleep(0.6)
    assert limiter.allow("U1") is True


def test_feedback_from_one_store_is_exported_by_another(redis_server, tmp_path: Path):
    writer = RedisFeedbackStore(connect(redis_server.url))
    reader = RedisFeedbackStore(connect(redis_server.url))
    sqlite = FeedbackStore(tmp_path / "feedback.sqlite")
    rows = {}
    for name, store in (("redis", writer), ("sqlite", sqlite)):
        good = store.record_answer(_answer(), asker="U1", channel="C1", thread_ts="1748300000.000100")
        refused = store.record_answer(
            _answer("I can't tell yet.", Refusal("no_evidence", "nothing found")),
            asker="U2",
            channel="C2",
            thread_ts="",
        )
        assert store.record_vote(good, user="U7", vote="down") is True
        assert store.record_vote(good, user="U7", vote="up") is True  # the latest vote wins
        assert store.record_vote(good, user="U8", vote="up") is True
        assert store.record_vote(refused, user="U7", vote="down") is True
        assert store.record_vote("no-such-answer", user="U7", vote="up") is False
        assert store.record_vote(good, user="U7", vote="meh") is False
        rows[name] = (store if name == "sqlite" else reader).export()
    assert len(rows["redis"]) == 3
    assert [r["vote"] for r in rows["redis"] if r["user"] == "U7" and r["asker"] == "U1"] == ["up"]
    son = next(r for r in rows["redis"] if r["user"] == "U8")
    assert son["question"] == "Who proposed the US-Japan fund?" and son["refused"] is False
    assert son["citations"][0]["title"].startswith("SoftBank's Masayoshi Son")
    assert son["as_of"] == "2025-05-26" and son["refusal_kind"] is None and son["channel"] == "C1"
    no = next(r for r in rows["redis"] if r["asker"] == "U2")
    assert no["refused"] is True and no["refusal_kind"] == "no_evidence" and no["vote"] == "down"

    # the same row shape as the SQLite store, value for value apart from ids and times
    def comparable(row: dict) -> dict:
        return {k: v for k, v in row.items() if k not in {"ts", "answered", "answer_id"}}

    assert [list(r) for r in rows["redis"]] == [list(r) for r in rows["sqlite"]]
    key = lambda r: (r["asker"], r["user"])  # noqa: E731
    assert sorted(map(comparable, rows["redis"]), key=key) == sorted(map(comparable, rows["sqlite"]), key=key)
    sqlite.close()


def test_threads_are_shared(redis_server):
    one = RedisFeedbackStore(connect(redis_server.url))
    two = RedisFeedbackStore(connect(redis_server.url))
    assert two.in_thread("C1", "1748300000.000100") is False
    one.record_answer(_answer(), asker="U1", channel="C1", thread_ts="1748300000.000100")
    assert two.in_thread("C1", "1748300000.000100") is True  # follow-ups there reach whichever process
    assert two.in_thread("C1", "1748300000.000999") is False and two.in_thread("C9", "1748300000.000100") is False
    one.add_assistant_thread("D1", "1748300100.000100")
    assert two.is_assistant_thread("D1", "1748300100.000100") is True
    assert two.in_thread("D1", "1748300100.000100") is True
    assert two.is_assistant_thread("C1", "1748300000.000100") is False


@pytest.mark.parametrize("backend", ["redis", "sqlite"])
def test_home_visits_are_remembered_per_user(backend, redis_server, tmp_path: Path):
    def store():
        return RedisFeedbackStore(connect(redis_server.url)) if backend == "redis" else FeedbackStore(tmp_path / "f.db")

    one, two = store(), store()
    assert one.swap_home_visit("U1", '{"day": "2025-05-26"}') is None  # a first visit
    assert two.swap_home_visit("U1", '{"day": "2025-05-27"}') == '{"day": "2025-05-26"}'
    assert two.swap_home_visit("U2", "{}") is None  # per user
    assert one.swap_home_visit("U1", "{}") == '{"day": "2025-05-27"}'


def test_factory_picks_redis_only_when_configured(redis_server, tmp_path: Path):
    stores = open_stores(Settings(data_dir=tmp_path / "d", redis_url=redis_server.url, rate_limit_per_minute=1))
    assert stores.backend == "redis"
    assert stores.dedupe.claim("k") is True
    assert stores.limiter.allow("U1") is True and stores.limiter.allow("U1") is False
    answer_id = stores.feedback.record_answer(_answer(), asker="U1", channel="C1", thread_ts="1")
    stores.feedback.record_vote(answer_id, user="U2", vote="up")
    stores.close()
    exported = open_feedback_store(Settings(data_dir=tmp_path / "d", redis_url=redis_server.url)).export()
    assert [(r["user"], r["vote"]) for r in exported] == [("U2", "up")]
    local = open_stores(Settings(data_dir=tmp_path / "d"))
    assert local.backend == "sqlite" and local.dedupe.claim("k") is True  # separate from Redis
    assert local.feedback.export() == [] and (tmp_path / "d" / "slack-feedback.sqlite").exists()
    local.close()


def test_unreachable_redis_is_one_clear_line_without_the_password(tmp_path: Path):
    url = f"redis://:hunter2secret@127.0.0.1:{free_port()}/0"  # nothing listens there
    with pytest.raises(ConfigError) as caught:
        open_stores(Settings(data_dir=tmp_path, redis_url=url))
    message = str(caught.value)
    assert "Cannot reach Redis at redis://:***@127.0.0.1:" in message
    assert "hunter2secret" not in message and "\n" not in message
    with pytest.raises(ConfigError, match="REDIS_URL must look like"):
        connect("http://127.0.0.1:6379")
    assert redact_url("rediss://user:pw@h:6380/1?password=pw2") == "rediss://user:***@h:6380/1?password=***"
    assert redact_url("redis://h:6379/0") == "redis://h:6379/0"


def test_outage_raises_index_unavailable_then_recovers(redis_server):
    client = connect(redis_server.url)
    dedupe, limiter, feedback = RedisDedupeStore(client), RedisRateLimiter(client, 5), RedisFeedbackStore(client)
    assert dedupe.claim("before") is True
    redis_server.stop()
    for call in (
        lambda: dedupe.claim("during"),
        lambda: limiter.allow("U1"),
        lambda: feedback.record_answer(_answer(), asker="U1", channel="C1", thread_ts="1"),
        feedback.export,
    ):
        with pytest.raises(IndexUnavailable) as caught:
            call()
        assert "Redis cannot be reached" in str(caught.value) and "127.0.0.1" not in str(caught.value)
    redis_server.start()  # same port, empty (no persistence): the same clients reconnect by themselves
    assert dedupe.claim("after") is True and dedupe.claim("after") is False
    assert limiter.allow("U1") is True
