"""The journal page of a group × subject × period (§6.1): roster × lesson dates, period marks, lessons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from core.db.models import Attendance, Homework, Lesson, Mark, PeriodMark, WorkType
from core.domain.enums import AbsenceReason, AttendanceStatus, LessonStatus
from core.policy.settings import AttendanceCodes
from core.reports.common import alphabetical, on_roster, open_page, roster_spans, staff_names, student_names
from core.usecases.context import Ctx


@dataclass(frozen=True)
class CellMark:
    mark_id: int
    value: str
    work_type: str  # the work type's short name, printed as a superscript
    is_makeup: bool


@dataclass(frozen=True)
class Cell:
    lesson_id: int
    on_roster: bool
    marks: tuple[CellMark, ...]
    attendance: str | None  # the policy's code: Н, Н/б, Н/у or Опз


@dataclass(frozen=True)
class PageRow:
    student_id: int
    last_name: str
    first_name: str
    cells: tuple[Cell, ...]
    period_mark: str | None


@dataclass(frozen=True)
class PageLesson:
    lesson_id: int
    date: date
    status: LessonStatus
    topic: str | None
    homework: tuple[str, ...]
    teacher_id: int
    teacher: str
    substituted: bool


@dataclass(frozen=True)
class JournalPage:
    group_id: int
    subject_id: int
    period_id: int
    lessons: tuple[PageLesson, ...]
    rows: tuple[PageRow, ...]


def attendance_code(codes: AttendanceCodes, kind: AttendanceStatus, reason: AbsenceReason | None) -> str:
    """The printed code of an absence or lateness (R37)."""
    if kind == AttendanceStatus.late:
        return codes.late
    return getattr(codes, (reason or AbsenceReason.unknown).value)


async def journal_page(ctx: Ctx, *, group_id: int, subject_id: int, period_id: int) -> JournalPage:
    """The grid of one group × subject × period in a fixed number of queries."""
    _, period = await open_page(ctx, group_id, subject_id, period_id)
    codes = (await ctx.policy()).attendance_codes
    s = ctx.session
    lessons = list(
        await s.scalars(
            select(Lesson)
            .where(
                Lesson.group_id == group_id,
                Lesson.subject_id == subject_id,
                Lesson.date.between(period.start_date, period.end_date),
            )
            .order_by(Lesson.date, Lesson.bell_slot_id)
        )
    )
    page_lessons = select(Lesson.id).where(
        Lesson.group_id == group_id,
        Lesson.subject_id == subject_id,
        Lesson.date.between(period.start_date, period.end_date),
    )
    spans = await roster_spans(ctx, [group_id], period.start_date, period.end_date)
    names = await student_names(ctx, {sp.student_id for sp in spans})
    marks: dict[tuple[int, int], list[CellMark]] = {}
    for mark, short in await s.execute(
        select(Mark, WorkType.short_name)
        .join(WorkType, WorkType.id == Mark.work_type_id)
        .where(Mark.lesson_id.in_(page_lessons), Mark.status == "active")
        .order_by(Mark.id)
    ):
        marks.setdefault((mark.student_id, mark.lesson_id), []).append(
            CellMark(mark.id, mark.value_code, short, mark.is_makeup)
        )
    attendance = {
        (a.student_id, a.lesson_id): attendance_code(codes, a.kind, a.reason)
        for a in await s.scalars(
            select(Attendance).where(Attendance.lesson_id.in_(page_lessons), Attendance.status == "active")
        )
    }
    period_marks = dict(
        (
            await s.execute(
                select(PeriodMark.student_id, PeriodMark.value_code).where(
                    PeriodMark.group_id == group_id,
                    PeriodMark.subject_id == subject_id,
                    PeriodMark.active_for_period(period_id),
                )
            )
        ).all()
    )
    homework: dict[int, list[str]] = {}
    for lesson_id, text in await s.execute(
        select(Homework.lesson_id, Homework.text)
        .where(Homework.lesson_id.in_(page_lessons), Homework.status == "active")
        .order_by(Homework.id)
    ):
        homework.setdefault(lesson_id, []).append(text)
    teachers = await staff_names(ctx, (lesson.actual_teacher_id for lesson in lessons))
    rosters = {lesson.id: on_roster(spans, group_id, lesson.date) for lesson in lessons}
    rows = tuple(
        PageRow(
            student_id=sid,
            last_name=names[sid].last_name,
            first_name=names[sid].first_name,
            cells=tuple(
                Cell(
                    lesson.id,
                    sid in rosters[lesson.id],
                    tuple(marks.get((sid, lesson.id), ())),
                    attendance.get((sid, lesson.id)),
                )
                for lesson in lessons
            ),
            period_mark=period_marks.get(sid),
        )
        for sid in alphabetical(names)
    )
    listed = tuple(
        PageLesson(
            lesson.id,
            lesson.date,
            lesson.status,
            lesson.topic,
            tuple(homework.get(lesson.id, ())),
            lesson.actual_teacher_id,
            teachers[lesson.actual_teacher_id].last_name,
            lesson.actual_teacher_id != lesson.scheduled_teacher_id,
        )
        for lesson in lessons
    )
    return JournalPage(group_id, subject_id, period_id, listed, rows)
