"""Substitutions, combined lessons, reschedules, cancellations and room changes (R42, R43, §3.3).

The coordinator or deputy head registers a change (or approves a teacher's request); registering
updates the lesson at once, flags a registration after the lesson day, and tells the families of the
group's students when the lesson is within the coming week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from core.audit.snapshot import snapshot
from core.db.models import BellSlot, Group, Lesson, Room, Staff, Subject, Substitution
from core.domain.enums import (
    AuditAction,
    LessonStatus,
    NotificationCategory,
    RequestStatus,
    SubstitutionKind,
    SubstitutionReason,
)
from core.domain.errors import Forbidden, InvalidInput, NotFound
from core.outbox.family import notify_family
from core.policy.deadlines import substitution_deadline
from core.usecases.access import TEACHING_ROLES, require_lesson_write, require_role
from core.usecases.context import Ctx
from core.usecases.journal.lateness import seconds_late
from core.usecases.roster import roster
from core.usecases.timetable.timetable import SCHEDULERS

NOTIFY_AHEAD_DAYS = 7
TEACHER_CHANGES = (SubstitutionKind.substitution, SubstitutionKind.combined)


@dataclass(frozen=True)
class SubstitutionResult:
    substitution_id: int
    status: RequestStatus
    late_seconds: int | None = None
    new_lesson_id: int | None = None  # the lesson a reschedule created
    notified: int = 0  # outbox rows written


async def _lesson(ctx: Ctx, lesson_id: int) -> Lesson:
    lesson = await ctx.session.get(Lesson, lesson_id)
    if lesson is None or lesson.school_id != ctx.actor.school_id:
        raise NotFound("lesson", entity="lesson", id=lesson_id)
    return lesson


async def _check_ref(ctx: Ctx, model: type, entity: str, entity_id: int | None) -> None:
    if entity_id is None:
        return
    row = await ctx.session.get(model, entity_id)
    if row is None or row.school_id != ctx.actor.school_id:
        raise NotFound(entity, entity=entity, id=entity_id)


async def _validate(ctx: Ctx, lesson: Lesson, sub: Substitution, *, request: bool = False) -> None:
    """Kind-specific inputs, and that the lesson can still change (R42, §10.19).

    A request may leave the substitute open: the deputy names one when approving.
    """
    if lesson.status in (LessonStatus.cancelled, LessonStatus.rescheduled):
        raise InvalidInput(
            "the lesson was already cancelled or moved", rule="R42", status=lesson.status.value
        )
    kind = sub.kind
    open_request = request and sub.substitute_teacher_id is None
    if (
        kind in TEACHER_CHANGES
        and not open_request
        and sub.substitute_teacher_id in (None, lesson.actual_teacher_id)
    ):
        raise InvalidInput("a substitute other than the current teacher is required", rule="R42")
    if kind == SubstitutionKind.room_change and sub.new_room_id is None:
        raise InvalidInput("a room change needs the new room", rule="R42", field="new_room_id")
    if kind == SubstitutionKind.reschedule and sub.new_date is None:
        raise InvalidInput("a reschedule needs the new date", rule="R42", field="new_date")
    if (
        kind in (SubstitutionKind.cancellation, SubstitutionKind.reschedule)
        and lesson.status == LessonStatus.held
    ):
        raise InvalidInput("a held lesson cannot be cancelled or moved", rule="R32")
    await _check_ref(ctx, Staff, "staff", sub.substitute_teacher_id)
    await _check_ref(ctx, Room, "room", sub.new_room_id)
    await _check_ref(ctx, BellSlot, "bell_slot", sub.new_bell_slot_id)


def _new_substitution(
    ctx: Ctx,
    lesson: Lesson,
    kind: SubstitutionKind,
    substitute_staff_id: int | None,
    new_room_id: int | None,
    new_date: date | None,
    new_bell_slot_id: int | None,
    reason: SubstitutionReason,
) -> Substitution:
    return Substitution(
        school_id=ctx.actor.school_id,
        lesson_id=lesson.id,
        kind=SubstitutionKind(kind),
        original_teacher_id=lesson.actual_teacher_id,
        substitute_teacher_id=substitute_staff_id,
        new_room_id=new_room_id,
        new_date=new_date,
        new_bell_slot_id=new_bell_slot_id,
        reason=SubstitutionReason(reason),
    )


async def request_substitution(
    ctx: Ctx,
    *,
    lesson_id: int,
    kind: SubstitutionKind = SubstitutionKind.substitution,
    substitute_staff_id: int | None = None,
    new_room_id: int | None = None,
    new_date: date | None = None,
    new_bell_slot_id: int | None = None,
    reason: SubstitutionReason = SubstitutionReason.other,
) -> SubstitutionResult:
    """A teacher asks for a change; it has no effect on the lesson until approved (R42, C41)."""
    p = ctx.principal
    if p.staff_id is None or not p.has(*TEACHING_ROLES):
        raise Forbidden("only teachers request substitutions", rule="R42", entity="lesson", id=lesson_id)
    if not (await ctx.policy()).teacher_can_request_substitution:
        raise Forbidden("substitution requests are off", rule="R42", entity="lesson", id=lesson_id)
    lesson = await _lesson(ctx, lesson_id)
    try:
        await require_lesson_write(ctx, lesson)
    except Forbidden:
        # Outside the lesson's scope a teacher may only offer to cover it personally.
        if kind not in TEACHER_CHANGES or substitute_staff_id not in (None, p.staff_id):
            raise
        substitute_staff_id = p.staff_id
    sub = _new_substitution(
        ctx, lesson, kind, substitute_staff_id, new_room_id, new_date, new_bell_slot_id, reason
    )
    sub.status = RequestStatus.requested
    sub.requested_by = ctx.actor.account_id
    await _validate(ctx, lesson, sub, request=True)
    ctx.session.add(sub)
    await ctx.session.flush()
    await ctx.audit(AuditAction.create, "substitution", sub.id, after=snapshot(sub))
    return SubstitutionResult(sub.id, sub.status)


async def register_substitution(
    ctx: Ctx,
    *,
    lesson_id: int,
    kind: SubstitutionKind,
    substitute_staff_id: int | None = None,
    new_room_id: int | None = None,
    new_date: date | None = None,
    new_bell_slot_id: int | None = None,
    reason: SubstitutionReason = SubstitutionReason.other,
) -> SubstitutionResult:
    """Register a schedule change and apply it to the lesson at once (R42, R43)."""
    require_role(ctx, *SCHEDULERS, rule="R42", entity="lesson")
    lesson = await _lesson(ctx, lesson_id)
    sub = _new_substitution(
        ctx, lesson, kind, substitute_staff_id, new_room_id, new_date, new_bell_slot_id, reason
    )
    await _validate(ctx, lesson, sub)
    ctx.session.add(sub)
    await ctx.session.flush()
    return await _register(ctx, lesson, sub, before=None)


async def approve_substitution_request(
    ctx: Ctx, *, substitution_id: int, substitute_staff_id: int | None = None
) -> SubstitutionResult:
    """Approve a teacher's request (naming the substitute if the request left it open) and apply it (R42)."""
    require_role(ctx, *SCHEDULERS, rule="R42", entity="substitution")
    sub = await ctx.session.get(Substitution, substitution_id)
    if sub is None or sub.school_id != ctx.actor.school_id:
        raise NotFound("substitution", entity="substitution", id=substitution_id)
    if sub.status != RequestStatus.requested:
        raise InvalidInput("the request was already decided", rule="R42", status=sub.status.value)
    lesson = await _lesson(ctx, sub.lesson_id)
    before = snapshot(sub)
    if substitute_staff_id is not None:
        sub.substitute_teacher_id = substitute_staff_id
    await _validate(ctx, lesson, sub)
    return await _register(ctx, lesson, sub, before=before)


