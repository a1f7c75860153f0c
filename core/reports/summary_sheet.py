"""Class summary sheet per period (§6.3): period marks by student × subject, live (R62–R69, R76–R77)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select

from core.db.models import (
    Assignment,
    Attendance,
    CurriculumPlan,
    Deferral,
    Enrollment,
    GroupClass,
    Lesson,
    Parallel,
    PeriodMark,
    ReportingPeriod,
    SchoolClass,
    Subject,
)
from core.domain.enums import (
    ADMIN_ROLES,
    AbsenceReason,
    AttendanceStatus,
    AuditAction,
    LessonStatus,
    PeriodCode,
)
from core.domain.errors import Forbidden, NotFound
from core.policy.computations import (
    MarkPoint,
    OutcomeKind,
    PeriodOutcome,
    Rates,
    average,
    group_rates,
)
from core.policy.deadlines import deferral_is_overdue, period_mark_window
from core.reports.common import PersonName, Scale, alphabetical, load_scales, student_names
from core.usecases.access import TEACHING_ROLES
from core.usecases.context import Ctx
from core.usecases.roster import covers

_CODES = {
    PeriodCode.exempt.value: OutcomeKind.exempt,
    PeriodCode.ungraded.value: OutcomeKind.ungraded,
    PeriodCode.not_attested.value: OutcomeKind.not_attested,
}


class CellKind(StrEnum):
    mark = "mark"  # a value of the scale
    code = "code"  # осв, н/а, безотм
    deferred = "deferred"  # «отсрочка»: an open deferral (R67)
    missing = "missing"  # nothing after the period-mark deadline (R62, R65)
    pending = "pending"  # nothing yet, the deadline has not passed


@dataclass(frozen=True)
class SheetCell:
    kind: CellKind
    value: str | None = None
    deferral_overdue: bool = False


@dataclass(frozen=True)
class SheetColumn:
    subject_id: int
    subject: str


@dataclass(frozen=True)
class AbsenceTotals:
    """Absences and lateness of one student in the period; `unknown` = reason not yet set."""

    all: int = 0
    ill: int = 0
    excused: int = 0
    unexcused: int = 0
    unknown: int = 0
    late: int = 0


@dataclass(frozen=True)
class SheetRow:
    student_id: int
    name: PersonName
    cells: dict[int, SheetCell]
    absences: AbsenceTotals


@dataclass(frozen=True)
class SubjectFooter:
    subject_id: int
    counts: dict[str, int]
    rates: Rates
    average: Decimal | None


@dataclass(frozen=True)
class ClassSummarySheet:
    class_id: int
    period_id: int
    columns: tuple[SheetColumn, ...]
    rows: tuple[SheetRow, ...]
    footers: tuple[SubjectFooter, ...]
    full_view: bool  # False: a teacher sees only the subjects they teach in the class
    deadline: datetime  # period-mark deadline (R65): empty cells are `pending` until, `missing` after


async def class_summary_sheet(ctx: Ctx, *, class_id: int, period_id: int) -> ClassSummarySheet:
    """The live summary sheet of a class for a period; a teacher gets only the own subjects' columns."""
    cls, period, grade = await _open(ctx, class_id, period_id)
    taught = await _scope(ctx, cls, period)
    subjects = await _attested_subjects(ctx, cls, grade, taught)
    students = await _roster(ctx, class_id, period)
    names = await student_names(ctx, students)
    marks = await _period_marks(ctx, students, [s.id for s in subjects], period_id)
    deferrals = await _open_deferrals(ctx, students, period_id)
    totals = await _absences(ctx, students, period, taught)
    policy = await ctx.policy()
    deadline = period_mark_window(period.end_date, policy).deadline
    after_deadline = ctx.now > deadline

    scales = await load_scales(ctx)
    parallel_scale = await ctx.session.scalar(
        select(Parallel.grading_scale_id).where(Parallel.id == cls.parallel_id)
    )
    rows: list[SheetRow] = []
    outcomes: dict[int, list[PeriodOutcome]] = {s.id: [] for s in subjects}
    for sid in alphabetical(names):
        cells: dict[int, SheetCell] = {}
        for subject in subjects:
            scale = scales.resolve(subject.grading_scale_id, parallel_scale)
            code = marks.get((sid, subject.id))
            due = deferrals.get((sid, subject.id))
            cell = _cell(code, due, after_deadline, ctx.now, policy.tz)
            cells[subject.id] = cell
            outcomes[subject.id].append(_outcome(cell, scale))
        rows.append(SheetRow(sid, names[sid], cells, totals.get(sid, AbsenceTotals())))
    footers = tuple(
        _footer(s.id, rows, outcomes[s.id], scales.resolve(s.grading_scale_id, parallel_scale))
        for s in subjects
    )
    return ClassSummarySheet(
        class_id,
        period_id,
        tuple(SheetColumn(s.id, s.name) for s in subjects),
        tuple(rows),
        footers,
        taught is None,
        deadline,
    )


