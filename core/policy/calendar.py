"""The school's working-day calendar and local-time helpers (§0.2, R2, R3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MONDAY_TO_FRIDAY = frozenset({0, 1, 2, 3, 4})


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days: the weekdays in `workdays`, minus `non_working`, plus `extra_working` (R3)."""

    non_working: frozenset[date] = field(default_factory=frozenset)
    extra_working: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[int] = MONDAY_TO_FRIDAY

    def __post_init__(self) -> None:
        # Accept any iterable from callers, but keep the value hashable and immutable.
        object.__setattr__(self, "non_working", frozenset(self.non_working))
        object.__setattr__(self, "extra_working", frozenset(self.extra_working))
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        if not self.workdays or not self.workdays <= set(range(7)):
            raise ValueError("workdays must be a non-empty set of weekday numbers 0-6")
        if clash := self.non_working & self.extra_working:
            raise ValueError(f"dates both non-working and working: {sorted(clash)}")

    def is_working_day(self, d: date) -> bool:
        """Whether `d` is a working day of this calendar."""
        if d in self.extra_working:
            return True
        return d.weekday() in self.workdays and d not in self.non_working

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after `d` (n >= 1); `d` itself never counts."""
        if n < 1:
            raise ValueError("n must be at least 1")
        current = d
        while n:
            current += timedelta(days=1)
            if self.is_working_day(current):
                n -= 1
        return current

    def working_days_between(self, a: date, b: date) -> int:
        """Number of working days in the half-open range (a, b]; 0 when b <= a."""
        return sum(self.is_working_day(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))


def ensure_aware(dt: datetime) -> datetime:
    """Return `dt` unchanged, refusing naive datetimes: a naive instant has no school-local meaning."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("naive datetime: pass a timezone-aware value")
    return dt


def local_at(d: date, t: time, tz: ZoneInfo) -> datetime:
    """The instant of wall-clock time `t` on local date `d`, as aware UTC."""
    return datetime.combine(d, t, tzinfo=tz).astimezone(UTC)


def local_end_of_day(d: date, tz: ZoneInfo) -> datetime:
    """23:59:59.999999 local on `d`, as aware UTC: the last instant of day `d`."""
    return local_at(d, time.max, tz)


def to_local(dt: datetime, tz: ZoneInfo) -> datetime:
    """An aware datetime shown in the school's zone."""
    return ensure_aware(dt).astimezone(tz)


def local_date(dt: datetime, tz: ZoneInfo) -> date:
    """The school-local calendar date of an aware instant."""
    return to_local(dt, tz).date()
