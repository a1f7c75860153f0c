"""The edit window for existing current marks (R49-R51, R57): year 2025/2026 ends 31.08.2026."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.policy.calendar import local_date, local_end_of_day
from core.policy.edit_window import add_month_clamped, edit_limit, edit_limit_for, within_edit_window
from core.policy.settings import EditWindow, EditWindowAnchor, SchoolPolicy

MSK = ZoneInfo("Europe/Moscow")
YEAR_END = date(2026, 8, 31)
LESSON_L = date(2025, 10, 8)


def msk(day: int, month: int, hour: int = 0, minute: int = 0, second: int = 0, year: int = 2025) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=MSK)


@pytest.mark.parametrize(
    ("window", "last_allowed", "first_refused"),
    [
        (EditWindow.one_week, msk(15, 10, 23, 59), msk(16, 10, 0, 0)),
        (EditWindow.two_weeks, msk(22, 10, 18, 0), msk(23, 10, 8, 0)),
        (EditWindow.three_weeks, msk(29, 10, 18, 0), msk(30, 10, 8, 0)),
    ],
)
def test_mark_change_is_allowed_until_the_end_of_lesson_date_plus_the_window(
    window: EditWindow, last_allowed: datetime, first_refused: datetime
) -> None:
    """R49, R50, C46: 1w allows 15.10 23:59 and refuses 16.10 00:00; 2w 22.10/23.10; 3w 29.10/30.10."""
    assert within_edit_window(last_allowed, LESSON_L, window, YEAR_END, MSK)
    assert not within_edit_window(first_refused, LESSON_L, window, YEAR_END, MSK)


def test_one_month_window_ends_on_the_same_day_of_the_next_month() -> None:
    """R51, C47: for a lesson on 15.10.2025, a change on 15.11 is allowed and on 16.11 refused."""
    lesson = date(2025, 10, 15)
    assert within_edit_window(msk(15, 11, 23, 59), lesson, EditWindow.one_month, YEAR_END, MSK)
    assert not within_edit_window(msk(16, 11, 0, 0), lesson, EditWindow.one_month, YEAR_END, MSK)


def test_one_month_window_from_31_january_is_clamped_to_the_end_of_february() -> None:
    """R51, C47: for a lesson on 31.01.2026, a change on 28.02.2026 is allowed and on 01.03.2026 refused."""
    lesson = date(2026, 1, 31)
    assert within_edit_window(msk(28, 2, 23, 0, year=2026), lesson, EditWindow.one_month, YEAR_END, MSK)
    assert not within_edit_window(msk(1, 3, 0, 0, year=2026), lesson, EditWindow.one_month, YEAR_END, MSK)


def test_until_year_end_window_allows_changes_until_the_year_end_date() -> None:
    """R50, R57, C48: with until_year_end, a change on 30.05.2026 is allowed and on 01.09.2026 refused."""
    window = EditWindow.until_year_end
    assert within_edit_window(msk(30, 5, 12, 0, year=2026), LESSON_L, window, YEAR_END, MSK)
    assert within_edit_window(msk(31, 8, 23, 59, year=2026), LESSON_L, window, YEAR_END, MSK)
    assert not within_edit_window(msk(1, 9, 8, 0, year=2026), LESSON_L, window, YEAR_END, MSK)


def test_window_counted_from_the_lesson_date_refuses_a_late_marked_written_work() -> None:
    """R50, C49: 1w, written work on 08.10 first marked on 14.10: an edit on 16.10 is refused."""
    first_entry = msk(14, 10, 17, 0)
    assert not within_edit_window(
        msk(16, 10, 10, 0), LESSON_L, EditWindow.one_week, YEAR_END, MSK, first_entry_at=first_entry
    )


def test_first_entry_anchor_counts_the_window_from_the_first_entry() -> None:
    """R50, C49: with edit_window_anchor = first_entry, the same edit is allowed until 21.10."""
    first_entry = msk(14, 10, 17, 0)
    anchor = EditWindowAnchor.first_entry
    limit = edit_limit(LESSON_L, EditWindow.one_week, YEAR_END, MSK, first_entry, anchor)
    assert limit == local_end_of_day(date(2025, 10, 21), MSK)
    assert within_edit_window(
        msk(16, 10, 10, 0), LESSON_L, EditWindow.one_week, YEAR_END, MSK, first_entry, anchor
    )
    assert not within_edit_window(
        msk(22, 10, 0, 0), LESSON_L, EditWindow.one_week, YEAR_END, MSK, first_entry, anchor
    )


def test_first_entry_before_the_lesson_date_still_counts_from_the_lesson_date() -> None:
    """R50: the anchor is the later of the lesson date and the first entry's local date."""
    early_entry = msk(1, 10, 9, 0)
    limit = edit_limit(
        LESSON_L, EditWindow.one_week, YEAR_END, MSK, early_entry, EditWindowAnchor.first_entry
    )
    assert limit == local_end_of_day(date(2025, 10, 15), MSK)