async def _open(ctx: Ctx, class_id: int, period_id: int) -> tuple[SchoolClass, ReportingPeriod, int]:
    row = (
        await ctx.session.execute(
            select(SchoolClass, Parallel.grade)
            .join(Parallel, Parallel.id == SchoolClass.parallel_id)
            .where(SchoolClass.id == class_id, SchoolClass.school_id == ctx.actor.school_id)
        )
    ).first()
    if row is None:
        raise NotFound("class", entity="school_class", id=class_id)
    period = await ctx.session.get(ReportingPeriod, period_id)
    if period is None or period.school_id != ctx.actor.school_id:
        raise NotFound("reporting period", entity="reporting_period", id=period_id)
    return row[0], period, row[1]


async def _scope(ctx: Ctx, cls: SchoolClass, period: ReportingPeriod) -> set[int] | None:
    """None = every column (C, A, R); else the subjects the teacher teaches in the class (O)."""
    p = ctx.principal
    if p.is_system or p.has(*ADMIN_ROLES) or cls.id in p.tutor_class_ids:
        return None
    if p.inspector_valid and p.inspector_on(await ctx.today()):
        await ctx.audit(
            AuditAction.inspector_read, "class_summary_sheet", cls.id, after={"period_id": period.id}
        )
        return None
    if p.staff_id is not None and p.has(*TEACHING_ROLES):
        taught = set(
            await ctx.session.scalars(
                select(Assignment.subject_id)
                .join(GroupClass, GroupClass.group_id == Assignment.group_id)
                .where(
                    Assignment.staff_id == p.staff_id,
                    GroupClass.class_id == cls.id,
                    Assignment.from_date <= period.end_date,
                    or_(Assignment.to_date.is_(None), Assignment.to_date >= period.start_date),
                )
            )
        )
        if taught:
            return taught
    raise Forbidden(
        "the class summary sheet is outside the actor's scope", rule="R30", entity="school_class", id=cls.id
    )


async def _attested_subjects(
    ctx: Ctx, cls: SchoolClass, grade: int, taught: set[int] | None
) -> list[Subject]:
    """The class's curriculum lines (own or its grade's), without «Без аттестации» subjects (R63)."""
    query = (
        select(Subject)
        .join(CurriculumPlan, CurriculumPlan.subject_id == Subject.id)
        .where(
            CurriculumPlan.year_id == cls.year_id,
            CurriculumPlan.individual_curriculum_id.is_(None),
            or_(
                CurriculumPlan.class_id == cls.id,
                and_(CurriculumPlan.class_id.is_(None), CurriculumPlan.grade == grade),
            ),
            Subject.no_attestation.is_(False),
        )
        .distinct()
    )
    if taught is not None:
        query = query.where(Subject.id.in_(taught))
    return sorted(await ctx.session.scalars(query), key=lambda s: (s.name, s.id))


async def _roster(ctx: Ctx, class_id: int, period: ReportingPeriod) -> list[int]:
    """Students enrolled in the class on the period's last day."""
    return list(
        await ctx.session.scalars(
            select(Enrollment.student_id).where(
                Enrollment.class_id == class_id,
                covers(Enrollment.from_date, Enrollment.to_date, period.end_date),
            )
        )
    )


