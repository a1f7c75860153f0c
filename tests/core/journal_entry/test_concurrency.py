"""Two writers at once: optimistic versions and row locks leave one consistent result, never a lost update (R58)."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.domain.enums import AttendanceStatus, AuditAction, ChangeReason, RowStatus
from core.domain.errors import ConcurrentChange
from core.usecases.context import execute
from core.usecases.journal.attendance import AttendanceEntry, record_attendance
from core.usecases.journal.marks import change_mark, record_mark
from tests.builders import build_spec_school, msk
from tests.core.journal_entry.helpers import attendance_of, audit_events, marks_of


async def test_two_simultaneous_changes_of_one_mark_leave_one_winner_and_one_concurrent_change(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R58, R52: two sessions change the same mark from the same version; one wins, the other gets ConcurrentChange."""
    b = await build_spec_school(sessionmaker)
    created = await execute(
        sessionmaker,
        b.actor("T", at=msk(2025, 10, 8, 11)),
        record_mark,
        lesson_id=b.lesson_l,
        student_id=b.student_ids["S"],
        work_type_id=b.work_type_ids["classwork"],
        value_code="3",
    )

    async def change(value: str) -> str:
        await execute(
            sessionmaker,
            b.actor("T", at=msk(2025, 10, 8, 12)),
            change_mark,
            mark_id=created.mark_id,
            expected_version=created.version,
            reason=ChangeReason.error,
            value_code=value,
        )
        return value

    outcomes = await asyncio.gather(change("4"), change("5"), return_exceptions=True)
    winners = [o for o in outcomes if isinstance(o, str)]
    losers = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert isinstance(losers[0], ConcurrentChange)
    [mark] = await marks_of(b)
    assert (mark.value_code, mark.version) == (winners[0], created.version + 1)
    updates = [e for e in await audit_events(b, "mark", mark.id) if e.action == AuditAction.update]
    assert len(updates) == 1
    assert updates[0].after is not None
    assert updates[0].after["value_code"] == winners[0]


async def test_two_simultaneous_attendance_saves_leave_exactly_one_active_row(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R36, R37: two devices save S absent on L at once; exactly one active attendance row results."""
    b = await build_spec_school(sessionmaker)

    async def save(kind: AttendanceStatus, minutes: int | None) -> None:
        await execute(
            sessionmaker,
            b.actor("T", at=msk(2025, 10, 8, 11)),
            record_attendance,
            lesson_id=b.lesson_l,
            entries=[AttendanceEntry(b.student_ids["S"], kind, late_minutes=minutes)],
        )

    outcomes = await asyncio.gather(
        save(AttendanceStatus.absent, None), save(AttendanceStatus.late, 5), return_exceptions=True
    )
    assert all(o is None or isinstance(o, ConcurrentChange) for o in outcomes)
    assert any(o is None for o in outcomes)
    rows = await attendance_of(b, student_id=b.student_ids["S"], status=RowStatus.active.value)
    assert len(rows) == 1
