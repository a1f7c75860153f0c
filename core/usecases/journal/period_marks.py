"""Period, annual, exam and final marks and codes, set by the group's subject teacher (R62–R70, R75).

The page lock of a period mark is checked with `check_page_write` (the page-level variant of
`check_journal_write`), because a period mark belongs to the page, not to one lesson. Annual, exam
and final marks (period_id None, scope `y:<year>`) have no entry window and no page lock; only the
year close applies to them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import exists, or_, select, update

from core.audit.snapshot import snapshot
from core.db.models import (
    AcademicYear,
    Assignment,
    CurriculumPlan,
    Deferral,
    Group,
    GroupClass,
    Lesson,
    Mark,
    Parallel,
    PeriodMark,
    ReportingPeriod,
    SchoolClass,
    Subject,
    WorkType,
)
from core.db.models.journal import period_scope_key, year_scope_key
from core.domain.enums import AuditAction, NotificationCategory, PeriodCode, PeriodMarkKind
from core.domain.errors import Forbidden, InvalidInput, NeedsConfirmation, NotFound
from core.outbox.family import notify_family, withdraw_pending
from core.policy.computations import MarkPoint, suggest_period_mark
from core.policy.deadlines import PeriodMarkTiming, classify_period_mark_entry, lateness, period_mark_window
from core.usecases.access import TEACHING_ROLES, require_journal_read
from core.usecases.context import Ctx
from core.usecases.journal.locks import check_page_write
from core.usecases.journal.periods import page_state
from core.usecases.roster import roster
from core.usecases.scales import numeric_values, scale_for

_CODES = frozenset(c.value for c in PeriodCode)


@dataclass(frozen=True)
class PeriodMarkSaved:
    period_mark_id: int
    suggested_value: str | None
    late_seconds: int | None
    published_at: datetime
    approval_id: int | None


@dataclass(frozen=True)
class PageScope:
    group: Group
    subject: Subject
    year: AcademicYear
    period: ReportingPeriod | None

    @property
    def start(self) -> date:
        return self.period.start_date if self.period else self.year.start_date

    @property
    def end(self) -> date:
        return self.period.end_date if self.period else self.year.teaching_end_date

    @property
    def key(self) -> str:
        return period_scope_key(self.period.id) if self.period else year_scope_key(self.year.id)


async def load_page_scope(ctx: Ctx, group_id: int, subject_id: int, period_id: int | None) -> PageScope:
    """The group, subject, year and period (None for year kinds) of a period-mark page, in this school."""
    group = await ctx.session.get(Group, group_id)
    subject = await ctx.session.get(Subject, subject_id)
    if group is None or group.school_id != ctx.actor.school_id:
        raise NotFound("group", entity="teaching_group", id=group_id)
    if subject is None or subject.school_id != ctx.actor.school_id:
        raise NotFound("subject", entity="subject", id=subject_id)
    year = await ctx.session.get(AcademicYear, group.year_id)
    assert year is not None
    period = None
    if period_id is not None:
        period = await ctx.session.get(ReportingPeriod, period_id)
        if period is None or period.school_id != ctx.actor.school_id:
            raise NotFound("reporting period", entity="reporting_period", id=period_id)
    return PageScope(group, subject, year, period)


async def require_subject_teacher(ctx: Ctx, scope: PageScope) -> None:
    """Scope O: an assignment for the group and subject active at some point of the period (R66, X11)."""
    p = ctx.principal
    if p.staff_id is not None and p.has(*TEACHING_ROLES):
        teaches = await ctx.session.scalar(
            select(
                exists().where(
                    Assignment.staff_id == p.staff_id,
                    Assignment.group_id == scope.group.id,
                    Assignment.subject_id == scope.subject.id,
                    Assignment.from_date <= scope.end,
                    or_(Assignment.to_date.is_(None), Assignment.to_date >= scope.start),
                )
            )
        )
        if teaches:
            return
    raise Forbidden(
        "only the group's subject teacher sets period marks",
        rule="R66",
        entity="period_mark",
        id=scope.group.id,
    )


async def scale_values(ctx: Ctx, subject: Subject, group_id: int) -> dict[str, Decimal]:
    """Numeric values of the effective scale of the subject in the group's class (R35)."""
    class_id = await ctx.session.scalar(
        select(GroupClass.class_id).where(GroupClass.group_id == group_id).limit(1)
    )
    scale_id = await scale_for(ctx.session, await ctx.policy(), subject_id=subject.id, class_id=class_id)
    return await numeric_values(ctx.session, scale_id)


