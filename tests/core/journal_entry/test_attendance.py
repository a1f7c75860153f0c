"""Attendance: absences, lateness, "all present", reasons by teacher and form tutor (R36–R38, R9, R48, R58)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import Lesson, OutageWindow
from core.domain.enums import AbsenceReason, AttendanceStatus, AuditAction, RowStatus
from core.domain.errors import Forbidden, InvalidInput
from core.usecases.context import execute
from core.usecases.journal.attendance import (
    AttendanceEntry,
    record_attendance,
    set_absence_reason,
    void_attendance,
)
from tests.builders import SpecSchool, build_spec_school, msk
from tests.core.journal_entry.helpers import attendance_of, audit_events
from tests.core.journal_entry.test_marks import add_substitute

ABSENT = AttendanceStatus.absent
LATE = AttendanceStatus.late


async def _take(b: SpecSchool, *entries: AttendanceEntry, who: str = "T", at=None, lesson: int | None = None):
    return await execute(
        b.sessionmaker,
        b.actor(who, at=at or msk(2025, 10, 8, 11)),
        record_attendance,
        lesson_id=lesson or b.lesson_l,
        entries=list(entries),
    )


async def _lesson(b: SpecSchool, lesson_id: int | None = None) -> Lesson:
    async with b.sessionmaker() as s:
        lesson = await s.get(Lesson, lesson_id or b.lesson_l)
        assert lesson is not None
        return lesson


async def test_all_present_confirmed_on_time_sets_attendance_taken(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R36, R58: an empty list confirms "all present"; attendance_taken_at is set, on time, and audited."""
    b = await build_spec_school(sessionmaker)
    result = await _take(b, at=msk(2025, 10, 8, 20, 0))
    lesson = await _lesson(b)
    assert (lesson.attendance_taken_at, lesson.attendance_late_seconds) == (msk(2025, 10, 8, 20, 0), None)
    assert result.attendance_ids == {}
    [event] = await audit_events(b, "lesson", b.lesson_l)
    assert event.action == AuditAction.update
    assert event.before == {"attendance_taken_at": None, "attendance_late_seconds": None}


