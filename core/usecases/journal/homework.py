"""Homework: general or individual, "no homework", advance posting and the R39 deadline (R39–R41)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.audit.snapshot import snapshot
from core.db.models import (
    BellSlot,
    Enrollment,
    Group,
    GroupClass,
    GroupMembership,
    Homework,
    HomeworkTarget,
    Lesson,
)
from core.domain.enums import AuditAction, GroupKind, HomeworkScope, HomeworkStatus
from core.domain.errors import InvalidInput, NotFound
from core.policy.deadlines import homework_deadline, lateness
from core.policy.settings import HomeworkAnchor, SchoolPolicy
from core.usecases.access import require_lesson_write
from core.usecases.context import Ctx
from core.usecases.journal.entries import load_lesson, russian_text_warnings
from core.usecases.journal.lateness import late_seconds
from core.usecases.journal.lesson_record import CLOSED
from core.usecases.journal.locks import WriteKind, check_journal_write
from core.usecases.roster import covers, on_roster

ACTIVE = "active"


@dataclass(frozen=True)
class HomeworkResult:
    lesson_id: int
    homework_id: int | None
    late_seconds: int | None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class HomeworkItem:
    """One homework as a student's diary lists it: under the lesson it was set at, due on `due_on`."""

    homework_id: int
    lesson_id: int
    lesson_date: date
    due_on: date | None
    subject_id: int
    scope: HomeworkScope
    text: str
    how_to: str | None
    pages: str | None
    tasks: str | None
    est_minutes: int | None


async def anchor_end(session: AsyncSession, lesson: Lesson, policy: SchoolPolicy) -> time:
    """R39 anchor: the end of the group's last lesson that day, or of the lesson itself per policy."""
    if policy.homework_anchor == HomeworkAnchor.lesson_end:
        end = await session.scalar(select(BellSlot.end_time).where(BellSlot.id == lesson.bell_slot_id))
    else:
        end = await session.scalar(
            select(func.max(BellSlot.end_time))
            .join(Lesson, Lesson.bell_slot_id == BellSlot.id)
            .where(
                Lesson.group_id == lesson.group_id,
                Lesson.date == lesson.date,
                Lesson.status.not_in(CLOSED),
            )
        )
    if end is None:  # the lesson itself is cancelled: fall back to its own slot
        end = await session.scalar(select(BellSlot.end_time).where(BellSlot.id == lesson.bell_slot_id))
    assert end is not None
    return end


async def _next_lesson_id(session: AsyncSession, lesson: Lesson) -> int | None:
    """The page's next lesson, the default due lesson of homework (so `/homework` can list it by due date)."""
    return await session.scalar(
        select(Lesson.id)
        .join(BellSlot, BellSlot.id == Lesson.bell_slot_id)
        .where(
            Lesson.group_id == lesson.group_id,
            Lesson.subject_id == lesson.subject_id,
            Lesson.date > lesson.date,
            Lesson.status.not_in(CLOSED),
        )
        .order_by(Lesson.date, BellSlot.start_time)
        .limit(1)
    )


async def _late_seconds(ctx: Ctx, lesson: Lesson) -> int | None:
    policy = await ctx.policy()
    anchor = await anchor_end(ctx.session, lesson, policy)
    return await late_seconds(ctx, lesson, lambda d: homework_deadline(d, anchor, policy))


def _set_status(lesson: Lesson, status: HomeworkStatus, ctx: Ctx, late_seconds: int | None) -> None:
    if lesson.homework_status == HomeworkStatus.unset:
        # Lateness of the homework status (R39/R40 flag) is decided by the first answer.
        lesson.homework_late_seconds = late_seconds
        lesson.homework_status_at = ctx.now
    lesson.homework_status = status


async def _writable_lesson(ctx: Ctx, lesson_id: int) -> Lesson:
    lesson = await load_lesson(ctx, lesson_id)
    await require_lesson_write(ctx, lesson)
    if lesson.status in CLOSED:
        raise InvalidInput("the lesson was cancelled or moved", rule="R42", status=lesson.status.value)
    return lesson