async def reject_substitution_request(ctx: Ctx, *, substitution_id: int) -> SubstitutionResult:
    """Turn down a teacher's request; the lesson stays as it was (R42)."""
    require_role(ctx, *SCHEDULERS, rule="R42", entity="substitution")
    sub = await ctx.session.get(Substitution, substitution_id)
    if sub is None or sub.school_id != ctx.actor.school_id:
        raise NotFound("substitution", entity="substitution", id=substitution_id)
    if sub.status != RequestStatus.requested:
        raise InvalidInput("the request was already decided", rule="R42", status=sub.status.value)
    before = snapshot(sub)
    sub.status = RequestStatus.rejected
    await ctx.audit(AuditAction.reject, "substitution", sub.id, before=before, after=snapshot(sub))
    return SubstitutionResult(sub.id, sub.status)


async def _register(
    ctx: Ctx, lesson: Lesson, sub: Substitution, *, before: dict[str, object] | None
) -> SubstitutionResult:
    policy = await ctx.policy()
    sub.status = RequestStatus.registered
    sub.registered_by = ctx.actor.account_id
    sub.registered_at = ctx.now
    sub.late_seconds = seconds_late(ctx.now, substitution_deadline(lesson.date, policy.tz))
    lesson_before = snapshot(lesson)
    new_lesson = await _apply(ctx, lesson, sub)
    await ctx.session.flush()
    action = AuditAction.create if before is None else AuditAction.approve
    await ctx.audit(action, "substitution", sub.id, before=before, after=snapshot(sub))
    await ctx.audit(AuditAction.update, "lesson", lesson.id, before=lesson_before, after=snapshot(lesson))
    if new_lesson is not None:
        await ctx.audit(AuditAction.create, "lesson", new_lesson.id, after=snapshot(new_lesson))
    notified = await _notify(ctx, lesson, sub, new_lesson)
    return SubstitutionResult(
        sub.id, sub.status, sub.late_seconds, new_lesson.id if new_lesson else None, notified
    )


