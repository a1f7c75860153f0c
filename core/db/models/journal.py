"""Marks, period results, attendance, homework and notes (spec §3.4). Never hard-deleted (R58)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    and_,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, IdMixin, SchoolOwned, TimestampMixin, VersionMixin, Voidable, str_enum
from core.domain.enums import (
    AbsenceReason,
    AttendanceStatus,
    DeferralReason,
    HomeworkScope,
    NoteKind,
    PeriodMarkKind,
)

ACTIVE = text("status = 'active'")


class MakeupProtocol(IdMixin, SchoolOwned, TimestampMixin, Base):
    """The protocol of a make-up of missed topics (R44)."""

    __tablename__ = "makeup_protocol"

    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    missed_lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id"), index=True)
    number: Mapped[str] = mapped_column(String(32))
    date: Mapped[dt.date] = mapped_column(Date)
    examiner: Mapped[str] = mapped_column(String(300))
    commission: Mapped[list[Any]] = mapped_column(JSON, default=list)
    result: Mapped[str | None] = mapped_column(String(200))


class Mark(IdMixin, SchoolOwned, TimestampMixin, VersionMixin, Voidable, Base):
    """A current mark; several per lesson are allowed, each with exactly one work type (R35)."""

    __tablename__ = "mark"
    __table_args__ = (
        Index("ix_mark_lesson", "lesson_id"),
        Index("ix_mark_student_lesson", "student_id", "lesson_id"),
        CheckConstraint("NOT is_makeup OR makeup_protocol_id IS NOT NULL", name="makeup_protocol"),
    )

    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id"))
    work_type_id: Mapped[int] = mapped_column(ForeignKey("work_type.id"))
    value_code: Mapped[str] = mapped_column(String(16))
    weight_override: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    comment: Mapped[str | None] = mapped_column(Text)
    comment_diary_visible: Mapped[bool] = mapped_column(Boolean, default=True)
    title: Mapped[str | None] = mapped_column(String(300))
    is_makeup: Mapped[bool] = mapped_column(Boolean, default=False)
    makeup_protocol_id: Mapped[int | None] = mapped_column(ForeignKey("makeup_protocol.id"))
    entered_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    entered_at: Mapped[dt.datetime]
    first_entered_at: Mapped[dt.datetime]
    late_seconds: Mapped[int | None] = mapped_column(Integer)
    approval_id: Mapped[int | None] = mapped_column(ForeignKey("correction_approval.id"))


def period_scope_key(period_id: int) -> str:
    return f"p:{period_id}"


def year_scope_key(year_id: int) -> str:
    return f"y:{year_id}"


class PeriodMark(IdMixin, SchoolOwned, TimestampMixin, VersionMixin, Voidable, Base):
    """A period, annual, exam or final mark or code; one active row per student × subject × scope × kind."""

    __tablename__ = "period_mark"
    __table_args__ = (
        Index(
            "uq_period_mark_active",
            "student_id",
            "subject_id",
            "scope_key",
            "kind",
            unique=True,
            sqlite_where=ACTIVE,
            postgresql_where=ACTIVE,
        ),
        Index("ix_period_mark_group", "group_id", "subject_id"),
    )

    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("teaching_group.id"))
    year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id"))
    period_id: Mapped[int | None] = mapped_column(ForeignKey("reporting_period.id"))
    scope_key: Mapped[str] = mapped_column(String(24))  # "p:<period id>" or "y:<year id>"
    kind: Mapped[PeriodMarkKind] = mapped_column(str_enum(PeriodMarkKind, "period_mark_kind"))
    value_code: Mapped[str] = mapped_column(String(16))
    suggested_value: Mapped[str | None] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    entered_at: Mapped[dt.datetime]
    published_at: Mapped[dt.datetime]
    early_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    late_seconds: Mapped[int | None] = mapped_column(Integer)
    approval_id: Mapped[int | None] = mapped_column(ForeignKey("correction_approval.id"))

    @classmethod
    def active_for_period(cls, period_id: int) -> ColumnElement[bool]:
        """SQL: the active period-kind marks and codes of one reporting period."""
        return and_(
            cls.scope_key == period_scope_key(period_id),
            cls.kind == PeriodMarkKind.period,
            cls.status == "active",
        )


class Deferral(IdMixin, SchoolOwned, TimestampMixin, Base):
    __tablename__ = "deferral"
    __table_args__ = (Index("ix_deferral_student", "student_id", "subject_id", "period_id"),)

    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_period.id"))
    reason: Mapped[DeferralReason] = mapped_column(str_enum(DeferralReason, "deferral_reason"))
    document_ref: Mapped[str] = mapped_column(String(200))
    granted_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    granted_at: Mapped[dt.datetime]
    due_date: Mapped[dt.date] = mapped_column(Date)
    closed_at: Mapped[dt.datetime | None]


class Attendance(IdMixin, SchoolOwned, TimestampMixin, VersionMixin, Voidable, Base):
    """An absence or lateness; presence is the absence of a row once attendance is taken (§3.4)."""

    __tablename__ = "attendance"
    __table_args__ = (
        Index(
            "uq_attendance_active",
            "lesson_id",
            "student_id",
            unique=True,
            sqlite_where=ACTIVE,
            postgresql_where=ACTIVE,
        ),
        Index("ix_attendance_student", "student_id"),
        CheckConstraint("late_minutes IS NULL OR late_minutes >= 0", name="late_minutes"),
    )

    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id"))
    kind: Mapped[AttendanceStatus] = mapped_column(str_enum(AttendanceStatus, "attendance_kind"))
    late_minutes: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[AbsenceReason | None] = mapped_column(str_enum(AbsenceReason, "absence_reason"))
    reason_set_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    comment: Mapped[str | None] = mapped_column(Text)
    made_up: Mapped[bool] = mapped_column(Boolean, default=False)  # «тема зачтена» (R44)
    entered_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    entered_at: Mapped[dt.datetime]
    late_seconds: Mapped[int | None] = mapped_column(Integer)


class Homework(IdMixin, SchoolOwned, TimestampMixin, VersionMixin, Voidable, Base):
    __tablename__ = "homework"
    __table_args__ = (
        Index("ix_homework_lesson", "lesson_id"),
        Index("ix_homework_due_lesson", "due_lesson_id"),
    )

    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id"))
    due_lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id"))
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    scope: Mapped[HomeworkScope] = mapped_column(str_enum(HomeworkScope, "homework_scope"))
    text: Mapped[str] = mapped_column(Text)
    how_to: Mapped[str | None] = mapped_column(Text)
    pages: Mapped[str | None] = mapped_column(String(100))
    tasks: Mapped[str | None] = mapped_column(String(200))
    practical_work: Mapped[str | None] = mapped_column(String(300))
    attachments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    est_minutes: Mapped[int | None] = mapped_column(Integer)
    entered_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    entered_at: Mapped[dt.datetime]
    late_seconds: Mapped[int | None] = mapped_column(Integer)


class HomeworkTarget(IdMixin, SchoolOwned, Base):
    """The students an individual homework is for (R41)."""

    __tablename__ = "homework_target"
    __table_args__ = (UniqueConstraint("homework_id", "student_id"),)

    homework_id: Mapped[int] = mapped_column(ForeignKey("homework.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)


class HomeworkCompletion(IdMixin, SchoolOwned, TimestampMixin, Base):
    __tablename__ = "homework_completion"
    __table_args__ = (UniqueConstraint("homework_id", "student_id"),)

    homework_id: Mapped[int] = mapped_column(ForeignKey("homework.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    mark_id: Mapped[int | None] = mapped_column(ForeignKey("mark.id"))


class Note(IdMixin, SchoolOwned, TimestampMixin, Voidable, Base):
    """A comment, remark, praise or recommendation on a lesson, mark or student (R45)."""

    __tablename__ = "note"
    __table_args__ = (Index("ix_note_student", "student_id"),)

    kind: Mapped[NoteKind] = mapped_column(str_enum(NoteKind, "note_kind"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id"))
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id"), index=True)
    mark_id: Mapped[int | None] = mapped_column(ForeignKey("mark.id"))
    text: Mapped[str] = mapped_column(Text)
    diary_visible: Mapped[bool] = mapped_column(Boolean, default=False)
    author_account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    written_at: Mapped[dt.datetime]
