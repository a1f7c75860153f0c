"""The student's diary over a date range (R80, R41, R45, R23, R88): one fixed set of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import aliased

from core.db.models import (
    AssessmentScheduleItem,
    Assignment,
    Attendance,
    BellSlot,
    Holiday,
    Homework,
    HomeworkTarget,
    Lesson,
    Mark,
    Note,
    Parallel,
    ReportingPeriod,
    Room,
    SchoolClass,
    Staff,
    Subject,
    Substitution,
    WorkType,
)
from core.domain.enums import (
    AbsenceReason,
    AttendanceStatus,
    DiarySection,
    HomeworkScope,
    LessonStatus,
    NoteKind,
    RequestStatus,
    SubstitutionKind,
)
from core.policy.calendar import to_local
from core.reports.common import log_diary_view, staff_names, taught_subjects
from core.usecases.access import require_student_read
from core.usecases.context import Ctx
from core.usecases.roster import covers, student_class_on, student_on_roster


@dataclass(frozen=True)
class DiaryLesson:
    lesson_id: int
    slot: int
    subject_id: int
    subject: str
    group_id: int
    teacher_id: int
    teacher: str
    substituted: bool
    room: str | None
    status: LessonStatus
    cancelled: bool
    rescheduled: bool
    topic: str | None
    material: str | None


@dataclass(frozen=True)
class DiaryHomework:
    homework_id: int
    lesson_id: int
    subject: str
    individual: bool
    text: str
    pages: str | None
    tasks: str | None


@dataclass(frozen=True)
class DiaryMark:
    mark_id: int
    lesson_id: int
    subject: str
    work_type: str
    value: str
    is_makeup: bool
    comment: str | None


@dataclass(frozen=True)
class DiaryAttendance:
    lesson_id: int
    subject: str
    kind: AttendanceStatus
    reason: AbsenceReason | None
    late_minutes: int | None
    made_up: bool


@dataclass(frozen=True)
class DiaryNote:
    note_id: int
    kind: NoteKind
    lesson_id: int | None
    text: str


@dataclass(frozen=True)
class DiaryDay:
    day: date
    lessons: tuple[DiaryLesson, ...]
    homework_due: tuple[DiaryHomework, ...]
    marks: tuple[DiaryMark, ...]
    attendance: tuple[DiaryAttendance, ...]
    notes: tuple[DiaryNote, ...]


@dataclass(frozen=True)
class ControlWork:
    item_id: int
    date: date
    subject: str
    control_form: str
    work_type: str


@dataclass(frozen=True)
class DiaryHoliday:
    name: str | None
    start: date
    end: date


@dataclass(frozen=True)
class GroupTeacher:
    group_id: int
    subject: str
    teacher_id: int
    teacher: str


@dataclass(frozen=True)
class Diary:
    student_id: int
    date_from: date
    date_to: date
    days: tuple[DiaryDay, ...]
    control_works: tuple[ControlWork, ...]
    holidays: tuple[DiaryHoliday, ...]
    teachers: tuple[GroupTeacher, ...]  # the teacher of each of the student's groups (R80)


async def student_diary(
    ctx: Ctx,
    *,
    student_id: int,
    date_from: date,
    date_to: date,
    section: DiarySection = DiarySection.day,
) -> Diary:
    """The diary of one student for a range; logs a DiaryView for student and guardian readers (R88)."""
    role = await require_student_read(ctx, student_id, date_from)
    s = ctx.session
    policy = await ctx.policy()
    mine = student_on_roster(student_id, Lesson.group_id, Lesson.date)
    taught = taught_subjects(ctx, role, date_from)
    in_range = and_(
        Lesson.school_id == ctx.actor.school_id,
        Lesson.date.between(date_from, date_to),
        true() if taught is None else Lesson.subject_id.in_(taught),
    )

    lesson_rows = (
        await s.execute(
            select(Lesson, BellSlot.number, Subject.name, Room.number)
            .join(BellSlot, BellSlot.id == Lesson.bell_slot_id)
            .join(Subject, Subject.id == Lesson.subject_id)
            .outerjoin(Room, Room.id == Lesson.room_id)
            .where(in_range, mine)
            .order_by(Lesson.date, BellSlot.number)
        )
    ).all()
    lesson_ids = [row[0].id for row in lesson_rows]
    substituted = set(
        await s.scalars(
            select(Substitution.lesson_id).where(
                Substitution.lesson_id.in_(select(Lesson.id).where(in_range, mine)),
                Substitution.status == RequestStatus.registered,
                Substitution.kind.in_((SubstitutionKind.substitution, SubstitutionKind.combined)),
            )
        )
    )
    teachers = await staff_names(ctx, (row[0].actual_teacher_id for row in lesson_rows))
    lessons: dict[date, list[DiaryLesson]] = {}
    subject_of: dict[int, str] = {}
    for lesson, slot, subject, room in lesson_rows:
        subject_of[lesson.id] = subject
        name = teachers[lesson.actual_teacher_id]
        lessons.setdefault(lesson.date, []).append(
            DiaryLesson(
                lesson_id=lesson.id,
                slot=slot,
                subject_id=lesson.subject_id,
                subject=subject,
                group_id=lesson.group_id,
                teacher_id=lesson.actual_teacher_id,
                teacher=f"{name.last_name} {name.first_name} {name.patronymic or ''}".strip(),
                substituted=lesson.id in substituted
                or lesson.actual_teacher_id != lesson.scheduled_teacher_id,
                room=room,
                status=lesson.status,
                cancelled=lesson.status == LessonStatus.cancelled,
                rescheduled=lesson.status == LessonStatus.rescheduled,
                topic=lesson.topic,
                material=lesson.material,
            )
        )

    homework = await _homework_due(ctx, student_id, date_from, date_to, taught)
    marks: dict[date, list[DiaryMark]] = {}
    for mark, day, subject, work_type in await s.execute(
        select(Mark, Lesson.date, Subject.name, WorkType.short_name)
        .join(Lesson, Lesson.id == Mark.lesson_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .join(WorkType, WorkType.id == Mark.work_type_id)
        .where(in_range, Mark.student_id == student_id, Mark.status == "active")
        .order_by(Lesson.date, Mark.id)
    ):
        marks.setdefault(day, []).append(
            DiaryMark(
                mark.id,
                mark.lesson_id,
                subject,
                work_type,
                mark.value_code,
                mark.is_makeup,
                mark.comment if mark.comment_diary_visible else None,
            )
        )
    attendance: dict[date, list[DiaryAttendance]] = {}
    for row, day, subject in await s.execute(
        select(Attendance, Lesson.date, Subject.name)
        .join(Lesson, Lesson.id == Attendance.lesson_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .where(in_range, Attendance.student_id == student_id, Attendance.status == "active")
        .order_by(Lesson.date, Attendance.id)
    ):
        attendance.setdefault(day, []).append(
            DiaryAttendance(row.lesson_id, subject, row.kind, row.reason, row.late_minutes, row.made_up)
        )
    notes = await _notes(ctx, student_id, lesson_ids, date_from, date_to, policy.tz, taught)
    control_works, holidays = await _schedule(ctx, student_id, date_from, date_to)

    days = tuple(
        DiaryDay(
            day,
            tuple(lessons.get(day, ())),
            tuple(homework.get(day, ())),
            tuple(marks.get(day, ())),
            tuple(attendance.get(day, ())),
            tuple(notes.get(day, ())),
        )
        for day in _dates(date_from, date_to)
    )
    teachers = await _group_teachers(ctx, student_id, date_from)
    await log_diary_view(ctx, role, student_id, section, date_from, date_to)
    return Diary(student_id, date_from, date_to, days, control_works, holidays, teachers)


async def _group_teachers(ctx: Ctx, student_id: int, day: date) -> tuple[GroupTeacher, ...]:
    rows = await ctx.session.execute(
        select(
            Assignment.group_id, Subject.name, Staff.id, Staff.last_name, Staff.first_name, Staff.patronymic
        )
        .join(Subject, Subject.id == Assignment.subject_id)
        .join(Staff, Staff.id == Assignment.staff_id)
        .where(
            Assignment.school_id == ctx.actor.school_id,
            covers(Assignment.from_date, Assignment.to_date, day),
            student_on_roster(student_id, Assignment.group_id, day),
        )
        .order_by(Subject.name, Assignment.is_primary.desc(), Staff.last_name)
    )
    return tuple(
        GroupTeacher(group_id, subject, staff_id, " ".join(p for p in (last, first, patronymic) if p))
        for group_id, subject, staff_id, last, first, patronymic in rows
    )


def _dates(date_from: date, date_to: date) -> list[date]:
    return [date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1)]


async def _homework_due(
    ctx: Ctx, student_id: int, date_from: date, date_to: date, taught: Any | None
) -> dict[date, list[DiaryHomework]]:
    """General homework of the student's groups plus only the student's own individual items (R41, C12)."""
    given, due = aliased(Lesson), aliased(Lesson)
    due_day = func.coalesce(due.date, Homework.due_date)
    targeted = select(HomeworkTarget.homework_id).where(HomeworkTarget.student_id == student_id)
    rows = await ctx.session.execute(
        select(Homework, due_day, Subject.name)
        .join(given, given.id == Homework.lesson_id)
        .outerjoin(due, due.id == Homework.due_lesson_id)
        .join(Subject, Subject.id == given.subject_id)
        .where(
            given.school_id == ctx.actor.school_id,
            Homework.status == "active",
            due_day.between(date_from, date_to),
            student_on_roster(student_id, given.group_id, given.date),
            or_(Homework.scope == HomeworkScope.general, Homework.id.in_(targeted)),
            true() if taught is None else given.subject_id.in_(taught),
        )
        .order_by(Homework.id)
    )
    result: dict[date, list[DiaryHomework]] = {}
    for hw, day, subject in rows:
        result.setdefault(day, []).append(
            DiaryHomework(
                hw.id,
                hw.lesson_id,
                subject,
                hw.scope == HomeworkScope.individual,
                hw.text,
                hw.pages,
                hw.tasks,
            )
        )
    return result


async def _notes(
    ctx: Ctx,
    student_id: int,
    lesson_ids: list[int],
    date_from: date,
    date_to: date,
    tz: ZoneInfo,
    taught: Any | None,
) -> dict[date, list[DiaryNote]]:
    """Diary-visible notes only (R45, C45): the student's own and whole-lesson ones of their lessons."""
    start = datetime.combine(date_from, time.min, tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
    rows = await ctx.session.execute(
        select(Note, Lesson.date)
        .outerjoin(Lesson, Lesson.id == Note.lesson_id)
        .where(
            Note.school_id == ctx.actor.school_id,
            Note.diary_visible.is_(True),
            Note.status == "active",
            true() if taught is None else or_(Note.lesson_id.is_(None), Lesson.subject_id.in_(taught)),
            or_(
                and_(
                    Note.student_id == student_id,
                    or_(
                        Lesson.date.between(date_from, date_to),
                        and_(Note.lesson_id.is_(None), Note.written_at >= start, Note.written_at < end),
                    ),
                ),
                and_(Note.student_id.is_(None), Note.lesson_id.in_(lesson_ids)),
            ),
        )
        .order_by(Note.written_at, Note.id)
    )
    result: dict[date, list[DiaryNote]] = {}
    for note, day in rows:
        when = day or to_local(note.written_at, tz).date()
        result.setdefault(when, []).append(DiaryNote(note.id, note.kind, note.lesson_id, note.text))
    return result


async def _schedule(
    ctx: Ctx, student_id: int, date_from: date, date_to: date
) -> tuple[tuple[ControlWork, ...], tuple[DiaryHoliday, ...]]:
    """Published control works of the current period (R23, C44) and holidays of the student's grade."""
    s = ctx.session
    today = await ctx.today()
    class_id = await student_class_on(s, student_id, date_from)
    if class_id is None:
        return (), ()
    cls_row = (
        await s.execute(
            select(SchoolClass.period_scheme_id, SchoolClass.year_id, Parallel.grade)
            .join(Parallel, Parallel.id == SchoolClass.parallel_id)
            .where(SchoolClass.id == class_id)
        )
    ).one()
    scheme_id, year_id, grade = cls_row
    period = (
        await s.execute(
            select(ReportingPeriod.start_date, ReportingPeriod.end_date)
            .where(ReportingPeriod.scheme_id == scheme_id, ReportingPeriod.end_date >= today)
            .order_by(ReportingPeriod.start_date)
            .limit(1)
        )
    ).first()
    works: tuple[ControlWork, ...] = ()
    if period is not None:
        rows = await s.execute(
            select(AssessmentScheduleItem, Subject.name, WorkType.short_name)
            .join(Subject, Subject.id == AssessmentScheduleItem.subject_id)
            .join(WorkType, WorkType.id == AssessmentScheduleItem.work_type_id)
            .where(
                AssessmentScheduleItem.school_id == ctx.actor.school_id,
                AssessmentScheduleItem.status == "active",
                AssessmentScheduleItem.published_at.is_not(None),
                AssessmentScheduleItem.published_at <= ctx.now,
                AssessmentScheduleItem.date.between(period[0], period[1]),
                student_on_roster(student_id, AssessmentScheduleItem.group_id, AssessmentScheduleItem.date),
            )
            .order_by(AssessmentScheduleItem.date, AssessmentScheduleItem.id)
        )
        works = tuple(
            ControlWork(item.id, item.date, subject, item.control_form, wt) for item, subject, wt in rows
        )
    holidays = await s.scalars(
        select(Holiday)
        .where(Holiday.year_id == year_id, Holiday.start_date <= date_to, Holiday.end_date >= date_from)
        .order_by(Holiday.start_date)
    )
    applying = tuple(
        DiaryHoliday(h.name, h.start_date, h.end_date) for h in holidays if not h.grades or grade in h.grades
    )
    return works, applying
