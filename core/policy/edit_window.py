"""The school-wide edit window for existing current marks (R49-R51, R55, R57)."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.policy.calendar import ensure_aware, local_date, local_end_of_day
from core.policy.settings import EditWindow, EditWindowAnchor, SchoolPolicy

_WINDOW_DAYS = {EditWindow.one_week: 7, EditWindow.two_weeks: 14, EditWindow.three_weeks: 21}


def add_month_clamped(d: date) -> date:
    """The same day number in the next month, clamped to that month's last day (R51)."""
    year, month = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    return date(year, month, min(d.day, monthrange(year, month)[1]))


def edit_limit(
    lesson_date: date,
    window: EditWindow,
    year_end: date,
    tz: ZoneInfo,
    first_entry_at: datetime | None = None,
    anchor: EditWindowAnchor = EditWindowAnchor.lesson_date,
) -> datetime:
    """Last instant a teacher may change or void a current mark: end of (anchor + window), R50/R51."""
    start = lesson_date
    if EditWindowAnchor(anchor) is EditWindowAnchor.first_entry and first_entry_at is not None:
        start = max(lesson_date, local_date(first_entry_at, tz))
    window = EditWindow(window)
    if window is EditWindow.until_year_end:
        last_day = year_end
    elif window is EditWindow.one_month:
        last_day = add_month_clamped(start)
    else:
        last_day = start + timedelta(days=_WINDOW_DAYS[window])
    # R57 makes the whole year read-only after its end date, so no window may outlive it.
    return local_end_of_day(min(last_day, year_end), tz)


def within_edit_window(
    now: datetime,
    lesson_date: date,
    window: EditWindow,
    year_end: date,
    tz: ZoneInfo,
    first_entry_at: datetime | None = None,
    anchor: EditWindowAnchor = EditWindowAnchor.lesson_date,
) -> bool:
    """Whether a change at `now` is inside the edit window; freeze and lock are checked elsewhere (R55)."""
    return ensure_aware(now) <= edit_limit(lesson_date, window, year_end, tz, first_entry_at, anchor)


def edit_limit_for(
    lesson_date: date, year_end: date, policy: SchoolPolicy, first_entry_at: datetime | None = None
) -> datetime:
    """`edit_limit` with the school's own window, anchor and time zone."""
    return edit_limit(
        lesson_date, policy.edit_window, year_end, policy.tz, first_entry_at, policy.edit_window_anchor
    )
