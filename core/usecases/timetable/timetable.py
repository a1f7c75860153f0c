"""Creating timetable entries (R12, R18, §3.3): set-up order, curriculum link and double-booking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, exists, or_, select

from core.audit.snapshot import snapshot
from core.db.models import (
    BellSchedule,
    BellSlot,
    CurriculumPlan,
    Group,
    GroupClass,
    Parallel,
    PeriodScheme,
    ReportingPeriod,
    Room,
    SchoolClass,
    Staff,
    Subject,
    TimetableEntry,
)
from core.domain.enums import ActivityKind, AuditAction, Role
from core.domain.errors import InvalidInput, NotFound
from core.usecases.access import require_role
from core.usecases.context import Ctx

SCHEDULERS = (Role.coordinator, Role.deputy_head)


@dataclass(frozen=True)
class TimetableEntryResult:
    entry_id: int
    warnings: tuple[str, ...] = ()  # "teacher_clash", "room_clash" (§3.3: warnings, not blocks)


def _overlaps(valid_from: date, valid_to: date | None) -> ColumnElement[bool]:
    """SQL: an entry's validity overlaps [valid_from, valid_to] (open ends allowed)."""
    starts_in_time = TimetableEntry.valid_from <= valid_to if valid_to is not None else True
    return and_(
        starts_in_time,  # type: ignore[arg-type]
        or_(TimetableEntry.valid_to.is_(None), TimetableEntry.valid_to >= valid_from),
    )


async def _setup_ready(ctx: Ctx, year_id: int) -> bool:
    """R12: the year has reporting periods and a bell schedule with slots."""
    periods = exists().where(ReportingPeriod.scheme_id == PeriodScheme.id, PeriodScheme.year_id == year_id)
    bells = exists().where(BellSlot.schedule_id == BellSchedule.id, BellSchedule.year_id == year_id)
    return bool(await ctx.session.scalar(select(and_(periods, bells))))


async def _has_curriculum_link(ctx: Ctx, group: Group, subject_id: int) -> bool:
    """R18: a curriculum line links the subject to a class of the group, its grade, or its ИУП."""
    class_ids = select(GroupClass.class_id).where(GroupClass.group_id == group.id)
    grades = (
        select(Parallel.grade)
        .join(SchoolClass, SchoolClass.parallel_id == Parallel.id)
        .where(SchoolClass.id.in_(class_ids))
    )
    targets = [CurriculumPlan.class_id.in_(class_ids), CurriculumPlan.grade.in_(grades)]
    if group.individual_curriculum_id is not None:
        targets.append(CurriculumPlan.individual_curriculum_id == group.individual_curriculum_id)
    return bool(
        await ctx.session.scalar(
            select(
                exists().where(
                    CurriculumPlan.school_id == group.school_id,
                    CurriculumPlan.year_id == group.year_id,
                    CurriculumPlan.subject_id == subject_id,
                    or_(*targets),
                )
            )
        )
    )


async def _get(ctx: Ctx, model: type, entity: str, entity_id: int) -> object:
    row = await ctx.session.get(model, entity_id)
    if row is None or row.school_id != ctx.actor.school_id:
        raise NotFound(entity, entity=entity, id=entity_id)
    return row


async def create_timetable_entry(
    ctx: Ctx,
    *,
    group_id: int,
    subject_id: int,
    weekday: int,
    bell_slot_id: int,
    teacher_staff_id: int,
    room_id: int | None = None,
    valid_from: date,
    valid_to: date | None = None,
    activity_kind: ActivityKind | None = None,
) -> TimetableEntryResult:
    """Add a weekly timetable slot for a group; teacher and room clashes are saved with warnings."""
    require_role(ctx, *SCHEDULERS, rule="§2.3", entity="timetable_entry")
    group = await _get(ctx, Group, "group", group_id)
    assert isinstance(group, Group)
    subject = await _get(ctx, Subject, "subject", subject_id)
    assert isinstance(subject, Subject)
    await _get(ctx, Staff, "staff", teacher_staff_id)
    if room_id is not None:
        await _get(ctx, Room, "room", room_id)
    if not 0 <= weekday <= 6:
        raise InvalidInput("weekday must be 0..6", rule="§3.3", field="weekday")
    if valid_to is not None and valid_to < valid_from:
        raise InvalidInput("valid_to before valid_from", rule="§3.3", field="valid_to")
    if not await _setup_ready(ctx, group.year_id):
        raise InvalidInput("the year has no reporting periods or no bell schedule", rule="R12")
    slot_in_year = await ctx.session.scalar(
        select(BellSlot.id)
        .join(BellSchedule, BellSchedule.id == BellSlot.schedule_id)
        .where(BellSlot.id == bell_slot_id, BellSchedule.year_id == group.year_id)
    )
    if slot_in_year is None:
        raise NotFound("bell slot", entity="bell_slot", id=bell_slot_id)
    if not await _has_curriculum_link(ctx, group, subject_id):
        raise InvalidInput("no curriculum link between the subject and the group", rule="R18")

    same_slot = [
        TimetableEntry.school_id == ctx.actor.school_id,
        TimetableEntry.weekday == weekday,
        TimetableEntry.bell_slot_id == bell_slot_id,
        _overlaps(valid_from, valid_to),
    ]
    if await ctx.session.scalar(select(exists().where(*same_slot, TimetableEntry.group_id == group_id))):
        raise InvalidInput("the group is already booked in this slot", rule="§3.3", clash="group")
    warnings: list[str] = []
    if await ctx.session.scalar(
        select(exists().where(*same_slot, TimetableEntry.teacher_staff_id == teacher_staff_id))
    ):
        warnings.append("teacher_clash")
    if room_id is not None and await ctx.session.scalar(
        select(exists().where(*same_slot, TimetableEntry.room_id == room_id))
    ):
        warnings.append("room_clash")

    entry = TimetableEntry(
        school_id=ctx.actor.school_id,
        year_id=group.year_id,
        group_id=group_id,
        subject_id=subject_id,
        weekday=weekday,
        bell_slot_id=bell_slot_id,
        room_id=room_id,
        teacher_staff_id=teacher_staff_id,
        valid_from=valid_from,
        valid_to=valid_to,
        activity_kind=ActivityKind(
            activity_kind or subject.activity_kind
        ),  # R7: every kind is scheduled alike
        created_by=ctx.actor.account_id,
    )
    ctx.session.add(entry)
    await ctx.session.flush()
    await ctx.audit(AuditAction.create, "timetable_entry", entry.id, after=snapshot(entry))
    return TimetableEntryResult(entry.id, tuple(warnings))
