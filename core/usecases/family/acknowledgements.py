"""«Ознакомлен» on a push, and the view and acknowledgement register (R88, R90, C91, C95).

The register is the data side of `view_ack_register` (§6.8): per guardian of a class, the diary
views, pushes sent, acknowledged and failed, delivery latency and the service status, so the form
tutor and the deputy head see who is informed and who is not reached at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from statistics import median
from typing import Any

from sqlalchemy import func, select

from core.audit.snapshot import snapshot
from core.db.models import (
    Account,
    Acknowledgement,
    DiaryView,
    Guardian,
    GuardianLink,
    NotificationOutbox,
    SchoolClass,
    TelegramBinding,
)
from core.domain.enums import ADMIN_ROLES, AuditAction, OutboxStatus
from core.domain.errors import Forbidden, InvalidInput, NotFound
from core.usecases.context import Ctx
from core.usecases.family.common import class_students, local_day_span

BOUND = "bound"
UNBOUND = "unbound"
PAPER_ONLY = "paper_only"


async def acknowledge(ctx: Ctx, *, notification_id: int) -> int:
    """Store the recipient's acknowledgement of a delivered push; repeating it changes nothing."""
    row = await ctx.session.get(NotificationOutbox, notification_id)
    if row is None or row.school_id != ctx.actor.school_id:
        raise NotFound("notification", entity="notification_outbox", id=notification_id)
    if ctx.actor.account_id is None or row.recipient_account_id != ctx.actor.account_id:
        raise Forbidden(
            "only the recipient acknowledges a notification",
            rule="R88",
            entity="notification_outbox",
            id=notification_id,
        )
    existing = await ctx.session.scalar(
        select(Acknowledgement).where(
            Acknowledgement.notification_id == notification_id,
            Acknowledgement.account_id == ctx.actor.account_id,
        )
    )
    if existing is not None:
        return existing.id
    if row.status != OutboxStatus.sent:
        raise InvalidInput(
            "only a delivered notification can be acknowledged", rule="R88", status=row.status.value
        )
    ack = Acknowledgement(
        school_id=ctx.actor.school_id,
        notification_id=notification_id,
        item_ref=row.subject_ref,
        account_id=ctx.actor.account_id,
        acknowledged_at=ctx.now,
    )
    ctx.session.add(ack)
    before = snapshot(row)
    row.acknowledged_at = ctx.now
    await ctx.session.flush()
    await ctx.audit(AuditAction.create, "acknowledgement", ack.id, after=snapshot(ack))
    await ctx.audit(AuditAction.update, "notification_outbox", row.id, before=before, after=snapshot(row))
    return ack.id


@dataclass(frozen=True)
class GuardianRegisterRow:
    """One guardian of the class in the register; counts cover the requested date range."""

    guardian_id: int
    account_id: int | None
    student_ids: tuple[int, ...]
    status: str  # bound / unbound / paper_only
    unreached: bool  # neither bound nor paper-only (R90)
    last_view_at: datetime | None
    views_in_range: int
    notifications_sent: int
    notifications_acknowledged: int
    failed_notification_ids: tuple[int, ...]
    median_latency_seconds: float | None


async def _require_register_reader(ctx: Ctx, class_id: int) -> None:
    p = ctx.principal
    if p.is_system or p.has(*ADMIN_ROLES) or class_id in p.tutor_class_ids:
        return
    if p.inspector_valid and p.inspector_on(await ctx.today()):
        await ctx.audit(AuditAction.inspector_read, "view_ack_register", class_id)
        return
    raise Forbidden(
        "the register is for the form tutor and the administration",
        rule="R88",
        entity="school_class",
        id=class_id,
    )


