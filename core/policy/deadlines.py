"""Date-based deadlines of spec §4.11. Every deadline is the last instant still on time, as aware UTC.

Conventions (§0.2):
- An entry is late when `entered_at > deadline`; deadlines flag, they never block (R4).
- A deadline on a date ends at 23:59:59.999999 local on that date.
- A deadline at a wall-clock time given to the minute (`day_end_time`, homework) includes that whole
  minute: "by 21:00" is met at 21:00:59 and missed from 21:01:00. Times are shown to the minute, so an
  entry displayed as 21:00 is never flagged against a deadline displayed as 21:00. With that reading
  "D+G at 23:59" (R33) and "end of D+G" are the same instant.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from core.policy.calendar import WorkingCalendar, ensure_aware, local_at, local_date, local_end_of_day
from core.policy.settings import SchoolPolicy

STAFF_INVITE_DAYS = 7  # R96
CONTINGENT_INVITE_WORKING_DAYS = 10  # R97
ACCESS_REQUEST_DAYS = 5  # R99
WRONG_MARK_REPORT_DAYS = 3  # R60
COMPROMISE_REPORT_WORKING_DAYS = 1  # R103

_DAYS_RULE = re.compile(r"^days:(\d{1,3})$")


@dataclass(frozen=True)
class DeadlineRule:
    """A work type's mark deadline: same day (`days` is None) or N calendar days after the lesson (R34)."""

    days: int | None = None

    def __post_init__(self) -> None:
        if self.days is not None and not 1 <= self.days <= 366:
            raise ValueError("days:N needs 1 <= N <= 366")

    def __str__(self) -> str:
        return "same_day" if self.days is None else f"days:{self.days}"


def parse_deadline_rule(s: str) -> DeadlineRule:
    """Parse a stored `deadline_rule`: "same_day" or "days:N"."""
    if s == "same_day":
        return DeadlineRule()
    match = _DAYS_RULE.match(s)
    if match is None:
        raise ValueError(f"invalid deadline rule {s!r}: expected same_day or days:N")
    return DeadlineRule(int(match[1]))


def end_of_minute(d: date, t: time, tz: ZoneInfo) -> datetime:
    """The last instant of the minute `t` on local date `d`, as aware UTC."""
    return local_at(d, t.replace(second=59, microsecond=999999), tz)


def _same_day_with_grace(d: date, grace_days: int, policy: SchoolPolicy) -> datetime:
    if grace_days > 0:
        return local_end_of_day(d + timedelta(days=grace_days), policy.tz)
    return end_of_minute(d, policy.day_end_time, policy.tz)


def mark_deadline(lesson_date: date, deadline_rule: str | DeadlineRule, policy: SchoolPolicy) -> datetime:
    """Current-mark deadline: `day_end_time` on D (+ grace days) or end of D+N for days:N (R33, R34)."""
    rule = parse_deadline_rule(deadline_rule) if isinstance(deadline_rule, str) else deadline_rule
    if rule.days is None:
        return _same_day_with_grace(lesson_date, policy.lesson_mark_grace_days, policy)
    return local_end_of_day(lesson_date + timedelta(days=rule.days), policy.tz)


def attendance_deadline(lesson_date: date, policy: SchoolPolicy) -> datetime:
    """Attendance (or "all present") deadline: `day_end_time` on D, or end of D+G with grace (R36)."""
    return _same_day_with_grace(lesson_date, policy.attendance_grace_days, policy)


def topic_deadline(lesson_date: date, policy: SchoolPolicy) -> datetime:
    """After this instant a lesson without a topic is flagged "topic missing" (R32)."""
    return end_of_minute(lesson_date, policy.day_end_time, policy.tz)


def homework_deadline(lesson_date: date, anchor_end: time, policy: SchoolPolicy) -> datetime:
    """Homework or "no homework" deadline: anchor end + `homework_delay_minutes`, that minute included (R39)."""
    # Wall-clock arithmetic, so a late anchor plus the delay may roll into the next local day.
    due = datetime.combine(lesson_date, anchor_end.replace(tzinfo=None)) + timedelta(
        minutes=policy.homework_delay_minutes
    )
    return end_of_minute(due.date(), due.time(), policy.tz)


def substitution_deadline(lesson_date: date, tz: ZoneInfo) -> datetime:
    """A substitution registered after the end of the lesson day is flagged (R42)."""
    return local_end_of_day(lesson_date, tz)


@dataclass(frozen=True)
class PeriodMarkWindow:
    """Period-mark entry window: opens at 00:00 on P-W+1, deadline end of P+G (R65)."""

    opens_at: datetime
    deadline: datetime


class PeriodMarkTiming(StrEnum):
    early = "early"  # before the window: needs an explicit confirmation
    on_time = "on_time"
    late = "late"


