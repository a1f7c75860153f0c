"""Once per reporting period the form tutor informs the class's parents about the diary (R87, C90).

Bound parents who may receive pushes get one `service` message each (a parent of two children in
the class gets one); every other guardian of the class — not bound, paper-only or without
messenger consent — is listed for the printable leaflet with how-to-link instructions. Doing it is
recorded as an audit event, which is what `informing_missing` checks for the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from sqlalchemy import select

from core.db.models import (
    Account,
    AuditEvent,
    GuardianLink,
    NotificationOutbox,
    PeriodScheme,
    ReportingPeriod,
    SchoolClass,
)
from core.domain.enums import ADMIN_ROLES, AuditAction, NotificationCategory, OutboxStatus
from core.domain.errors import InvalidInput, NotFound
from core.outbox.family import family_recipients
from core.outbox.timing import push_time
from core.usecases.access import require_role, require_tutor_of
from core.usecases.context import Ctx
from core.usecases.family.common import class_students
from core.usecases.roster import covers

ENTITY = "diary_services_informing"
EVENT_TYPE = "diary_services_info"


@dataclass(frozen=True)
class InformingResult:
    messaged_account_ids: tuple[int, ...]
    leaflet_guardian_ids: tuple[int, ...]


async def _period(ctx: Ctx, period_id: int) -> ReportingPeriod:
    period = await ctx.session.get(ReportingPeriod, period_id)
    if period is None or period.school_id != ctx.actor.school_id:
        raise NotFound("reporting period", entity="reporting_period", id=period_id)
    return period


def _dedup_key(period_id: int, account_id: int) -> str:
    return f"{EVENT_TYPE}:{period_id}:{account_id}"


async def _already_messaged(ctx: Ctx, period_id: int, account_ids: list[int]) -> set[int]:
    if not account_ids:
        return set()
    keys = [_dedup_key(period_id, a) for a in account_ids]
    rows = await ctx.session.scalars(
        select(NotificationOutbox.recipient_account_id).where(
            NotificationOutbox.school_id == ctx.actor.school_id,
            NotificationOutbox.dedup_key.in_(keys),
            NotificationOutbox.status != OutboxStatus.cancelled,
        )
    )
    return set(rows)


async def inform_about_diary_services(ctx: Ctx, *, class_id: int, period_id: int) -> InformingResult:
    """Message the bound parents, list the others for the leaflet and record the duty as done (R87)."""
    role = require_tutor_of(ctx, class_id, rule="R87")
    school_class = await ctx.session.get(SchoolClass, class_id)
    if school_class is None or school_class.school_id != ctx.actor.school_id:
        raise NotFound("class", entity="school_class", id=class_id)
    period = await _period(ctx, period_id)
    if school_class.period_scheme_id is not None and school_class.period_scheme_id != period.scheme_id:
        raise InvalidInput("the period is not one of the class's scheme", rule="R87", field="period_id")
    # The duty falls at the period start; done earlier or later, the class as of that day counts.
    day = min(max(await ctx.today(), period.start_date), period.end_date)
    students = sorted(await class_students(ctx, class_id, day))
    guardians = set(
        await ctx.session.scalars(
            select(GuardianLink.guardian_id).where(
                GuardianLink.school_id == ctx.actor.school_id,
                GuardianLink.student_id.in_(students),
                GuardianLink.verified_at.is_not(None),
                covers(GuardianLink.active_from, GuardianLink.active_to, day),
            )
        )
    )

    reachable: dict[int, tuple[int, int]] = {}  # account id → (guardian id, student id)
    quiet_of: dict[int, tuple[time, time] | None] = {}
    for student_id in students:
        recipients = await family_recipients(ctx, student_id, NotificationCategory.service, day)
        owners = dict(
            (
                await ctx.session.execute(
                    select(Account.id, Account.guardian_id).where(
                        Account.id.in_([r.account_id for r in recipients])
                    )
                )
            ).all()
        )
        for recipient in recipients:
            guardian_id = owners.get(recipient.account_id)
            if guardian_id is not None and recipient.account_id not in reachable:
                reachable[recipient.account_id] = (guardian_id, student_id)
                quiet_of[recipient.account_id] = recipient.quiet

    tz = (await ctx.policy()).tz
    done_before = await _already_messaged(ctx, period.id, list(reachable))
    for account_id, (_, student_id) in sorted(reachable.items()):
        if account_id in done_before:
            continue
        ctx.session.add(
            NotificationOutbox(
                school_id=ctx.actor.school_id,
                recipient_account_id=account_id,
                student_id=student_id,
                category=NotificationCategory.service.value,
                event_type=EVENT_TYPE,
                dedup_key=_dedup_key(period.id, account_id),
                payload={"class_id": class_id, "period_id": period.id},
                not_before=push_time(ctx.now, quiet_of[account_id], tz),
                created_at=ctx.now,
                status=OutboxStatus.pending,
            )
        )
    messaged_guardians = {guardian_id for guardian_id, _ in reachable.values()}
    result = InformingResult(
        messaged_account_ids=tuple(sorted(reachable)),
        leaflet_guardian_ids=tuple(sorted(guardians - messaged_guardians)),
    )
    await ctx.session.flush()
    await ctx.audit(
        AuditAction.create,
        ENTITY,
        class_id,
        after={
            "class_id": class_id,
            "period_id": period.id,
            "messaged_account_ids": list(result.messaged_account_ids),
            "leaflet_guardian_ids": list(result.leaflet_guardian_ids),
        },
        role=role.value,
    )
    return result


async def informing_missing(ctx: Ctx, *, period_id: int) -> list[int]:
    """Classes of the period's scheme with students whose tutor has not informed parents yet (R87)."""
    require_role(ctx, *ADMIN_ROLES, rule="R87", entity=ENTITY)
    period = await _period(ctx, period_id)
    scheme = await ctx.session.get(PeriodScheme, period.scheme_id)
    assert scheme is not None
    classes = list(
        await ctx.session.scalars(
            select(SchoolClass.id).where(
                SchoolClass.school_id == ctx.actor.school_id,
                SchoolClass.year_id == scheme.year_id,
                (SchoolClass.period_scheme_id == period.scheme_id) | SchoolClass.period_scheme_id.is_(None),
            )
        )
    )
    done = {
        int(after["class_id"])
        for after in await ctx.session.scalars(
            select(AuditEvent.after).where(
                AuditEvent.school_id == ctx.actor.school_id,
                AuditEvent.entity_type == ENTITY,
                AuditEvent.action == AuditAction.create,
            )
        )
        if after and after.get("period_id") == period.id
    }
    missing = []
    for class_id in classes:
        if class_id not in done and await class_students(ctx, class_id, period.start_date, period.end_date):
            missing.append(class_id)
    return sorted(missing)
