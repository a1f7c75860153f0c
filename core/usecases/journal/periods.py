"""Journal pages (group × subject × period): the period of a date, completeness and closing (R54, R62).

A page's period comes from the class's period scheme: group → GroupClass → SchoolClass.period_scheme_id
→ the ReportingPeriod covering the date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.snapshot import snapshot
from core.db.models import Deferral, Group, GroupClass, PeriodMark, ReportingPeriod, SchoolClass, Subject
from core.domain.enums import AuditAction, PeriodStatus, Role
from core.domain.errors import InvalidInput, NotFound
from core.policy.deadlines import period_mark_window
from core.usecases.access import require_role
from core.usecases.context import Ctx
from core.usecases.roster import roster


async def period_of(session: AsyncSession, group_id: int, day: date) -> ReportingPeriod | None:
    """The reporting period of the group's class scheme that covers `day` (None outside any period)."""
    return await session.scalar(
        select(ReportingPeriod)
        .join(SchoolClass, SchoolClass.period_scheme_id == ReportingPeriod.scheme_id)
        .join(GroupClass, GroupClass.class_id == SchoolClass.id)
        .where(
            GroupClass.group_id == group_id,
            ReportingPeriod.start_date <= day,
            ReportingPeriod.end_date >= day,
        )
        .order_by(ReportingPeriod.end_date)
        .limit(1)
    )


def settled_period_marks(student_ids: set[int], subject_id: int, period_id: int) -> Select[tuple[int]]:
    """Students among `student_ids` with an active period mark or code for the subject and period."""
    return select(PeriodMark.student_id).where(
        PeriodMark.student_id.in_(student_ids),
        PeriodMark.subject_id == subject_id,
        PeriodMark.active_for_period(period_id),
    )


async def open_deferrals(session: AsyncSession, subject_id: int, period_id: int) -> set[int]:
    """Students with an open (not yet closed) deferral for the subject and period (R67)."""
    return set(
        await session.scalars(
            select(Deferral.student_id).where(
                Deferral.subject_id == subject_id,
                Deferral.period_id == period_id,
                Deferral.closed_at.is_(None),
            )
        )
    )


@dataclass(frozen=True)
class PageState:
    """Who on a page still lacks a period result, and who is held open by a deferral."""

    missing: frozenset[int]
    deferred: frozenset[int]


async def page_state(
    session: AsyncSession, group: Group, subject: Subject, period: ReportingPeriod
) -> PageState:
    """Completeness of a page: students on the roster at the period end without mark, code or deferral."""
    deferred = await open_deferrals(session, subject.id, period.id)
    if subject.no_attestation:
        return PageState(frozenset(), frozenset(deferred))  # R63: nothing is required
    students = await roster(session, group, period.end_date)
    settled = set(await session.scalars(settled_period_marks(students, subject.id, period.id)))
    return PageState(frozenset(students - settled - deferred), frozenset(deferred))


async def page_locked(ctx: Ctx, group: Group, subject: Subject, period: ReportingPeriod) -> PageState | None:
    """The page's state when it is locked for teachers (R54), else None."""
    if period.status == PeriodStatus.closed:
        return await page_state(ctx.session, group, subject, period)
    policy = await ctx.policy()
    if policy.period_lock_mode != "auto" or ctx.now <= period_mark_window(period.end_date, policy).deadline:
        return None
    state = await page_state(ctx.session, group, subject, period)
    return state if not state.missing else None


async def close_period(ctx: Ctx, *, period_id: int) -> None:
    """The coordinator closes a reporting period: every page of it locks for teachers (R54, C55)."""
    require_role(ctx, Role.coordinator, rule="R54", entity="reporting_period")
    period = await ctx.session.get(ReportingPeriod, period_id)
    if period is None or period.school_id != ctx.actor.school_id:
        raise NotFound("reporting period", entity="reporting_period", id=period_id)
    if period.status == PeriodStatus.closed:
        raise InvalidInput("the period is already closed", rule="R54", period_id=period_id)
    before = snapshot(period)
    period.status = PeriodStatus.closed
    period.closed_at = ctx.now
    period.closed_by = ctx.actor.account_id
    await ctx.session.flush()
    await ctx.audit(AuditAction.lock, "reporting_period", period.id, before=before, after=snapshot(period))
