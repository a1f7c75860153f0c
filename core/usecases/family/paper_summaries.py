"""Weekly paper summaries for paper-only guardians and their handover (R84, §5.5, C87 data side).

Only the issue row is stored here; the printable `parent_summary` content (§6.5) is produced by
the reports side from the issue's guardian, student and week, and linked through `document_id`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from core.audit.snapshot import snapshot
from core.db.models import Guardian, GuardianLink, PaperSummaryIssue
from core.domain.enums import ADMIN_ROLES, AuditAction, Role
from core.domain.errors import Forbidden, InvalidInput, NotFound
from core.policy.calendar import local_at, local_date
from core.usecases.access import require_role, require_tutor_of
from core.usecases.context import Ctx
from core.usecases.roster import student_class_on

HANDOVER_DAYS = 7


async def generate_paper_summaries(ctx: Ctx, *, week_start: date) -> int:
    """Create the issue rows for the school week starting `week_start`; returns how many were new."""
    require_role(ctx, Role.coordinator, rule="R84", entity="paper_summary_issue")
    if week_start.weekday() != 0:
        raise InvalidInput("a school week starts on Monday", rule="R84", field="week_start")
    week_end = week_start + timedelta(days=6)
    pairs = (
        await ctx.session.execute(
            select(GuardianLink.guardian_id, GuardianLink.student_id)
            .join(Guardian, Guardian.id == GuardianLink.guardian_id)
            .where(
                Guardian.school_id == ctx.actor.school_id,
                Guardian.paper_only.is_(True),
                GuardianLink.verified_at.is_not(None),
                GuardianLink.active_from <= week_end,
                (GuardianLink.active_to.is_(None)) | (GuardianLink.active_to >= week_start),
            )
            .order_by(GuardianLink.guardian_id, GuardianLink.student_id)
        )
    ).all()
    existing = set(
        (
            await ctx.session.execute(
                select(PaperSummaryIssue.guardian_id, PaperSummaryIssue.student_id).where(
                    PaperSummaryIssue.school_id == ctx.actor.school_id,
                    PaperSummaryIssue.week_start == week_start,
                )
            )
        ).all()
    )
    created = 0
    for guardian_id, student_id in pairs:
        if (guardian_id, student_id) in existing:
            continue
        issue = PaperSummaryIssue(
            school_id=ctx.actor.school_id,
            guardian_id=guardian_id,
            student_id=student_id,
            week_start=week_start,
            generated_at=ctx.now,
        )
        ctx.session.add(issue)
        await ctx.session.flush()
        await ctx.audit(AuditAction.create, "paper_summary_issue", issue.id, after=snapshot(issue))
        created += 1
    return created


async def record_handover(ctx: Ctx, *, issue_id: int, handed_over_at: datetime, receipt_signed: bool) -> int:
    """The child's form tutor (C) or the coordinator records that the sheet was handed over."""
    issue = await ctx.session.get(PaperSummaryIssue, issue_id)
    if issue is None or issue.school_id != ctx.actor.school_id:
        raise NotFound("paper summary", entity="paper_summary_issue", id=issue_id)
    class_id = await student_class_on(ctx.session, issue.student_id, await ctx.today())
    require_tutor_of(ctx, class_id, rule="R84", entity="paper_summary_issue")
    if ctx.principal.is_system:
        raise Forbidden(
            "a handover is recorded by a person", rule="R84", entity="paper_summary_issue", id=issue_id
        )
    if issue.handed_over_at is not None:
        raise InvalidInput("the handover is already recorded", rule="R84", issue_id=issue_id)
    if handed_over_at.tzinfo is None or not issue.generated_at <= handed_over_at <= ctx.now:
        raise InvalidInput(
            "the handover time lies outside generation and now", rule="R84", field="handed_over_at"
        )
    before = snapshot(issue)
    issue.handed_over_at = handed_over_at
    issue.handed_over_by = ctx.actor.account_id
    issue.receipt_signed = receipt_signed
    await ctx.session.flush()
    await ctx.audit(AuditAction.update, "paper_summary_issue", issue.id, before=before, after=snapshot(issue))
    return issue.id


async def overdue_handovers(ctx: Ctx, *, on: date) -> list[int]:
    """C87: issues not handed over within 7 days of generation, as seen on `on` (own class for a tutor)."""
    p = ctx.principal
    whole_school = (
        p.is_system or p.has(*ADMIN_ROLES) or (p.inspector_valid and p.inspector_on(await ctx.today()))
    )
    if not whole_school and not p.tutor_class_ids:
        raise Forbidden(
            "the paper-service register is for the form tutor and the administration",
            rule="R84",
            entity="paper_summary_issue",
        )
    tz = (await ctx.policy()).tz
    issues = await ctx.session.scalars(
        select(PaperSummaryIssue)
        .where(
            PaperSummaryIssue.school_id == ctx.actor.school_id,
            PaperSummaryIssue.generated_at < local_at(on - timedelta(days=HANDOVER_DAYS), time(0), tz),
        )
        .order_by(PaperSummaryIssue.id)
    )
    overdue = []
    for issue in issues:
        due = local_date(issue.generated_at, tz) + timedelta(days=HANDOVER_DAYS)
        if on <= due:
            continue
        if issue.handed_over_at is not None and local_date(issue.handed_over_at, tz) <= due:
            continue
        if (
            not whole_school
            and await student_class_on(ctx.session, issue.student_id, on) not in p.tutor_class_ids
        ):
            continue
        overdue.append(issue.id)
    return overdue
