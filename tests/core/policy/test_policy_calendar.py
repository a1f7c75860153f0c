"""The working-day calendar and local-time helpers (§0.2, R2, R3)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.policy.calendar import WorkingCalendar, local_at, local_date, local_end_of_day, to_local

MSK = ZoneInfo("Europe/Moscow")
NO_HOLIDAYS = WorkingCalendar()
ZONES = ["Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg", "Asia/Vladivostok"]


def test_weekend_is_not_a_working_day() -> None:
    """R3: Saturday 11.10.2025 and Sunday 12.10.2025 are not working days; Friday 10.10 is."""
    assert NO_HOLIDAYS.is_working_day(date(2025, 10, 10))
    assert not NO_HOLIDAYS.is_working_day(date(2025, 10, 11))
    assert not NO_HOLIDAYS.is_working_day(date(2025, 10, 12))


def test_entered_non_working_date_is_not_a_working_day() -> None:
    """R3: a public holiday entered by the coordinator (04.11.2025, a Tuesday) is not a working day."""
    assert not WorkingCalendar(non_working=frozenset({date(2025, 11, 4)})).is_working_day(date(2025, 11, 4))


def test_transferred_working_saturday_is_a_working_day() -> None:
    """R3: a transferred working Saturday (01.11.2025) counts as a working day."""
    calendar = WorkingCalendar(extra_working=frozenset({date(2025, 11, 1)}))
    assert calendar.is_working_day(date(2025, 11, 1))
    assert calendar.add_working_days(date(2025, 10, 31), 1) == date(2025, 11, 1)


def test_tenth_working_day_after_monday_6_october_is_monday_20_october() -> None:
    """R3, R98, C99: counting starts the day after; weekends are skipped."""
    assert NO_HOLIDAYS.add_working_days(date(2025, 10, 6), 10) == date(2025, 10, 20)


def test_non_working_13_october_moves_the_tenth_working_day_to_21_october() -> None:
    """R3, C99: one entered non-working date inside the span adds one day."""
    calendar = WorkingCalendar(non_working=frozenset({date(2025, 10, 13)}))
    assert calendar.add_working_days(date(2025, 10, 6), 10) == date(2025, 10, 21)


def test_first_working_day_after_friday_is_monday() -> None:
    """R3: the next working day after Fri 10.10.2025 is Mon 13.10.2025."""
    assert NO_HOLIDAYS.add_working_days(date(2025, 10, 10), 1) == date(2025, 10, 13)


def test_six_day_week_counts_saturdays() -> None:
    """R3, R17: a calendar with Mon-Sat workdays counts Saturday 11.10.2025."""
    six_days = WorkingCalendar(workdays=frozenset(range(6)))
    assert six_days.add_working_days(date(2025, 10, 10), 1) == date(2025, 10, 11)


def test_working_days_between_counts_days_after_the_start_up_to_the_end() -> None:
    """R3: (06.10, 20.10] holds 10 working days; an empty or reversed range holds none."""
    assert NO_HOLIDAYS.working_days_between(date(2025, 10, 6), date(2025, 10, 20)) == 10
    assert NO_HOLIDAYS.working_days_between(date(2025, 10, 6), date(2025, 10, 6)) == 0
    assert NO_HOLIDAYS.working_days_between(date(2025, 10, 20), date(2025, 10, 6)) == 0


def test_adding_zero_working_days_is_refused() -> None:
    """R3: "the n-th working day after" needs n >= 1."""
    with pytest.raises(ValueError, match="at least 1"):
        NO_HOLIDAYS.add_working_days(date(2025, 10, 6), 0)


def test_date_both_working_and_non_working_is_refused() -> None:
    """R3: a date cannot be a holiday and a transferred working day at once."""
    day = date(2025, 11, 1)
    with pytest.raises(ValueError, match="both"):
        WorkingCalendar(non_working=frozenset({day}), extra_working=frozenset({day}))


@pytest.mark.parametrize("workdays", [frozenset(), frozenset({7}), frozenset({-1, 0})])
def test_calendar_without_valid_weekdays_is_refused(workdays: frozenset[int]) -> None:
    """R3: workdays are a non-empty set of weekday numbers 0-6."""
    with pytest.raises(ValueError, match="workdays"):
        WorkingCalendar(workdays=workdays)


def test_calendar_accepts_plain_sets_and_stays_hashable() -> None:
    """R3: callers may pass sets; the calendar keeps immutable frozensets."""
    calendar = WorkingCalendar(non_working={date(2025, 10, 13)})  # type: ignore[arg-type]
    assert isinstance(calendar.non_working, frozenset)
    assert hash(calendar) == hash(WorkingCalendar(non_working=frozenset({date(2025, 10, 13)})))


def test_local_end_of_day_is_the_last_microsecond_of_the_moscow_day_in_utc() -> None:
    """§0.2: the end of 08.10.2025 in Moscow (UTC+3) is 20:59:59.999999 UTC."""
    end = local_end_of_day(date(2025, 10, 8), MSK)
    assert end == datetime(2025, 10, 8, 20, 59, 59, 999999, tzinfo=UTC)
    assert end.tzinfo is UTC


def test_local_wall_clock_time_is_returned_as_utc() -> None:
    """§0.2: 21:00 on 08.10.2025 in Vladivostok (UTC+10) is 11:00 UTC."""
    instant = local_at(date(2025, 10, 8), time(21, 0), ZoneInfo("Asia/Vladivostok"))
    assert instant == datetime(2025, 10, 8, 11, 0, tzinfo=UTC)
    assert instant.tzinfo is UTC


def test_utc_instant_is_shown_in_the_school_zone() -> None:
    """§0.2: 21:30 UTC on 08.10.2025 is already 09.10 00:30 in Moscow."""
    instant = datetime(2025, 10, 8, 21, 30, tzinfo=UTC)
    assert to_local(instant, MSK) == datetime(2025, 10, 9, 0, 30, tzinfo=MSK)
    assert local_date(instant, MSK) == date(2025, 10, 9)


def test_naive_datetime_is_refused() -> None:
    """§0.2: timestamps are stored in UTC; a naive value is ambiguous."""
    with pytest.raises(ValueError, match="naive"):
        to_local(datetime(2025, 10, 8, 12, 0), MSK)


DAYS = st.dates(date(2024, 1, 1), date(2027, 12, 31))


@settings(max_examples=200)
@given(
    start=DAYS,
    n=st.integers(1, 40),
    holidays=st.frozensets(st.dates(date(2024, 1, 1), date(2028, 6, 30)), max_size=30),
)
def test_adding_working_days_lands_on_a_working_day_exactly_n_working_days_later(
    start: date, n: int, holidays: frozenset[date]
) -> None:
    """R3: with random non-working dates, the result is a working day with exactly n working days in (start, result]."""
    calendar = WorkingCalendar(non_working=holidays)
    result = calendar.add_working_days(start, n)
    assert result > start
    assert calendar.is_working_day(result)
    assert calendar.working_days_between(start, result) == n
    assert calendar.working_days_between(start, result - timedelta(days=1)) == n - 1


@settings(max_examples=200)
@given(zone=st.sampled_from(ZONES), day=DAYS)
def test_day_boundary_follows_local_midnight_in_the_school_zone(zone: str, day: date) -> None:
    """§0.2, R2: the end of day D is on D locally, and one microsecond later is D+1, in any school zone."""
    tz = ZoneInfo(zone)
    end = local_end_of_day(day, tz)
    assert local_date(end, tz) == day
    assert local_date(end + timedelta(microseconds=1), tz) == day + timedelta(days=1)
    assert end + timedelta(microseconds=1) == local_at(day + timedelta(days=1), time(0, 0), tz)