async def _apply(ctx: Ctx, lesson: Lesson, sub: Substitution) -> Lesson | None:
    """Change the lesson as the registered substitution says (§3.3 Substitution invariant)."""
    if sub.kind in TEACHER_CHANGES:
        assert sub.substitute_teacher_id is not None
        lesson.actual_teacher_id = sub.substitute_teacher_id
    elif sub.kind == SubstitutionKind.room_change:
        lesson.room_id = sub.new_room_id
    elif sub.kind == SubstitutionKind.cancellation:
        lesson.status = LessonStatus.cancelled
    elif sub.kind == SubstitutionKind.reschedule:
        assert sub.new_date is not None
        moved = Lesson(
            school_id=lesson.school_id,
            date=sub.new_date,
            bell_slot_id=sub.new_bell_slot_id or lesson.bell_slot_id,
            group_id=lesson.group_id,
            subject_id=lesson.subject_id,
            scheduled_teacher_id=lesson.scheduled_teacher_id,
            actual_teacher_id=lesson.actual_teacher_id,
            room_id=sub.new_room_id or lesson.room_id,
            status=LessonStatus.planned,
        )
        ctx.session.add(moved)
        await ctx.session.flush()
        lesson.status = LessonStatus.rescheduled
        lesson.rescheduled_to_lesson_id = moved.id
        return moved
    return None


async def _notify(ctx: Ctx, lesson: Lesson, sub: Substitution, moved: Lesson | None) -> int:
    """A `schedule` event per student of the group for changes within the coming week (R43, C42)."""
    today = await ctx.today()
    dates = {lesson.date} | ({moved.date} if moved is not None else set())
    if not any(today <= d <= today + timedelta(days=NOTIFY_AHEAD_DAYS) for d in dates):
        return 0
    group = await ctx.session.get(Group, lesson.group_id)
    subject = await ctx.session.get(Subject, lesson.subject_id)
    slot = await ctx.session.get(BellSlot, lesson.bell_slot_id)
    assert group is not None
    assert subject is not None
    assert slot is not None
    teacher = await ctx.session.get(Staff, lesson.actual_teacher_id)
    room = await ctx.session.get(Room, lesson.room_id) if lesson.room_id is not None else None
    payload: dict[str, object] = {
        "lesson_id": lesson.id,
        "date": lesson.date.isoformat(),
        "slot": slot.number,
        "subject_id": subject.id,
        "subject": subject.name,
        "change": sub.kind.value,
        "teacher": {
            "staff_id": lesson.actual_teacher_id,
            "last_name": teacher.last_name if teacher else None,
            "first_name": teacher.first_name if teacher else None,
            "patronymic": teacher.patronymic if teacher else None,
        },
        "room": room.number if room is not None else None,
    }
    if moved is not None:
        new_slot = await ctx.session.get(BellSlot, moved.bell_slot_id)
        payload |= {
            "new_lesson_id": moved.id,
            "new_date": moved.date.isoformat(),
            "new_slot": new_slot.number if new_slot else None,
        }
    notified = 0
    for student_id in sorted(await roster(ctx.session, group, lesson.date)):
        notified += await notify_family(
            ctx,
            student_id=student_id,
            category=NotificationCategory.schedule,
            event_type="schedule_changed",
            payload=payload,
            subject_ref=f"lesson:{lesson.id}",
            dedup_key=f"substitution:{sub.id}:{student_id}",
            bypass_quiet_hours=today in dates,
        )
    return notified