async def set_homework(
    ctx: Ctx,
    *,
    lesson_id: int,
    text: str,
    scope: HomeworkScope = HomeworkScope.general,
    student_ids: Iterable[int] = (),
    due_lesson_id: int | None = None,
    due_date: date | None = None,
    how_to: str | None = None,
    pages: str | None = None,
    tasks: str | None = None,
    est_minutes: int | None = None,
) -> HomeworkResult:
    """Set homework for a lesson (also in advance, R40); individual homework targets roster students (R41)."""
    lesson = await _writable_lesson(ctx, lesson_id)
    scope = HomeworkScope(scope)
    targets = sorted(set(student_ids))
    if not text.strip():
        raise InvalidInput("homework text is required", rule="R40", field="text")
    if scope == HomeworkScope.general and targets:
        raise InvalidInput("general homework has no target students", rule="R41", field="student_ids")
    if scope == HomeworkScope.individual:
        group = await ctx.session.get(Group, lesson.group_id)
        assert group is not None
        on = await on_roster(ctx.session, group, lesson.date, targets)
        if not targets or on != set(targets):
            raise InvalidInput(
                "individual homework needs students of the group",
                rule="R41",
                off_roster=sorted(set(targets) - on),
            )
    if due_lesson_id is not None:
        due = await load_lesson(ctx, due_lesson_id)
        if due.group_id != lesson.group_id or due.subject_id != lesson.subject_id or due.date < lesson.date:
            raise InvalidInput(
                "the due lesson is not a later lesson of this page", rule="R40", field="due_lesson_id"
            )
    if due_lesson_id is None and due_date is None:
        due_lesson_id = await _next_lesson_id(ctx.session, lesson)
    if due_date is not None and due_date < lesson.date:
        raise InvalidInput("the due date is before the lesson", rule="R40", field="due_date")
    if est_minutes is not None and est_minutes < 0:
        raise InvalidInput("estimated minutes must not be negative", rule="R40", field="est_minutes")
    warnings = await russian_text_warnings(ctx, text, how_to)
    await check_journal_write(ctx, lesson, WriteKind.homework)

    late_seconds = await _late_seconds(ctx, lesson)
    homework = Homework(
        school_id=ctx.actor.school_id,
        lesson_id=lesson.id,
        due_lesson_id=due_lesson_id,
        due_date=due_date,
        scope=scope,
        text=text.strip(),
        how_to=how_to,
        pages=pages,
        tasks=tasks,
        est_minutes=est_minutes,
        entered_by=ctx.actor.account_id,
        entered_at=ctx.now,
        late_seconds=late_seconds,
    )
    ctx.session.add(homework)
    await ctx.session.flush()
    ctx.session.add_all(
        HomeworkTarget(school_id=ctx.actor.school_id, homework_id=homework.id, student_id=s) for s in targets
    )
    lesson_before = snapshot(lesson)
    _set_status(lesson, HomeworkStatus.given, ctx, late_seconds)
    await ctx.session.flush()
    await ctx.audit(
        AuditAction.create, "homework", homework.id, after=snapshot(homework) | {"student_ids": targets}
    )
    await ctx.audit(AuditAction.update, "lesson", lesson.id, before=lesson_before, after=snapshot(lesson))
    return HomeworkResult(lesson.id, homework.id, late_seconds, warnings)


async def set_no_homework(ctx: Ctx, *, lesson_id: int) -> HomeworkResult:
    """The teacher's explicit "no homework" for a lesson (R40, C33)."""
    lesson = await _writable_lesson(ctx, lesson_id)
    has_homework = await ctx.session.scalar(
        select(exists().where(Homework.lesson_id == lesson.id, Homework.status == ACTIVE))
    )
    if has_homework:
        raise InvalidInput("the lesson has homework; void it first", rule="R40")
    await check_journal_write(ctx, lesson, WriteKind.homework)
    late_seconds = await _late_seconds(ctx, lesson)
    before = snapshot(lesson)
    _set_status(lesson, HomeworkStatus.none, ctx, late_seconds)
    await ctx.session.flush()
    await ctx.audit(AuditAction.update, "lesson", lesson.id, before=before, after=snapshot(lesson))
    return HomeworkResult(lesson.id, None, late_seconds)


