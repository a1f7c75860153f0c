"""Attendance: absences and lateness of a lesson, "all present", absence reasons (R36–R38, R48, R58).

Presence is the absence of a row once `lesson.attendance_taken_at` is set (§3.4). `record_attendance`
takes the lesson's complete list of absentees and latecomers: students not listed are present, and
an earlier row for them is voided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import select

from core.audit.snapshot import snapshot
from core.db.models import Attendance, BellSlot, Lesson, Subject
from core.domain.enums import (
    AbsenceReason,
    AttendanceStatus,
    AuditAction,
    NotificationCategory,
    Role,
    RowStatus,
)
from core.domain.errors import ConcurrentChange, Forbidden, InvalidInput, NotFound
from core.outbox.family import notify_family, settle_delay, was_sent, withdraw_pending
from core.policy.deadlines import attendance_deadline
from core.usecases.context import Ctx
from core.usecases.journal.entries import load_lesson, russian_text_warnings
from core.usecases.journal.lateness import late_seconds
from core.usecases.journal.locks import WriteKind, check_journal_write
from core.usecases.journal.marks import (
    author_id,
    require_on_roster,
    require_writer,
)
from core.usecases.roster import student_class_on

_LESSON_FIELDS = ("attendance_taken_at", "attendance_late_seconds")


@dataclass(frozen=True)
class AttendanceEntry:
    """One absentee or latecomer; `reason` None keeps a reason already set (e.g. by the form tutor)."""

    student_id: int
    kind: AttendanceStatus
    late_minutes: int | None = None
    reason: AbsenceReason | None = None
    comment: str | None = None


@dataclass(frozen=True)
class AttendanceResult:
    lesson_id: int
    attendance_ids: dict[int, int]  # student id → active attendance row id
    voided_ids: tuple[int, ...]
    attendance_late_seconds: int | None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class AttendanceRowResult:
    attendance_id: int
    version: int


def _validate(entries: Sequence[AttendanceEntry]) -> None:
    seen: set[int] = set()
    for entry in entries:
        if entry.student_id in seen:
            raise InvalidInput("a student is listed twice", rule="R37", student_id=entry.student_id)
        seen.add(entry.student_id)
        kind = _coded(AttendanceStatus, entry.kind, "R37", entry.student_id)
        if entry.reason is not None:
            _coded(AbsenceReason, entry.reason, "R6", entry.student_id)
        if kind is AttendanceStatus.absent and entry.late_minutes is not None:
            raise InvalidInput(
                "minutes late belong to lateness only", rule="R37", student_id=entry.student_id
            )
        if entry.late_minutes is not None and not 0 <= entry.late_minutes <= 600:
            raise InvalidInput("minutes late out of range", rule="R37", student_id=entry.student_id)


E = TypeVar("E", bound=StrEnum)


def _coded(codes: type[E], value: object, rule: str, student_id: int | None = None) -> E:
    """Statuses and reasons are closed, coarse codes (R6, R37): anything else is refused, never stored."""
    try:
        return codes(value)
    except ValueError:
        raise InvalidInput(
            "not one of the attendance codes", rule=rule, value=str(value), student_id=student_id
        ) from None


def attendance_key(lesson_id: int, student_id: int) -> str:
    return f"attendance:{lesson_id}:{student_id}"


async def _payload(ctx: Ctx, row: Attendance, lesson: Lesson) -> dict[str, Any]:
    subject = await ctx.session.get(Subject, lesson.subject_id)
    slot = await ctx.session.get(BellSlot, lesson.bell_slot_id)
    assert subject is not None
    assert slot is not None
    reason = row.reason.value if row.reason is not None else None
    return {
        "attendance_id": row.id,
        "lesson_id": lesson.id,
        "lesson_date": lesson.date.isoformat(),
        "lesson_number": slot.number,
        "subject_id": subject.id,
        "subject": subject.name,
        "status": AttendanceStatus(row.kind).value,
        "late_minutes": row.late_minutes,
        "reason": None if reason == AbsenceReason.unknown.value else reason,
    }


async def _announce(ctx: Ctx, row: Attendance, lesson: Lesson, *, only_reason_changed: bool) -> None:
    """Queue the final state after the settle delay; once sent, a reason change is its own event (§5.2)."""
    key = attendance_key(lesson.id, row.student_id)
    await withdraw_pending(ctx, key)
    sent = await was_sent(ctx, key)
    if row.status == RowStatus.void:
        event = "attendance_voided" if sent else None
    elif sent and only_reason_changed:
        event = "absence_reason_changed"
    else:
        event = "lateness_recorded" if row.kind == AttendanceStatus.late else "absence_recorded"
    if event is None:
        return
    await notify_family(
        ctx,
        student_id=row.student_id,
        category=NotificationCategory.attendance,
        event_type=event,
        payload=await _payload(ctx, row, lesson),
        dedup_key=key,
        delay=await settle_delay(ctx),
    )


async def _void(
    ctx: Ctx, row: Attendance, lesson: Lesson, role: Role, why: str | None, approval: int | None
) -> None:
    before = snapshot(row)
    row.void(at=ctx.now, by=author_id(ctx), reason=why)
    await ctx.session.flush()
    await ctx.audit(
        AuditAction.void,
        "attendance",
        row.id,
        before=before,
        after=snapshot(row),
        reason=why,
        approval_id=approval,
        role=role,
    )
    await _announce(ctx, row, lesson, only_reason_changed=False)


async def record_attendance(
    ctx: Ctx, *, lesson_id: int, entries: Sequence[AttendanceEntry] = ()
) -> AttendanceResult:
    """Save the lesson's attendance; an empty list confirms "all present" (R36). Late saves are flagged."""
    lesson = await load_lesson(ctx, lesson_id, lock=True)  # serialises concurrent savers on PostgreSQL
    role = await require_writer(ctx, lesson)
    author = author_id(ctx)
    _validate(entries)
    for entry in entries:
        await require_on_roster(ctx, lesson, entry.student_id)
    warnings = await russian_text_warnings(ctx, *(e.comment for e in entries))
    approval_id = await check_journal_write(ctx, lesson, WriteKind.attendance)
    policy = await ctx.policy()
    late = await late_seconds(ctx, lesson, lambda d: attendance_deadline(d, policy))
    existing = {
        row.student_id: row
        for row in await ctx.session.scalars(
            select(Attendance)
            .where(Attendance.lesson_id == lesson.id, Attendance.status == RowStatus.active.value)
            .with_for_update()
        )
    }
    ids: dict[int, int] = {}
    for entry in entries:
        row = existing.pop(entry.student_id, None)
        if row is None:
            row = Attendance(
                school_id=ctx.actor.school_id,
                student_id=entry.student_id,
                lesson_id=lesson.id,
                kind=AttendanceStatus(entry.kind),
                late_minutes=entry.late_minutes,
                reason=entry.reason or AbsenceReason.unknown,
                reason_set_by=author,
                comment=entry.comment,
                entered_by=author,
                entered_at=ctx.now,
                late_seconds=late,
            )
            ctx.session.add(row)
            await ctx.session.flush()
            await ctx.audit(
                AuditAction.create,
                "attendance",
                row.id,
                after=snapshot(row),
                approval_id=approval_id,
                role=role,
            )
            await _announce(ctx, row, lesson, only_reason_changed=False)
        else:
            before = snapshot(row)
            presence_before = (row.kind, row.late_minutes)
            row.kind = AttendanceStatus(entry.kind)
            row.late_minutes = entry.late_minutes
            row.comment = entry.comment
            if entry.reason is not None and entry.reason != row.reason:
                row.reason = entry.reason
                row.reason_set_by = author
            if snapshot(row) != before:
                row.entered_by = author
                row.entered_at = ctx.now
                await ctx.session.flush()
                await ctx.audit(
                    AuditAction.update,
                    "attendance",
                    row.id,
                    before=before,
                    after=snapshot(row),
                    approval_id=approval_id,
                    role=role,
                )
                await _announce(
                    ctx, row, lesson, only_reason_changed=presence_before == (row.kind, row.late_minutes)
                )
        ids[entry.student_id] = row.id
    voided = []
    for row in existing.values():  # listed before, present now
        await _void(ctx, row, lesson, role, "present", approval_id)
        voided.append(row.id)
    if lesson.attendance_taken_at is None:
        before = snapshot(lesson, _LESSON_FIELDS)
        lesson.attendance_taken_at = ctx.now
        lesson.attendance_late_seconds = late
        await ctx.session.flush()
        await ctx.audit(
            AuditAction.update,
            "lesson",
            lesson.id,
            before=before,
            after=snapshot(lesson, _LESSON_FIELDS),
            approval_id=approval_id,
            role=role,
        )
    return AttendanceResult(lesson.id, ids, tuple(voided), lesson.attendance_late_seconds, warnings)


