"""A teacher's day: own and substituted lessons, what is still missing and when it turns late (R32, R36, R39)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, or_, select

from core.db.models import BellSlot, Group, Lesson, Subject, Substitution
from core.domain.enums import HomeworkStatus, LessonStatus, RequestStatus, SubstitutionKind
from core.domain.errors import Forbidden
from core.policy.deadlines import attendance_deadline, homework_deadline, topic_deadline
from core.policy.settings import HomeworkAnchor, SchoolPolicy
from core.usecases.context import Ctx


@dataclass(frozen=True)
class MissingItem:
    item: str  # "attendance" | "topic" | "homework"
    due: datetime
    late: bool


@dataclass(frozen=True)
class DayLesson:
    lesson_id: int
    slot: int
    starts: time
    ends: time
    group_id: int
    group: str
    subject_id: int
    subject: str
    status: LessonStatus
    as_substitute: bool
    missing: tuple[MissingItem, ...]


@dataclass(frozen=True)
class TeacherDay:
    staff_id: int
    day: date
    lessons: tuple[DayLesson, ...]
    given_away: tuple[DayLesson, ...]  # own lessons taught by a registered substitute


async def teacher_day(ctx: Ctx, *, day: date) -> TeacherDay:
    """The actor's lessons on `day` with the journal items still missing and their deadlines."""
    staff_id = ctx.principal.staff_id
    if staff_id is None:
        raise Forbidden("only staff have a teaching day", rule="R30", entity="teacher_day")
    policy = await ctx.policy()
    taken = select(Substitution.lesson_id).where(
        Substitution.substitute_teacher_id == staff_id,
        Substitution.status == RequestStatus.registered,
        Substitution.kind.in_((SubstitutionKind.substitution, SubstitutionKind.combined)),
    )
    rows = (
        await ctx.session.execute(
            select(Lesson, BellSlot, Group.name, Subject.name)
            .join(BellSlot, BellSlot.id == Lesson.bell_slot_id)
            .join(Group, Group.id == Lesson.group_id)
            .join(Subject, Subject.id == Lesson.subject_id)
            .where(
                Lesson.school_id == ctx.actor.school_id,
                Lesson.date == day,
                or_(
                    Lesson.actual_teacher_id == staff_id,
                    Lesson.scheduled_teacher_id == staff_id,
                    Lesson.id.in_(taken),
                ),
            )
            .order_by(BellSlot.number)
        )
    ).all()
    group_ends: dict[int, time] = {}
    if policy.homework_anchor == HomeworkAnchor.group_day_end and rows:
        group_ends = dict(
            (
                await ctx.session.execute(
                    select(Lesson.group_id, func.max(BellSlot.end_time))
                    .join(BellSlot, BellSlot.id == Lesson.bell_slot_id)
                    .where(
                        Lesson.date == day,
                        Lesson.group_id.in_({lesson.group_id for lesson, *_ in rows}),
                        Lesson.status != LessonStatus.cancelled,
                    )
                    .group_by(Lesson.group_id)
                )
            ).all()
        )
    taken_ids = set(
        await ctx.session.scalars(taken.where(Substitution.lesson_id.in_([r[0].id for r in rows])))
    )
    mine: list[DayLesson] = []
    given: list[DayLesson] = []
    for lesson, slot, group, subject in rows:
        substitute = lesson.id in taken_ids or (
            lesson.actual_teacher_id == staff_id and lesson.scheduled_teacher_id != staff_id
        )
        away = lesson.actual_teacher_id != staff_id and not substitute
        anchor = group_ends.get(lesson.group_id, slot.end_time)
        missing = () if away else _missing(lesson, anchor, policy, ctx.now)
        entry = DayLesson(
            lesson.id,
            slot.number,
            slot.start_time,
            slot.end_time,
            lesson.group_id,
            group,
            lesson.subject_id,
            subject,
            lesson.status,
            substitute,
            missing,
        )
        (given if away else mine).append(entry)
    return TeacherDay(staff_id, day, tuple(mine), tuple(given))


def _missing(lesson: Lesson, anchor: time, policy: SchoolPolicy, now: datetime) -> tuple[MissingItem, ...]:
    if lesson.status in (LessonStatus.cancelled, LessonStatus.rescheduled):
        return ()
    items: list[tuple[str, datetime]] = []
    if lesson.attendance_taken_at is None:
        items.append(("attendance", attendance_deadline(lesson.date, policy)))
    if not lesson.topic:
        items.append(("topic", topic_deadline(lesson.date, policy)))
    if lesson.homework_status == HomeworkStatus.unset:
        items.append(("homework", homework_deadline(lesson.date, anchor, policy)))
    return tuple(MissingItem(name, due, now > due) for name, due in items)