async def void_homework(ctx: Ctx, *, homework_id: int, reason: str) -> None:
    """Void a homework (never deleted, R58); the lesson's status returns to unset when none is left."""
    homework = await ctx.session.get(Homework, homework_id)
    if homework is None or homework.school_id != ctx.actor.school_id or homework.status != ACTIVE:
        raise NotFound("homework", entity="homework", id=homework_id)
    lesson = await _writable_lesson(ctx, homework.lesson_id)
    if not reason.strip():
        raise InvalidInput("a reason is required", rule="R58", field="reason")
    await check_journal_write(ctx, lesson, WriteKind.homework)
    before = snapshot(homework)
    homework.void(at=ctx.now, by=ctx.actor.account_id, reason=reason.strip())
    await ctx.session.flush()
    await ctx.audit(
        AuditAction.void, "homework", homework.id, before=before, after=snapshot(homework), reason=reason
    )
    others = await ctx.session.scalar(
        select(exists().where(Homework.lesson_id == lesson.id, Homework.status == ACTIVE))
    )
    if not others:
        lesson_before = snapshot(lesson)
        lesson.homework_status = HomeworkStatus.unset
        await ctx.session.flush()
        await ctx.audit(AuditAction.update, "lesson", lesson.id, before=lesson_before, after=snapshot(lesson))


async def homework_status_missing(
    session: AsyncSession, lesson: Lesson, now: object, policy: SchoolPolicy
) -> bool:
    """R40, C33: neither homework nor "no homework" by the R39 deadline."""
    if lesson.status in CLOSED or lesson.homework_status != HomeworkStatus.unset:
        return False
    deadline = homework_deadline(lesson.date, await anchor_end(session, lesson, policy), policy)
    return lateness(now, deadline) is not None  # type: ignore[arg-type]


async def homework_for_student(
    session: AsyncSession, student_id: int, date_from: date, date_to: date
) -> list[HomeworkItem]:
    """Homework in a student's diary: general items of the student's groups and only their own individual ones (R41)."""
    due_lesson = aliased(Lesson)
    in_class_group = and_(
        Group.kind == GroupKind.whole_class,
        exists().where(
            GroupClass.group_id == Lesson.group_id,
            Enrollment.class_id == GroupClass.class_id,
            Enrollment.student_id == student_id,
            covers(Enrollment.from_date, Enrollment.to_date, Lesson.date),  # type: ignore[arg-type]
        ),
    )
    in_member_group = and_(
        Group.kind != GroupKind.whole_class,
        exists().where(
            GroupMembership.group_id == Lesson.group_id,
            GroupMembership.student_id == student_id,
            covers(GroupMembership.from_date, GroupMembership.to_date, Lesson.date),  # type: ignore[arg-type]
        ),
    )
    visible = or_(
        Homework.scope == HomeworkScope.general,
        exists().where(HomeworkTarget.homework_id == Homework.id, HomeworkTarget.student_id == student_id),
    )
    rows = await session.execute(
        select(Homework, Lesson.date, Lesson.subject_id, due_lesson.date)
        .join(Lesson, Lesson.id == Homework.lesson_id)
        .join(Group, Group.id == Lesson.group_id)
        .outerjoin(due_lesson, due_lesson.id == Homework.due_lesson_id)
        .where(
            Homework.status == ACTIVE,
            or_(in_class_group, in_member_group),
            visible,
            or_(
                Lesson.date.between(date_from, date_to),
                Homework.due_date.between(date_from, date_to),
                due_lesson.date.between(date_from, date_to),
            ),
        )
        .order_by(Lesson.date, Homework.id)
    )
    return [
        HomeworkItem(
            homework_id=hw.id,
            lesson_id=hw.lesson_id,
            lesson_date=lesson_date,
            due_on=hw.due_date or due_date,
            subject_id=subject_id,
            scope=hw.scope,
            text=hw.text,
            how_to=hw.how_to,
            pages=hw.pages,
            tasks=hw.tasks,
            est_minutes=hw.est_minutes,
        )
        for hw, lesson_date, subject_id, due_date in rows
    ]