async def _ungraded(ctx: Ctx, scope: PageScope) -> bool:
    """The curriculum line for the group's class or grade is безотметочное (R64)."""
    classes = select(GroupClass.class_id).where(GroupClass.group_id == scope.group.id)
    grades = (
        select(Parallel.grade)
        .join(SchoolClass, SchoolClass.parallel_id == Parallel.id)
        .where(SchoolClass.id.in_(classes))
    )
    return bool(
        await ctx.session.scalar(
            select(
                exists().where(
                    CurriculumPlan.year_id == scope.year.id,
                    CurriculumPlan.subject_id == scope.subject.id,
                    CurriculumPlan.ungraded.is_(True),
                    or_(CurriculumPlan.class_id.in_(classes), CurriculumPlan.grade.in_(grades)),
                )
            )
        )
    )


async def _suggestion(ctx: Ctx, student_id: int, scope: PageScope, values: dict[str, Decimal]) -> str | None:
    """Snapshot of the advisory mark from the period's active current marks (R66, R75)."""
    if scope.period is None or not values:
        return None
    policy = await ctx.policy()
    rows = await ctx.session.execute(
        select(Mark.value_code, Mark.weight_override, WorkType.weight, WorkType.counts_in_average)
        .join(Lesson, Lesson.id == Mark.lesson_id)
        .join(WorkType, WorkType.id == Mark.work_type_id)
        .where(
            Mark.student_id == student_id,
            Mark.status == "active",
            Lesson.subject_id == scope.subject.id,
            Lesson.date >= scope.period.start_date,
            Lesson.date <= scope.period.end_date,
        )
    )
    points = [
        MarkPoint(
            value=values.get(code),
            weight=Decimal(override)
            if override is not None and policy.allow_mark_weight_override
            else weight,
            counts_in_average=counts,
        )
        for code, override, weight, counts in rows
    ]
    suggestion = suggest_period_mark(
        points, policy.rounding_threshold, policy.min_marks_for_period, sorted(values.values())
    )
    if suggestion.value is None:
        return None
    return next((code for code, numeric in values.items() if numeric == suggestion.value), None)


async def _active(
    ctx: Ctx, student_id: int, subject_id: int, key: str, kind: PeriodMarkKind
) -> PeriodMark | None:
    return await ctx.session.scalar(
        select(PeriodMark).where(
            PeriodMark.school_id == ctx.actor.school_id,
            PeriodMark.student_id == student_id,
            PeriodMark.subject_id == subject_id,
            PeriodMark.scope_key == key,
            PeriodMark.kind == kind,
            PeriodMark.status == "active",
        )
    )


def _dedup_key(row: PeriodMark) -> str:
    return f"period_mark:{row.student_id}:{row.subject_id}:{row.scope_key}:{row.kind}"


async def set_period_mark(
    ctx: Ctx,
    *,
    student_id: int,
    group_id: int,
    subject_id: int,
    period_id: int | None,
    kind: PeriodMarkKind,
    value_code: str,
    confirm_early: bool = False,
    comment: str | None = None,
) -> PeriodMarkSaved:
    """Set (or replace) a student's period, annual, exam or final mark or code (R62–R70)."""
    kind = PeriodMarkKind(kind)
    scope = await load_page_scope(ctx, group_id, subject_id, period_id)
    await require_subject_teacher(ctx, scope)
    if (kind is PeriodMarkKind.period) != (scope.period is not None):
        raise InvalidInput("period marks need a period; annual, exam and final marks none", rule="R68")
    if scope.subject.no_attestation:
        raise InvalidInput("the subject is «Без аттестации»", rule="R63", subject_id=subject_id)
    day = min(scope.end, max(scope.start, await ctx.today()))
    if student_id not in await roster(ctx.session, scope.group, day) | await roster(
        ctx.session, scope.group, scope.end
    ):
        raise InvalidInput("the student is not on the group's roster", rule="R48", student_id=student_id)
    values = await scale_values(ctx, scope.subject, group_id)
    if await _ungraded(ctx, scope):
        if value_code != PeriodCode.ungraded:
            raise InvalidInput("an ungraded subject takes only безотм", rule="R64", value=value_code)
    elif value_code not in _CODES and value_code not in values:
        raise InvalidInput(
            "not a value of the subject's scale or a period code", rule="R62", value=value_code
        )

    late_seconds = None
    timing = PeriodMarkTiming.on_time
    policy = await ctx.policy()
    if scope.period is not None:
        timing = classify_period_mark_entry(scope.period.end_date, ctx.now, policy)
        if timing is PeriodMarkTiming.early and not confirm_early:
            raise NeedsConfirmation("entry before the period-mark window", rule="R65")
        delay = lateness(ctx.now, period_mark_window(scope.period.end_date, policy).deadline)
        late_seconds = math.ceil(delay.total_seconds()) if delay is not None else None

    old = await _active(ctx, student_id, subject_id, scope.key, kind)
    approval_id = await check_page_write(
        ctx,
        group_id=group_id,
        subject_id=subject_id,
        day=scope.end,
        period=scope.period,
        student_id=student_id,
        period_mark_id=old.id if old else None,
    )
    before = snapshot(old) if old else None
    if old is not None:
        old.void(at=ctx.now, by=ctx.actor.account_id, reason="replaced")
        await ctx.session.flush()
        await ctx.audit(
            AuditAction.void,
            "period_mark",
            old.id,
            before=before,
            after=snapshot(old),
            reason="replaced",
            approval_id=approval_id,
        )
        await withdraw_pending(ctx, _dedup_key(old))
    publish_delay = timedelta(hours=policy.final_results_publish_delay_hours)
    row = PeriodMark(
        school_id=ctx.actor.school_id,
        student_id=student_id,
        subject_id=subject_id,
        group_id=group_id,
        year_id=scope.year.id,
        period_id=period_id,
        scope_key=scope.key,
        kind=kind,
        value_code=value_code,
        suggested_value=await _suggestion(ctx, student_id, scope, values),
        comment=comment,
        entered_by=ctx.actor.account_id,
        entered_at=ctx.now,
        published_at=ctx.now + publish_delay,
        early_confirmed=timing is PeriodMarkTiming.early,
        late_seconds=late_seconds,
        approval_id=approval_id,
    )
    ctx.session.add(row)
    await ctx.session.flush()
    await ctx.audit(
        AuditAction.create, "period_mark", row.id, before=before, after=snapshot(row), approval_id=approval_id
    )
    if scope.period is not None:
        await _close_deferrals(ctx, student_id, subject_id, scope.period.id)
    await notify_family(
        ctx,
        student_id=student_id,
        category=NotificationCategory.period_marks,
        event_type="period_mark_published",
        payload={
            "period_mark_id": row.id,
            "subject_id": subject_id,
            "period_id": period_id,
            "kind": kind.value,
            "value_code": value_code,
        },
        dedup_key=_dedup_key(row),
        delay=publish_delay,
    )
    return PeriodMarkSaved(row.id, row.suggested_value, late_seconds, row.published_at, approval_id)


