"""КТП: thematic plans, their approval, lesson planning and the weekly planning flag (R24, R25, R5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true

from core.audit.snapshot import snapshot
from core.db.models import (
    AcademicYear,
    Assignment,
    BellSlot,
    Group,
    GroupClass,
    Lesson,
    Subject,
    ThematicPlan,
    ThematicPlanItem,
)
from core.domain.enums import ADMIN_ROLES, AuditAction, LessonStatus, PlanStatus, Role
from core.domain.errors import Forbidden, InvalidInput, NotFound
from core.policy.deadlines import end_of_minute
from core.policy.text import TextCheck, check_russian_text
from core.usecases.access import TEACHING_ROLES, require_role
from core.usecases.context import Ctx
from core.usecases.journal.locks import WriteKind, check_journal_write

_PLANNED_STATUSES = (LessonStatus.planned, LessonStatus.held)


@dataclass(frozen=True)
class PlanItemInput:
    topic: str
    hours: int = 1
    planned_week: int | None = None
    planned_date: date | None = None
    is_control_work: bool = False
    control_form: str | None = None


@dataclass(frozen=True)
class SavedPlan:
    plan_id: int
    item_ids: tuple[int, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlannedLessons:
    assigned: dict[int, int]  # lesson id → КТП item id
    unplanned: tuple[int, ...]  # lessons left without an item (the plan ran out)


async def create_thematic_plan(
    ctx: Ctx,
    *,
    group_id: int,
    subject_id: int,
    year_id: int,
    items: list[PlanItemInput],
    teacher_staff_id: int | None = None,
) -> SavedPlan:
    """A draft КТП for one group × subject × year with ordered items (R24); non-Russian topics warn or block (R5)."""
    year = await _year(ctx, year_id)
    group = await _group(ctx, group_id)
    subject = await ctx.session.get(Subject, subject_id)
    if subject is None or subject.school_id != ctx.actor.school_id:
        raise NotFound("subject", entity="subject", id=subject_id)
    role, teacher_id = await _plan_author(ctx, group, subject_id, year, teacher_staff_id)
    if group.year_id != year.id:
        raise InvalidInput("the group belongs to another year", rule="R24", group_id=group_id)
    warnings = await _check_items(ctx, items)
    duplicate = await ctx.session.scalar(
        select(ThematicPlan.id).where(
            ThematicPlan.group_id == group_id,
            ThematicPlan.subject_id == subject_id,
            ThematicPlan.year_id == year_id,
        )
    )
    if duplicate is not None:
        raise InvalidInput("the group already has a КТП for this subject", rule="R24", plan_id=duplicate)
    plan = ThematicPlan(
        school_id=ctx.actor.school_id,
        teacher_staff_id=teacher_id,
        subject_id=subject_id,
        group_id=group_id,
        year_id=year_id,
        status=PlanStatus.draft,
        created_by=ctx.actor.account_id,
    )
    ctx.session.add(plan)
    await ctx.session.flush()
    rows = [
        ThematicPlanItem(
            school_id=ctx.actor.school_id,
            plan_id=plan.id,
            seq=seq,
            topic=item.topic.strip(),
            hours=item.hours,
            planned_week=item.planned_week,
            planned_date=item.planned_date,
            is_control_work=item.is_control_work,
            control_form=item.control_form,
        )
        for seq, item in enumerate(items, 1)
    ]
    ctx.session.add_all(rows)
    await ctx.session.flush()
    after = snapshot(plan) | {"items": [snapshot(row) for row in rows]}
    await ctx.audit(AuditAction.create, "thematic_plan", plan.id, after=after, role=role)
    return SavedPlan(plan.id, tuple(row.id for row in rows), warnings)


async def approve_thematic_plan(ctx: Ctx, *, plan_id: int) -> None:
    """The deputy head or the coordinator approves a draft КТП (R24)."""
    role = require_role(ctx, Role.deputy_head, Role.coordinator, rule="R24", entity="thematic_plan")
    plan = await ctx.session.get(ThematicPlan, plan_id)
    if plan is None or plan.school_id != ctx.actor.school_id:
        raise NotFound("thematic plan", entity="thematic_plan", id=plan_id)
    if plan.status == PlanStatus.approved:
        raise InvalidInput("the КТП is already approved", rule="R24", plan_id=plan_id)
    before = snapshot(plan)
    plan.status = PlanStatus.approved
    await ctx.audit(
        AuditAction.approve, "thematic_plan", plan.id, before=before, after=snapshot(plan), role=role
    )


async def plan_lessons(
    ctx: Ctx, *, group_id: int, subject_id: int, date_from: date, date_to: date
) -> PlannedLessons:
    """Give each unplanned lesson in the range the next КТП item with hours left, in lesson order (R25)."""
    group = await _group(ctx, group_id)
    if not ctx.principal.is_system and not await _teaches_in(ctx, group_id, subject_id, date_from, date_to):
        raise Forbidden(
            "only the group's subject teacher plans its lessons", rule="R25", entity="group", id=group_id
        )
    if date_from > date_to:
        raise InvalidInput("date_from must not be after date_to", rule="R25", field="date_from")
    year = await _year(ctx, group.year_id)
    plan = await ctx.session.scalar(
        select(ThematicPlan).where(
            ThematicPlan.group_id == group_id,
            ThematicPlan.subject_id == subject_id,
            ThematicPlan.year_id == year.id,
        )
    )
    if plan is None:
        raise InvalidInput("the group has no КТП for this subject", rule="R24", group_id=group_id)
    items = list(
        await ctx.session.scalars(
            select(ThematicPlanItem).where(ThematicPlanItem.plan_id == plan.id).order_by(ThematicPlanItem.seq)
        )
    )
    used = dict(
        (
            await ctx.session.execute(
                select(Lesson.planned_item_id, func.count())
                .where(
                    Lesson.planned_item_id.in_([item.id for item in items]),
                    Lesson.status.in_(_PLANNED_STATUSES),
                )
                .group_by(Lesson.planned_item_id)
            )
        ).all()
    )
    left = [[item.id, item.hours - int(used.get(item.id, 0))] for item in items]
    lessons = await ctx.session.scalars(
        select(Lesson)
        .join(BellSlot, BellSlot.id == Lesson.bell_slot_id)
        .where(
            Lesson.group_id == group_id,
            Lesson.subject_id == subject_id,
            Lesson.date >= date_from,
            Lesson.date <= date_to,
            Lesson.status.in_(_PLANNED_STATUSES),
            Lesson.planned_item_id.is_(None),
        )
        .order_by(Lesson.date, BellSlot.number)
    )
    assigned: dict[int, int] = {}
    unplanned: list[int] = []
    for lesson in list(lessons):
        slot = next((entry for entry in left if entry[1] > 0), None)
        if slot is None:
            unplanned.append(lesson.id)
            continue
        await check_journal_write(ctx, lesson, WriteKind.topic)
        before = {"planned_item_id": lesson.planned_item_id}
        lesson.planned_item_id = slot[0]
        slot[1] -= 1
        assigned[lesson.id] = slot[0]
        await ctx.audit(
            AuditAction.update, "lesson", lesson.id, before=before, after={"planned_item_id": slot[0]}
        )
    await ctx.session.flush()
    return PlannedLessons(assigned, tuple(unplanned))


async def planning_missing(ctx: Ctx, *, week_start: date) -> list[int]:
    """Lessons of the week without a КТП item, once `planning_due` before the week has passed (R25, C23)."""
    if week_start.weekday() != 0:
        raise InvalidInput("a week is given by its Monday", rule="R25", field="week_start")
    visible = _visible_lessons(ctx)
    policy = await ctx.policy()
    due = policy.planning_due
    deadline = end_of_minute(week_start - timedelta(days=7 - due.weekday), due.at, policy.tz)
    if ctx.now <= deadline:
        return []
    return list(
        await ctx.session.scalars(
            select(Lesson.id)
            .join(BellSlot, BellSlot.id == Lesson.bell_slot_id)
            .where(
                Lesson.school_id == ctx.actor.school_id,
                Lesson.date >= week_start,
                Lesson.date <= week_start + timedelta(days=6),
                Lesson.status.in_(_PLANNED_STATUSES),
                Lesson.planned_item_id.is_(None),
                visible,
            )
            .order_by(Lesson.date, BellSlot.number, Lesson.id)
        )
    )


def _visible_lessons(ctx: Ctx) -> ColumnElement[bool]:
    """Administration sees every lesson, teachers their own, form tutors their classes' (X32)."""
    p = ctx.principal
    if p.is_system or p.has(*ADMIN_ROLES):
        return true()
    conditions: list[ColumnElement[bool]] = []
    if p.staff_id is not None and p.has(*TEACHING_ROLES):
        conditions.append(Lesson.actual_teacher_id == p.staff_id)
    if p.tutor_class_ids:
        conditions.append(
            Lesson.group_id.in_(select(GroupClass.group_id).where(GroupClass.class_id.in_(p.tutor_class_ids)))
        )
    if not conditions:
        raise Forbidden("planning status is for staff", rule="R25", entity="lesson")
    return or_(*conditions)


