"""Marks per subject with averages and forecast (R73–R75), and published period results (R70)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, select, true

from core.db.models import (
    Deferral,
    Lesson,
    Mark,
    PeriodMark,
    PeriodScheme,
    ReportingPeriod,
    Subject,
    WorkType,
)
from core.domain.enums import DiarySection, PeriodMarkKind
from core.domain.errors import NotFound
from core.policy.computations import MarkPoint, average, suggest_period_mark, weighted_average
from core.reports.common import (
    FAMILY_ROLES,
    class_parallel_scale,
    load_scales,
    log_diary_view,
    taught_subjects,
)
from core.usecases.access import require_student_read
from core.usecases.context import Ctx
from core.usecases.roster import student_class_on, student_on_roster


@dataclass(frozen=True)
class SummaryMark:
    mark_id: int
    date: date
    work_type: str
    value: str
    weight: Decimal
    is_makeup: bool


@dataclass(frozen=True)
class SubjectSummary:
    subject_id: int
    subject: str
    marks: tuple[SummaryMark, ...]
    average: Decimal | None  # unrounded; fronts show 2 decimals half-up (R73)
    weighted_average: Decimal | None
    forecast: Decimal | None  # None when insufficient or the forecast is switched off (R75)
    insufficient: bool


@dataclass(frozen=True)
class MarksSummary:
    student_id: int
    period_id: int
    subjects: tuple[SubjectSummary, ...]


async def marks_summary(ctx: Ctx, *, student_id: int, period_id: int) -> MarksSummary:
    """Current marks of a period per subject, with average, weighted average and forecast."""
    period = await ctx.session.get(ReportingPeriod, period_id)
    if period is None or period.school_id != ctx.actor.school_id:
        raise NotFound("reporting period", entity="reporting_period", id=period_id)
    role = await require_student_read(ctx, student_id, period.start_date)
    policy = await ctx.policy()
    scales = await load_scales(ctx)
    parallel_scale = await class_parallel_scale(
        ctx,
        await student_class_on(
            ctx.session, student_id, min(period.end_date, max(period.start_date, await ctx.today()))
        ),
    )
    taught = taught_subjects(ctx, role, period.start_date)
    in_period = and_(
        Lesson.date.between(period.start_date, period.end_date),
        true() if taught is None else Lesson.subject_id.in_(taught),
    )
    subjects = {
        sid: (name, scale_id)
        for sid, name, scale_id in (
            await ctx.session.execute(
                select(Subject.id, Subject.name, Subject.grading_scale_id)
                .where(
                    Subject.id.in_(
                        select(Lesson.subject_id).where(
                            Lesson.school_id == ctx.actor.school_id,
                            in_period,
                            student_on_roster(student_id, Lesson.group_id, Lesson.date),
                        )
                    )
                    | Subject.id.in_(
                        select(Lesson.subject_id)
                        .join(Mark, Mark.lesson_id == Lesson.id)
                        .where(in_period, Mark.student_id == student_id)
                    )
                )
                .order_by(Subject.name)
            )
        )
    }
    rows = await ctx.session.execute(
        select(Mark, Lesson.date, Lesson.subject_id, WorkType)
        .join(Lesson, Lesson.id == Mark.lesson_id)
        .join(WorkType, WorkType.id == Mark.work_type_id)
        .where(in_period, Mark.student_id == student_id, Mark.status == "active")
        .order_by(Lesson.date, Mark.id)
    )
    per_subject: dict[int, list[tuple[SummaryMark, MarkPoint]]] = {}
    for mark, day, subject_id, wt in rows:
        scale = scales.resolve(subjects[subject_id][1], parallel_scale)
        entry = scale.get(mark.value_code)
        weight = (
            mark.weight_override
            if policy.allow_mark_weight_override and mark.weight_override is not None
            else wt.weight
        )
        point = MarkPoint(entry.numeric if entry else None, Decimal(weight), wt.counts_in_average)
        shown = SummaryMark(mark.id, day, wt.short_name, mark.value_code, Decimal(weight), mark.is_makeup)
        per_subject.setdefault(subject_id, []).append((shown, point))
    result = []
    for subject_id, (name, scale_id) in subjects.items():
        items = per_subject.get(subject_id, [])
        points = [p for _, p in items]
        numeric = scales.numeric_values(scales.resolve(scale_id, parallel_scale))
        suggestion = (
            suggest_period_mark(points, policy.rounding_threshold, policy.min_marks_for_period, numeric)
            if numeric
            else None
        )
        forecast = suggestion.value if suggestion is not None and policy.forecast_enabled else None
        insufficient = suggestion is None or suggestion.insufficient
        result.append(
            SubjectSummary(
                subject_id=subject_id,
                subject=name,
                marks=tuple(m for m, _ in items),
                average=average(points),
                weighted_average=weighted_average(points),
                forecast=forecast,
                insufficient=insufficient,
            )
        )
    await log_diary_view(ctx, role, student_id, DiarySection.marks, period.start_date, period.end_date)
    return MarksSummary(student_id, period_id, tuple(result))


@dataclass(frozen=True)
class ResultMark:
    subject_id: int
    subject: str
    kind: PeriodMarkKind
    period_id: int | None
    value: str
    published_at: object


@dataclass(frozen=True)
class OpenDeferral:
    subject_id: int
    subject: str
    period_id: int
    due_date: date


@dataclass(frozen=True)
class PeriodResults:
    student_id: int
    year_id: int
    marks: tuple[ResultMark, ...]
    deferrals: tuple[OpenDeferral, ...]


async def period_results(ctx: Ctx, *, student_id: int, year_id: int) -> PeriodResults:
    """Period, annual, exam and final marks and open deferrals; families see only published ones (R70)."""
    role = await require_student_read(ctx, student_id, await ctx.today())
    query = (
        select(PeriodMark, Subject.name)
        .join(Subject, Subject.id == PeriodMark.subject_id)
        .where(
            PeriodMark.school_id == ctx.actor.school_id,
            PeriodMark.student_id == student_id,
            PeriodMark.year_id == year_id,
            PeriodMark.status == "active",
        )
        .order_by(Subject.name, PeriodMark.kind, PeriodMark.period_id)
    )
    if role in FAMILY_ROLES:
        query = query.where(PeriodMark.published_at <= ctx.now)
    marks = tuple(
        ResultMark(pm.subject_id, name, pm.kind, pm.period_id, pm.value_code, pm.published_at)
        for pm, name in (await ctx.session.execute(query))
    )
    deferrals = tuple(
        OpenDeferral(d.subject_id, name, d.period_id, d.due_date)
        for d, name in (
            await ctx.session.execute(
                select(Deferral, Subject.name)
                .join(Subject, Subject.id == Deferral.subject_id)
                .join(ReportingPeriod, ReportingPeriod.id == Deferral.period_id)
                .join(PeriodScheme, PeriodScheme.id == ReportingPeriod.scheme_id)
                .where(
                    PeriodScheme.year_id == year_id,
                    Deferral.school_id == ctx.actor.school_id,
                    Deferral.student_id == student_id,
                    Deferral.closed_at.is_(None),
                )
                .order_by(Deferral.due_date)
            )
        )
    )
    await log_diary_view(ctx, role, student_id, DiarySection.period_marks, None, None)
    return PeriodResults(student_id, year_id, marks, deferrals)
