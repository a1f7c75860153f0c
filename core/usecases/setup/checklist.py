"""The year set-up checklist (R11, R13, R14, R26, R122): every section with its due date and status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import exists, func, select

from core.db.models import (
    AcademicYear,
    AssessmentScheduleItem,
    Enrollment,
    Group,
    GroupMembership,
    Holiday,
    Parallel,
    PeriodScheme,
    ReportingPeriod,
    Room,
    SchoolClass,
    Staff,
    Subject,
    ThematicPlan,
    TimetableEntry,
)
from core.domain.enums import GroupKind, Role
from core.domain.errors import NotFound
from core.policy.settings import month_day_in
from core.usecases.access import require_role
from core.usecases.context import Ctx


class ItemStatus(StrEnum):
    done = "done"
    due = "due"
    overdue = "overdue"


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    rule: str
    due: date
    status: ItemStatus


async def setup_checklist(ctx: Ctx, *, year_id: int, on: date) -> list[ChecklistItem]:
    """Evaluate every set-up item of the year on date `on` (a missing item is overdue after its due date)."""
    require_role(ctx, Role.coordinator, Role.deputy_head, Role.head, rule="R122", entity="setup_checklist")
    year = await ctx.session.get(AcademicYear, year_id)
    if year is None or year.school_id != ctx.actor.school_id:
        raise NotFound("academic year", entity="academic_year", id=year_id)
    policy = await ctx.policy()
    school = ctx.actor.school_id
    setup_due = month_day_in(policy.setup_deadline, year.start_date.year)
    timetable_due = year.start_date - timedelta(days=policy.timetable_lead_days)
    lists_due = year.start_date + timedelta(days=policy.subgroup_due_days)
    grade1_due = month_day_in(policy.grade1_import_deadline, year.start_date.year)

    async def any_row(*criteria: object) -> bool:
        return bool(await ctx.session.scalar(select(exists().where(*criteria))))  # type: ignore[arg-type]

    periods = await any_row(
        ReportingPeriod.scheme_id.in_(select(PeriodScheme.id).where(PeriodScheme.year_id == year.id))
    )
    unformed_lists = await ctx.session.scalar(
        select(func.count(Group.id)).where(
            Group.year_id == year.id,
            Group.kind != GroupKind.whole_class,
            ~exists().where(GroupMembership.group_id == Group.id),
        )
    )
    grade1 = await any_row(
        Enrollment.class_id.in_(
            select(SchoolClass.id)
            .join(Parallel, Parallel.id == SchoolClass.parallel_id)
            .where(SchoolClass.year_id == year.id, Parallel.grade == 1)
        )
    )
    done = {
        "periods": ("R11", setup_due, periods),
        "holidays": ("R11", setup_due, await any_row(Holiday.year_id == year.id)),
        "subjects": ("R11", setup_due, await any_row(Subject.school_id == school)),
        "rooms": ("R11", setup_due, await any_row(Room.school_id == school)),
        "staff": ("R11", setup_due, await any_row(Staff.school_id == school)),
        "classes_with_tutors": (
            "R11",
            setup_due,
            await any_row(SchoolClass.year_id == year.id)
            and not await any_row(SchoolClass.year_id == year.id, SchoolClass.form_tutor_staff_id.is_(None)),
        ),
        "group_lists": ("R14", lists_due, not unformed_lists),
        "timetable": ("R13", timetable_due, await any_row(TimetableEntry.year_id == year.id)),
        "control_work_schedule": (
            "R11",
            setup_due,
            await any_row(
                AssessmentScheduleItem.school_id == school,
                AssessmentScheduleItem.date >= year.start_date,
                AssessmentScheduleItem.date <= year.end_date,
            ),
        ),
        "thematic_plans": ("R11", setup_due, await any_row(ThematicPlan.year_id == year.id)),
        "first_graders": ("R26", grade1_due, grade1),
    }
    return [
        ChecklistItem(
            key, rule, due, ItemStatus.done if ok else (ItemStatus.overdue if on > due else ItemStatus.due)
        )
        for key, (rule, due, ok) in done.items()
    ]