async def _plan_author(
    ctx: Ctx, group: Group, subject_id: int, year: AcademicYear, teacher_staff_id: int | None
) -> tuple[Role, int]:
    """Teacher in scope O, or the deputy head / coordinator (import) for the group's assigned teacher."""
    p = ctx.principal
    if not p.is_system and not p.has(Role.deputy_head, Role.coordinator):
        if p.staff_id is None or not await _teaches_in(
            ctx, group.id, subject_id, year.start_date, year.end_date
        ):
            raise Forbidden(
                "the КТП is built by the group's subject teacher", rule="R24", entity="group", id=group.id
            )
        if teacher_staff_id not in (None, p.staff_id):
            raise Forbidden("a teacher builds only their own КТП", rule="R24", entity="group", id=group.id)
        return (Role.specialist if Role.teacher not in p.roles else Role.teacher), p.staff_id
    role = require_role(ctx, Role.deputy_head, Role.coordinator, rule="R24", entity="thematic_plan")
    if teacher_staff_id is None:
        teacher_staff_id = await ctx.session.scalar(
            select(Assignment.staff_id)
            .where(
                Assignment.group_id == group.id,
                Assignment.subject_id == subject_id,
                Assignment.from_date <= year.end_date,
                or_(Assignment.to_date.is_(None), Assignment.to_date >= year.start_date),
            )
            .order_by(Assignment.is_primary.desc(), Assignment.from_date.desc())
            .limit(1)
        )
    if teacher_staff_id is None:
        raise InvalidInput("no teacher is assigned to the group and subject", rule="R24", group_id=group.id)
    return role, teacher_staff_id