async def _locked_row(ctx: Ctx, attendance_id: int) -> Attendance:
    row = await ctx.session.scalar(
        select(Attendance)
        .where(Attendance.id == attendance_id, Attendance.school_id == ctx.actor.school_id)
        .with_for_update()
    )
    if row is None:
        raise NotFound("attendance", entity="attendance", id=attendance_id)
    return row


def _require_current(row: Attendance, expected_version: int | None) -> None:
    if expected_version is not None and row.version != expected_version:
        raise ConcurrentChange(
            "the attendance was changed meanwhile",
            entity="attendance",
            id=row.id,
            expected=expected_version,
            actual=row.version,
        )
    if row.status != RowStatus.active:
        raise InvalidInput("the attendance row is void", rule="R58", entity="attendance", id=row.id)


async def _reason_setter_role(ctx: Ctx, lesson: Lesson, student_id: int) -> Role:
    """The teacher in scope O, or the student's form tutor when the school allows it (R38)."""
    try:
        return await require_writer(ctx, lesson)
    except Forbidden as refusal:
        class_id = await student_class_on(ctx.session, student_id, lesson.date)
        if class_id is None or class_id not in ctx.principal.tutor_class_ids:
            raise
        if not (await ctx.policy()).form_tutor_sets_absence_reason:
            raise Forbidden(
                "form tutors may not set absence reasons here", rule="R38", entity="attendance", id=student_id
            ) from refusal
        return Role.form_tutor


