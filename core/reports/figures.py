"""Group figures: attendance (R79), success and quality (R76, R77), mark density (R78)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from core.db.models import (
    Attendance,
    Deferral,
    GroupClass,
    Lesson,
    Mark,
    Parallel,
    PeriodMark,
    ReportingPeriod,
    SchoolClass,
    Subject,
)
from core.domain.enums import (
    AbsenceReason,
    AttendanceStatus,
    DiarySection,
    LessonStatus,
    PeriodCode,
)
from core.domain.errors import NotFound
from core.policy.computations import (
    AttendanceFigures,
    Density,
    OutcomeKind,
    PeriodOutcome,
    Rates,
    attendance_figures,
    group_rates,
    mark_density,
    student_success,
)
from core.reports.common import (
    Scale,
    class_parallel_scale,
    load_scales,
    log_diary_view,
    on_roster,
    open_page,
    roster_spans,
)
from core.usecases.access import require_student_read
from core.usecases.context import Ctx
from core.usecases.roster import student_class_on, student_on_roster

_CODES = {
    PeriodCode.exempt.value: OutcomeKind.exempt,
    PeriodCode.ungraded.value: OutcomeKind.ungraded,
    PeriodCode.not_attested.value: OutcomeKind.not_attested,
}


@dataclass(frozen=True)
class GroupAttendance:
    total: AttendanceFigures
    per_student: dict[int, AttendanceFigures]


async def group_attendance(ctx: Ctx, *, group_id: int, subject_id: int, period_id: int) -> GroupAttendance:
    """Student-lessons = every held lesson × each student on its roster that day (R79, C81)."""
    _, period = await open_page(ctx, group_id, subject_id, period_id)
    held = list(
        await ctx.session.execute(
            select(Lesson.id, Lesson.date).where(
                Lesson.group_id == group_id,
                Lesson.subject_id == subject_id,
                Lesson.status == LessonStatus.held,
                Lesson.date.between(period.start_date, period.end_date),
            )
        )
    )
    spans = await roster_spans(ctx, [group_id], period.start_date, period.end_date)
    lessons_of: Counter[int] = Counter()
    present: set[tuple[int, int]] = set()
    for lesson_id, day in held:
        for sid in on_roster(spans, group_id, day):
            lessons_of[sid] += 1
            present.add((sid, lesson_id))
    absences: dict[int, Counter[str]] = {}
    late: Counter[int] = Counter()
    for a in await ctx.session.scalars(
        select(Attendance).where(
            Attendance.lesson_id.in_([lesson_id for lesson_id, _ in held]), Attendance.status == "active"
        )
    ):
        if (a.student_id, a.lesson_id) not in present:
            continue
        if a.kind == AttendanceStatus.late:
            late[a.student_id] += 1
        else:
            absences.setdefault(a.student_id, Counter())[str(a.reason or AbsenceReason.unknown)] += 1
    per_student = {
        sid: attendance_figures(n, dict(absences.get(sid, {})), late[sid]) for sid, n in lessons_of.items()
    }
    by_reason: Counter[str] = Counter()
    for counts in absences.values():
        by_reason.update(counts)
    total = attendance_figures(sum(lessons_of.values()), dict(by_reason), sum(late.values()))
    return GroupAttendance(total, per_student)


async def _group_scale(ctx: Ctx, group_id: int, subject_id: int) -> Scale:
    scales = await load_scales(ctx)
    subject_scale = await ctx.session.scalar(select(Subject.grading_scale_id).where(Subject.id == subject_id))
    parallel_scale = await ctx.session.scalar(
        select(func.min(Parallel.grading_scale_id))
        .join(SchoolClass, SchoolClass.parallel_id == Parallel.id)
        .join(GroupClass, GroupClass.class_id == SchoolClass.id)
        .where(GroupClass.group_id == group_id)
    )
    return scales.resolve(subject_scale, parallel_scale)


def _outcome(code: str | None, deferred: bool, scale: Scale) -> PeriodOutcome:
    if deferred:
        return PeriodOutcome(OutcomeKind.deferred)
    if code is None:
        return PeriodOutcome(OutcomeKind.missing)
    if code in _CODES:
        return PeriodOutcome(_CODES[code])
    entry = scale.get(code)
    if entry is None:
        return PeriodOutcome(OutcomeKind.missing)
    return PeriodOutcome(OutcomeKind.mark, entry.is_passing, entry.is_passing and entry.is_quality)


async def group_success(ctx: Ctx, *, group_id: int, subject_id: int, period_id: int) -> Rates:
    """Success and quality of a group × subject × period over the roster on the period's end date."""
    _, period = await open_page(ctx, group_id, subject_id, period_id)
    spans = await roster_spans(ctx, [group_id], period.end_date, period.end_date)
    students = on_roster(spans, group_id, period.end_date)
    scale = await _group_scale(ctx, group_id, subject_id)
    codes = dict(
        (
            await ctx.session.execute(
                select(PeriodMark.student_id, PeriodMark.value_code).where(
                    PeriodMark.group_id == group_id,
                    PeriodMark.subject_id == subject_id,
                    PeriodMark.active_for_period(period_id),
                )
            )
        ).all()
    )
    deferred = set(
        await ctx.session.scalars(
            select(Deferral.student_id).where(
                Deferral.subject_id == subject_id,
                Deferral.period_id == period_id,
                Deferral.closed_at.is_(None),
                Deferral.student_id.in_(sorted(students)),
            )
        )
    )
    return group_rates(_outcome(codes.get(sid), sid in deferred, scale) for sid in students)