async def _teaches_in(ctx: Ctx, group_id: int, subject_id: int, first: date, last: date) -> bool:
    """Scope O on any date of [first, last]: an assignment overlapping the range (R30)."""
    p = ctx.principal
    if p.staff_id is None or not p.has(*TEACHING_ROLES):
        return False
    return bool(
        await ctx.session.scalar(
            select(
                exists().where(
                    and_(
                        Assignment.staff_id == p.staff_id,
                        Assignment.group_id == group_id,
                        Assignment.subject_id == subject_id,
                        Assignment.from_date <= last,
                        or_(Assignment.to_date.is_(None), Assignment.to_date >= first),
                    )
                )
            )
        )
    )


async def _check_items(ctx: Ctx, items: list[PlanItemInput]) -> tuple[str, ...]:
    if not items:
        raise InvalidInput("a КТП needs at least one topic", rule="R24", field="items")
    mode = (await ctx.policy()).cyrillic_check
    warn = False
    for seq, item in enumerate(items, 1):
        if not item.topic.strip():
            raise InvalidInput("every КТП item needs a topic", rule="R24", seq=seq)
        if item.hours < 1 or (item.planned_week is not None and item.planned_week < 1):
            raise InvalidInput("hours and planned week are positive", rule="R24", seq=seq)
        verdict = check_russian_text(item.topic, mode)
        if verdict is TextCheck.block:
            raise InvalidInput("КТП topics are in Russian", rule="R5", seq=seq, text=item.topic)
        warn = warn or verdict is TextCheck.warn
    return ("R5",) if warn else ()


async def _year(ctx: Ctx, year_id: int) -> AcademicYear:
    year = await ctx.session.get(AcademicYear, year_id)
    if year is None or year.school_id != ctx.actor.school_id:
        raise NotFound("academic year", entity="academic_year", id=year_id)
    return year


async def _group(ctx: Ctx, group_id: int) -> Group:
    group = await ctx.session.get(Group, group_id)
    if group is None or group.school_id != ctx.actor.school_id:
        raise NotFound("group", entity="group", id=group_id)
    return group
