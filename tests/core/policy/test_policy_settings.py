"""Per-school policy settings: the catalogue of §4.12, its defaults, validation and storage."""

from __future__ import annotations

import json
from datetime import date, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from core.policy.settings import (
    ConsentMode,
    CyrillicCheck,
    EditWindow,
    EditWindowAnchor,
    HomeworkAnchor,
    NotificationDetail,
    NotifyCategory,
    PeriodLockMode,
    RetakeMode,
    SchoolPolicy,
    month_day_in,
)

DEFAULT = SchoolPolicy()


def test_default_policy_follows_the_catalogue() -> None:
    """R2, R5, R33, R36, R39, R49, R50, R65, R67, R70, R75: the defaults of §4.12."""
    assert DEFAULT.tz == ZoneInfo("Europe/Moscow")
    assert DEFAULT.day_end_time == time(21, 0)
    assert DEFAULT.cyrillic_check is CyrillicCheck.warn
    assert (DEFAULT.lesson_mark_grace_days, DEFAULT.attendance_grace_days) == (0, 0)
    assert (DEFAULT.homework_delay_minutes, DEFAULT.homework_anchor) == (90, HomeworkAnchor.group_day_end)
    assert (DEFAULT.edit_window, DEFAULT.edit_window_anchor) == (
        EditWindow.two_weeks,
        EditWindowAnchor.lesson_date,
    )
    assert (DEFAULT.retake_mode, DEFAULT.period_lock_mode) == (RetakeMode.replace, PeriodLockMode.auto)
    assert (DEFAULT.period_mark_window_days, DEFAULT.period_mark_grace_days) == (7, 0)
    assert (DEFAULT.deferral_default_days, DEFAULT.final_results_publish_delay_hours) == (30, 0)
    assert (DEFAULT.rounding_threshold, DEFAULT.min_marks_for_period) == (Decimal("0.5"), 3)
    assert (DEFAULT.quiet_hours_start, DEFAULT.quiet_hours_end) == (time(22, 0), time(7, 0))
    assert (DEFAULT.mark_notify_delay_minutes, DEFAULT.notification_detail_level) == (
        5,
        NotificationDetail.full,
    )
    assert (DEFAULT.consent_mode, DEFAULT.invite_validity_working_days) == (ConsentMode.strict, 10)
    assert DEFAULT.working_weekdays == frozenset({0, 1, 2, 3, 4})


def test_default_attendance_codes_and_notification_categories() -> None:
    """R37, R82, §5.2: Н, Н/б, Н/у, Опз; parents preselect all but homework, students skip attendance and digest."""
    codes = DEFAULT.attendance_codes
    assert (codes.unknown, codes.unexcused, codes.ill, codes.excused, codes.late) == (
        "Н",
        "Н",
        "Н/б",
        "Н/у",
        "Опз",
    )
    assert NotifyCategory.homework not in DEFAULT.notify_defaults.parent
    assert NotifyCategory.attendance in DEFAULT.notify_defaults.parent
    assert NotifyCategory.homework in DEFAULT.notify_defaults.student
    assert NotifyCategory.weekly_digest not in DEFAULT.notify_defaults.student


def test_stored_policy_reads_back_equal_through_json() -> None:
    """R58, §4.12: a changed policy survives to_stored -> JSON -> from_stored unchanged."""
    policy = DEFAULT.changed(
        timezone="Asia/Vladivostok",
        day_end_time="20:30",
        rounding_threshold="0.6",
        edit_window="1m",
        homework_daily_limit_minutes={5: 150},
        working_weekdays={0, 1, 2, 3, 4, 5},
    )
    stored = json.loads(json.dumps(policy.to_stored()))
    assert SchoolPolicy.from_stored(stored) == policy
    assert stored["rounding_threshold"] == "0.6"
    assert stored["working_weekdays"] == [0, 1, 2, 3, 4, 5]


def test_missing_stored_keys_take_their_defaults() -> None:
    """§4.12: a policy stored before a key existed loads with that key's default."""
    policy = SchoolPolicy.from_stored({"timezone": "Europe/Kaliningrad", "edit_window": "1w"})
    assert policy.edit_window is EditWindow.one_week
    assert policy.day_end_time == time(21, 0)
    assert SchoolPolicy.from_stored({}) == DEFAULT


