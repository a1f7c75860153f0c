"""Helpers the account use cases share: revoking electronic access, service messages, lookups."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import or_, select, update

from core.db.models import (
    Account,
    CalendarDay,
    GuardianLink,
    Invite,
    NotificationOutbox,
    StaffRole,
    TelegramBinding,
    WebSession,
)
from core.domain.enums import CalendarDayKind, NotificationCategory, OutboxStatus, PersonType, Role
from core.policy.calendar import WorkingCalendar
from core.usecases.context import Ctx
from core.usecases.roster import covers, student_class_on


async def account_of(ctx: Ctx, person_type: PersonType, person_id: int) -> Account | None:
    """The account carrying this person identity in the actor's school, if any."""
    column = {
        PersonType.staff: Account.staff_id,
        PersonType.student: Account.student_id,
        PersonType.guardian: Account.guardian_id,
        PersonType.inspector: Account.inspector_id,
    }[person_type]
    return await ctx.session.scalar(
        select(Account).where(Account.school_id == ctx.actor.school_id, column == person_id)
    )


async def revoke_bindings(ctx: Ctx, account_id: int, reason: str) -> list[int]:
    """Revoke every active Telegram binding of the account; returns their ids."""
    ids = list(
        await ctx.session.scalars(
            select(TelegramBinding.id).where(
                TelegramBinding.account_id == account_id, TelegramBinding.revoked_at.is_(None)
            )
        )
    )
    if ids:
        await ctx.session.execute(
            update(TelegramBinding)
            .where(TelegramBinding.id.in_(ids))
            .values(revoked_at=ctx.now, revoke_reason=reason)
            .execution_options(synchronize_session="fetch")
        )
    return ids


async def revoke_web_sessions(ctx: Ctx, account_id: int) -> int:
    result = await ctx.session.execute(
        update(WebSession)
        .where(WebSession.account_id == account_id, WebSession.revoked_at.is_(None))
        .values(revoked_at=ctx.now)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def revoke_open_invites(
    ctx: Ctx, person_type: PersonType, person_id: int, reason: str, role: Role | None = None
) -> list[int]:
    """Revoke the person's unredeemed, unrevoked invites (optionally of one role); returns their ids."""
    conditions = [
        Invite.school_id == ctx.actor.school_id,
        Invite.person_type == person_type,
        Invite.person_id == person_id,
        Invite.redeemed_at.is_(None),
        Invite.revoked_at.is_(None),
    ]
    if role is not None:
        conditions.append(Invite.role == role)
    ids = list(await ctx.session.scalars(select(Invite.id).where(*conditions)))
    if ids:
        await ctx.session.execute(
            update(Invite)
            .where(Invite.id.in_(ids))
            .values(revoked_at=ctx.now, revoke_reason=reason)
            .execution_options(synchronize_session="fetch")
        )
    return ids


async def cancel_pending_outbox(ctx: Ctx, account_id: int) -> int:
    """Cancel every push to the account that has not gone out yet."""
    result = await ctx.session.execute(
        update(NotificationOutbox)
        .where(
            NotificationOutbox.recipient_account_id == account_id,
            NotificationOutbox.status == OutboxStatus.pending,
        )
        .values(status=OutboxStatus.cancelled)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def cut_off_guardian(ctx: Ctx, guardian_id: int, reason: str) -> dict[str, Any]:
    """Consent withdrawn or paper service: invites, bindings and pending pushes go, in this transaction."""
    invites = await revoke_open_invites(ctx, PersonType.guardian, guardian_id, reason)
    account = await account_of(ctx, PersonType.guardian, guardian_id)
    bindings: list[int] = []
    cancelled = 0
    if account is not None:
        bindings = await revoke_bindings(ctx, account.id, reason)
        cancelled = await cancel_pending_outbox(ctx, account.id)
    return {"invites_revoked": invites, "bindings_revoked": bindings, "pushes_cancelled": cancelled}


def queue_service_message(
    ctx: Ctx,
    recipient_account_id: int,
    event_type: str,
    payload: dict[str, Any],
    student_id: int | None = None,
) -> None:
    """A `service` outbox row (no subscription needed) written in the change's transaction."""
    ctx.session.add(
        NotificationOutbox(
            school_id=ctx.actor.school_id,
            recipient_account_id=recipient_account_id,
            student_id=student_id,
            category=NotificationCategory.service.value,
            event_type=event_type,
            payload=payload,
            not_before=ctx.now,
            created_at=ctx.now,
            status=OutboxStatus.pending,
        )
    )


async def accounts_with_roles(ctx: Ctx, *roles: Role) -> list[int]:
    """Accounts of staff holding one of `roles` today, in the actor's school."""
    today = await ctx.today()
    return sorted(
        set(
            await ctx.session.scalars(
                select(Account.id)
                .join(StaffRole, StaffRole.staff_id == Account.staff_id)
                .where(
                    Account.school_id == ctx.actor.school_id,
                    StaffRole.role.in_(roles),
                    or_(StaffRole.valid_from.is_(None), StaffRole.valid_from <= today),
                    or_(StaffRole.valid_to.is_(None), StaffRole.valid_to >= today),
                )
            )
        )
    )


async def guardian_children(ctx: Ctx, guardian_id: int, day: date) -> list[int]:
    """Students the guardian is actively linked to on `day`."""
    return list(
        await ctx.session.scalars(
            select(GuardianLink.student_id).where(
                GuardianLink.guardian_id == guardian_id,
                covers(GuardianLink.active_from, GuardianLink.active_to, day),
            )
        )
    )


async def class_for_person(ctx: Ctx, person_type: PersonType, person_id: int) -> int | None:
    """The class deciding form-tutor scope C: the student's class, or a guardian's child's class.

    For a guardian with children in several classes, a class the actor tutors wins.
    """
    day = await ctx.today()
    if person_type == PersonType.student:
        return await student_class_on(ctx.session, person_id, day)
    if person_type != PersonType.guardian:
        return None
    classes = [
        await student_class_on(ctx.session, s, day) for s in await guardian_children(ctx, person_id, day)
    ]
    own = [c for c in classes if c is not None and c in ctx.principal.tutor_class_ids]
    return own[0] if own else next((c for c in classes if c is not None), None)


async def working_calendar(ctx: Ctx) -> WorkingCalendar:
    """The school's working calendar from its CalendarDay exceptions (R3)."""
    rows = (
        await ctx.session.execute(
            select(CalendarDay.day, CalendarDay.kind).where(CalendarDay.school_id == ctx.actor.school_id)
        )
    ).all()
    policy = await ctx.policy()
    return policy.working_calendar(
        non_working=[d for d, k in rows if k == CalendarDayKind.non_working],
        extra_working=[d for d, k in rows if k == CalendarDayKind.working],
    )
