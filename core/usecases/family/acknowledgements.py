"""«Ознакомлен» on a push, and the view and acknowledgement register (R88, R90, C91, C95).

The register is the data side of `view_ack_register` (§6.8): per guardian of a class, the diary
views, pushes sent, acknowledged and failed, delivery latency and the service status, so the form
tutor and the deputy head see who is informed and who is not reached at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from statistics import median

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
    rows = []
    for guardian_id in sorted(children):
        rows.append(await _row(ctx, guardian_id, children[guardian_id], start, end))
    return rows


async def _row(
    ctx: Ctx, guardian_id: int, students: set[int], start: datetime, end: datetime
) -> GuardianRegisterRow:
    s = ctx.session
    guardian = await s.get(Guardian, guardian_id)
    assert guardian is not None
    account_id = await s.scalar(select(Account.id).where(Account.guardian_id == guardian_id))
    bound = account_id is not None and bool(
        await s.scalar(
            select(func.count(TelegramBinding.id)).where(
                TelegramBinding.account_id == account_id, TelegramBinding.revoked_at.is_(None)
            )
        )
    )
    status = PAPER_ONLY if guardian.paper_only else BOUND if bound else UNBOUND
    last_view = views = None
    sent: list[tuple[int, OutboxStatus, object, object, object]] = []
    if account_id is not None:
        mine = (DiaryView.viewer_account_id == account_id, DiaryView.student_id.in_(students))
        last_view = await s.scalar(
            select(func.max(DiaryView.viewed_at)).where(*mine, DiaryView.viewed_at < end)
        )
        views = await s.scalar(
            select(func.count(DiaryView.id)).where(
                *mine, DiaryView.viewed_at >= start, DiaryView.viewed_at < end
            )
        )
        sent = [
            tuple(r)  # type: ignore[misc]
            for r in (
                await s.execute(
                    select(
                        NotificationOutbox.id,
                        NotificationOutbox.status,
                        NotificationOutbox.not_before,
                        NotificationOutbox.sent_at,
                        NotificationOutbox.acknowledged_at,
                    ).where(
                        NotificationOutbox.recipient_account_id == account_id,
                        NotificationOutbox.created_at >= start,
                        NotificationOutbox.created_at < end,
                    )
                )
            ).all()
        ]
    delivered = [r for r in sent if r[1] == OutboxStatus.sent]
    latencies = [(r[3] - r[2]).total_seconds() for r in delivered if r[3] is not None]  # type: ignore[operator]
    return GuardianRegisterRow(
        guardian_id=guardian_id,
        account_id=account_id,
        student_ids=tuple(sorted(students)),
        status=status,
        unreached=status == UNBOUND,
        last_view_at=last_view,
        views_in_range=int(views or 0),
        notifications_sent=len(delivered),
        notifications_acknowledged=sum(1 for r in delivered if r[4] is not None),
        failed_notification_ids=tuple(sorted(r[0] for r in sent if r[1] == OutboxStatus.failed)),
        median_latency_seconds=median(latencies) if latencies else None,
    )
