"""Where an incremental read starts: a little before the mark, never before the first datetime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nuesync.adapters.base import SINCE_OVERLAP, read_from


def test_a_read_starts_the_overlap_before_the_mark() -> None:
    mark = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

    assert read_from(mark) == mark - SINCE_OVERLAP == datetime(2026, 11, 27, 8, 58, tzinfo=UTC)


def test_a_mark_at_the_first_datetime_reads_everything_without_overflowing() -> None:
    for mark in (datetime.min.replace(tzinfo=UTC), datetime.min.replace(tzinfo=UTC) + timedelta(minutes=1)):
        assert read_from(mark) == datetime.min.replace(tzinfo=UTC)