def test_unknown_stored_key_is_refused() -> None:
    """§4.12: only catalogue keys are settings; a typo is not silently ignored."""
    with pytest.raises(ValidationError, match="edit_windw"):
        SchoolPolicy.from_stored({"edit_windw": "1w"})


@pytest.mark.parametrize("key", ["weight", "deadline_rule"])
def test_work_type_properties_are_not_school_settings(key: str) -> None:
    """R34, R74: weights and deadline rules belong to the work type, not to the school policy."""
    with pytest.raises(ValidationError):
        DEFAULT.changed(**{key: "days:7"})


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "localtime", "Europe/moscow", "../../etc/passwd"])
def test_unknown_time_zone_is_refused(zone: str) -> None:
    """R2: the time zone must be an IANA zone name."""
    with pytest.raises(ValidationError, match="timezone"):
        DEFAULT.changed(timezone=zone)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("lesson_mark_grace_days", 8),
        ("lesson_mark_grace_days", -1),
        ("attendance_grace_days", 8),
        ("period_mark_grace_days", 15),
        ("rounding_threshold", "0.49"),
        ("rounding_threshold", "0.91"),
        ("final_results_publish_delay_hours", 25),
        ("mark_notify_delay_minutes", 31),
        ("edit_window", "4w"),
        ("edit_window_anchor", "entry"),
        ("cyrillic_check", "strict"),
        ("period_mark_window_days", 0),
        ("setup_deadline", "09-31"),
        ("year_print_deadline", "6-30"),
        ("inspector_default_validity", "days:0"),
        ("paper_summary_weekday", 7),
        ("working_weekdays", []),
        ("day_end_time", "21:00+03:00"),
        ("homework_daily_limit_minutes", {12: 100}),
    ],
)
def test_value_outside_its_range_is_refused(key: str, value: Any) -> None:
    """R33, R36, R49, R50, R65, R70, R75, C72, §4.12: each key refuses values outside its domain."""
    with pytest.raises(ValidationError, match=key):
        DEFAULT.changed(**{key: value})


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("lesson_mark_grace_days", 7),
        ("attendance_grace_days", 2),
        ("period_mark_grace_days", 14),
        ("rounding_threshold", "0.9"),
        ("final_results_publish_delay_hours", 24),
        ("mark_notify_delay_minutes", 30),
        ("inspector_default_validity", "days:30"),
    ],
)
def test_boundary_values_are_accepted(key: str, value: Any) -> None:
    """R33, R36, R65, R70, R75, C72: the ends of each allowed range are valid."""
    assert str(getattr(DEFAULT.changed(**{key: value}), key)) == str(value)


def test_change_returns_a_validated_copy_and_leaves_the_original() -> None:
    """R49, §4.12: a change applies from the moment it is saved; the old policy object is unchanged."""
    changed = DEFAULT.changed(edit_window=EditWindow.until_year_end)
    assert changed.edit_window is EditWindow.until_year_end
    assert DEFAULT.edit_window is EditWindow.two_weeks


def test_policy_cannot_be_mutated_in_place() -> None:
    """§4.12: every change goes through `changed` (and the audited use case), never assignment."""
    with pytest.raises(ValidationError):
        DEFAULT.edit_window = EditWindow.one_week  # type: ignore[misc]


def test_month_day_setting_gives_the_date_in_a_year() -> None:
    """R11, R110: setup_deadline 09-05 is 05.09.2025; year_print_deadline 06-30 is 30.06.2026."""
    assert month_day_in(DEFAULT.setup_deadline, 2025) == date(2025, 9, 5)
    assert month_day_in(DEFAULT.year_print_deadline, 2026) == date(2026, 6, 30)


def test_policy_builds_the_working_calendar_from_its_weekdays() -> None:
    """R3: the calendar uses the school's working weekdays and the year's non-working dates."""
    calendar = DEFAULT.working_calendar(non_working=[date(2025, 11, 4)])
    assert not calendar.is_working_day(date(2025, 11, 4))
    assert calendar.add_working_days(date(2025, 11, 3), 1) == date(2025, 11, 5)
