"""Journal fill-in monitoring per teacher and journal page: what is missing or late (R119, §6.8)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import ColumnElement, func, select, true

from core.db.models import BellSlot, Group, GroupClass, Lesson, Mark, Subject, Substitution
from core.domain.enums import ADMIN_ROLES, AuditAction, HomeworkStatus, LessonStatus
from core.domain.errors import Forbidden
from core.policy.calendar import local_at
from core.policy.deadlines import attendance_deadline, homework_deadline, topic_deadline
from core.policy.settings import HomeworkAnchor, SchoolPolicy
from core.reports.common import PersonName, staff_names
from core.usecases.context import Ctx

_GONE = (LessonStatus.cancelled, LessonStatus.rescheduled)

PageKey = tuple[int, int, int]  # teacher staff id, group id, subject id


@dataclass
class _Counts:
    lessons_past: int = 0
    lessons_held: int = 0
    not_recorded: int = 0
    attendance_missing: int = 0
    attendance_late: int = 0
    topic_missing: int = 0
    homework_missing: int = 0
    homework_late: int = 0
    marks_late: Counter[int] = field(default_factory=Counter)
    substitutions_late: int = 0


@dataclass(frozen=True)
class MonitoringRow:
    """One journal page (group × subject) of one teacher; `*_missing` count only items past their deadline."""

    staff_id: int
    teacher: PersonName
    group_id: int
    group: str
    subject_id: int
    subject: str
    lessons_past: int
    lessons_held: int
    not_recorded: int  # §10 item 19: a past lesson with no attendance, topic or homework status after 21:00
    attendance_missing: int
    attendance_late: int
    topic_missing: int
    homework_missing: int
    homework_late: int
    marks_late: int
    marks_late_by_work_type: dict[int, int]
    substitutions_late: int

    @property
    def has_issues(self) -> bool:
        return bool(
            self.not_recorded
            or self.attendance_missing
            or self.attendance_late
            or self.topic_missing
            or self.homework_missing
            or self.homework_late
            or self.marks_late
            or self.substitutions_late
        )


@dataclass(frozen=True)
class JournalMonitoring:
    date_from: date
    date_to: date
    school_view: bool
    rows: tuple[MonitoringRow, ...]

    @property
    def teachers_with_issues(self) -> tuple[int, ...]:
        return tuple(sorted({r.staff_id for r in self.rows if r.has_issues}))


async def journal_monitoring(ctx: Ctx, *, date_from: date, date_to: date, now: datetime) -> JournalMonitoring:
    """Per teacher and journal page over lessons dated in the range, judged at `now` (R119, C116)."""
    scope, school_view = await _scope(ctx)
    policy = await ctx.policy()
    in_range = (
        Lesson.school_id == ctx.actor.school_id,
        Lesson.date.between(date_from, date_to),
        scope,
    )
    lessons = (
        await ctx.session.execute(select(Lesson, BellSlot.end_time).join(BellSlot).where(*in_range))
    ).all()
    group_ends = await _group_day_ends(ctx, date_from, date_to, policy)
    pages: dict[PageKey, _Counts] = {}
    for lesson, slot_end in lessons:
        key = (lesson.actual_teacher_id, lesson.group_id, lesson.subject_id)
        c = pages.setdefault(key, _Counts())
        if lesson.status in _GONE or local_at(lesson.date, slot_end, policy.tz) > now:
            continue
        c.lessons_past += 1
        c.lessons_held += lesson.status == LessonStatus.held
        anchor = group_ends.get((lesson.group_id, lesson.date), slot_end)
        c.attendance_missing += lesson.attendance_taken_at is None and now > attendance_deadline(
            lesson.date, policy
        )
        c.attendance_late += bool(lesson.attendance_late_seconds)
        c.topic_missing += not lesson.topic and now > topic_deadline(lesson.date, policy)
        c.homework_missing += lesson.homework_status == HomeworkStatus.unset and now > homework_deadline(
            lesson.date, anchor, policy
        )
        c.homework_late += bool(lesson.homework_late_seconds)
        c.not_recorded += (
            lesson.attendance_taken_at is None
            and not lesson.topic
            and lesson.homework_status == HomeworkStatus.unset
            and now > topic_deadline(lesson.date, policy)
        )
    late_marks = await ctx.session.execute(
        select(Lesson.actual_teacher_id, Lesson.group_id, Lesson.subject_id, Mark.work_type_id, func.count())
        .select_from(Mark)
        .join(Lesson, Lesson.id == Mark.lesson_id)
        .where(*in_range, Mark.status == "active", Mark.late_seconds > 0)
        .group_by(Lesson.actual_teacher_id, Lesson.group_id, Lesson.subject_id, Mark.work_type_id)
    )
    for teacher, group_id, subject_id, work_type_id, n in late_marks:
        pages.setdefault((teacher, group_id, subject_id), _Counts()).marks_late[work_type_id] += n
    late_subs = await ctx.session.execute(
        select(Lesson.actual_teacher_id, Lesson.group_id, Lesson.subject_id, func.count())
        .select_from(Substitution)
        .join(Lesson, Lesson.id == Substitution.lesson_id)
        .where(*in_range, Substitution.late_seconds > 0)
        .group_by(Lesson.actual_teacher_id, Lesson.group_id, Lesson.subject_id)
    )
    for teacher, group_id, subject_id, n in late_subs:
        pages.setdefault((teacher, group_id, subject_id), _Counts()).substitutions_late += n
    return JournalMonitoring(date_from, date_to, school_view, await _rows(ctx, pages))


async def _scope(ctx: Ctx) -> tuple[ColumnElement[bool], bool]:
    """School view for administration and inspectors (R); own pages for teachers (O), own class for tutors (C)."""
    p = ctx.principal
    if p.is_system or p.has(*ADMIN_ROLES):
        return true(), True
    if p.inspector_valid and p.inspector_on(await ctx.today()):
        await ctx.audit(AuditAction.inspector_read, "journal_monitoring", None)
        return true(), True
    if p.staff_id is None:
        raise Forbidden("monitoring is for staff", rule="R119", entity="journal_monitoring")
    own: ColumnElement[bool] = Lesson.actual_teacher_id == p.staff_id
    if p.tutor_class_ids:
        tutored = select(GroupClass.group_id).where(GroupClass.class_id.in_(p.tutor_class_ids))
        own = own | Lesson.group_id.in_(tutored)
    return own, False


async def _group_day_ends(
    ctx: Ctx, date_from: date, date_to: date, policy: SchoolPolicy
) -> dict[tuple[int, date], time]:
    """R39: with the group-day anchor, homework is due after the group's last lesson of the day."""
    if policy.homework_anchor != HomeworkAnchor.group_day_end:
        return {}
    rows = await ctx.session.execute(
        select(Lesson.group_id, Lesson.date, func.max(BellSlot.end_time))
        .join(BellSlot, BellSlot.id == Lesson.bell_slot_id)
        .where(
            Lesson.school_id == ctx.actor.school_id,
            Lesson.date.between(date_from, date_to),
            Lesson.status != LessonStatus.cancelled,
        )
        .group_by(Lesson.group_id, Lesson.date)
    )
    return {(g, d): t for g, d, t in rows}


async def _rows(ctx: Ctx, pages: dict[PageKey, _Counts]) -> tuple[MonitoringRow, ...]:
    if not pages:
        return ()
    teachers = await staff_names(ctx, [k[0] for k in pages])
    groups = dict(
        (
            await ctx.session.execute(select(Group.id, Group.name).where(Group.id.in_({k[1] for k in pages})))
        ).all()
    )
    subjects = dict(
        (
            await ctx.session.execute(
                select(Subject.id, Subject.name).where(Subject.id.in_({k[2] for k in pages}))
            )
        ).all()
    )
    rows = [
        MonitoringRow(
            staff_id,
            teachers[staff_id],
            group_id,
            groups[group_id],
            subject_id,
            subjects[subject_id],
            c.lessons_past,
            c.lessons_held,
            c.not_recorded,
            c.attendance_missing,
            c.attendance_late,
            c.topic_missing,
            c.homework_missing,
            c.homework_late,
            sum(c.marks_late.values()),
            dict(c.marks_late),
            c.substitutions_late,
        )
        for (staff_id, group_id, subject_id), c in pages.items()
    ]
    rows.sort(key=lambda r: (r.teacher.last_name, r.teacher.first_name, r.group, r.subject, r.staff_id))
    return tuple(rows)
