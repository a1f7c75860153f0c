"""Deferrals of a period mark (R67): granted by the deputy head or coordinator, closed by the mark."""

from __future__ import annotations

from datetime import date

from sqlalchemy import exists, select

from core.audit.snapshot import snapshot
from core.db.models import Deferral, ReportingPeriod, Student, Subject
from core.domain.enums import AuditAction, DeferralReason, Role
from core.domain.errors import InvalidInput, NotFound
from core.policy.deadlines import deferral_due
from core.usecases.access import require_role
from core.usecases.context import Ctx


async def grant_deferral(
    ctx: Ctx,
    *,
    student_id: int,
    subject_id: int,
    period_id: int,
    reason: DeferralReason,
    document_ref: str,
    due_date: date | None = None,
) -> int:
    """Grant a documented deferral; due by default at period end + `deferral_default_days` (R67)."""
    require_role(ctx, Role.deputy_head, Role.coordinator, rule="R67", entity="deferral")
    school_id = ctx.actor.school_id
    period = await ctx.session.get(ReportingPeriod, period_id)
    student = await ctx.session.get(Student, student_id)
    subject = await ctx.session.get(Subject, subject_id)
    for name, row, row_id in (
        ("reporting_period", period, period_id),
        ("student", student, student_id),
        ("subject", subject, subject_id),
    ):
        if row is None or row.school_id != school_id:
            raise NotFound(name, entity=name, id=row_id)
    assert period is not None
    if not document_ref.strip():
        raise InvalidInput("a deferral needs a document reference", rule="R67")
    due = due_date or deferral_due(period.end_date, await ctx.policy())
    if due < period.end_date:
        raise InvalidInput("the due date is before the period end", rule="R67", due_date=due)
    already = await ctx.session.scalar(
        select(
            exists().where(
                Deferral.student_id == student_id,
                Deferral.subject_id == subject_id,
                Deferral.period_id == period_id,
                Deferral.closed_at.is_(None),
            )
        )
    )
    if already:
        raise InvalidInput("an open deferral already exists", rule="R67", student_id=student_id)
    row = Deferral(
        school_id=school_id,
        student_id=student_id,
        subject_id=subject_id,
        period_id=period_id,
        reason=DeferralReason(reason),
        document_ref=document_ref.strip(),
        granted_by=ctx.actor.account_id,
        granted_at=ctx.now,
        due_date=due,
    )
    ctx.session.add(row)
    await ctx.session.flush()
    await ctx.audit(AuditAction.create, "deferral", row.id, after=snapshot(row))
    return row.id