async def student_success_rate(ctx: Ctx, *, student_id: int, period_id: int) -> Decimal | None:
    """Passing subjects ÷ attested subjects × 100 for one student and period (R76, C79)."""
    period = await ctx.session.get(ReportingPeriod, period_id)
    if period is None or period.school_id != ctx.actor.school_id:
        raise NotFound("reporting period", entity="reporting_period", id=period_id)
    await require_student_read(ctx, student_id, period.end_date)
    scales = await load_scales(ctx)
    parallel_scale = await class_parallel_scale(
        ctx, await student_class_on(ctx.session, student_id, period.end_date)
    )
    rows = await ctx.session.execute(
        select(PeriodMark.subject_id, PeriodMark.value_code, Subject.grading_scale_id)
        .join(Subject, Subject.id == PeriodMark.subject_id)
        .where(
            PeriodMark.student_id == student_id,
            PeriodMark.active_for_period(period_id),
        )
    )
    outcomes = {
        subject_id: _outcome(code, False, scales.resolve(scale_id, parallel_scale))
        for subject_id, code, scale_id in rows
    }
    for subject_id in await ctx.session.scalars(
        select(Deferral.subject_id).where(
            Deferral.student_id == student_id, Deferral.period_id == period_id, Deferral.closed_at.is_(None)
        )
    ):
        outcomes[subject_id] = PeriodOutcome(OutcomeKind.deferred)
    return student_success(outcomes)


async def group_mark_density(ctx: Ctx, *, group_id: int, subject_id: int, period_id: int) -> Density[int]:
    """Students of the roster with 0 and exactly 1 current mark in the period (R78, C80)."""
    _, period = await open_page(ctx, group_id, subject_id, period_id)
    spans = await roster_spans(ctx, [group_id], period.end_date, period.end_date)
    students = on_roster(spans, group_id, period.end_date)
    counts = dict(
        (
            await ctx.session.execute(
                select(Mark.student_id, func.count())
                .join(Lesson, Lesson.id == Mark.lesson_id)
                .where(
                    Lesson.group_id == group_id,
                    Lesson.subject_id == subject_id,
                    Lesson.date.between(period.start_date, period.end_date),
                    Mark.status == "active",
                )
                .group_by(Mark.student_id)
            )
        ).all()
    )
    policy = await ctx.policy()
    return mark_density({sid: counts.get(sid, 0) for sid in sorted(students)}, policy.min_marks_for_period)


@dataclass(frozen=True)
class StudentAttendance:
    total: AttendanceFigures
    by_subject: dict[int, AttendanceFigures]


async def student_attendance(ctx: Ctx, *, student_id: int, period_id: int) -> StudentAttendance:
    """One student's held lessons, absences by reason and lateness per subject in a period (R79)."""
    period = await ctx.session.get(ReportingPeriod, period_id)
    if period is None or period.school_id != ctx.actor.school_id:
        raise NotFound("reporting period", entity="reporting_period", id=period_id)
    role = await require_student_read(ctx, student_id, period.start_date)
    held = (
        Lesson.school_id == ctx.actor.school_id,
        Lesson.status == LessonStatus.held,
        Lesson.date.between(period.start_date, period.end_date),
        student_on_roster(student_id, Lesson.group_id, Lesson.date),
    )
    lessons = dict(
        (
            await ctx.session.execute(
                select(Lesson.subject_id, func.count()).where(*held).group_by(Lesson.subject_id)
            )
        ).all()
    )
    absences: dict[int, Counter[str]] = {sid: Counter() for sid in lessons}
    late: Counter[int] = Counter()
    for kind, reason, subject_id in await ctx.session.execute(
        select(Attendance.kind, Attendance.reason, Lesson.subject_id)
        .join(Lesson, Lesson.id == Attendance.lesson_id)
        .where(*held, Attendance.student_id == student_id, Attendance.status == "active")
    ):
        if kind == AttendanceStatus.late:
            late[subject_id] += 1
        else:
            absences[subject_id][str(reason or AbsenceReason.unknown)] += 1
    by_subject = {sid: attendance_figures(n, dict(absences[sid]), late[sid]) for sid, n in lessons.items()}
    total_reasons: Counter[str] = Counter()
    for counts in absences.values():
        total_reasons.update(counts)
    total = attendance_figures(sum(lessons.values()), dict(total_reasons), sum(late.values()))
    await log_diary_view(ctx, role, student_id, DiarySection.attendance, period.start_date, period.end_date)
    return StudentAttendance(total, by_subject)
