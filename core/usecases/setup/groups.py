"""Teaching groups and their lists: subgroups, streams, transfers (R14, R21, R27, R108, C4, C20, C21)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select

from core.audit.snapshot import snapshot
from core.db.models import Enrollment, Group, GroupClass, GroupMembership, SchoolClass
from core.domain.enums import AuditAction, EnrollmentReason, GroupKind, Role
from core.domain.errors import InvalidInput, NotFound
from core.usecases.access import require_role, require_tutor_of
from core.usecases.context import Ctx
from core.usecases.roster import covers, student_class_on

STREAM_MIN_MEMBERS = 31  # a stream is a group of more than 30 students (R21)


@dataclass(frozen=True)
class Saved:
    id: int
    warnings: tuple[str, ...] = ()


async def create_group(
    ctx: Ctx,
    *,
    year_id: int,
    kind: GroupKind,
    name: str,
    class_ids: list[int],
    subject_id: int | None = None,
    split_key: str | None = None,
) -> int:
    """Create a group; the form tutor may split the own class into subgroups (§2.3 row 16)."""
    if kind == GroupKind.subgroup and len(class_ids) == 1 and class_ids[0] in ctx.principal.tutor_class_ids:
        role = Role.form_tutor
    else:
        role = require_role(ctx, Role.coordinator, Role.deputy_head, rule="R14", entity="group")
    group = Group(
        school_id=ctx.actor.school_id,
        year_id=year_id,
        kind=kind,
        name=name,
        subject_id=subject_id,
        split_key=split_key,
    )
    ctx.session.add(group)
    await ctx.session.flush()
    ctx.session.add_all(
        GroupClass(school_id=ctx.actor.school_id, group_id=group.id, class_id=c) for c in class_ids
    )
    await ctx.audit(
        AuditAction.create, "group", group.id, after=snapshot(group) | {"class_ids": class_ids}, role=role
    )
    return group.id


async def set_group_members(ctx: Ctx, *, group_id: int, student_ids: list[int], from_date: date) -> Saved:
    """Replace a group's list from `from_date`; a stream of 30 or fewer is saved with a warning (R21)."""
    group, role = await _editable_list(ctx, group_id, student_ids, from_date)
    current = list(
        await ctx.session.scalars(
            select(GroupMembership).where(
                GroupMembership.group_id == group.id,
                or_(GroupMembership.to_date.is_(None), GroupMembership.to_date >= from_date),
            )
        )
    )
    wanted = set(student_ids)
    for membership in current:
        if membership.student_id not in wanted:
            await _end_membership(ctx, membership, from_date)
    kept = {m.student_id for m in current if m.student_id in wanted}
    for student_id in sorted(wanted - kept):
        if group.split_key:
            await _leave_sibling_subgroups(ctx, group, student_id, from_date)
        ctx.session.add(
            GroupMembership(
                school_id=ctx.actor.school_id, group_id=group.id, student_id=student_id, from_date=from_date
            )
        )
    await ctx.audit(
        AuditAction.update,
        "group_members",
        group.id,
        after={"student_ids": sorted(wanted), "from": from_date},
        role=role,
    )
    warnings = ()
    if group.kind == GroupKind.stream and len(wanted) < STREAM_MIN_MEMBERS:
        warnings = ("stream_needs_more_than_30",)
    return Saved(group.id, warnings)


async def move_to_subgroup(ctx: Ctx, *, student_id: int, group_id: int, from_date: date) -> None:
    """Move one student into a subgroup of a split, leaving the sibling subgroup (C4)."""
    group, role = await _editable_list(ctx, group_id, [student_id], from_date)
    await _leave_sibling_subgroups(ctx, group, student_id, from_date)
    ctx.session.add(
        GroupMembership(
            school_id=ctx.actor.school_id, group_id=group.id, student_id=student_id, from_date=from_date
        )
    )
    await ctx.audit(
        AuditAction.update,
        "group_members",
        group.id,
        after={"added": student_id, "from": from_date},
        role=role,
    )


