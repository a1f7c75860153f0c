"""Control-work and attestation schedule per group (R23, §3.3 AssessmentScheduleItem).

Items are planned by the group's subject teacher, the deputy head or the coordinator. Families see an
item (and are told of it) only once it is published and falls in the current period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.snapshot import snapshot
from core.db.models import (
    AcademicYear,
    AssessmentScheduleItem,
    Group,
    GroupClass,
    ReportingPeriod,
    SchoolClass,
    Subject,
    WorkType,
)
from core.domain.enums import AuditAction, NotificationCategory, Role, RowStatus, YearStatus
from core.domain.errors import Forbidden, InvalidInput, Locked, NotFound
from core.outbox.family import notify_family, was_sent, withdraw_pending
from core.usecases.access import teaches
from core.usecases.context import Ctx
from core.usecases.roster import roster

PLANNER_ROLES = (Role.coordinator, Role.deputy_head)
_CLOSED_YEAR = (YearStatus.closed, YearStatus.archived)


@dataclass(frozen=True)
class ScheduledAssessment:
    item_id: int
    group_id: int
    subject_id: int
    date: date
    work_type_id: int
    control_form: str
    is_internal_control: bool
    is_attestation: bool
    published_at: datetime | None


async def _require_planner(ctx: Ctx, group_id: int, subject_id: int, day: date) -> Role:
    """Scope O for the group and subject, or the whole school for the deputy head and coordinator."""
    p = ctx.principal
    if p.is_system:
        return Role.operator
    held = p.roles & set(PLANNER_ROLES)
    if held:
        return sorted(held)[0]
    if await teaches(ctx, group_id, subject_id, day):
        return Role.teacher
    raise Forbidden(
        "only the group's subject teacher, the deputy head or the coordinator",
        rule="R23",
        entity="assessment",
        id=group_id,
    )


async def _group(ctx: Ctx, group_id: int) -> Group:
    group = await ctx.session.get(Group, group_id)
    if group is None or group.school_id != ctx.actor.school_id:
        raise NotFound("group", entity="group", id=group_id)
    return group


async def _item(ctx: Ctx, item_id: int) -> AssessmentScheduleItem:
    item = await ctx.session.scalar(
        select(AssessmentScheduleItem)
        .where(AssessmentScheduleItem.id == item_id, AssessmentScheduleItem.school_id == ctx.actor.school_id)
        .with_for_update()
    )
    if item is None:
        raise NotFound("assessment", entity="assessment", id=item_id)
    return item


async def _check_fields(
    ctx: Ctx, group: Group, subject_id: int, day: date, work_type_id: int, control_form: str
) -> str:
    subject = await ctx.session.get(Subject, subject_id)
    if subject is None or subject.school_id != ctx.actor.school_id:
        raise NotFound("subject", entity="subject", id=subject_id)
    if group.subject_id is not None and group.subject_id != subject_id:
        raise InvalidInput("the group is formed for another subject", rule="R23", subject_id=subject_id)
    work_type = await ctx.session.get(WorkType, work_type_id)
    if work_type is None or work_type.school_id != ctx.actor.school_id or not work_type.is_active:
        raise InvalidInput("unknown work type", rule="R23", work_type_id=work_type_id)
    form = control_form.strip()
    if not form or len(form) > 64:
        raise InvalidInput("the form of control has 1–64 characters", rule="R23", field="control_form")
    year = await ctx.session.get(AcademicYear, group.year_id)
    if year is not None:
        if year.status in _CLOSED_YEAR:
            raise Locked("the year is closed", rule="R57", year_id=year.id)
        if not year.start_date <= day <= year.end_date:
            raise InvalidInput("the date is outside the group's year", rule="R23", date=day.isoformat())
    return form


async def schedule_assessment(
    ctx: Ctx,
    *,
    group_id: int,
    subject_id: int,
    date: date,
    work_type_id: int,
    control_form: str,
    is_internal_control: bool = False,
    is_attestation: bool = False,
) -> int:
    """Plan a control work or attestation for a group; unpublished until `publish_assessment` (R23)."""
    role = await _require_planner(ctx, group_id, subject_id, date)
    group = await _group(ctx, group_id)
    form = await _check_fields(ctx, group, subject_id, date, work_type_id, control_form)
    item = AssessmentScheduleItem(
        school_id=ctx.actor.school_id,
        group_id=group.id,
        subject_id=subject_id,
        date=date,
        work_type_id=work_type_id,
        control_form=form,
        is_internal_control=is_internal_control,
        is_attestation=is_attestation,
        status=RowStatus.active.value,
        created_by=ctx.actor.account_id,
    )
    ctx.session.add(item)
    await ctx.session.flush()
    await ctx.audit(AuditAction.create, "assessment", item.id, after=snapshot(item), role=role)
    return item.id


async def _current_period(session: AsyncSession, group_id: int, today: date) -> ReportingPeriod | None:
    """The period running today, or the next one during a break (what the diary calls current)."""
    return await session.scalar(
        select(ReportingPeriod)
        .join(SchoolClass, SchoolClass.period_scheme_id == ReportingPeriod.scheme_id)
        .join(GroupClass, GroupClass.class_id == SchoolClass.id)
        .where(GroupClass.group_id == group_id, ReportingPeriod.end_date >= today)
        .order_by(ReportingPeriod.start_date)
        .limit(1)
    )


async def _in_current_period(ctx: Ctx, item: AssessmentScheduleItem) -> bool:
    period = await _current_period(ctx.session, item.group_id, await ctx.today())
    return period is not None and period.start_date <= item.date <= period.end_date


def _dedup_key(item_id: int) -> str:
    return f"assessment:{item_id}"


def _payload(item: AssessmentScheduleItem, **extra: Any) -> dict[str, Any]:
    return {
        "item_id": item.id,
        "group_id": item.group_id,
        "subject_id": item.subject_id,
        "date": item.date.isoformat(),
        "work_type_id": item.work_type_id,
        "control_form": item.control_form,
        "is_internal_control": item.is_internal_control,
        "is_attestation": item.is_attestation,
        **extra,
    }


async def _tell_families(
    ctx: Ctx, item: AssessmentScheduleItem, event_type: str, payload: dict[str, Any]
) -> None:
    group = await _group(ctx, item.group_id)
    for student_id in sorted(await roster(ctx.session, group, item.date)):
        await notify_family(
            ctx,
            student_id=student_id,
            category=NotificationCategory.control_works,
            event_type=event_type,
            payload=payload,
            dedup_key=_dedup_key(item.id),
        )


async def publish_assessment(ctx: Ctx, *, item_id: int) -> None:
    """Publish an item; families of the group hear of it when it is in the current period (R23, C44)."""
    item = await _item(ctx, item_id)
    role = await _require_planner(ctx, item.group_id, item.subject_id, item.date)
    if item.status != RowStatus.active.value:
        raise InvalidInput("the item is cancelled", rule="R23", entity="assessment", id=item_id)
    if item.published_at is not None:
        return
    before = snapshot(item)
    item.published_at = ctx.now
    await ctx.session.flush()
    await ctx.audit(AuditAction.update, "assessment", item.id, before=before, after=snapshot(item), role=role)
    if await _in_current_period(ctx, item):
        await _tell_families(ctx, item, "control_work_published", _payload(item))


async def _announce_change(
    ctx: Ctx, item: AssessmentScheduleItem, old: dict[str, Any], was_current: bool, **extra: Any
) -> None:
    """A published item changed: families who could have heard of it (or can now) are told."""
    if item.published_at is None or not (was_current or await _in_current_period(ctx, item)):
        return
    key = _dedup_key(item.id)
    heard = await was_sent(ctx, key)
    await withdraw_pending(ctx, key)  # a queued push about the old state is obsolete
    if heard:
        payload = _payload(item, old_date=old["date"], old_form=old["control_form"], **extra)
        await _tell_families(ctx, item, "control_work_changed", payload)
    elif item.status == RowStatus.active.value:
        # Families never heard of the item: announce it once, as it is now.
        await _tell_families(ctx, item, "control_work_published", _payload(item))


async def change_assessment(
    ctx: Ctx,
    *,
    item_id: int,
    date: date | None = None,
    work_type_id: int | None = None,
    control_form: str | None = None,
    is_internal_control: bool | None = None,
    is_attestation: bool | None = None,
) -> None:
    """Move or edit a scheduled item; a published one is announced again as changed (R23)."""
    item = await _item(ctx, item_id)
    role = await _require_planner(ctx, item.group_id, item.subject_id, item.date)
    if item.status != RowStatus.active.value:
        raise InvalidInput("the item is cancelled", rule="R23", entity="assessment", id=item_id)
    new_date = date if date is not None else item.date
    if new_date != item.date:
        await _require_planner(ctx, item.group_id, item.subject_id, new_date)
    group = await _group(ctx, item.group_id)
    form = await _check_fields(
        ctx,
        group,
        item.subject_id,
        new_date,
        work_type_id if work_type_id is not None else item.work_type_id,
        control_form if control_form is not None else item.control_form,
    )
    was_current = await _in_current_period(ctx, item)
    before = snapshot(item)
    item.date = new_date
    item.control_form = form
    if work_type_id is not None:
        item.work_type_id = work_type_id
    if is_internal_control is not None:
        item.is_internal_control = is_internal_control
    if is_attestation is not None:
        item.is_attestation = is_attestation
    after = snapshot(item)
    if after == before:
        return
    await ctx.session.flush()
    await ctx.audit(AuditAction.update, "assessment", item.id, before=before, after=after, role=role)
    await _announce_change(ctx, item, before, was_current)


async def cancel_assessment(ctx: Ctx, *, item_id: int, reason: str | None = None) -> None:
    """Cancel (void) a scheduled item; the row stays (R58); a published one is announced as cancelled."""
    item = await _item(ctx, item_id)
    role = await _require_planner(ctx, item.group_id, item.subject_id, item.date)
    if item.status != RowStatus.active.value:
        return
    was_current = await _in_current_period(ctx, item)
    before = snapshot(item)
    item.status = RowStatus.void.value
    await ctx.session.flush()
    await ctx.audit(
        AuditAction.void, "assessment", item.id, before=before, after=snapshot(item), reason=reason, role=role
    )
    await _announce_change(ctx, item, before, was_current, cancelled=True)


async def published_assessments(
    session: AsyncSession,
    group_ids: list[int] | set[int],
    date_from: date,
    date_to: date,
    *,
    at: datetime | None = None,
) -> list[ScheduledAssessment]:
    """Active, published items of the groups in the range (for the diary, R23); `at` hides later publications."""
    ids = list(set(group_ids))
    if not ids:
        return []
    query = select(AssessmentScheduleItem).where(
        AssessmentScheduleItem.group_id.in_(ids),
        AssessmentScheduleItem.status == RowStatus.active.value,
        AssessmentScheduleItem.published_at.is_not(None),
        AssessmentScheduleItem.date.between(date_from, date_to),
    )
    if at is not None:
        query = query.where(AssessmentScheduleItem.published_at <= at)
    rows = await session.scalars(query.order_by(AssessmentScheduleItem.date, AssessmentScheduleItem.id))
    return [
        ScheduledAssessment(
            r.id,
            r.group_id,
            r.subject_id,
            r.date,
            r.work_type_id,
            r.control_form,
            r.is_internal_control,
            r.is_attestation,
            r.published_at,
        )
        for r in rows
    ]
