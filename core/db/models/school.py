"""School structure and calendar (spec §3.1)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, CreatedBy, IdMixin, SchoolOwned, TimestampMixin, str_enum
from core.domain.enums import (
    ActivityKind,
    CalendarDayKind,
    EducationLevel,
    HolidayType,
    PeriodKind,
    PeriodStatus,
    Profile,
    ScaleKind,
    SubjectComponent,
    YearStatus,
)


class School(IdMixin, TimestampMixin, Base):
    __tablename__ = "school"

    name: Mapped[str] = mapped_column(String(300))
    short_name: Mapped[str] = mapped_column(String(100))
    municipality: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    print_header: Mapped[str | None] = mapped_column(String(500))
    slug: Mapped[str] = mapped_column(String(64), unique=True)


class SchoolPolicyRecord(IdMixin, SchoolOwned, TimestampMixin, Base):
    """Every per-school setting of §4.12, validated by core.policy.settings.SchoolPolicy."""

    __tablename__ = "school_policy"
    __table_args__ = (UniqueConstraint("school_id"),)

    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AcademicYear(IdMixin, SchoolOwned, TimestampMixin, Base):
    __tablename__ = "academic_year"
    __table_args__ = (
        UniqueConstraint("school_id", "title"),
        CheckConstraint("start_date <= teaching_end_date AND teaching_end_date <= end_date", name="dates"),
        Index(
            "uq_academic_year_one_active",
            "school_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    title: Mapped[str] = mapped_column(String(20))
    start_date: Mapped[date] = mapped_column(Date)
    teaching_end_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    status: Mapped[YearStatus] = mapped_column(str_enum(YearStatus, "year_status"), default=YearStatus.draft)


class PeriodScheme(IdMixin, SchoolOwned, TimestampMixin, Base):
    __tablename__ = "period_scheme"
    __table_args__ = (UniqueConstraint("year_id", "name"),)

    year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id"), index=True)
    kind: Mapped[PeriodKind] = mapped_column(str_enum(PeriodKind, "period_kind"))
    name: Mapped[str] = mapped_column(String(100))
    grades: Mapped[list[Any]] = mapped_column(JSON, default=list)


class ReportingPeriod(IdMixin, SchoolOwned, TimestampMixin, Base):
    __tablename__ = "reporting_period"
    __table_args__ = (
        UniqueConstraint("scheme_id", "seq"),
        CheckConstraint("start_date <= end_date", name="dates"),
    )

    scheme_id: Mapped[int] = mapped_column(ForeignKey("period_scheme.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    status: Mapped[PeriodStatus] = mapped_column(
        str_enum(PeriodStatus, "period_status"), default=PeriodStatus.open
    )
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"), default=None)


class Holiday(IdMixin, SchoolOwned, TimestampMixin, Base):
    __tablename__ = "holiday"
    __table_args__ = (CheckConstraint("start_date <= end_date", name="dates"),)

    year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id"), index=True)
    type: Mapped[HolidayType] = mapped_column(str_enum(HolidayType, "holiday_type"))
    name: Mapped[str | None] = mapped_column(String(100))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    grades: Mapped[list[Any]] = mapped_column(JSON, default=list)  # empty = every parallel
    scheme_id: Mapped[int | None] = mapped_column(ForeignKey("period_scheme.id"))


class CalendarDay(IdMixin, SchoolOwned, TimestampMixin, Base):
    """The working calendar's exceptions: public holidays and transferred working days (R3)."""

    __tablename__ = "calendar_day"
    __table_args__ = (
        UniqueConstraint("school_id", "day"),
        CheckConstraint(
            "timetable_weekday IS NULL OR (kind = 'working' AND timetable_weekday BETWEEN 0 AND 6)",
            name="timetable_weekday",
        ),
    )

    year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[CalendarDayKind] = mapped_column(str_enum(CalendarDayKind, "calendar_day_kind"))
    # A transferred working day follows the timetable of this weekday (0 = Monday); lessons need it.
    timetable_weekday: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(200))


class BellSchedule(IdMixin, SchoolOwned, TimestampMixin, Base):
    __tablename__ = "bell_schedule"
    __table_args__ = (UniqueConstraint("year_id", "name"),)

    year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))


class BellSlot(IdMixin, SchoolOwned, Base):
    __tablename__ = "bell_slot"
    __table_args__ = (
        UniqueConstraint("schedule_id", "number"),
        CheckConstraint("start_time < end_time", name="times"),
    )

    schedule_id: Mapped[int] = mapped_column(ForeignKey("bell_schedule.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)


class WorkRegime(IdMixin, SchoolOwned, TimestampMixin, Base):
    __tablename__ = "work_regime"
    __table_args__ = (CheckConstraint("days_per_week IN (5, 6)", name="days"),)

    name: Mapped[str] = mapped_column(String(100))
    days_per_week: Mapped[int] = mapped_column(Integer, default=5)
    shift: Mapped[int] = mapped_column(Integer, default=1)
    bell_schedule_id: Mapped[int] = mapped_column(ForeignKey("bell_schedule.id"))


class Building(IdMixin, SchoolOwned, TimestampMixin, Base):
    __tablename__ = "building"

    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))


class Room(IdMixin, SchoolOwned, TimestampMixin, Base):
    __tablename__ = "room"
    __table_args__ = (UniqueConstraint("building_id", "number"),)

    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    number: Mapped[str] = mapped_column(String(20))
    name: Mapped[str | None] = mapped_column(String(200))
    capacity: Mapped[int | None] = mapped_column(Integer)


