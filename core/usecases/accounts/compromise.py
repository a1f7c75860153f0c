"""Credential compromise (R103–R104, §7.4, C104–C106): block at T, void what came after, list what came before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from core.audit.snapshot import snapshot
from core.db.models import Account, Attendance, CompromiseReport, Invite, Mark, NotificationOutbox
from core.domain.enums import (
    AccountStatus,
    AuditAction,
    ChangeReason,
    NotificationCategory,
    OutboxStatus,
    Role,
    RowStatus,
)
from core.domain.errors import InvalidInput, NotFound
from core.outbox.family import notify_family, withdraw_pending
from core.policy.deadlines import compromise_report_is_late
from core.usecases.access import require_role
from core.usecases.accounts.common import (
    accounts_with_roles,
    cancel_pending_outbox,
    queue_service_message,
    revoke_bindings,
    revoke_web_sessions,
    working_calendar,
)
from core.usecases.context import Ctx

VOIDABLE_OPERATIONS: tuple[tuple[str, type[Mark] | type[Attendance]], ...] = (
    ("mark", Mark),
    ("attendance", Attendance),
)


@dataclass(frozen=True)
class CompromiseResult:
    report_id: int
    late: bool
    voided: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class ReviewItem:
    entity_type: str
    entity_id: int
    entered_at: datetime


def mark_dedup_key(mark_id: int) -> str:
    """The outbox key of a mark's pushes; the same as core.usecases.journal.marks uses."""
    return f"mark:{mark_id}"


async def _was_sent(ctx: Ctx, key: str) -> bool:
    found = await ctx.session.scalar(
        select(NotificationOutbox.id)
        .where(
            NotificationOutbox.school_id == ctx.actor.school_id,
            NotificationOutbox.dedup_key == key,
            NotificationOutbox.status == OutboxStatus.sent,
        )
        .limit(1)
    )
    return found is not None


async def _void_mark_after(ctx: Ctx, mark: Mark) -> None:
    key = mark_dedup_key(mark.id)
    await withdraw_pending(ctx, key)
    if await _was_sent(ctx, key):
        await notify_family(
            ctx,
            student_id=mark.student_id,
            category=NotificationCategory.marks,
            event_type="mark_voided",
            payload={
                "mark_id": mark.id,
                "lesson_id": mark.lesson_id,
                "old_value": mark.value_code,
                "new_value": None,
                "reason": ChangeReason.compromise.value,
            },
            dedup_key=key,
        )


async def _void_operations(ctx: Ctx, account_id: int, since: datetime) -> list[tuple[str, int]]:
    """R104: operations stored with a timestamp ≥ T are voided with reason `compromise`."""
    voided: list[tuple[str, int]] = []
    for entity_type, model in VOIDABLE_OPERATIONS:
        rows = (
            await ctx.session.scalars(
                select(model).where(
                    model.school_id == ctx.actor.school_id,
                    model.entered_by == account_id,
                    model.entered_at >= since,
                    model.status == RowStatus.active.value,
                )
            )
        ).all()
        for row in rows:
            before = snapshot(row)
            row.void(at=ctx.now, by=ctx.actor.account_id, reason=ChangeReason.compromise.value)
            await ctx.session.flush()
            await ctx.audit(
                AuditAction.void,
                entity_type,
                row.id,
                before=before,
                after=snapshot(row),
                reason=ChangeReason.compromise.value,
            )
            if isinstance(row, Mark):
                await _void_mark_after(ctx, row)
            voided.append((entity_type, row.id))
    return voided


async def report_compromise(
    ctx: Ctx, *, account_id: int, learned_at: datetime, channel: str
) -> CompromiseResult:
    """Register a compromise at T = now (rows 27–28): block, revoke, cancel, void later operations, alert."""
    if ctx.principal.account_id != account_id:
        require_role(ctx, Role.coordinator, Role.head, rule="R103", entity="account")
    account = await ctx.session.get(Account, account_id)
    if account is None or account.school_id != ctx.actor.school_id:
        raise NotFound("account", entity="account", id=account_id)
    if learned_at > ctx.now:
        raise InvalidInput("learned_at is in the future", rule="R103", field="learned_at")
    t = ctx.now
    policy = await ctx.policy()
    late = compromise_report_is_late(learned_at, t, await working_calendar(ctx), policy.tz)
    account_before = snapshot(account, ("status", "blocked_at"))
    account.status = AccountStatus.compromised
    account.blocked_at = t
    actions: dict[str, Any] = {
        "blocked_at": snapshot(account, ("blocked_at",))["blocked_at"],
        "bindings_revoked": await revoke_bindings(ctx, account_id, "compromise"),
        "sessions_revoked": await revoke_web_sessions(ctx, account_id),
        "pushes_cancelled": await cancel_pending_outbox(ctx, account_id),
    }
    invites = list(
        await ctx.session.scalars(
            select(Invite).where(
                Invite.account_id == account_id, Invite.redeemed_at.is_(None), Invite.revoked_at.is_(None)
            )
        )
    )
    for invite in invites:
        invite.revoked_at, invite.revoke_reason = t, "compromise"
    actions["invites_revoked"] = [i.id for i in invites]
    voided = await _void_operations(ctx, account_id, t)
    report = CompromiseReport(
        school_id=ctx.actor.school_id,
        account_id=account_id,
        reported_by=ctx.actor.account_id,
        learned_at=learned_at,
        received_at=t,
        channel=channel,
        late=late,
        actions=actions,
        review_window_from=t - timedelta(days=policy.compromise_review_days),
        voided_operation_ids=[{"entity_type": e, "id": i} for e, i in voided],
    )
    ctx.session.add(report)
    await ctx.session.flush()
    await ctx.audit(
        AuditAction.block,
        "account",
        account_id,
        before=account_before,
        after=snapshot(account, ("status", "blocked_at")),
        reason="compromise",
    )
    await ctx.audit(AuditAction.create, "compromise_report", report.id, after=snapshot(report))
    for recipient in await accounts_with_roles(ctx, Role.coordinator, Role.head):
        if recipient != account_id:
            queue_service_message(
                ctx,
                recipient,
                "compromise_reported",
                {"report_id": report.id, "account_id": account_id, "late": late},
            )
    return CompromiseResult(report.id, late, tuple(voided))


async def compromise_review_list(ctx: Ctx, report_id: int) -> list[ReviewItem]:
    """Operations of the account in [T − review days, T): listed for review, never voided automatically."""
    require_role(ctx, Role.coordinator, Role.head, rule="R104", entity="compromise_report")
    report = await ctx.session.get(CompromiseReport, report_id)
    if report is None or report.school_id != ctx.actor.school_id:
        raise NotFound("compromise report", entity="compromise_report", id=report_id)
    items: list[ReviewItem] = []
    for entity_type, model in VOIDABLE_OPERATIONS:
        rows = await ctx.session.execute(
            select(model.id, model.entered_at).where(
                model.school_id == ctx.actor.school_id,
                model.entered_by == report.account_id,
                model.entered_at >= report.review_window_from,
                model.entered_at < report.received_at,
                model.status == RowStatus.active.value,
            )
        )
        items.extend(ReviewItem(entity_type, i, at) for i, at in rows)
    return sorted(items, key=lambda item: (item.entered_at, item.entity_type, item.entity_id))