async def test_all_present_confirmed_after_day_end_is_flagged_attendance_late(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R36, R4, C29: "all present" confirmed at 21:30 is accepted and the lesson carries attendance_late_seconds."""
    b = await build_spec_school(sessionmaker)
    await _take(b, at=msk(2025, 10, 8, 21, 30))
    lesson = await _lesson(b)
    assert lesson.attendance_taken_at == msk(2025, 10, 8, 21, 30)
    assert lesson.attendance_late_seconds is not None
    assert lesson.attendance_late_seconds == 29 * 60  # the 21:00 minute itself is on time


async def test_absence_and_lateness_are_recorded_with_minutes_and_unknown_reason(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R37, R58, C60: an absence and a 10-minute lateness are stored (reason unknown by default) and audited."""
    b = await build_spec_school(sessionmaker)
    result = await _take(
        b,
        AttendanceEntry(b.student_ids["S"], ABSENT),
        AttendanceEntry(b.student_ids["V"], LATE, late_minutes=10, reason=AbsenceReason.excused),
    )
    rows = {r.student_id: r for r in await attendance_of(b)}
    s_row, v_row = rows[b.student_ids["S"]], rows[b.student_ids["V"]]
    assert (s_row.kind, s_row.reason, s_row.late_minutes) == (ABSENT, AbsenceReason.unknown, None)
    assert (v_row.kind, v_row.reason, v_row.late_minutes) == (LATE, AbsenceReason.excused, 10)
    assert set(result.attendance_ids) == {b.student_ids["S"], b.student_ids["V"]}
    assert (await _lesson(b)).attendance_taken_at is not None
    for row in rows.values():
        assert [e.action for e in await audit_events(b, "attendance", row.id)] == [AuditAction.create]


async def test_minutes_late_on_an_absence_are_refused(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """R37: an absence with minutes late is invalid and nothing is written."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(InvalidInput):
        await _take(b, AttendanceEntry(b.student_ids["S"], ABSENT, late_minutes=5))
    assert await attendance_of(b) == []
    assert (await _lesson(b)).attendance_taken_at is None


async def test_resaving_without_a_student_voids_the_earlier_absence_and_keeps_the_row(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R58, C60: S marked absent by mistake, then the list is saved without S: the row is void, not deleted."""
    b = await build_spec_school(sessionmaker)
    first = await _take(b, AttendanceEntry(b.student_ids["S"], ABSENT))
    second = await _take(b, AttendanceEntry(b.student_ids["V"], ABSENT), at=msk(2025, 10, 8, 12))
    assert second.voided_ids == (first.attendance_ids[b.student_ids["S"]],)
    rows = {r.student_id: r.status for r in await attendance_of(b)}
    assert rows == {b.student_ids["S"]: RowStatus.void, b.student_ids["V"]: RowStatus.active}
    assert (await _lesson(b)).attendance_taken_at == msk(2025, 10, 8, 11)  # the first taking stays


async def test_absence_changed_to_lateness_updates_the_same_row(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R37, R58: absent → late 15 minutes updates the active row and audits before/after."""
    b = await build_spec_school(sessionmaker)
    first = await _take(b, AttendanceEntry(b.student_ids["S"], ABSENT))
    await _take(b, AttendanceEntry(b.student_ids["S"], LATE, late_minutes=15), at=msk(2025, 10, 8, 12))
    [row] = await attendance_of(b)
    assert (row.id, row.kind, row.late_minutes) == (first.attendance_ids[b.student_ids["S"]], LATE, 15)
    _create, update = await audit_events(b, "attendance", row.id)
    assert update.before is not None
    assert update.after is not None
    assert (update.before["kind"], update.after["kind"]) == ("absent", "late")


async def test_form_tutor_sets_the_reason_but_cannot_remove_the_absence(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R38, C31: K changes S's reason unknown → ill (audited as form tutor); deleting the absence is refused."""
    b = await build_spec_school(sessionmaker)
    taken = await _take(b, AttendanceEntry(b.student_ids["S"], ABSENT))
    row_id = taken.attendance_ids[b.student_ids["S"]]
    await execute(
        sessionmaker,
        b.actor("K", at=msk(2025, 10, 8, 16)),
        set_absence_reason,
        attendance_id=row_id,
        reason=AbsenceReason.ill,
    )
    with pytest.raises(Forbidden) as refusal:
        await execute(sessionmaker, b.actor("K"), void_attendance, attendance_id=row_id)
    assert refusal.value.rule == "R38"
    with pytest.raises(Forbidden):
        await _take(b, who="K")
    [row] = await attendance_of(b)
    assert (row.status, row.reason, row.reason_set_by) == ("active", AbsenceReason.ill, b.account_ids["K"])
    update = [e for e in await audit_events(b, "attendance", row_id) if e.action == AuditAction.update]
    assert len(update) == 1
    assert update[0].before is not None
    assert update[0].after is not None
    assert (update[0].actor_role, update[0].before["reason"], update[0].after["reason"]) == (
        "form_tutor",
        "unknown",
        "ill",
    )


async def test_teacher_resaving_the_list_keeps_a_reason_the_tutor_set(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R38: a re-save without a reason does not undo the form tutor's reason."""
    b = await build_spec_school(sessionmaker)
    taken = await _take(b, AttendanceEntry(b.student_ids["S"], ABSENT))
    row_id = taken.attendance_ids[b.student_ids["S"]]
    await execute(
        sessionmaker, b.actor("K"), set_absence_reason, attendance_id=row_id, reason=AbsenceReason.ill
    )
    await _take(b, AttendanceEntry(b.student_ids["S"], ABSENT), at=msk(2025, 10, 8, 17))
    [row] = await attendance_of(b)
    assert row.reason == AbsenceReason.ill


async def test_form_tutor_reason_setting_can_be_switched_off_and_other_classes_stay_closed(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R38: with form_tutor_sets_absence_reason off K is refused; T2 (tutor of 5Б) never reaches 5А."""
    b = await build_spec_school(sessionmaker)
    taken = await _take(b, AttendanceEntry(b.student_ids["S"], ABSENT))
    row_id = taken.attendance_ids[b.student_ids["S"]]
    with pytest.raises(Forbidden):
        await execute(
            sessionmaker, b.actor("T2"), set_absence_reason, attendance_id=row_id, reason=AbsenceReason.ill
        )
    await b.set_policy(form_tutor_sets_absence_reason=False)
    with pytest.raises(Forbidden) as refusal:
        await execute(
            sessionmaker, b.actor("K"), set_absence_reason, attendance_id=row_id, reason=AbsenceReason.ill
        )
    assert refusal.value.rule == "R38"
    await execute(
        sessionmaker, b.actor("T"), set_absence_reason, attendance_id=row_id, reason=AbsenceReason.excused
    )
    [row] = await attendance_of(b)
    assert row.reason == AbsenceReason.excused


async def test_teacher_voids_an_absence_and_the_row_remains(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R58, C60: void_attendance keeps the row as void with who and why."""
    b = await build_spec_school(sessionmaker)
    taken = await _take(b, AttendanceEntry(b.student_ids["S"], ABSENT))
    row_id = taken.attendance_ids[b.student_ids["S"]]
    await execute(sessionmaker, b.actor("T"), void_attendance, attendance_id=row_id, reason="ошибка")
    [row] = await attendance_of(b)
    assert (row.status, row.voided_by, row.void_reason) == ("void", b.account_ids["T"], "ошибка")
    assert (await audit_events(b, "attendance", row_id))[-1].action == AuditAction.void


async def test_attendance_only_for_students_on_the_roster(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R48, R30: B (5Б) cannot be marked absent on the 5А lesson; nothing is written."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden):
        await _take(b, AttendanceEntry(b.student_ids["B"], ABSENT))
    assert await attendance_of(b) == []


async def test_substitute_records_attendance_only_for_the_substituted_lesson(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R30, R42, C11: U records attendance on L (registered substitute); the 09.10 lesson is refused."""
    b = await build_spec_school(sessionmaker)
    await add_substitute(b, b.lesson_l)
    other = await b.add_lesson(date(2025, 10, 9))
    await _take(b, AttendanceEntry(b.student_ids["S"], ABSENT), who="U")
    with pytest.raises(Forbidden):
        await _take(b, who="U", lesson=other, at=msk(2025, 10, 9, 11))
    assert (await _lesson(b, other)).attendance_taken_at is None
    assert len(await attendance_of(b)) == 1


async def test_student_identity_cannot_record_attendance(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R47, C7: a student account is refused."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden) as refusal:
        await _take(b, who="S")
    assert refusal.value.rule == "R47"


async def test_outage_moves_the_attendance_deadline_to_the_day_it_ended(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R9, R36, C43: outage 08.10 08:00 – 09.10 12:00; attendance on 09.10 20:00 is on time, on 10.10 late."""
    b = await build_spec_school(sessionmaker)
    async with sessionmaker() as s:
        s.add(
            OutageWindow(
                school_id=b.school_id,
                starts_at=msk(2025, 10, 8, 8),
                ends_at=msk(2025, 10, 9, 12),
                declared_by=b.account_ids["coordinator"],
                reason="Сбой сервера",
            )
        )
        await s.commit()
    await _take(b, AttendanceEntry(b.student_ids["S"], ABSENT), at=msk(2025, 10, 9, 20))
    assert (await _lesson(b)).attendance_late_seconds is None
    later = await b.add_lesson(date(2025, 10, 8), slot=4)
    await _take(b, lesson=later, at=msk(2025, 10, 10, 9))
    assert (await _lesson(b, later)).attendance_late_seconds is not None
