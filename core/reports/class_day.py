"""A class's absences and latenesses on one day, for its form tutor and the administration (R36–R38)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from core.db.models import Attendance, BellSlot, Enrollment, Lesson, SchoolClass, Subject
from core.domain.enums import ADMIN_ROLES, AbsenceReason, AttendanceStatus
from core.domain.errors import NotFound
from core.reports.common import alphabetical, student_names
from core.usecases.access import require_tutor_of
from core.usecases.context import Ctx
from core.usecases.roster import covers


@dataclass(frozen=True)
class ClassDayEntry:
    lesson_id: int
    slot: int
    subject: str
    kind: AttendanceStatus
    reason: AbsenceReason | None
    late_minutes: int | None
    comment: str | None


@dataclass(frozen=True)
class StudentDay:
    student_id: int
    last_name: str
    first_name: str
    entries: tuple[ClassDayEntry, ...]


@dataclass(frozen=True)
class ClassDay:
    class_id: int
    day: date
    students: tuple[StudentDay, ...]  # only students with an absence or lateness that day


async def class_day(ctx: Ctx, *, class_id: int, day: date) -> ClassDay:
    """Absences and latenesses of the class's students on `day`, per student, with reasons."""
    cls = await ctx.session.get(SchoolClass, class_id)
    if cls is None or cls.school_id != ctx.actor.school_id:
        raise NotFound("class", entity="school_class", id=class_id)
    if not ctx.principal.has(*ADMIN_ROLES):
        require_tutor_of(ctx, class_id, rule="R108")
    enrolled = select(Enrollment.student_id).where(
        Enrollment.class_id == class_id, covers(Enrollment.from_date, Enrollment.to_date, day)
    )
    rows = await ctx.session.execute(
        select(Attendance, BellSlot.number, Subject.name)
        .join(Lesson, Lesson.id == Attendance.lesson_id)
        .join(BellSlot, BellSlot.id == Lesson.bell_slot_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .where(
            Lesson.school_id == ctx.actor.school_id,
            Lesson.date == day,
            Attendance.status == "active",
            Attendance.student_id.in_(enrolled),
        )
        .order_by(BellSlot.number, Attendance.id)
    )
    per_student: dict[int, list[ClassDayEntry]] = {}
    for a, slot, subject in rows:
        per_student.setdefault(a.student_id, []).append(
            ClassDayEntry(a.lesson_id, slot, subject, a.kind, a.reason, a.late_minutes, a.comment)
        )
    names = await student_names(ctx, per_student)
    students = tuple(
        StudentDay(sid, names[sid].last_name, names[sid].first_name, tuple(per_student[sid]))
        for sid in alphabetical(names)
    )
    return ClassDay(class_id, day, students)
