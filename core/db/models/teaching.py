"""Teaching groups, assignments, timetable, dated lessons and plans (spec §3.3)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, CreatedBy, IdMixin, SchoolOwned, TimestampMixin, VersionMixin, str_enum
from core.domain.enums import (
    ActivityKind,
    GroupKind,
    HomeworkStatus,
    LessonStatus,
    PlanStatus,
    RequestStatus,
    SubstitutionKind,
    SubstitutionReason,
)


class Group(IdMixin, SchoolOwned, TimestampMixin, CreatedBy, Base):
    """A teaching group; a whole_class group's roster follows its class's enrollments."""

    __tablename__ = "teaching_group"
    __table_args__ = (UniqueConstraint("year_id", "name"),)

    year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id"), index=True)
    kind: Mapped[GroupKind] = mapped_column(str_enum(GroupKind, "group_kind"))
    name: Mapped[str] = mapped_column(String(100))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id"))
    split_key: Mapped[str | None] = mapped_column(String(100))
    individual_curriculum_id: Mapped[int | None] = mapped_column(ForeignKey("individual_curriculum.id"))
    work_regime_id: Mapped[int | None] = mapped_column(ForeignKey("work_regime.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class GroupClass(IdMixin, SchoolOwned, Base):
    __tablename__ = "group_class"
    __table_args__ = (UniqueConstraint("group_id", "class_id"),)

    group_id: Mapped[int] = mapped_column(ForeignKey("teaching_group.id"))
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"), index=True)


class GroupMembership(IdMixin, SchoolOwned, TimestampMixin, CreatedBy, Base):
    """Explicit membership of a non-whole-class group over dates."""

    __tablename__ = "group_membership"
    __table_args__ = (
        CheckConstraint("to_date IS NULL OR from_date <= to_date", name="dates"),
        Index("ix_group_membership_group", "group_id", "from_date"),
    )

    group_id: Mapped[int] = mapped_column(ForeignKey("teaching_group.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    from_date: Mapped[dt.date] = mapped_column(Date)
    to_date: Mapped[dt.date | None] = mapped_column(Date)


class Assignment(IdMixin, SchoolOwned, TimestampMixin, CreatedBy, Base):
    """Teaching load: it defines a teacher's scope O (R30)."""

    __tablename__ = "assignment"
    __table_args__ = (
        CheckConstraint("to_date IS NULL OR from_date <= to_date", name="dates"),
        Index("ix_assignment_group_subject", "group_id", "subject_id"),
    )

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("teaching_group.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    from_date: Mapped[dt.date] = mapped_column(Date)
    to_date: Mapped[dt.date | None] = mapped_column(Date)
    hours_per_week: Mapped[float | None] = mapped_column(Numeric(4, 1))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=True)


