"""Tests for ingest.dates: strict field parsing, dates in text, inferred publication dates."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest

from ingest.dates import find_dates, infer_published, parse_date

D = date(2025, 5, 25)


@pytest.mark.parametrize(
    "value",
    [
        "2025-05-25",
        "2025-05-25T10:00:00Z",
        "2025-05-25T23:30:00-07:00",
        "2025-05-25 08:15:00",
        "May 25, 2025",
        "25 May 2025",
        "Sunday, May 25, 2025 at 5:00 PM EDT",
        "Sun, 25 May 2025 10:00:00 GMT",
        "Sun, 25 May 2025 10:00:00 +0000",
        "20250525",
        "5/25/2025",
        date(2025, 5, 25),
        datetime(2025, 5, 25, 18, 0, tzinfo=UTC),
        time.struct_time((2025, 5, 25, 10, 0, 0, 6, 145, 0)),
        1748167200,  # 2025-05-25T10:00:00Z
        1748167200.5,
        "1748167200",
    ],
)
def test_parse_date_accepts_real_dates(value: object) -> None:
    assert parse_date(value) == D


def test_parse_date_reuters_format() -> None:
    assert parse_date("26-FEB-1987 15:01:01.79") == date(1987, 2, 26)
    assert parse_date(" 3-MAR-1987 09:14:51.02") == date(1987, 3, 3)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "hello",
        "7",
        "2025",
        "May 2025",
        "next Tuesday",
        "the 25th of never, 2025",
        "1899-12-31",
        "2101-01-01",
        "2025-02-30",
        "13/45/2025",
        True,
        [2025, 5, 25],
        {"date": "2025-05-25"},
    ],
)
def test_parse_date_rejects_garbage(value: object) -> None:
    assert parse_date(value) is None


def test_find_dates_formats_and_offsets() -> None:
    text = (
        "As of May 25, 2025, prices rose. On Sept. 3, 2022 and Jan 5, 2023 they fell; "
        "by 25 May 2025 (or 2025-05-25, or 5/25/2025) and May 25 2025 it was over."
    )
    found = find_dates(text)
    assert [d for d, _, _ in found] == [
        D,
        date(2022, 9, 3),
        date(2023, 1, 5),
        D,
        D,
        D,
        D,
    ]
    assert [text[s:e] for _, s, e in found] == [
        "May 25, 2025",
        "Sept. 3, 2022",
        "Jan 5, 2023",
        "25 May 2025",
        "2025-05-25",
        "5/25/2025",
        "May 25 2025",
    ]


def test_find_dates_needs_a_year_and_a_valid_day() -> None:
    assert find_dates("It happened on May 25 and again in June.") == []
    assert find_dates("Scores were 5/25 and 12-10; February 30, 2024 is not a day.") == []
    assert find_dates("He may 5 times a year 2025 visit") == []


def test_infer_published_takes_latest_date_not_in_the_future() -> None:
    text = "Filed March 2, 2024. The ruling of Jan. 15, 2024 stands; a hearing is set for Dec. 1, 2030."
    assert infer_published(text, today=date(2024, 3, 10)) == date(2024, 3, 2)
    assert infer_published("No dates here at all.", today=date(2024, 3, 10)) is None
    assert infer_published("Tomorrow: March 11, 2024.", today=date(2024, 3, 10)) == date(2024, 3, 11)


def test_infer_published_prefers_the_dateline_over_dates_in_the_body() -> None:
    text = "WASHINGTON, March 3 (Reuters) - The fund, first proposed on Jan. 9, 2025, grew by March 1, 2025."
    assert infer_published(text, today=date(2025, 6, 1)) == date(2025, 3, 3)
    assert infer_published("LISBON, Dec. 30 - Ferries stopped.", today=date(2025, 1, 2)) == date(2024, 12, 30)
    first_line = "Filed on May 2, 2024 from the harbor.\nA hearing of June 9, 2024 was moved."
    assert infer_published(first_line, today=date(2024, 7, 1)) == date(2024, 5, 2)
    body = "The council argued for hours about the library roof before the vote of May 2, 2024.\nJune 9, 2024 next."
    assert infer_published(body, today=date(2024, 7, 1)) == date(2024, 6, 9)


@pytest.mark.parametrize(
    ("value", "day"),
    [("Seg, 24 Set 2018 10:00:00 -0300", date(2018, 9, 24)), ("Mié, 5 Dic 2018 23:30:00 -0500", date(2018, 12, 5)),
     ("24. September 2018", date(2018, 9, 24)), ("Seg, 24 Set 2018 23:30:00 -0300", date(2018, 9, 24))],
)  # fmt: skip
def test_parse_date_reads_other_languages_and_keeps_the_local_day(value: str, day: date) -> None:
    assert parse_date(value) == day
