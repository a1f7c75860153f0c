"""When a push may go out: after the settle delay and outside the subscriber's quiet hours (R125)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.policy.calendar import to_local


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # the quiet period crosses midnight


def push_time(due_at: datetime, quiet: tuple[time, time] | None, tz: ZoneInfo) -> datetime:
    """`due_at`, moved to the end of the quiet period when it falls inside one."""
    if quiet is None:
        return due_at
    start, end = quiet
    local = to_local(due_at, tz)
    if not in_quiet_hours(local.timetz().replace(tzinfo=None), start, end):
        return due_at
    day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=tz).astimezone(due_at.tzinfo)