class TimetableEntry(IdMixin, SchoolOwned, TimestampMixin, CreatedBy, Base):
    __tablename__ = "timetable_entry"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("valid_to IS NULL OR valid_from <= valid_to", name="dates"),
        Index("ix_timetable_entry_group", "group_id", "weekday"),
        Index("ix_timetable_entry_teacher", "teacher_staff_id", "weekday"),
    )

    year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("teaching_group.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    weekday: Mapped[int] = mapped_column(Integer)
    bell_slot_id: Mapped[int] = mapped_column(ForeignKey("bell_slot.id"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"))
    teacher_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    activity_kind: Mapped[ActivityKind] = mapped_column(
        str_enum(ActivityKind, "timetable_activity_kind"), default=ActivityKind.lesson
    )


class Lesson(IdMixin, SchoolOwned, TimestampMixin, VersionMixin, Base):
    """A dated lesson, materialised from the timetable and then kept as the journal's record of it."""

    __tablename__ = "lesson"
    __table_args__ = (
        Index(
            "uq_lesson_entry_date",
            "timetable_entry_id",
            "date",
            unique=True,
            sqlite_where=text("timetable_entry_id IS NOT NULL"),
            postgresql_where=text("timetable_entry_id IS NOT NULL"),
        ),
        Index("ix_lesson_group_date", "group_id", "date"),
        Index("ix_lesson_teacher_date", "actual_teacher_id", "date"),
        Index("ix_lesson_school_date", "school_id", "date"),
        CheckConstraint("status <> 'held' OR (topic IS NOT NULL AND topic <> '')", name="held_has_topic"),
    )

    timetable_entry_id: Mapped[int | None] = mapped_column(ForeignKey("timetable_entry.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    bell_slot_id: Mapped[int] = mapped_column(ForeignKey("bell_slot.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("teaching_group.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    scheduled_teacher_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    actual_teacher_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"))
    status: Mapped[LessonStatus] = mapped_column(
        str_enum(LessonStatus, "lesson_status"), default=LessonStatus.planned
    )
    rescheduled_to_lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id"))
    planned_item_id: Mapped[int | None] = mapped_column(ForeignKey("thematic_plan_item.id"))
    topic: Mapped[str | None] = mapped_column(Text)
    topic_item_id: Mapped[int | None] = mapped_column(ForeignKey("thematic_plan_item.id"))
    topic_entered_at: Mapped[dt.datetime | None]
    topic_late_seconds: Mapped[int | None] = mapped_column(Integer)
    material: Mapped[str | None] = mapped_column(Text)
    lesson_type: Mapped[str | None] = mapped_column(String(64))
    attendance_taken_at: Mapped[dt.datetime | None]
    attendance_late_seconds: Mapped[int | None] = mapped_column(Integer)
    homework_status: Mapped[HomeworkStatus] = mapped_column(
        str_enum(HomeworkStatus, "lesson_homework_status"), default=HomeworkStatus.unset
    )
    homework_status_at: Mapped[dt.datetime | None]
    homework_late_seconds: Mapped[int | None] = mapped_column(Integer)


class Substitution(IdMixin, SchoolOwned, TimestampMixin, Base):
    __tablename__ = "substitution"

    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id"), index=True)
    kind: Mapped[SubstitutionKind] = mapped_column(str_enum(SubstitutionKind, "substitution_kind"))
    original_teacher_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    substitute_teacher_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    new_room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"))
    new_date: Mapped[dt.date | None] = mapped_column(Date)
    new_bell_slot_id: Mapped[int | None] = mapped_column(ForeignKey("bell_slot.id"))
    reason: Mapped[SubstitutionReason] = mapped_column(
        str_enum(SubstitutionReason, "substitution_reason"), default=SubstitutionReason.other
    )
    status: Mapped[RequestStatus] = mapped_column(
        str_enum(RequestStatus, "substitution_status"), default=RequestStatus.requested
    )
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    registered_at: Mapped[dt.datetime | None]
    late_seconds: Mapped[int | None] = mapped_column(Integer)


class ThematicPlan(IdMixin, SchoolOwned, TimestampMixin, CreatedBy, Base):
    """КТП: the ordered topics of one teacher × subject × group × year (R24)."""

    __tablename__ = "thematic_plan"
    __table_args__ = (UniqueConstraint("group_id", "subject_id", "year_id"),)

    teacher_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("teaching_group.id"))
    grade: Mapped[int | None] = mapped_column(Integer)
    year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id"))
    status: Mapped[PlanStatus] = mapped_column(str_enum(PlanStatus, "plan_status"), default=PlanStatus.draft)


class ThematicPlanItem(IdMixin, SchoolOwned, Base):
    __tablename__ = "thematic_plan_item"
    __table_args__ = (UniqueConstraint("plan_id", "seq"),)

    plan_id: Mapped[int] = mapped_column(ForeignKey("thematic_plan.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    topic: Mapped[str] = mapped_column(Text)
    hours: Mapped[int] = mapped_column(Integer, default=1)
    planned_week: Mapped[int | None] = mapped_column(Integer)
    planned_date: Mapped[dt.date | None] = mapped_column(Date)
    is_control_work: Mapped[bool] = mapped_column(Boolean, default=False)
    control_form: Mapped[str | None] = mapped_column(String(64))


class AssessmentScheduleItem(IdMixin, SchoolOwned, TimestampMixin, CreatedBy, Base):
    """Control-work and attestation schedule (R23); visible in the diary once published."""

    __tablename__ = "assessment_schedule_item"
    __table_args__ = (Index("ix_assessment_group_date", "group_id", "date"),)

    group_id: Mapped[int] = mapped_column(ForeignKey("teaching_group.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    work_type_id: Mapped[int] = mapped_column(ForeignKey("work_type.id"))
    control_form: Mapped[str] = mapped_column(String(64))
    is_internal_control: Mapped[bool] = mapped_column(Boolean, default=False)
    is_attestation: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(8), default="active")
