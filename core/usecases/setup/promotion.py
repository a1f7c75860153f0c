"""Year promotion: every enrolled student is mapped to a class of the new year, graduation or retention (R28).

The old year's journal is never touched: only enrollments, memberships and the year's status change.
The old year is set `closed` only once its `end_date` has passed. Promotion is usually decided in
June, while the old year still legitimately takes writes until `end_date` (retakes, deferred
period marks, corrections); R57 already makes the year read-only after `end_date` without the status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select

from core.audit.snapshot import snapshot
from core.db.models import (
    AcademicYear,
    Enrollment,
    Group,
    GroupMembership,
    SchoolClass,
    Student,
    YearPromotion,
)
from core.domain.enums import (
    AuditAction,
    EnrollmentReason,
    PromotionDecision,
    Role,
    StudentStatus,
    YearStatus,
)
from core.domain.errors import InvalidInput, NotFound
from core.usecases.access import require_role
from core.usecases.context import Ctx
from core.usecases.roster import covers


@dataclass(frozen=True)
class PromotionInput:
    student_id: int
    decision: PromotionDecision
    to_class_id: int | None = None


async def promote_year(
    ctx: Ctx, *, from_year_id: int, to_year_id: int, mapping: list[PromotionInput], effective: date
) -> int:
    """Map every student enrolled at the old year's end; returns the number of promotions recorded (R28, C22)."""
    role = require_role(ctx, Role.coordinator, Role.deputy_head, rule="R28", entity="year_promotion")
    old, new = await _year(ctx, from_year_id), await _year(ctx, to_year_id)
    if new.start_date <= old.end_date:
        raise InvalidInput("the new year must start after the old one ends", rule="R28", to_year=new.id)
    if not new.start_date <= effective <= new.end_date:
        raise InvalidInput("the promotion takes effect inside the new year", rule="R28", field="effective")
    enrollments = {
        row.student_id: row
        for row in await ctx.session.scalars(
            select(Enrollment)
            .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
            .where(
                SchoolClass.year_id == old.id,
                covers(Enrollment.from_date, Enrollment.to_date, old.end_date),
            )
        )
    }
    await _check_mapping(ctx, mapping, enrollments, old, new)
    for entry in mapping:
        await _promote_one(ctx, role, entry, enrollments[entry.student_id], old, new, effective)
    if await ctx.today() > old.end_date and old.status != YearStatus.closed:
        before = snapshot(old)
        old.status = YearStatus.closed
        await ctx.audit(
            AuditAction.update, "academic_year", old.id, before=before, after=snapshot(old), role=role
        )
    await ctx.session.flush()
    return len(mapping)


async def _check_mapping(
    ctx: Ctx,
    mapping: list[PromotionInput],
    enrollments: dict[int, Enrollment],
    old: AcademicYear,
    new: AcademicYear,
) -> None:
    mapped = [entry.student_id for entry in mapping]
    if len(set(mapped)) != len(mapped):
        raise InvalidInput("a student is mapped twice", rule="R28", field="mapping")
    missing = sorted(set(enrollments) - set(mapped))
    if missing:
        raise InvalidInput("every enrolled student must be mapped", rule="R28", missing=missing)
    unknown = sorted(set(mapped) - set(enrollments))
    if unknown:
        raise InvalidInput("not enrolled at the end of the old year", rule="R28", unknown=unknown)
    done = sorted(
        await ctx.session.scalars(
            select(YearPromotion.student_id).where(
                YearPromotion.from_year_id == old.id, YearPromotion.student_id.in_(mapped)
            )
        )
    )
    if done:
        raise InvalidInput("already promoted from this year", rule="R28", promoted=done)
    new_classes = set(await ctx.session.scalars(select(SchoolClass.id).where(SchoolClass.year_id == new.id)))
    for entry in mapping:
        graduating = entry.decision == PromotionDecision.graduated
        if graduating != (entry.to_class_id is None):
            raise InvalidInput(
                "graduates take no class; everyone else takes a class",
                rule="R28",
                student_id=entry.student_id,
            )
        if entry.to_class_id is not None and entry.to_class_id not in new_classes:
            raise InvalidInput(
                "the class is not of the new year",
                rule="R28",
                student_id=entry.student_id,
                class_id=entry.to_class_id,
            )


async def _promote_one(
    ctx: Ctx,
    role: Role,
    entry: PromotionInput,
    enrollment: Enrollment,
    old: AcademicYear,
    new: AcademicYear,
    effective: date,
) -> None:
    graduating = entry.decision == PromotionDecision.graduated
    promotion = YearPromotion(
        school_id=ctx.actor.school_id,
        student_id=entry.student_id,
        from_year_id=old.id,
        to_year_id=None if graduating else new.id,
        to_class_id=entry.to_class_id,
        decision=entry.decision,
        decided_by=ctx.actor.account_id,
    )
    ctx.session.add(promotion)
    before = snapshot(enrollment)
    enrollment.to_date = old.end_date
    enrollment.leave_reason = EnrollmentReason.graduation if graduating else EnrollmentReason.promotion
    await _end_old_memberships(ctx, entry.student_id, old)
    await ctx.session.flush()
    await ctx.audit(AuditAction.create, "year_promotion", promotion.id, after=snapshot(promotion), role=role)
    await ctx.audit(
        AuditAction.update, "enrollment", enrollment.id, before=before, after=snapshot(enrollment), role=role
    )
    if graduating:
        student = await ctx.session.get(Student, entry.student_id)
        assert student is not None
        before = snapshot(student)
        student.status = StudentStatus.graduated
        await ctx.audit(
            AuditAction.update, "student", student.id, before=before, after=snapshot(student), role=role
        )
        return
    assert entry.to_class_id is not None
    opened = Enrollment(
        school_id=ctx.actor.school_id,
        student_id=entry.student_id,
        class_id=entry.to_class_id,
        from_date=effective,
        reason=EnrollmentReason.promotion,
        created_by=ctx.actor.account_id,
    )
    ctx.session.add(opened)
    await ctx.session.flush()
    await ctx.audit(AuditAction.create, "enrollment", opened.id, after=snapshot(opened), role=role)


async def _end_old_memberships(ctx: Ctx, student_id: int, old: AcademicYear) -> None:
    """Subgroup memberships of the old year end with it (R27); their journal rows stay untouched."""
    for membership in await ctx.session.scalars(
        select(GroupMembership)
        .join(Group, Group.id == GroupMembership.group_id)
        .where(
            Group.year_id == old.id,
            GroupMembership.student_id == student_id,
            or_(GroupMembership.to_date.is_(None), GroupMembership.to_date > old.end_date),
        )
    ):
        membership.to_date = old.end_date


async def _year(ctx: Ctx, year_id: int) -> AcademicYear:
    year = await ctx.session.get(AcademicYear, year_id)
    if year is None or year.school_id != ctx.actor.school_id:
        raise NotFound("academic year", entity="academic_year", id=year_id)
    return year
