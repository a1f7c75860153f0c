"""Recurring administration duties and their flags: weekly data checks (R29), monthly control notes (R120)."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from core.audit.snapshot import snapshot
from core.db.models import Account, ControlRecord, DataCheck, NotificationOutbox, Staff, StaffRole
from core.domain.enums import (
    ADMIN_ROLES,
    AccountStatus,
    AuditAction,
    NotificationCategory,
    PersonStatus,
    Role,
)
from core.domain.errors import InvalidInput, NotFound
from core.policy.calendar import local_at
from core.usecases.access import require_role
from core.usecases.context import Ctx

CONTROL_ROLES = (Role.head, Role.deputy_head)


async def record_data_check(ctx: Ctx, *, note: str | None = None) -> int:
    """The coordinator records this week's data check (R29)."""
    role = require_role(ctx, Role.coordinator, rule="R29", entity="data_check")
    if ctx.actor.account_id is None:
        raise InvalidInput("a data check is recorded by an account", rule="R29", field="checked_by")
    check = DataCheck(
        school_id=ctx.actor.school_id,
        checked_by=ctx.actor.account_id,
        checked_at=ctx.now,
        note=note.strip() if note and note.strip() else None,
    )
    ctx.session.add(check)
    await ctx.session.flush()
    await ctx.audit(AuditAction.create, "data_check", check.id, after=snapshot(check), role=role)
    return check.id


async def missing_data_checks(ctx: Ctx, *, weeks: list[date]) -> list[date]:
    """The ended ISO weeks (given by their Monday) without a data check (R29, C120)."""
    require_role(ctx, *ADMIN_ROLES, rule="R29", entity="data_check")
    if any(week.weekday() != 0 for week in weeks):
        raise InvalidInput("a week is given by its Monday", rule="R29", field="weeks")
    policy = await ctx.policy()
    if not policy.weekly_data_check:
        return []
    flagged: list[date] = []
    for monday in sorted(set(weeks)):
        starts = local_at(monday, time.min, policy.tz)
        ends = local_at(monday + timedelta(days=7), time.min, policy.tz)
        if ctx.now < ends:
            continue  # the week is still running: there is time to do the check
        done = await ctx.session.scalar(
            select(DataCheck.id)
            .where(
                DataCheck.school_id == ctx.actor.school_id,
                DataCheck.checked_at >= starts,
                DataCheck.checked_at < ends,
            )
            .limit(1)
        )
        if done is None:
            flagged.append(monday)
    return flagged


async def record_control_note(
    ctx: Ctx, *, date: date, scope: str, findings: str, addressed_to_staff_ids: list[int]
) -> int:
    """A head's or deputy head's control note; its findings go to each addressed staff account (R120)."""
    role = require_role(ctx, *CONTROL_ROLES, rule="R120", entity="control_record")
    staff_id = ctx.principal.staff_id
    if staff_id is None:
        raise InvalidInput("a control note is written by a staff member", rule="R120")
    if not scope.strip() or not findings.strip():
        raise InvalidInput("a control note needs a scope and findings", rule="R120", field="findings")
    if date > await ctx.today():
        raise InvalidInput("a control note is not dated in the future", rule="R120", field="date")
    addressed = sorted(set(addressed_to_staff_ids))
    if not addressed:
        raise InvalidInput("findings are addressed to someone", rule="R120", field="addressed_to_staff_ids")
    found = set(
        await ctx.session.scalars(
            select(Staff.id).where(Staff.school_id == ctx.actor.school_id, Staff.id.in_(addressed))
        )
    )
    if unknown := sorted(set(addressed) - found):
        raise NotFound("staff", entity="staff", ids=unknown)
    record = ControlRecord(
        school_id=ctx.actor.school_id,
        inspector_staff_id=staff_id,
        date=date,
        scope=scope.strip(),
        findings=findings.strip(),
        addressed_to=addressed,
        sent_at=ctx.now,
    )
    ctx.session.add(record)
    await ctx.session.flush()
    accounts = await ctx.session.execute(
        select(Account.id, Account.staff_id).where(
            Account.staff_id.in_(addressed), Account.status == AccountStatus.active
        )
    )
    payload = {
        "control_record_id": record.id,
        "date": date.isoformat(),
        "scope": record.scope,
        "findings": record.findings,
    }
    for account_id, recipient_staff_id in accounts.all():
        ctx.session.add(
            NotificationOutbox(
                school_id=ctx.actor.school_id,
                recipient_account_id=account_id,
                category=NotificationCategory.staff.value,
                event_type="control_findings",
                subject_ref=f"control_record:{record.id}",
                dedup_key=f"control_record:{record.id}:{recipient_staff_id}",
                payload=payload,
                not_before=ctx.now,
                created_at=ctx.now,
            )
        )
    await ctx.session.flush()
    await ctx.audit(AuditAction.create, "control_record", record.id, after=snapshot(record), role=role)
    return record.id


async def missing_control_notes(ctx: Ctx, *, month: date) -> list[int]:
    """Staff ids of the head and deputy heads without a control note in an ended calendar month (R120, C119)."""
    require_role(ctx, *ADMIN_ROLES, rule="R120", entity="control_record")
    policy = await ctx.policy()
    first = month.replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    if not policy.monthly_control_check or await ctx.today() < after:
        return []
    last = after - timedelta(days=1)
    obliged = set(
        await ctx.session.scalars(
            select(StaffRole.staff_id)
            .join(Staff, Staff.id == StaffRole.staff_id)
            .where(
                StaffRole.school_id == ctx.actor.school_id,
                StaffRole.role.in_(CONTROL_ROLES),
                Staff.status == PersonStatus.active,
                (StaffRole.valid_from.is_(None)) | (StaffRole.valid_from <= last),
                (StaffRole.valid_to.is_(None)) | (StaffRole.valid_to >= first),
            )
        )
    )
    noted = set(
        await ctx.session.scalars(
            select(ControlRecord.inspector_staff_id).where(
                ControlRecord.school_id == ctx.actor.school_id,
                ControlRecord.date >= first,
                ControlRecord.date <= last,
            )
        )
    )
    return sorted(obliged - noted)
