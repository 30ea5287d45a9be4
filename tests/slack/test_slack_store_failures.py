"""A store that cannot write (the data disk full, Redis gone) never costs a reply."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from bot.slack.state.dedupe import open_dedupe
from bot.slack.state.feedback import open_feedback
from tests.support.fake_slack import FakeAnswerer, mention, message


class FullDisk:
    """Wraps a real store; every call fails the way SQLite does on a full disk until ``healed``."""

    def __init__(self, store: Any) -> None:
        self.store, self.healed = store, False

    def __getattr__(self, name: str) -> Any:
        real = getattr(self.store, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            if not self.healed:
                raise sqlite3.OperationalError("database or disk is full")
            return real(*args, **kwargs)

        return call


def test_a_full_disk_still_answers_mentions_and_dms_then_recovers(make_bot, fake_slack, tmp_path: Path) -> None:
    dedupe, feedback = FullDisk(open_dedupe(tmp_path)), FullDisk(open_feedback(tmp_path))
    bot = make_bot(FakeAnswerer(), dedupe=dedupe, feedback=feedback)
    assert bot.event(mention("Who proposed the US-Japan fund?", ts="1748300100.000100")).status == 200
    [posted] = fake_slack.wait_for("chat.postMessage")
    assert "Masayoshi Son" in posted["text"]
    assert not [b for b in posted["blocks"] if b["type"] == "actions"]  # no vote buttons: nothing to vote on
    assert bot.event(message("who proposed the fund?", channel="D42", ts="1748300101.000100")).status == 200
    assert len(fake_slack.wait_for("chat.postMessage", count=2)) == 2
    # once space is freed the same process stores again: no restart
    dedupe.healed = feedback.healed = True
    assert bot.event(mention("Who proposed the US-Japan fund?", ts="1748300102.000100")).status == 200
    third = fake_slack.wait_for("chat.postMessage", count=3)[-1]
    assert [b for b in third["blocks"] if b["type"] == "actions"]


def test_a_vote_the_store_cannot_save_gets_an_apology(make_bot, fake_slack, tmp_path: Path) -> None:
    feedback = FullDisk(open_feedback(tmp_path))
    bot = make_bot(FakeAnswerer(), feedback=feedback)
    assert bot.click("feedback_up", "answer-1").status == 200
    [reply] = fake_slack.wait_for("response_url")
    assert "couldn't save your feedback" in reply["text"]