async def view_register(
    ctx: Ctx, *, class_id: int, date_from: date, date_to: date
) -> list[GuardianRegisterRow]:
    """Per guardian of the class: diary views, pushes sent / acknowledged / failed, service status."""
    cls = await ctx.session.get(SchoolClass, class_id)
    if cls is None or cls.school_id != ctx.actor.school_id:
        raise NotFound("class", entity="school_class", id=class_id)
    await _require_register_reader(ctx, class_id)
    if date_to < date_from:
        raise InvalidInput("the range ends before it starts", rule="R88", field="date_to")
    start, end = local_day_span(date_from, date_to, (await ctx.policy()).tz)
    students = await class_students(ctx, class_id, date_from, date_to)
    links = (
        await ctx.session.execute(
            select(GuardianLink.guardian_id, GuardianLink.student_id).where(
                GuardianLink.student_id.in_(students),
                GuardianLink.verified_at.is_not(None),
                GuardianLink.active_from <= date_to,
                (GuardianLink.active_to.is_(None)) | (GuardianLink.active_to >= date_from),
            )
        )
    ).all()
    children: dict[int, set[int]] = {}
    for guardian_id, student_id in links:
        children.setdefault(guardian_id, set()).add(student_id)
    return await _rows(ctx, children, start, end)


async def _rows(
    ctx: Ctx, children: dict[int, set[int]], start: datetime, end: datetime
) -> list[GuardianRegisterRow]:
    """The register rows of all the guardians at once: a fixed number of queries, not one set per guardian."""
    s = ctx.session
    ids = list(children)
    guardians = {g.id: g for g in await s.scalars(select(Guardian).where(Guardian.id.in_(ids)))}
    account_of = dict(
        (await s.execute(select(Account.guardian_id, Account.id).where(Account.guardian_id.in_(ids)))).all()
    )
    accounts = list(account_of.values())
    bound = set(
        await s.scalars(
            select(TelegramBinding.account_id).where(
                TelegramBinding.account_id.in_(accounts), TelegramBinding.revoked_at.is_(None)
            )
        )
    )
    in_range = (DiaryView.viewed_at >= start) & (DiaryView.viewed_at < end)
    views: dict[tuple[int, int], tuple[datetime | None, int]] = {
        (viewer, student): (last, int(count))
        for viewer, student, last, count in await s.execute(
            select(
                DiaryView.viewer_account_id,
                DiaryView.student_id,
                func.max(DiaryView.viewed_at),
                func.count(DiaryView.id).filter(in_range),
            )
            .where(DiaryView.viewer_account_id.in_(accounts), DiaryView.viewed_at < end)
            .group_by(DiaryView.viewer_account_id, DiaryView.student_id)
        )
    }
    pushes: dict[int, list[Any]] = {}
    for row in await s.execute(
        select(
            NotificationOutbox.recipient_account_id,
            NotificationOutbox.id,
            NotificationOutbox.status,
            NotificationOutbox.not_before,
            NotificationOutbox.sent_at,
            NotificationOutbox.acknowledged_at,
        ).where(
            NotificationOutbox.recipient_account_id.in_(accounts),
            NotificationOutbox.created_at >= start,
            NotificationOutbox.created_at < end,
        )
    ):
        pushes.setdefault(row.recipient_account_id, []).append(row)
    rows = []
    for guardian_id in sorted(children):
        account_id = account_of.get(guardian_id)
        status = (
            PAPER_ONLY if guardians[guardian_id].paper_only else BOUND if account_id in bound else UNBOUND
        )
        seen = [views[(account_id, child)] for child in children[guardian_id] if (account_id, child) in views]
        sent = pushes.get(account_id, []) if account_id is not None else []
        delivered = [r for r in sent if r.status == OutboxStatus.sent]
        latencies = [(r.sent_at - r.not_before).total_seconds() for r in delivered if r.sent_at is not None]
        rows.append(
            GuardianRegisterRow(
                guardian_id=guardian_id,
                account_id=account_id,
                student_ids=tuple(sorted(children[guardian_id])),
                status=status,
                unreached=status == UNBOUND,
                last_view_at=max((last for last, _ in seen if last is not None), default=None),
                views_in_range=sum(count for _, count in seen),
                notifications_sent=len(delivered),
                notifications_acknowledged=sum(1 for r in delivered if r.acknowledged_at is not None),
                failed_notification_ids=tuple(sorted(r.id for r in sent if r.status == OutboxStatus.failed)),
                median_latency_seconds=median(latencies) if latencies else None,
            )
        )
    return rows