async def _period_marks(
    ctx: Ctx, students: list[int], subjects: list[int], period_id: int
) -> dict[tuple[int, int], str]:
    if not students or not subjects:
        return {}
    rows = await ctx.session.execute(
        select(PeriodMark.student_id, PeriodMark.subject_id, PeriodMark.value_code).where(
            PeriodMark.student_id.in_(students),
            PeriodMark.subject_id.in_(subjects),
            PeriodMark.active_for_period(period_id),
        )
    )
    return {(s, subj): code for s, subj, code in rows}


async def _open_deferrals(ctx: Ctx, students: list[int], period_id: int) -> dict[tuple[int, int], date]:
    if not students:
        return {}
    rows = await ctx.session.execute(
        select(Deferral.student_id, Deferral.subject_id, Deferral.due_date).where(
            Deferral.student_id.in_(students), Deferral.period_id == period_id, Deferral.closed_at.is_(None)
        )
    )
    return {(s, subj): due for s, subj, due in rows}


async def _absences(
    ctx: Ctx, students: list[int], period: ReportingPeriod, taught: set[int] | None
) -> dict[int, AbsenceTotals]:
    """Absences and lateness on the period's lessons that took place (not cancelled or moved)."""
    if not students:
        return {}
    query = (
        select(Attendance.student_id, Attendance.kind, Attendance.reason, func.count())
        .join(Lesson, Lesson.id == Attendance.lesson_id)
        .where(
            Attendance.student_id.in_(students),
            Attendance.status == "active",
            Lesson.date.between(period.start_date, period.end_date),
            Lesson.status.not_in((LessonStatus.cancelled, LessonStatus.rescheduled)),
        )
        .group_by(Attendance.student_id, Attendance.kind, Attendance.reason)
    )
    if taught is not None:
        query = query.where(Lesson.subject_id.in_(taught))
    counts: dict[int, Counter[str]] = {}
    for sid, kind, reason, n in await ctx.session.execute(query):
        c = counts.setdefault(sid, Counter())
        if kind == AttendanceStatus.late:
            c["late"] += n
        else:
            c["all"] += n
            c[str(reason or AbsenceReason.unknown)] += n
    return {
        sid: AbsenceTotals(
            c["all"],
            c[AbsenceReason.ill],
            c[AbsenceReason.excused],
            c[AbsenceReason.unexcused],
            c[AbsenceReason.unknown],
            c["late"],
        )
        for sid, c in counts.items()
    }


def _cell(code: str | None, due: date | None, after_deadline: bool, now: datetime, tz: ZoneInfo) -> SheetCell:
    if code is not None:
        return SheetCell(CellKind.code if code in _CODES else CellKind.mark, code)
    if due is not None:
        return SheetCell(CellKind.deferred, deferral_overdue=deferral_is_overdue(due, now, tz))
    return SheetCell(CellKind.missing if after_deadline else CellKind.pending)


def _outcome(cell: SheetCell, scale: Scale) -> PeriodOutcome:
    """R76: a deferral leaves the denominators; missing, pending and н/а stay in, not passing."""
    if cell.kind is CellKind.deferred:
        return PeriodOutcome(OutcomeKind.deferred)
    if cell.kind is CellKind.code and cell.value is not None:
        return PeriodOutcome(_CODES[cell.value])
    entry = scale.get(cell.value) if cell.value is not None else None
    if cell.kind is not CellKind.mark or entry is None:
        return PeriodOutcome(OutcomeKind.missing)
    return PeriodOutcome(OutcomeKind.mark, entry.is_passing, entry.is_passing and entry.is_quality)


def _footer(
    subject_id: int, rows: list[SheetRow], outcomes: list[PeriodOutcome], scale: Scale
) -> SubjectFooter:
    values = [row.cells[subject_id].value for row in rows if row.cells[subject_id].kind is CellKind.mark]
    counts = Counter(v for v in values if v is not None)
    numeric = [MarkPoint(scale[v].numeric) for v in values if v in scale and scale[v].numeric is not None]
    return SubjectFooter(subject_id, dict(counts), group_rates(outcomes), average(numeric))
