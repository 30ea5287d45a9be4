"""Question parsing: periods relative to the as-of date, market metrics, predictions."""

from __future__ import annotations

from datetime import date

import pytest

from bot.answering.question import parse_question
from bot.answering.timeframe import question_period

AS_OF = date(2026, 1, 10)  # a Saturday


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("What did Bitcoin trade at on May 25, 2025?", date(2025, 5, 25), date(2025, 5, 25), "May 25, 2025"),
        ("Bitcoin price yesterday?", date(2026, 1, 9), date(2026, 1, 9), "yesterday"),
        ("What happened this week?", date(2026, 1, 5), date(2026, 1, 10), "this week"),
        ("Bitcoin price next month", date(2026, 2, 1), date(2026, 2, 28), "next month"),
        ("What happened in May 2025?", date(2025, 5, 1), date(2025, 5, 31), "May 2025"),
        ("Who won the 2026 World Cup final?", date(2026, 1, 1), date(2026, 1, 10), "2026"),
        ("What is the news today?", AS_OF, AS_OF, "now"),
    ],
)
def test_periods_resolve_against_the_as_of_date(text: str, start: date, end: date, label: str) -> None:
    period = question_period(text, AS_OF)
    assert period is not None and (period.start, period.end, period.label) == (start, end, label)


def test_a_future_year_in_a_name_is_not_a_period() -> None:
    assert question_period("Who announced a 2028 presidential run?", date(2025, 6, 1)) is None


def test_no_time_no_period() -> None:
    assert question_period("Who proposed the US-Japan fund?", AS_OF) is None


def test_implicit_now_for_present_tense_market_questions() -> None:
    p = parse_question("What is Bitcoin trading at?", AS_OF)
    assert p.assets == ("Bitcoin",) and p.metric == "price"
    assert p.period is not None and p.period.implicit and p.period.start == AS_OF
    cap = parse_question("What's the market cap of BTC?", AS_OF)
    assert cap.metric == "market_cap" and cap.period is not None and cap.period.implicit


@pytest.mark.parametrize(
    ("text", "prediction"),
    [
        ("Will Bitcoin reach $150k?", True),
        ("What will the price of Bitcoin be next year?", False),  # a dated future figure: after_snapshot
        ("When will Bitcoin hit $200,000?", True),
        ("What is the Bitcoin price forecast?", True),
        ("What did Bitcoin hit on May 25, 2025?", False),
        ("Will the Lakers win the title?", True),
        ("What would the fund invest in?", False),
        ("What will the fund invest in?", False),
        ("What did Bitcoin trade at on May 25, 2025?", False),
    ],
)
def test_predictions(text: str, prediction: bool) -> None:
    assert parse_question(text, AS_OF).prediction is prediction


def test_a_period_named_relative_to_the_as_of_date_prefers_news_of_that_time() -> None:
    from bot.answering.retrieval import window_factor

    as_of = date(2025, 6, 12)  # a Thursday
    week = question_period("Who resigned this week?", as_of)
    assert week is not None and week.relative and week.start == date(2025, 6, 9)
    assert window_factor(date(2025, 6, 10), week) == 1.0
    assert window_factor(date(2025, 6, 7), week) == 1.0  # within a few days of it
    assert 0.5 < window_factor(date(2025, 5, 20), week) < 0.6  # weeks before: down towards the floor
    assert window_factor(date(2020, 1, 1), week) == pytest.approx(0.5)
    card = question_period("What did the 1952 baseball card sell for?", as_of)
    assert card is not None and not card.relative  # later news tells of 1952
    assert window_factor(date(2025, 6, 10), card) == 1.0 and window_factor(date(2025, 6, 10), None) == 1.0