async def transfer_student(ctx: Ctx, *, student_id: int, to_class_id: int, effective: date) -> int:
    """Move a student to another class from `effective`; earlier records stay with the old class (R27, C21)."""
    role = require_role(
        ctx, Role.coordinator, Role.deputy_head, Role.contingent_clerk, rule="R27", entity="enrollment"
    )
    target = await ctx.session.get(SchoolClass, to_class_id)
    if target is None or target.school_id != ctx.actor.school_id:
        raise NotFound("class", entity="school_class", id=to_class_id)
    enrollment = await ctx.session.scalar(
        select(Enrollment).where(
            Enrollment.student_id == student_id,
            covers(Enrollment.from_date, Enrollment.to_date, effective),
        )
    )
    if enrollment is None:
        raise InvalidInput("the student is not enrolled on that date", rule="R27", student=student_id)
    if enrollment.class_id == to_class_id:
        raise InvalidInput("the student is already in that class", rule="R27")
    before = snapshot(enrollment)
    enrollment.to_date = effective - timedelta(days=1)
    enrollment.leave_reason = EnrollmentReason.transfer
    await _end_memberships(ctx, student_id, effective)
    new = Enrollment(
        school_id=ctx.actor.school_id,
        student_id=student_id,
        class_id=to_class_id,
        from_date=effective,
        reason=EnrollmentReason.transfer,
    )
    ctx.session.add(new)
    await ctx.session.flush()
    await ctx.audit(
        AuditAction.update, "enrollment", enrollment.id, before=before, after=snapshot(enrollment), role=role
    )
    await ctx.audit(AuditAction.create, "enrollment", new.id, after=snapshot(new), role=role)
    return new.id


async def _editable_list(
    ctx: Ctx, group_id: int, student_ids: list[int], from_date: date
) -> tuple[Group, Role]:
    """The group whose list the actor may edit, once every student is in one of its classes that day."""
    group = await _group(ctx, group_id)
    class_ids = set(
        await ctx.session.scalars(select(GroupClass.class_id).where(GroupClass.group_id == group.id))
    )
    role = await _list_editor(ctx, class_ids)
    for student_id in student_ids:
        if await student_class_on(ctx.session, student_id, from_date) not in class_ids:
            raise InvalidInput(
                "the student is not in the group's class on that date", rule="R108", student=student_id
            )
    return group, role


async def _list_editor(ctx: Ctx, class_ids: set[int]) -> Role:
    """Group lists: coordinator or deputy head (A), or the form tutor of the group's class (C, R108)."""
    if ctx.principal.has(Role.coordinator, Role.deputy_head) or ctx.principal.is_system:
        return require_role(ctx, Role.coordinator, Role.deputy_head, rule="R108")
    own = class_ids & ctx.principal.tutor_class_ids
    return require_tutor_of(ctx, next(iter(own)) if own else None, rule="R108", entity="group")


async def _leave_sibling_subgroups(ctx: Ctx, group: Group, student_id: int, from_date: date) -> None:
    """A student is in at most one subgroup of a split at a time (§3.1 Group invariant)."""
    siblings = select(Group.id).where(
        Group.split_key == group.split_key, Group.year_id == group.year_id, Group.id != group.id
    )
    for membership in await ctx.session.scalars(
        select(GroupMembership).where(
            GroupMembership.student_id == student_id,
            GroupMembership.group_id.in_(siblings),
            or_(GroupMembership.to_date.is_(None), GroupMembership.to_date >= from_date),
        )
    ):
        await _end_membership(ctx, membership, from_date)


async def _end_membership(ctx: Ctx, membership: GroupMembership, from_date: date) -> None:
    """End a membership the day before `from_date`; one that had not started yet is withdrawn."""
    if membership.from_date >= from_date:
        await ctx.session.delete(membership)
    else:
        membership.to_date = from_date - timedelta(days=1)


async def _end_memberships(ctx: Ctx, student_id: int, effective: date) -> None:
    for membership in await ctx.session.scalars(
        select(GroupMembership).where(
            GroupMembership.student_id == student_id,
            or_(GroupMembership.to_date.is_(None), GroupMembership.to_date >= effective),
        )
    ):
        await _end_membership(ctx, membership, effective)


async def _group(ctx: Ctx, group_id: int) -> Group:
    group = await ctx.session.get(Group, group_id)
    if group is None or group.school_id != ctx.actor.school_id:
        raise NotFound("group", entity="group", id=group_id)
    return group
