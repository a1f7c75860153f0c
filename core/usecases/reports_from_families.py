"""Reports from families and users (R60–R61, C63–C64): wrong marks and data inaccuracies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from core.audit.snapshot import snapshot
from core.db.models import Account, DataCorrectionRequest, DiaryView, Lesson, Mark, SchoolClass
from core.domain.enums import AuditAction, DataRequestKind, DiarySection, Role, RowStatus
from core.domain.errors import Forbidden, InvalidInput, NotFound
from core.policy.deadlines import data_report_due, is_late, wrong_mark_report_deadline
from core.usecases.access import require_role
from core.usecases.accounts.common import accounts_with_roles, queue_service_message
from core.usecases.context import Ctx
from core.usecases.roster import student_class_on

RESOLVER_ROLES = (Role.coordinator, Role.deputy_head)


@dataclass(frozen=True)
class ReportFiled:
    request_id: int
    late: bool
    due_at: datetime
    notified_account_ids: tuple[int, ...]


def _reporter(ctx: Ctx) -> int:
    if ctx.actor.account_id is None:
        raise Forbidden("reports are filed by a person", rule="R61", entity="data_correction_request")
    return ctx.actor.account_id


def _text(description: str, rule: str) -> str:
    if not description.strip():
        raise InvalidInput("a description is required", rule=rule, field="description")
    return description.strip()


async def _staff_account(ctx: Ctx, staff_id: int | None) -> int | None:
    if staff_id is None:
        return None
    return await ctx.session.scalar(select(Account.id).where(Account.staff_id == staff_id))


async def _first_view(ctx: Ctx, viewer: int, mark: Mark) -> datetime | None:
    """The reporter's earliest diary view of the student's marks after the mark was entered (R60, §7.7)."""
    return await ctx.session.scalar(
        select(DiaryView.viewed_at)
        .where(
            DiaryView.viewer_account_id == viewer,
            DiaryView.student_id == mark.student_id,
            DiaryView.section == DiarySection.marks,
            DiaryView.viewed_at >= mark.entered_at,
        )
        .order_by(DiaryView.viewed_at)
        .limit(1)
    )


async def file_wrong_mark_report(ctx: Ctx, *, mark_id: int, description: str) -> ReportFiled:
    """The student or a linked parent reports a wrong mark; teacher, form tutor and coordinator receive it."""
    reporter = _reporter(ctx)
    mark = await ctx.session.get(Mark, mark_id)
    if mark is None or mark.school_id != ctx.actor.school_id or mark.status != RowStatus.active.value:
        raise NotFound("mark", entity="mark", id=mark_id)
    p = ctx.principal
    if p.student_id != mark.student_id and mark.student_id not in p.child_ids:
        raise Forbidden("only the student or a linked parent", rule="R60", entity="mark", id=mark_id)
    text = _text(description, "R60")
    # Filing is itself a view of the mark: without a logged view the filing time starts the clock.
    first_view = await _first_view(ctx, reporter, mark) or ctx.now
    policy = await ctx.policy()
    late = is_late(ctx.now, wrong_mark_report_deadline(first_view, policy.tz))
    lesson = await ctx.session.get(Lesson, mark.lesson_id)
    assert lesson is not None
    teacher = await _staff_account(ctx, lesson.actual_teacher_id)
    class_id = await student_class_on(ctx.session, mark.student_id, lesson.date)
    school_class = await ctx.session.get(SchoolClass, class_id) if class_id is not None else None
    tutor = await _staff_account(ctx, school_class.form_tutor_staff_id if school_class else None)
    recipients = [a for a in (teacher, tutor) if a is not None]
    recipients += [a for a in await accounts_with_roles(ctx, Role.coordinator) if a not in recipients]
    request = DataCorrectionRequest(
        school_id=ctx.actor.school_id,
        reporter_account_id=reporter,
        kind=DataRequestKind.wrong_mark,
        student_id=mark.student_id,
        target_ref=f"mark:{mark.id}",
        description=text,
        first_viewed_at=first_view,
        filed_at=ctx.now,
        late=late,
        assignee_account_id=teacher,
        due_at=data_report_due(ctx.now, policy),
    )
    ctx.session.add(request)
    await ctx.session.flush()
    await ctx.audit(AuditAction.create, "data_correction_request", request.id, after=snapshot(request))
    for account_id in recipients:
        queue_service_message(
            ctx,
            account_id,
            "wrong_mark_report",
            {"request_id": request.id, "mark_id": mark.id, "late": late},
            student_id=mark.student_id,
        )
    return ReportFiled(request.id, late, request.due_at, tuple(recipients))


async def file_data_report(
    ctx: Ctx,
    *,
    kind: DataRequestKind,
    description: str,
    target_ref: str | None = None,
    student_id: int | None = None,
) -> ReportFiled:
    """Any user reports inaccurate data; the coordinator has `correction_sla_days` to answer (R61)."""
    reporter = _reporter(ctx)
    text = _text(description, "R61")
    coordinators = await accounts_with_roles(ctx, Role.coordinator)
    request = DataCorrectionRequest(
        school_id=ctx.actor.school_id,
        reporter_account_id=reporter,
        kind=kind,
        student_id=student_id,
        target_ref=target_ref,
        description=text,
        filed_at=ctx.now,
        assignee_account_id=coordinators[0] if coordinators else None,
        due_at=data_report_due(ctx.now, await ctx.policy()),
    )
    ctx.session.add(request)
    await ctx.session.flush()
    await ctx.audit(AuditAction.create, "data_correction_request", request.id, after=snapshot(request))
    for account_id in coordinators:
        queue_service_message(ctx, account_id, "data_report", {"request_id": request.id, "kind": kind.value})
    return ReportFiled(request.id, False, request.due_at, tuple(coordinators))


async def resolve_data_report(ctx: Ctx, *, request_id: int, resolution: str) -> int:
    """Close a report with its outcome; the reporter gets a service message (R61, C64)."""
    require_role(ctx, *RESOLVER_ROLES, rule="R61", entity="data_correction_request")
    request = await ctx.session.get(DataCorrectionRequest, request_id)
    if request is None or request.school_id != ctx.actor.school_id:
        raise NotFound("report", entity="data_correction_request", id=request_id)
    if request.resolved_at is not None:
        raise InvalidInput("the report is already resolved", rule="R61", request_id=request_id)
    before = snapshot(request)
    request.resolution = _text(resolution, "R61")
    request.resolved_at = ctx.now
    request.resolved_by = ctx.actor.account_id
    request.reporter_informed_at = ctx.now
    await ctx.session.flush()
    await ctx.audit(
        AuditAction.update, "data_correction_request", request.id, before=before, after=snapshot(request)
    )
    queue_service_message(
        ctx,
        request.reporter_account_id,
        "data_report_resolved",
        {"request_id": request.id, "resolution": request.resolution},
        student_id=request.student_id,
    )
    return request.id


async def overdue_data_reports(ctx: Ctx) -> list[int]:
    """Open reports past their due time (R61 flag)."""
    require_role(ctx, *RESOLVER_ROLES, Role.head, rule="R61", entity="data_correction_request")
    return list(
        await ctx.session.scalars(
            select(DataCorrectionRequest.id)
            .where(
                DataCorrectionRequest.school_id == ctx.actor.school_id,
                DataCorrectionRequest.resolved_at.is_(None),
                DataCorrectionRequest.due_at < ctx.now,
            )
            .order_by(DataCorrectionRequest.id)
        )
    )
