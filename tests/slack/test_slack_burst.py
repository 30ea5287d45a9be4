"""A burst of simultaneous Slack deliveries in HTTP mode: every request is acked with 200 (none reset by
a short listen backlog) and every event is answered exactly once, Slack's retries included (the SQLite
de-duplication store, claimed once per request, keeps up)."""

from __future__ import annotations

import json
import socket
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bot.slack.state.dedupe import open_dedupe
from tests.support.fake_slack import FakeAnswerer, FakeSlack, Reply, event_body, mention, post

EVENTS = 40
RETRIED = 20  # of those, delivered a second time as Slack does when it misses an ack: 60 requests in all


def test_a_burst_of_simultaneous_events_is_all_acked_and_each_answered_once(
    make_bot: Any, fake_slack: FakeSlack
) -> None:
    answerer = FakeAnswerer()
    bot = make_bot(answerer)
    events = [
        mention(f"Who proposed the US-Japan fund? (asker {i})", channel=f"C{i:03d}", user=f"U{i:03d}",
                ts=f"{1748300000 + i}.000100")
        for i in range(EVENTS)
    ]  # fmt: skip
    bodies = [json.dumps(event_body(e, event_id=f"EvBurst{i:03d}")).encode() for i, e in enumerate(events)]
    deliveries = [(body, {}) for body in bodies] + [
        (body, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}) for body in bodies[:RETRIED]
    ]
    start = threading.Barrier(len(deliveries))

    def deliver(delivery: tuple[bytes, dict[str, str]]) -> Reply | OSError:
        body, headers = delivery
        start.wait(60)  # every request on the wire at once
        try:
            return post(bot.url, body, "application/json", headers=headers)
        except OSError as exc:  # connection reset or refused, timed out
            return exc

    with ThreadPoolExecutor(len(deliveries)) as pool:
        replies = list(pool.map(deliver, deliveries))

    assert [r for r in replies if not isinstance(r, Reply) or r.status != 200] == []
    posted = fake_slack.wait_for("chat.postMessage", EVENTS, timeout=120)
    # Let every listener and answer still running finish, so a late second answer would be counted.
    bot.app.listener_runner.listener_executor.shutdown(wait=True)
    bot.executor.shutdown(wait=True)
    posted = fake_slack.calls_to("chat.postMessage")

    answered = Counter((p["channel"], p["thread_ts"]) for p in posted)
    assert answered == Counter({(e["channel"], e["ts"]): 1 for e in events})
    assert all("Masayoshi Son" in p["text"] and p["blocks"] for p in posted)
    assert sorted(c["question"] for c in answerer.calls) == sorted(
        f"Who proposed the US-Japan fund? (asker {i})" for i in range(EVENTS)
    )


def test_the_server_backlog_and_dedupe_store_are_set_for_bursts(make_bot: Any, tmp_path: Any) -> None:
    # socketserver's default backlog of 5 reset most of a 200-event burst; an fsync per claim made acks slow
    bot = make_bot()
    assert bot.server.adjustments.backlog >= max(1024, socket.SOMAXCONN)
    store = open_dedupe(tmp_path / "dedupe")
    try:
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    finally:
        store.close()
