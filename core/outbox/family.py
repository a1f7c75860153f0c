"""Events that a student and their guardians must hear of, written in the change's own transaction.

Recipients are decided when the event is written (§5.1): the student and every guardian with an
active verified link, an active account and Telegram binding, a confirmed subscription to the
category (R82), `given` messenger consent (R83) and no paper-only service (R84). `messages` and
`service` need no subscription. A pending push for the same `dedup_key` is replaced, so a mark
changed inside the settle delay is pushed once with its final value, and a voided one not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update

from core.db.models import (
    Account,
    ConsentRecord,
    Guardian,
    GuardianLink,
    NotificationOutbox,
    Subscription,
    TelegramBinding,
)
from core.domain.enums import AccountStatus, ConsentDecision, NotificationCategory, OutboxStatus, PersonType
from core.outbox.timing import push_time
from core.usecases.context import Ctx

ALWAYS_ON = frozenset({NotificationCategory.messages, NotificationCategory.service})


@dataclass(frozen=True)
class Recipient:
    account_id: int
    quiet: tuple[time, time] | None


async def family_recipients(
    ctx: Ctx, student_id: int, category: NotificationCategory, day: date
) -> list[Recipient]:
    """Accounts that may receive a push about `student_id` in `category` now."""
    links = select(GuardianLink.guardian_id).where(
        GuardianLink.student_id == student_id,
        GuardianLink.verified_at.is_not(None),
        GuardianLink.active_from <= day,
        or_(GuardianLink.active_to.is_(None), GuardianLink.active_to >= day),
    )
    rows = (
        await ctx.session.execute(
            select(
                Account.id,
                Account.guardian_id,
                Subscription.categories,
                Subscription.quiet_start,
                Subscription.quiet_end,
            )
            .join(
                TelegramBinding,
                and_(TelegramBinding.account_id == Account.id, TelegramBinding.revoked_at.is_(None)),
            )
            .outerjoin(
                Subscription,
                and_(
                    Subscription.account_id == Account.id,
                    Subscription.student_id == student_id,
                    Subscription.confirmed_at.is_not(None),  # nothing is pushed before opt-in (R82)
                ),
            )
            .where(
                Account.school_id == ctx.actor.school_id,
                Account.status == AccountStatus.active,
                or_(Account.student_id == student_id, Account.guardian_id.in_(links)),
            )
        )
    ).all()
    guardian_ids = {r.guardian_id for r in rows if r.guardian_id is not None}
    allowed_guardians = await _guardians_with_messenger_consent(ctx, guardian_ids)
    recipients = []
    for account_id, guardian_id, categories, quiet_start, quiet_end in rows:
        if guardian_id is not None and guardian_id not in allowed_guardians:
            continue
        if category not in ALWAYS_ON and (categories is None or category.value not in categories):
            continue
        quiet = (quiet_start, quiet_end) if quiet_start is not None and quiet_end is not None else None
        recipients.append(Recipient(account_id, quiet))
    return recipients


async def _guardians_with_messenger_consent(ctx: Ctx, guardian_ids: set[int]) -> set[int]:
    if not guardian_ids:
        return set()
    latest = (
        select(ConsentRecord.subject_id, func.max(ConsentRecord.id).label("last_id"))
        .where(ConsentRecord.subject_type == PersonType.guardian, ConsentRecord.subject_id.in_(guardian_ids))
        .group_by(ConsentRecord.subject_id)
        .subquery()
    )
    consenting = set(
        await ctx.session.scalars(
            select(ConsentRecord.subject_id)
            .join(latest, latest.c.last_id == ConsentRecord.id)
            .where(
                ConsentRecord.decision == ConsentDecision.given, ConsentRecord.electronic_delivery_messenger
            )
        )
    )
    paper = set(
        await ctx.session.scalars(select(Guardian.id).where(Guardian.id.in_(consenting), Guardian.paper_only))
    )
    return consenting - paper


async def notify_family(
    ctx: Ctx,
    *,
    student_id: int,
    category: NotificationCategory,
    event_type: str,
    payload: dict[str, Any],
    subject_ref: str | None = None,
    dedup_key: str | None = None,
    delay: timedelta = timedelta(0),
    bypass_quiet_hours: bool = False,
) -> int:
    """Queue the event for every current recipient; returns how many outbox rows were written."""
    policy = await ctx.policy()
    recipients = await family_recipients(ctx, student_id, category, await ctx.today())
    due = ctx.now + delay
    for recipient in recipients:
        not_before = due if bypass_quiet_hours else push_time(due, recipient.quiet, policy.tz)
        ctx.session.add(
            NotificationOutbox(
                school_id=ctx.actor.school_id,
                recipient_account_id=recipient.account_id,
                student_id=student_id,
                category=category.value,
                event_type=event_type,
                subject_ref=subject_ref,
                dedup_key=dedup_key,
                payload=payload,
                not_before=not_before,
                created_at=ctx.now,
                status=OutboxStatus.pending,
            )
        )
    return len(recipients)


async def withdraw_pending(ctx: Ctx, dedup_key: str) -> int:
    """Cancel pushes for `dedup_key` that have not gone out yet; returns how many were pending."""
    result = await ctx.session.execute(
        update(NotificationOutbox)
        .where(
            NotificationOutbox.school_id == ctx.actor.school_id,
            NotificationOutbox.dedup_key == dedup_key,
            NotificationOutbox.status == OutboxStatus.pending,
        )
        .values(status=OutboxStatus.cancelled)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def was_sent(ctx: Ctx, dedup_key: str) -> bool:
    """Whether any push for `dedup_key` has already been delivered (so a change must be announced)."""
    found = await ctx.session.scalar(
        select(NotificationOutbox.id)
        .where(
            NotificationOutbox.school_id == ctx.actor.school_id,
            NotificationOutbox.dedup_key == dedup_key,
            NotificationOutbox.status == OutboxStatus.sent,
        )
        .limit(1)
    )
    return found is not None


async def settle_delay(ctx: Ctx) -> timedelta:
    return timedelta(minutes=(await ctx.policy()).mark_notify_delay_minutes)