def test_first_entry_anchor_without_an_entry_counts_from_the_lesson_date() -> None:
    """R50: a mark not yet entered has no first entry; the lesson date is the anchor."""
    limit = edit_limit(LESSON_L, EditWindow.two_weeks, YEAR_END, MSK, None, EditWindowAnchor.first_entry)
    assert limit == local_end_of_day(date(2025, 10, 22), MSK)


def test_edit_window_never_extends_past_the_year_end() -> None:
    """R50, R57: a 2w window from a lesson on 25.08.2026 ends with the year on 31.08.2026."""
    limit = edit_limit(date(2026, 8, 25), EditWindow.two_weeks, YEAR_END, MSK)
    assert limit == local_end_of_day(YEAR_END, MSK)


def test_edit_limit_for_uses_the_school_policy() -> None:
    """R49, R50: the default policy is 2w from the lesson date in Moscow."""
    assert edit_limit_for(LESSON_L, YEAR_END, SchoolPolicy()) == local_end_of_day(date(2025, 10, 22), MSK)
    one_week = SchoolPolicy().changed(edit_window="1w")
    assert edit_limit_for(LESSON_L, YEAR_END, one_week) == local_end_of_day(date(2025, 10, 15), MSK)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2024, 1, 31), date(2024, 2, 29)),
        (date(2025, 3, 31), date(2025, 4, 30)),
        (date(2025, 12, 15), date(2026, 1, 15)),
        (date(2025, 12, 31), date(2026, 1, 31)),
        (date(2024, 2, 29), date(2024, 3, 29)),
    ],
)
def test_adding_a_month_keeps_the_day_or_clamps_to_the_month_end(day: date, expected: date) -> None:
    """R51, §0.2: same day number next month; a missing day becomes the month's last day."""
    assert add_month_clamped(day) == expected


LESSON_DAYS = st.dates(date(2000, 1, 1), date(2099, 6, 30))
PRESET_ORDER = [
    EditWindow.one_week,
    EditWindow.two_weeks,
    EditWindow.three_weeks,
    EditWindow.one_month,
    EditWindow.until_year_end,
]


@settings(max_examples=200)
@given(day=LESSON_DAYS)
def test_one_month_limit_day_is_the_same_day_or_the_last_day_of_next_month(day: date) -> None:
    """R51: 1m lands in the next month on min(day, last day of that month)."""
    result = add_month_clamped(day)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == 1
    assert result.day == min(day.day, monthrange(result.year, result.month)[1])


@settings(max_examples=200)
@given(
    lesson=LESSON_DAYS,
    year_end_offset=st.integers(0, 400),
    zone=st.sampled_from(["Europe/Moscow", "Europe/Kaliningrad", "Asia/Vladivostok"]),
)
def test_edit_limit_is_never_before_the_lesson_and_grows_with_the_preset(
    lesson: date, year_end_offset: int, zone: str
) -> None:
    """R50, R51: the limit is on or after the lesson day, at most the year end, and monotonic 1w<=2w<=3w<=1m<=year end."""
    tz = ZoneInfo(zone)
    year_end = lesson + timedelta(days=year_end_offset)
    limits = [edit_limit(lesson, window, year_end, tz) for window in PRESET_ORDER]
    assert limits == sorted(limits)
    assert all(local_end_of_day(lesson, tz) <= limit <= local_end_of_day(year_end, tz) for limit in limits)
    assert all(local_date(limit, tz) >= lesson for limit in limits)


@settings(max_examples=100)
@given(lesson=LESSON_DAYS, entry_offset=st.integers(-10, 60), window=st.sampled_from(PRESET_ORDER))
def test_first_entry_anchor_is_never_stricter_than_the_lesson_date_anchor(
    lesson: date, entry_offset: int, window: EditWindow
) -> None:
    """R50: counting from the later of lesson date and first entry never shortens the window."""
    year_end = lesson + timedelta(days=365)
    first_entry = datetime.combine(lesson + timedelta(days=entry_offset), datetime.min.time(), tzinfo=MSK)
    by_lesson = edit_limit(lesson, window, year_end, MSK, first_entry)
    by_entry = edit_limit(lesson, window, year_end, MSK, first_entry, EditWindowAnchor.first_entry)
    assert by_entry >= by_lesson
