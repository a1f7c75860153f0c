"""A student's missed lessons and unsatisfactory marks, each with its lesson topic (R91, C92)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, select, true

from core.db.models import Attendance, Lesson, Mark, Subject, WorkType
from core.domain.enums import AbsenceReason, AttendanceStatus, DiarySection, Role
from core.reports.common import class_parallel_scale, load_scales, log_diary_view, taught_subjects
from core.usecases.access import require_student_read
from core.usecases.context import Ctx
from core.usecases.roster import student_class_on


@dataclass(frozen=True)
class MissedTopic:
    lesson_id: int
    date: date
    subject: str
    topic: str | None
    reason: AbsenceReason | None
    made_up: bool


@dataclass(frozen=True)
class UnsatisfactoryTopic:
    mark_id: int
    date: date
    subject: str
    topic: str | None
    work_type: str
    value: str


def _taught(ctx: Ctx, role: Role, day: date) -> ColumnElement[bool]:
    taught = taught_subjects(ctx, role, day)
    return true() if taught is None else Lesson.subject_id.in_(taught)


async def missed_topics(
    ctx: Ctx, *, student_id: int, date_from: date, date_to: date
) -> tuple[MissedTopic, ...]:
    """The student's absences in the range with date, subject, topic, reason and «тема зачтена»."""
    role = await require_student_read(ctx, student_id, date_from)
    rows = await ctx.session.execute(
        select(Attendance, Lesson.date, Lesson.topic, Subject.name)
        .join(Lesson, Lesson.id == Attendance.lesson_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .where(
            Lesson.school_id == ctx.actor.school_id,
            Lesson.date.between(date_from, date_to),
            _taught(ctx, role, date_from),
            Attendance.student_id == student_id,
            Attendance.kind == AttendanceStatus.absent,
            Attendance.status == "active",
        )
        .order_by(Lesson.date, Lesson.bell_slot_id)
    )
    result = tuple(
        MissedTopic(a.lesson_id, day, subject, topic, a.reason, a.made_up) for a, day, topic, subject in rows
    )
    await log_diary_view(ctx, role, student_id, DiarySection.missed_topics, date_from, date_to)
    return result


async def unsatisfactory_topics(
    ctx: Ctx, *, student_id: int, date_from: date, date_to: date
) -> tuple[UnsatisfactoryTopic, ...]:
    """The student's active marks in the range whose scale value is unsatisfactory, with topics."""
    role = await require_student_read(ctx, student_id, date_from)
    scales = await load_scales(ctx)
    parallel_scale = await class_parallel_scale(
        ctx, await student_class_on(ctx.session, student_id, date_from)
    )
    rows = await ctx.session.execute(
        select(Mark, Lesson.date, Lesson.topic, Subject.name, Subject.grading_scale_id, WorkType.short_name)
        .join(Lesson, Lesson.id == Mark.lesson_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .join(WorkType, WorkType.id == Mark.work_type_id)
        .where(
            Lesson.school_id == ctx.actor.school_id,
            Lesson.date.between(date_from, date_to),
            _taught(ctx, role, date_from),
            Mark.student_id == student_id,
            Mark.status == "active",
        )
        .order_by(Lesson.date, Mark.id)
    )
    result = []
    for mark, day, topic, subject, scale_id, work_type in rows:
        entry = scales.resolve(scale_id, parallel_scale).get(mark.value_code)
        if entry is not None and entry.is_unsatisfactory:
            result.append(UnsatisfactoryTopic(mark.id, day, subject, topic, work_type, mark.value_code))
    await log_diary_view(ctx, role, student_id, DiarySection.unsatisfactory_topics, date_from, date_to)
    return tuple(result)
