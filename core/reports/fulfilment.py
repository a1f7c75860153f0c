"""Curriculum and КТП fulfilment per class, subject and group for a period (R121, R20, R24, §6.8).

Planned = the lessons materialised from the timetable in the period (a moved lesson counts once, at
its new date); the curriculum's weekly hours are reported alongside. Held counts `held` lessons only
(§10 item 19). КТП coverage is cumulative from the year start: plan items used as a held lesson's
topic up to the as-of date, against items planned up to that date (by date, else by teaching week).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, distinct, func, or_, select

from core.db.models import (
    AcademicYear,
    Assignment,
    CurriculumPlan,
    Group,
    GroupClass,
    Lesson,
    Parallel,
    ReportingPeriod,
    SchoolClass,
    Subject,
    Substitution,
    ThematicPlan,
    ThematicPlanItem,
)
from core.domain.enums import ADMIN_ROLES, LessonStatus, RequestStatus, SubstitutionKind
from core.domain.errors import NotFound
from core.usecases.access import require_role
from core.usecases.context import Ctx


@dataclass(frozen=True)
class FulfilmentRow:
    subject_id: int
    subject: str
    group_id: int
    group: str
    hours_per_week: Decimal | None
    planned: int
    held: int
    cancelled: int
    substituted: int
    plan_items_planned: int
    plan_items_covered: int


@dataclass(frozen=True)
class CurriculumFulfilment:
    class_id: int
    period_id: int
    as_of: date
    rows: tuple[FulfilmentRow, ...]


async def curriculum_fulfilment(ctx: Ctx, *, class_id: int, period_id: int) -> CurriculumFulfilment:
    """Planned, held, cancelled and substituted lessons and КТП coverage per subject × group (R121, C117)."""
    require_role(ctx, *ADMIN_ROLES, rule="R121", entity="curriculum_fulfilment")
    found = (
        await ctx.session.execute(
            select(SchoolClass, Parallel.grade, AcademicYear.start_date)
            .join(Parallel, Parallel.id == SchoolClass.parallel_id)
            .join(AcademicYear, AcademicYear.id == SchoolClass.year_id)
            .where(SchoolClass.id == class_id, SchoolClass.school_id == ctx.actor.school_id)
        )
    ).first()
    period = await ctx.session.get(ReportingPeriod, period_id)
    if found is None:
        raise NotFound("class", entity="school_class", id=class_id)
    if period is None or period.school_id != ctx.actor.school_id:
        raise NotFound("reporting period", entity="reporting_period", id=period_id)
    cls, grade, year_start = found
    as_of = min(period.end_date, max(period.start_date, await ctx.today()))
    groups = select(GroupClass.group_id).where(GroupClass.class_id == class_id)
    in_period = (Lesson.group_id.in_(groups), Lesson.date.between(period.start_date, period.end_date))

    counts: dict[tuple[int, int], Counter[str]] = {}
    for group_id, subject_id, status, n in await ctx.session.execute(
        select(Lesson.group_id, Lesson.subject_id, Lesson.status, func.count())
        .where(*in_period)
        .group_by(Lesson.group_id, Lesson.subject_id, Lesson.status)
    ):
        counts.setdefault((group_id, subject_id), Counter())[LessonStatus(status).value] += n
    for group_id, subject_id in await ctx.session.execute(
        select(Assignment.group_id, Assignment.subject_id).where(
            Assignment.group_id.in_(groups),
            Assignment.from_date <= period.end_date,
            or_(Assignment.to_date.is_(None), Assignment.to_date >= period.start_date),
        )
    ):
        counts.setdefault((group_id, subject_id), Counter())
    substituted = await _pairs(
        ctx,
        select(Lesson.group_id, Lesson.subject_id, func.count(distinct(Lesson.id)))
        .join(Substitution, Substitution.lesson_id == Lesson.id)
        .where(
            *in_period,
            Lesson.status != LessonStatus.cancelled,
            Substitution.status == RequestStatus.registered,
            Substitution.kind.in_((SubstitutionKind.substitution, SubstitutionKind.combined)),
        )
        .group_by(Lesson.group_id, Lesson.subject_id),
    )
    week = (as_of - year_start).days // 7 + 1
    planned_items = await _pairs(
        ctx,
        select(ThematicPlan.group_id, ThematicPlan.subject_id, func.count(ThematicPlanItem.id))
        .join(ThematicPlanItem, ThematicPlanItem.plan_id == ThematicPlan.id)
        .where(
            ThematicPlan.group_id.in_(groups),
            ThematicPlan.year_id == cls.year_id,
            or_(
                ThematicPlanItem.planned_date <= as_of,
                and_(ThematicPlanItem.planned_date.is_(None), ThematicPlanItem.planned_week <= week),
            ),
        )
        .group_by(ThematicPlan.group_id, ThematicPlan.subject_id),
    )
    covered_items = await _pairs(
        ctx,
        select(Lesson.group_id, Lesson.subject_id, func.count(distinct(Lesson.topic_item_id)))
        .where(
            Lesson.group_id.in_(groups),
            Lesson.date.between(year_start, as_of),
            Lesson.status == LessonStatus.held,
            Lesson.topic_item_id.is_not(None),
        )
        .group_by(Lesson.group_id, Lesson.subject_id),
    )
    hours = dict(
        (
            await ctx.session.execute(
                select(CurriculumPlan.subject_id, func.max(CurriculumPlan.hours_per_week))
                .where(
                    CurriculumPlan.year_id == cls.year_id,
                    CurriculumPlan.individual_curriculum_id.is_(None),
                    or_(
                        CurriculumPlan.class_id == class_id,
                        and_(CurriculumPlan.class_id.is_(None), CurriculumPlan.grade == grade),
                    ),
                )
                .group_by(CurriculumPlan.subject_id)
            )
        ).all()
    )
    group_names = dict(
        (await ctx.session.execute(select(Group.id, Group.name).where(Group.id.in_(groups)))).all()
    )
    subject_names = dict(
        (
            await ctx.session.execute(
                select(Subject.id, Subject.name).where(Subject.id.in_({k[1] for k in counts}))
            )
        ).all()
    )
    rows = [
        FulfilmentRow(
            subject_id,
            subject_names[subject_id],
            group_id,
            group_names[group_id],
            hours.get(subject_id),
            sum(n for status, n in c.items() if status != LessonStatus.rescheduled),
            c[LessonStatus.held],
            c[LessonStatus.cancelled],
            substituted.get((group_id, subject_id), 0),
            planned_items.get((group_id, subject_id), 0),
            covered_items.get((group_id, subject_id), 0),
        )
        for (group_id, subject_id), c in counts.items()
    ]
    rows.sort(key=lambda r: (r.subject, r.group, r.group_id))
    return CurriculumFulfilment(class_id, period_id, as_of, tuple(rows))


async def _pairs(ctx: Ctx, query: Select[Any]) -> dict[tuple[int, int], int]:
    """(group id, subject id) -> count from a grouped query."""
    return {(g, s): n for g, s, n in await ctx.session.execute(query)}