async def set_absence_reason(
    ctx: Ctx, *, attendance_id: int, reason: AbsenceReason, expected_version: int | None = None
) -> AttendanceRowResult:
    """Set or change the reason only, never presence (R38, C31); audited, families told (§5.2)."""
    reason = _coded(AbsenceReason, reason, "R6")
    row = await _locked_row(ctx, attendance_id)
    lesson = await load_lesson(ctx, row.lesson_id)
    role = await _reason_setter_role(ctx, lesson, row.student_id)
    _require_current(row, expected_version)
    approval_id = await check_journal_write(ctx, lesson, WriteKind.attendance, student_id=row.student_id)
    if row.reason == reason:
        return AttendanceRowResult(row.id, row.version)
    before = snapshot(row)
    row.reason = reason
    row.reason_set_by = author_id(ctx)
    await ctx.session.flush()
    await ctx.audit(
        AuditAction.update,
        "attendance",
        row.id,
        before=before,
        after=snapshot(row),
        reason="absence_reason",
        approval_id=approval_id,
        role=role,
    )
    await _announce(ctx, row, lesson, only_reason_changed=True)
    return AttendanceRowResult(row.id, row.version)


async def void_attendance(
    ctx: Ctx, *, attendance_id: int, expected_version: int | None = None, reason: str | None = None
) -> AttendanceRowResult:
    """Remove an absence or lateness (the student was present): the row is voided and stays (R58)."""
    row = await _locked_row(ctx, attendance_id)
    lesson = await load_lesson(ctx, row.lesson_id)
    try:
        role = await require_writer(ctx, lesson)
    except Forbidden as refusal:
        class_id = await student_class_on(ctx.session, row.student_id, lesson.date)
        if class_id is not None and class_id in ctx.principal.tutor_class_ids:
            raise Forbidden(
                "the form tutor changes reasons, never presence", rule="R38", entity="attendance", id=row.id
            ) from refusal
        raise
    _require_current(row, expected_version)
    approval_id = await check_journal_write(ctx, lesson, WriteKind.attendance, student_id=row.student_id)
    await _void(ctx, row, lesson, role, reason, approval_id)
    return AttendanceRowResult(row.id, row.version)
