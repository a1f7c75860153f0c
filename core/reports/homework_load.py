"""Homework load per class per day, with the school's optional daily limit per parallel (R124, §6.8)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from core.db.models import GroupClass, Homework, Lesson, Parallel, SchoolClass
from core.domain.enums import ADMIN_ROLES
from core.usecases.access import require_role
from core.usecases.context import Ctx


@dataclass(frozen=True)
class ClassDayLoad:
    """Homework due in one class on one day; `unestimated` items have no estimated minutes."""

    class_id: int
    class_name: str
    grade: int
    day: date
    items: int
    minutes: int
    unestimated: int
    limit_minutes: int | None
    over_limit: bool


@dataclass(frozen=True)
class HomeworkLoad:
    week_start: date
    days: tuple[ClassDayLoad, ...]

    @property
    def warnings(self) -> tuple[ClassDayLoad, ...]:
        return tuple(d for d in self.days if d.over_limit)


async def homework_load(ctx: Ctx, *, week_start: date) -> HomeworkLoad:
    """Per class and due day of the 7 days from `week_start`: items and estimated minutes (R124, C118).

    A homework counts for every class of the group it is due in (the due lesson's group, else the
    group it was set in); the due day is the due lesson's date, or the explicit due date. Subgroups of one class are summed, so a split class may read high.
    """
    require_role(ctx, *ADMIN_ROLES, rule="R124", entity="homework_load")
    week_end = week_start + timedelta(days=6)
    due_lesson = aliased(Lesson)
    due_day = func.coalesce(due_lesson.date, Homework.due_date)
    rows = await ctx.session.execute(
        select(
            SchoolClass.id,
            SchoolClass.name,
            Parallel.grade,
            due_day,
            func.count(Homework.id),
            func.coalesce(func.sum(Homework.est_minutes), 0),
            func.count(Homework.id) - func.count(Homework.est_minutes),
        )
        .join(Lesson, Lesson.id == Homework.lesson_id)
        .outerjoin(due_lesson, due_lesson.id == Homework.due_lesson_id)
        .join(GroupClass, GroupClass.group_id == func.coalesce(due_lesson.group_id, Lesson.group_id))
        .join(SchoolClass, SchoolClass.id == GroupClass.class_id)
        .join(Parallel, Parallel.id == SchoolClass.parallel_id)
        .where(
            Homework.school_id == ctx.actor.school_id,
            Homework.status == "active",
            due_day.between(week_start, week_end),
        )
        .group_by(SchoolClass.id, SchoolClass.name, Parallel.grade, due_day)
    )
    limits = (await ctx.policy()).homework_daily_limit_minutes
    days: dict[tuple[int, date], ClassDayLoad] = {}
    for class_id, name, grade, day, items, minutes, unestimated in rows:
        limit = limits.get(grade)
        days[(class_id, day)] = ClassDayLoad(
            class_id,
            name,
            grade,
            day,
            items,
            int(minutes),
            unestimated,
            limit,
            limit is not None and minutes > limit,
        )
    return HomeworkLoad(
        week_start, tuple(sorted(days.values(), key=lambda d: (d.day, d.class_name, d.class_id)))
    )
