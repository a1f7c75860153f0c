"""Correction requests and their approval: a time-limited unlock of exactly the named targets (R56, X10)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from core.audit.snapshot import snapshot
from core.db.models import CorrectionApproval, CorrectionTarget, Lesson, Mark, PeriodMark
from core.domain.enums import ApprovalDecision, AuditAction, Role
from core.domain.errors import InvalidInput, NotFound
from core.usecases.access import require_lesson_write, require_role
from core.usecases.context import Ctx
from core.usecases.journal.period_marks import load_page_scope, require_subject_teacher

ENTITY_TYPES = frozenset({"mark", "lesson", "period_mark"})


@dataclass(frozen=True)
class CorrectionTargetSpec:
    """What to unlock: a mark (entity_id), a new mark (lesson_id + student_id), a lesson's
    attendance/topic/homework (entity_type "lesson"), or a period mark (entity_id)."""

    entity_type: str
    entity_id: int | None = None
    lesson_id: int | None = None
    student_id: int | None = None


async def _lesson(ctx: Ctx, lesson_id: int | None) -> Lesson:
    lesson = await ctx.session.get(Lesson, lesson_id) if lesson_id is not None else None
    if lesson is None or lesson.school_id != ctx.actor.school_id:
        raise NotFound("lesson", entity="lesson", id=lesson_id)
    return lesson


async def _resolve(ctx: Ctx, spec: CorrectionTargetSpec) -> CorrectionTarget:
    """Check the requester's scope O over one target and fill in its lesson and student."""
    lesson_id, student_id = spec.lesson_id, spec.student_id
    if spec.entity_type not in ENTITY_TYPES:
        raise InvalidInput("unknown correction target", rule="R56", entity_type=spec.entity_type)
    if spec.entity_type == "mark" and spec.entity_id is not None:
        mark = await ctx.session.get(Mark, spec.entity_id)
        if mark is None or mark.school_id != ctx.actor.school_id:
            raise NotFound("mark", entity="mark", id=spec.entity_id)
        lesson_id, student_id = mark.lesson_id, mark.student_id
    elif spec.entity_type == "lesson":
        lesson_id = spec.entity_id if spec.entity_id is not None else spec.lesson_id
    elif spec.entity_type == "period_mark" and spec.entity_id is not None:
        row = await ctx.session.get(PeriodMark, spec.entity_id)
        if row is None or row.school_id != ctx.actor.school_id:
            raise NotFound("period mark", entity="period_mark", id=spec.entity_id)
        await require_subject_teacher(
            ctx, await load_page_scope(ctx, row.group_id, row.subject_id, row.period_id)
        )
        return CorrectionTarget(
            school_id=ctx.actor.school_id,
            entity_type="period_mark",
            entity_id=row.id,
            student_id=row.student_id,
        )
    elif student_id is None:
        raise InvalidInput("a new-entry target needs a lesson and a student", rule="R56")
    await require_lesson_write(ctx, await _lesson(ctx, lesson_id))
    return CorrectionTarget(
        school_id=ctx.actor.school_id,
        entity_type=spec.entity_type,
        entity_id=spec.entity_id,
        lesson_id=lesson_id,
        student_id=student_id,
    )


async def request_correction(
    ctx: Ctx, *, targets: list[CorrectionTargetSpec], proposed_change: str, reason: str
) -> int:
    """The teacher files a correction request for targets in own scope O; returns the approval id."""
    if not targets or not proposed_change.strip() or not reason.strip():
        raise InvalidInput("a correction needs targets, a proposed change and a reason", rule="R56")
    rows = [await _resolve(ctx, spec) for spec in targets]
    approval = CorrectionApproval(
        school_id=ctx.actor.school_id,
        requested_by=ctx.actor.account_id,
        requested_at=ctx.now,
        proposed_change=proposed_change.strip(),
        reason=reason.strip(),
        decision=ApprovalDecision.pending,
    )
    ctx.session.add(approval)
    await ctx.session.flush()
    for row in rows:
        row.approval_id = approval.id
        ctx.session.add(row)
    await ctx.session.flush()
    after = snapshot(approval) | {"targets": [snapshot(r) for r in rows]}
    await ctx.audit(AuditAction.create, "correction_approval", approval.id, after=after)
    return approval.id


async def decide_correction(ctx: Ctx, *, approval_id: int, approve: bool, note: str | None = None) -> None:
    """The deputy head, coordinator or head approves (unlocking for `correction_unlock_hours`) or rejects."""
    require_role(ctx, Role.deputy_head, Role.coordinator, Role.head, rule="R56", entity="correction_approval")
    approval = await ctx.session.get(CorrectionApproval, approval_id)
    if approval is None or approval.school_id != ctx.actor.school_id:
        raise NotFound("correction", entity="correction_approval", id=approval_id)
    if approval.decision != ApprovalDecision.pending:
        raise InvalidInput("the correction is already decided", rule="R56", approval_id=approval_id)
    before = snapshot(approval)
    approval.decision = ApprovalDecision.approved if approve else ApprovalDecision.rejected
    approval.approver_account_id = ctx.actor.account_id
    approval.decided_at = ctx.now
    approval.decision_note = note
    if approve:
        approval.unlock_until = ctx.now + timedelta(hours=(await ctx.policy()).correction_unlock_hours)
    await ctx.session.flush()
    action = AuditAction.approve if approve else AuditAction.reject
    await ctx.audit(
        action,
        "correction_approval",
        approval.id,
        before=before,
        after=snapshot(approval),
        approval_id=approval.id,
    )