def period_mark_window(period_end: date, policy: SchoolPolicy) -> PeriodMarkWindow:
    """The entry window and deadline of period marks for a period ending on `period_end` (R65)."""
    opens_on = period_end - timedelta(days=policy.period_mark_window_days - 1)
    return PeriodMarkWindow(
        opens_at=local_at(opens_on, time(0, 0), policy.tz),
        deadline=local_end_of_day(period_end + timedelta(days=policy.period_mark_grace_days), policy.tz),
    )


def classify_period_mark_entry(
    period_end: date, entered_at: datetime, policy: SchoolPolicy
) -> PeriodMarkTiming:
    """Whether a period mark entered at `entered_at` is early, on time or late (R65)."""
    window = period_mark_window(period_end, policy)
    if ensure_aware(entered_at) < window.opens_at:
        return PeriodMarkTiming.early
    if entered_at > window.deadline:
        return PeriodMarkTiming.late
    return PeriodMarkTiming.on_time


def deferral_due(period_end: date, policy: SchoolPolicy) -> date:
    """Default due date of a deferred period mark: period end + `deferral_default_days` (R67)."""
    return period_end + timedelta(days=policy.deferral_default_days)


def deferral_is_overdue(due: date, now: datetime, tz: ZoneInfo) -> bool:
    """An open deferral is overdue once the school-local date is after its due date (R67)."""
    return local_date(now, tz) > due


def invite_expiry(issued_at: datetime, calendar: WorkingCalendar, policy: SchoolPolicy) -> datetime:
    """Last valid instant of an invite: end of the N-th working day after the issue date (R98)."""
    issued_on = local_date(issued_at, policy.tz)
    expires_on = calendar.add_working_days(issued_on, policy.invite_validity_working_days)
    return local_end_of_day(expires_on, policy.tz)


def compromise_report_deadline(learned_at: datetime, calendar: WorkingCalendar, tz: ZoneInfo) -> datetime:
    """End of the first working day after the local date the user learned of the breach (R103)."""
    due_on = calendar.add_working_days(local_date(learned_at, tz), COMPROMISE_REPORT_WORKING_DAYS)
    return local_end_of_day(due_on, tz)


def compromise_report_is_late(
    learned_at: datetime, received_at: datetime, calendar: WorkingCalendar, tz: ZoneInfo
) -> bool:
    """Whether a compromise report received at `received_at` is flagged late (R103, C104)."""
    return received_at > compromise_report_deadline(learned_at, calendar, tz)


def wrong_mark_report_deadline(first_viewed_at: datetime, tz: ZoneInfo) -> datetime:
    """End of the third calendar day after the reporter's first diary view of the mark (R60)."""
    return local_end_of_day(local_date(first_viewed_at, tz) + timedelta(days=WRONG_MARK_REPORT_DAYS), tz)


def data_report_due(filed_at: datetime, policy: SchoolPolicy) -> datetime:
    """A data-inaccuracy report still open after this instant is overdue (R61)."""
    due_on = local_date(filed_at, policy.tz) + timedelta(days=policy.correction_sla_days)
    return local_end_of_day(due_on, policy.tz)


def staff_invite_due(entered_on: date, tz: ZoneInfo) -> datetime:
    """A staff member still without an invite after this instant is flagged (R96)."""
    return local_end_of_day(entered_on + timedelta(days=STAFF_INVITE_DAYS), tz)


def contingent_invite_due(entered_on: date, calendar: WorkingCalendar, tz: ZoneInfo) -> datetime:
    """Student and guardian invites are due by the end of the 10th working day after entry (R97)."""
    return local_end_of_day(calendar.add_working_days(entered_on, CONTINGENT_INVITE_WORKING_DAYS), tz)


def access_request_due(filed_at: datetime, tz: ZoneInfo) -> datetime:
    """A staff access-details request unanswered after this instant is flagged (R99)."""
    return local_end_of_day(local_date(filed_at, tz) + timedelta(days=ACCESS_REQUEST_DAYS), tz)


def lateness(entered_at: datetime, deadline: datetime) -> timedelta | None:
    """None when on time, else how late the entry is (R4: recorded, never blocking)."""
    delay = ensure_aware(entered_at) - ensure_aware(deadline)
    return delay if delay > timedelta(0) else None


def is_late(entered_at: datetime, deadline: datetime) -> bool:
    """Whether an entry made at `entered_at` misses `deadline` (flag only, R4)."""
    return lateness(entered_at, deadline) is not None


def outage_adjusted_deadline(
    lesson_local_start: datetime,
    normal_deadline_for: Callable[[date], datetime],
    outages: Sequence[tuple[datetime, datetime]],
) -> datetime:
    """Deadline of a lesson starting inside an outage: the normal rule from the window end's date (R9)."""
    # lesson_local_start is aware, in the school's zone; windows are [start, end). The result is
    # never earlier than the normal deadline, and the window ending last wins.
    zone = ensure_aware(lesson_local_start).tzinfo
    deadline = normal_deadline_for(lesson_local_start.date())
    for start, end in outages:
        if start <= lesson_local_start < end:
            deadline = max(deadline, normal_deadline_for(end.astimezone(zone).date()))
    return deadline