class GradingScale(IdMixin, TimestampMixin, Base):
    """A grading scale; built-ins (§10) have no school, custom ones belong to one."""

    __tablename__ = "grading_scale"
    __table_args__ = (
        UniqueConstraint("school_id", "code"),
        # NULLs are distinct in a unique constraint: the built-ins need their own guard.
        Index(
            "uq_grading_scale_builtin_code",
            "code",
            unique=True,
            sqlite_where=text("school_id IS NULL"),
            postgresql_where=text("school_id IS NULL"),
        ),
    )

    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[ScaleKind] = mapped_column(str_enum(ScaleKind, "scale_kind"))


class ScaleValue(IdMixin, Base):
    __tablename__ = "scale_value"
    __table_args__ = (UniqueConstraint("scale_id", "code"),)

    scale_id: Mapped[int] = mapped_column(ForeignKey("grading_scale.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(64))
    numeric: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    is_passing: Mapped[bool] = mapped_column(Boolean, default=False)
    is_quality: Mapped[bool] = mapped_column(Boolean, default=False)
    is_unsatisfactory: Mapped[bool] = mapped_column(Boolean, default=False)
    sort: Mapped[int] = mapped_column(Integer, default=0)


class Subject(IdMixin, SchoolOwned, TimestampMixin, Base):
    __tablename__ = "subject"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(50))
    component: Mapped[SubjectComponent] = mapped_column(
        str_enum(SubjectComponent, "subject_component"), default=SubjectComponent.federal
    )
    activity_kind: Mapped[ActivityKind] = mapped_column(
        str_enum(ActivityKind, "activity_kind"), default=ActivityKind.lesson
    )
    no_attestation: Mapped[bool] = mapped_column(Boolean, default=False)
    grading_scale_id: Mapped[int | None] = mapped_column(ForeignKey("grading_scale.id"))


class SubjectTeacher(IdMixin, SchoolOwned, Base):
    __tablename__ = "subject_teacher"
    __table_args__ = (UniqueConstraint("subject_id", "staff_id"),)

    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)


class SubjectRoom(IdMixin, SchoolOwned, Base):
    __tablename__ = "subject_room"
    __table_args__ = (UniqueConstraint("subject_id", "room_id"),)

    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"), index=True)


class WorkType(IdMixin, SchoolOwned, TimestampMixin, Base):
    __tablename__ = "work_type"
    __table_args__ = (
        UniqueConstraint("school_id", "code"),
        CheckConstraint("weight > 0", name="weight_positive"),
    )

    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(16))
    weight: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("1.0"))
    deadline_rule: Mapped[str] = mapped_column(String(16), default="same_day")
    is_written: Mapped[bool] = mapped_column(Boolean, default=False)
    is_internal_control: Mapped[bool] = mapped_column(Boolean, default=False)
    long_check: Mapped[bool] = mapped_column(Boolean, default=False)
    title_required: Mapped[bool] = mapped_column(Boolean, default=False)
    counts_in_average: Mapped[bool] = mapped_column(Boolean, default=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Parallel(IdMixin, SchoolOwned, Base):
    __tablename__ = "parallel"
    __table_args__ = (
        UniqueConstraint("school_id", "grade"),
        CheckConstraint("grade BETWEEN 1 AND 11", name="grade"),
    )

    grade: Mapped[int] = mapped_column(Integer)
    level: Mapped[EducationLevel] = mapped_column(str_enum(EducationLevel, "education_level"))
    grading_scale_id: Mapped[int | None] = mapped_column(ForeignKey("grading_scale.id"))


class SchoolClass(IdMixin, SchoolOwned, TimestampMixin, CreatedBy, Base):
    __tablename__ = "school_class"
    __table_args__ = (UniqueConstraint("year_id", "name"),)

    year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id"), index=True)
    parallel_id: Mapped[int] = mapped_column(ForeignKey("parallel.id"), index=True)
    letter: Mapped[str] = mapped_column(String(4))
    name: Mapped[str] = mapped_column(String(16))
    form_tutor_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    period_scheme_id: Mapped[int | None] = mapped_column(ForeignKey("period_scheme.id"))
    work_regime_id: Mapped[int | None] = mapped_column(ForeignKey("work_regime.id"))
    profile: Mapped[Profile | None] = mapped_column(str_enum(Profile, "class_profile"))


class CurriculumPlan(IdMixin, SchoolOwned, TimestampMixin, Base):
    """A curriculum line; it is also the subject–class link that R18 requires for the timetable."""

    __tablename__ = "curriculum_plan"
    __table_args__ = (
        CheckConstraint(
            "(grade IS NOT NULL) OR (class_id IS NOT NULL) OR (individual_curriculum_id IS NOT NULL)",
            name="target",
        ),
    )

    year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    grade: Mapped[int | None] = mapped_column(Integer)
    class_id: Mapped[int | None] = mapped_column(ForeignKey("school_class.id"), index=True)
    individual_curriculum_id: Mapped[int | None] = mapped_column(ForeignKey("individual_curriculum.id"))
    profile: Mapped[Profile | None] = mapped_column(str_enum(Profile, "plan_profile"))
    hours_per_week: Mapped[Decimal] = mapped_column(Numeric(4, 1), default=Decimal(1))
    hours_per_year: Mapped[int | None] = mapped_column(Integer)
    ungraded: Mapped[bool] = mapped_column(Boolean, default=False)  # безотметочное обучение (R64)