async def _close_deferrals(ctx: Ctx, student_id: int, subject_id: int, period_id: int) -> None:
    """An open deferral closes when the period mark is entered (R67)."""
    open_ids = list(
        await ctx.session.scalars(
            select(Deferral.id).where(
                Deferral.student_id == student_id,
                Deferral.subject_id == subject_id,
                Deferral.period_id == period_id,
                Deferral.closed_at.is_(None),
            )
        )
    )
    if not open_ids:
        return
    await ctx.session.execute(update(Deferral).where(Deferral.id.in_(open_ids)).values(closed_at=ctx.now))
    for deferral_id in open_ids:
        await ctx.audit(
            AuditAction.update,
            "deferral",
            deferral_id,
            before={"closed_at": None},
            after={"closed_at": ctx.now.isoformat()},
            reason="period_mark_entered",
        )


async def withdraw_period_mark(ctx: Ctx, *, period_mark_id: int) -> None:
    """The subject teacher withdraws a period mark before the page lock, lifting the freeze (R53)."""
    row = await ctx.session.get(PeriodMark, period_mark_id)
    if row is None or row.school_id != ctx.actor.school_id or row.status != "active":
        raise NotFound("period mark", entity="period_mark", id=period_mark_id)
    scope = await load_page_scope(ctx, row.group_id, row.subject_id, row.period_id)
    await require_subject_teacher(ctx, scope)
    approval_id = await check_page_write(
        ctx,
        group_id=row.group_id,
        subject_id=row.subject_id,
        day=scope.end,
        period=scope.period,
        student_id=row.student_id,
        period_mark_id=row.id,
    )
    before = snapshot(row)
    row.void(at=ctx.now, by=ctx.actor.account_id, reason="withdrawal")
    await ctx.session.flush()
    await ctx.audit(
        AuditAction.void,
        "period_mark",
        row.id,
        before=before,
        after=snapshot(row),
        reason="withdrawal",
        approval_id=approval_id,
    )
    await withdraw_pending(ctx, _dedup_key(row))


async def missing_period_marks(ctx: Ctx, *, group_id: int, subject_id: int, period_id: int) -> list[int]:
    """Students of the page with no period mark, code or open deferral (R62, R71); empty for R63 subjects."""
    scope = await load_page_scope(ctx, group_id, subject_id, period_id)
    assert scope.period is not None
    await require_journal_read(ctx, scope.group, subject_id, scope.period.end_date)
    state = await page_state(ctx.session, scope.group, scope.subject, scope.period)
    return sorted(state.missing)


__all__ = [
    "PeriodMarkSaved",
    "load_page_scope",
    "missing_period_marks",
    "require_subject_teacher",
    "scale_values",
    "set_period_mark",
    "withdraw_period_mark",
]
