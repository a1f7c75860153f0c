"""Per-school policy settings: every key of spec §4.12 with its default and validation."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, time
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, Self
from zoneinfo import ZoneInfo, available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_serializer, field_validator

from core.policy.calendar import MONDAY_TO_FRIDAY, WorkingCalendar


class CyrillicCheck(StrEnum):
    off = "off"
    warn = "warn"
    block = "block"


class EditWindow(StrEnum):
    until_year_end = "until_year_end"
    one_week = "1w"
    two_weeks = "2w"
    three_weeks = "3w"
    one_month = "1m"


class EditWindowAnchor(StrEnum):
    lesson_date = "lesson_date"
    first_entry = "first_entry"


class HomeworkAnchor(StrEnum):
    group_day_end = "group_day_end"
    lesson_end = "lesson_end"


class RetakeMode(StrEnum):
    replace = "replace"
    add_new = "add_new"


class PeriodLockMode(StrEnum):
    auto = "auto"
    manual = "manual"


class ConsentMode(StrEnum):
    strict = "strict"
    lenient = "lenient"


class NotificationDetail(StrEnum):
    full = "full"
    minimal = "minimal"


class NotifyCategory(StrEnum):
    """Push categories a recipient can switch (§5.2); `messages` and `service` are always on."""

    marks = "marks"
    attendance = "attendance"
    period_marks = "period_marks"
    schedule = "schedule"
    control_works = "control_works"
    homework = "homework"
    weekly_digest = "weekly_digest"


_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
_DAYS_N = re.compile(r"^days:(\d{1,3})$")


def _check_month_day(value: str) -> str:
    match = _MONTH_DAY.match(value)
    # 2001 is not a leap year, so 02-29 is refused: it would not exist most years.
    if match is None or not _is_date(2001, int(match[1]), int(match[2])):
        raise ValueError("expected a month-day like 09-05")
    return value


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _check_validity(value: str) -> str:
    match = _DAYS_N.match(value)
    if value != "until_year_end" and (match is None or int(match[1]) < 1):
        raise ValueError("expected until_year_end or days:N with N >= 1")
    return value


def _check_local_time(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("a school-local wall-clock time takes no UTC offset")
    return value


MonthDay = Annotated[str, AfterValidator(_check_month_day)]
LocalTime = Annotated[time, AfterValidator(_check_local_time)]
Weekday = Annotated[int, Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday")]


@cache
def _iana_zones() -> frozenset[str]:
    # "localtime" and "Factory" are host or placeholder files, not zones a school lives in.
    return frozenset(available_timezones()) - {"localtime", "Factory"}


def month_day_in(value: str, year: int) -> date:
    """The date of a validated month-day setting (e.g. `setup_deadline`) in a given year."""
    month, day = _check_month_day(value).split("-")
    return date(year, int(month), int(day))


class WeeklyTime(BaseModel):
    """A weekday and a local time, e.g. Sunday 23:59."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    weekday: Weekday
    at: LocalTime


class AttendanceCodes(BaseModel):
    """Display labels per absence reason and for lateness (R37)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    unknown: str = Field("Н", min_length=1, max_length=8)
    unexcused: str = Field("Н", min_length=1, max_length=8)
    ill: str = Field("Н/б", min_length=1, max_length=8)
    excused: str = Field("Н/у", min_length=1, max_length=8)
    late: str = Field("Опз", min_length=1, max_length=8)


class NotifyDefaults(BaseModel):
    """Categories preselected at binding, per recipient kind (§5.2, R82)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    parent: frozenset[NotifyCategory] = frozenset(NotifyCategory) - {NotifyCategory.homework}
    student: frozenset[NotifyCategory] = frozenset(NotifyCategory) - {
        NotifyCategory.attendance,
        NotifyCategory.weekly_digest,
    }

    @field_serializer("parent", "student")
    def _sorted(self, value: frozenset[NotifyCategory]) -> list[str]:
        return sorted(value)


class SchoolPolicy(BaseModel):
    """Every per-school setting of §4.12; work-type weights and deadline rules live on WorkType."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    # §0.2 time semantics
    timezone: str = "Europe/Moscow"
    day_end_time: LocalTime = time(21, 0)
    working_weekdays: frozenset[Weekday] = MONDAY_TO_FRIDAY
    # Set-up (R11-R14, R25, R26, R29)
    setup_deadline: MonthDay = "09-05"
    timetable_lead_days: int = Field(5, ge=0, le=60)
    subgroup_due_days: int = Field(5, ge=0, le=60)
    grade1_import_deadline: MonthDay = "09-05"
    planning_due: WeeklyTime = WeeklyTime(weekday=6, at=time(23, 59))
    weekly_data_check: bool = True
    # Daily journal (R5, R33-R42)
    cyrillic_check: CyrillicCheck = CyrillicCheck.warn
    lesson_mark_grace_days: int = Field(0, ge=0, le=7)
    attendance_grace_days: int = Field(0, ge=0, le=7)
    attendance_codes: AttendanceCodes = AttendanceCodes()
    form_tutor_sets_absence_reason: bool = True
    homework_delay_minutes: int = Field(90, ge=0, le=720)
    homework_anchor: HomeworkAnchor = HomeworkAnchor.group_day_end
    require_explicit_no_homework: bool = True
    teacher_can_request_substitution: bool = True
    # Editing, locks, corrections (R49-R61)
    edit_window: EditWindow = EditWindow.two_weeks
    edit_window_anchor: EditWindowAnchor = EditWindowAnchor.lesson_date
    retake_mode: RetakeMode = RetakeMode.replace
    period_lock_mode: PeriodLockMode = PeriodLockMode.auto
    correction_unlock_hours: int = Field(48, ge=1, le=720)
    correction_sla_days: int = Field(1, ge=1, le=30)
    # Period marks (R65-R70)
    period_mark_window_days: int = Field(7, ge=1, le=31)
    period_mark_grace_days: int = Field(0, ge=0, le=14)
    deferral_default_days: int = Field(30, ge=1, le=366)
    final_results_publish_delay_hours: int = Field(0, ge=0, le=24)
    # Computations (R35, R74, R75, R78)
    default_grading_scale: str = Field("five_point", pattern=r"^[a-z0-9_]{1,32}$")
    allow_mark_weight_override: bool = False
    rounding_threshold: Decimal = Field(Decimal("0.5"), ge=Decimal("0.5"), le=Decimal("0.9"))
    min_marks_for_period: int = Field(3, ge=1, le=20)
    forecast_enabled: bool = True
    # Notifications and families (§5, R84-R92, R125)
    notify_defaults: NotifyDefaults = NotifyDefaults()
    quiet_hours_start: LocalTime = time(22, 0)
    quiet_hours_end: LocalTime = time(7, 0)
    mark_notify_delay_minutes: int = Field(5, ge=0, le=30)
    notification_detail_level: NotificationDetail = NotificationDetail.full
    paper_summary_weekday: Weekday = 0
    form_tutor_weekly_message_check: bool = True
    student_messaging: bool = False
    # Personal data and credentials (R93-R106)
    consent_mode: ConsentMode = ConsentMode.strict
    invite_validity_working_days: int = Field(10, ge=1, le=60)
    require_student_application: bool = True
    compromise_review_days: int = Field(7, ge=1, le=90)
    inspector_default_validity: Annotated[str, AfterValidator(_check_validity)] = "until_year_end"
    # Archive, printing, backup (R109-R116)
    archive_schedule: WeeklyTime = WeeklyTime(weekday=6, at=time(2, 0))
    year_print_deadline: MonthDay = "06-30"
    summary_sheet_days_after_year_end: int = Field(7, ge=0, le=60)
    summary_sheet_template: str = Field("builtin", min_length=1, max_length=64)
    integrity_check_interval: int = Field(30, ge=1, le=366, description="days")
    backup_time: LocalTime = time(3, 0)
    backup_keep_days: int = Field(30, ge=1, le=366)
    restore_test_interval_days: int = Field(90, ge=1, le=366)
    # Monitoring (R120, R124)
    monthly_control_check: bool = True
    homework_daily_limit_minutes: dict[Annotated[int, Field(ge=1, le=11)], Annotated[int, Field(ge=1)]] = {}

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in _iana_zones():
            raise ValueError(f"unknown IANA time zone {value!r}")
        return value

    @field_validator("working_weekdays")
    @classmethod
    def _some_workdays(cls, value: frozenset[int]) -> frozenset[int]:
        if not value:
            raise ValueError("at least one working weekday is needed")
        return value

    @field_serializer("working_weekdays")
    def _sorted_days(self, value: frozenset[int]) -> list[int]:
        return sorted(value)

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> Self:
        """Load a stored policy; missing keys take their defaults, unknown keys are refused."""
        return cls.model_validate(data)

    def to_stored(self) -> dict[str, Any]:
        """A JSON-safe dict that `from_stored` reads back to an equal policy."""
        return self.model_dump(mode="json")

    def changed(self, **changes: Any) -> Self:
        """A validated copy with some keys changed (raises pydantic.ValidationError)."""
        return self.model_validate({**self.model_dump(), **changes})

    @property
    def tz(self) -> ZoneInfo:
        """The school's time zone."""
        return ZoneInfo(self.timezone)

    def working_calendar(
        self, non_working: Iterable[date] = (), extra_working: Iterable[date] = ()
    ) -> WorkingCalendar:
        """The school's calendar, given the year's non-working and transferred working dates (R3)."""
        return WorkingCalendar(
            non_working=frozenset(non_working),
            extra_working=frozenset(extra_working),
            workdays=self.working_weekdays,
        )
