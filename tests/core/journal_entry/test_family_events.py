"""Family pushes for marks and attendance: settle delay, final value only, change and void after sending (§5.2, R82, R125)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import Subscription
from core.domain.enums import AbsenceReason, AttendanceStatus, ChangeReason, OutboxStatus
from core.usecases.context import execute
from core.usecases.journal.attendance import AttendanceEntry, record_attendance, set_absence_reason
from core.usecases.journal.marks import change_mark, record_mark, void_mark
from tests.builders import SpecSchool, build_spec_school, msk
from tests.core.journal_entry.helpers import mark_outbox_sent, outbox_of

AT_10 = msk(2025, 10, 8, 10, 0)
AT_10_03 = msk(2025, 10, 8, 10, 3)


async def _mark(b: SpecSchool, value: str = "2", **kw: object):
    return await execute(
        b.sessionmaker,
        b.actor("T", at=AT_10),
        record_mark,
        lesson_id=b.lesson_l,
        student_id=b.student_ids["S"],
        work_type_id=b.work_type_ids["classwork"],
        value_code=value,
        **kw,
    )


async def _change(b: SpecSchool, mark_id: int, version: int, value: str, at=AT_10_03):
    return await execute(
        b.sessionmaker,
        b.actor("T", at=at),
        change_mark,
        mark_id=mark_id,
        expected_version=version,
        reason=ChangeReason.retake,
        value_code=value,
    )


async def test_mark_changed_inside_the_delay_is_pushed_once_with_the_final_value(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R125, R82, C84: saved 10:00, changed 10:03: one pending push with the final value, due 10:08."""
    b = await build_spec_school(sessionmaker)
    await b.subscribe("P", "S", ["marks", "attendance"])
    created = await _mark(b, comment="Молодец", comment_diary_visible=True)
    [first] = await outbox_of(b)
    assert (first.event_type, first.not_before, first.recipient_account_id) == (
        "mark_created",
        AT_10 + timedelta(minutes=5),
        b.account_ids["P"],
    )
    assert first.payload["value"] == "2"
    assert first.payload["comment"] == "Молодец"
    assert first.payload["lesson_date"] == "2025-10-08"
    await _change(b, created.mark_id, created.version, "4")
    rows = await outbox_of(b)
    pending = [r for r in rows if r.status == OutboxStatus.pending]
    assert [r.status for r in rows] == [OutboxStatus.cancelled, OutboxStatus.pending]
    assert [(r.event_type, r.payload["value"], r.not_before) for r in pending] == [
        ("mark_created", "4", msk(2025, 10, 8, 10, 8))
    ]


async def test_mark_voided_inside_the_delay_is_never_pushed(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R125, C84: a mark voided within the delay leaves no pending push."""
    b = await build_spec_school(sessionmaker)
    await b.subscribe("P", "S", ["marks"])
    created = await _mark(b)
    await execute(
        sessionmaker,
        b.actor("T", at=AT_10_03),
        void_mark,
        mark_id=created.mark_id,
        expected_version=created.version,
        reason=ChangeReason.error,
    )
    assert [r.status for r in await outbox_of(b)] == [OutboxStatus.cancelled]


async def test_change_and_void_after_sending_are_announced_with_old_and_new_values(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R52, R125, C51: after the push went out, 2 → 4 is a "mark_changed" (retake), then "mark_voided"."""
    b = await build_spec_school(sessionmaker)
    await b.subscribe("P", "S", ["marks"])
    created = await _mark(b)
    await mark_outbox_sent(b, f"mark:{created.mark_id}", msk(2025, 10, 8, 10, 5))
    changed = await _change(b, created.mark_id, created.version, "4", at=msk(2025, 10, 9, 12))
    change_row = (await outbox_of(b))[-1]
    assert change_row.event_type == "mark_changed"
    assert (
        change_row.payload["old_value"],
        change_row.payload["new_value"],
        change_row.payload["reason"],
    ) == (
        "2",
        "4",
        "retake",
    )
    await mark_outbox_sent(b, f"mark:{created.mark_id}", msk(2025, 10, 9, 12, 5))
    await execute(
        sessionmaker,
        b.actor("T", at=msk(2025, 10, 9, 13)),
        void_mark,
        mark_id=created.mark_id,
        expected_version=changed.version,
        reason=ChangeReason.error,
    )
    void_row = (await outbox_of(b))[-1]
    assert (void_row.event_type, void_row.status, void_row.payload["old_value"]) == (
        "mark_voided",
        OutboxStatus.pending,
        "4",
    )


async def test_bound_parent_without_confirmed_categories_gets_no_push(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R82, C83: a bound parent who has not confirmed the categories gets no push; after confirming, the next mark is pushed."""
    b = await build_spec_school(sessionmaker)
    await b.subscribe("P", "S", ["marks"], confirmed=False)
    await _mark(b)
    assert await outbox_of(b) == []
    async with sessionmaker() as s:
        subscription = await s.scalar(
            select(Subscription).where(Subscription.account_id == b.account_ids["P"])
        )
        assert subscription is not None
        subscription.confirmed_at = AT_10_03
        await s.commit()
    await _mark(b, value="5")
    assert [(r.recipient_account_id, r.payload["value"]) for r in await outbox_of(b)] == [
        (b.account_ids["P"], "5")
    ]


async def test_staff_only_comment_is_never_in_a_push(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """R45, C45: the push of a mark with a staff-only comment carries no comment."""
    b = await build_spec_school(sessionmaker)
    await b.subscribe("PY", "Y", ["marks"])
    await execute(
        sessionmaker,
        b.actor("T", at=AT_10),
        record_mark,
        lesson_id=b.lesson_l,
        student_id=b.student_ids["Y"],
        work_type_id=b.work_type_ids["oral"],
        value_code="5",
        comment="Списывал",
        comment_diary_visible=False,
    )
    [row] = await outbox_of(b)
    assert (row.recipient_account_id, row.payload["comment"]) == (b.account_ids["PY"], None)


async def test_absence_push_carries_the_final_reason_and_a_later_reason_change_is_its_own_event(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R125, R38: absence saved, reason set within the delay → one "absence_recorded" with reason ill; after sending, "absence_reason_changed"."""
    b = await build_spec_school(sessionmaker)
    await b.subscribe("P", "S", ["attendance"])
    taken = await execute(
        sessionmaker,
        b.actor("T", at=AT_10),
        record_attendance,
        lesson_id=b.lesson_l,
        entries=[AttendanceEntry(b.student_ids["S"], AttendanceStatus.absent)],
    )
    row_id = taken.attendance_ids[b.student_ids["S"]]
    await execute(
        sessionmaker,
        b.actor("K", at=AT_10_03),
        set_absence_reason,
        attendance_id=row_id,
        reason=AbsenceReason.ill,
    )
    pending = await outbox_of(b, status=OutboxStatus.pending)
    assert [(r.event_type, r.category, r.payload["reason"], r.payload["lesson_number"]) for r in pending] == [
        ("absence_recorded", "attendance", "ill", 3)
    ]
    key = f"attendance:{b.lesson_l}:{b.student_ids['S']}"
    assert pending[0].dedup_key == key
    await mark_outbox_sent(b, key, msk(2025, 10, 8, 10, 8))
    await execute(
        sessionmaker,
        b.actor("K", at=msk(2025, 10, 9, 9)),
        set_absence_reason,
        attendance_id=row_id,
        reason=AbsenceReason.excused,
    )
    [latest] = await outbox_of(b, status=OutboxStatus.pending)
    assert (latest.event_type, latest.payload["reason"]) == ("absence_reason_changed", "excused")


async def test_lateness_is_pushed_as_lateness_recorded(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R37, R125: a lateness of 7 minutes queues "lateness_recorded" with the minutes."""
    b = await build_spec_school(sessionmaker)
    await b.subscribe("P", "S", ["attendance"])
    await execute(
        sessionmaker,
        b.actor("T", at=AT_10),
        record_attendance,
        lesson_id=b.lesson_l,
        entries=[AttendanceEntry(b.student_ids["S"], AttendanceStatus.late, late_minutes=7)],
    )
    [row] = await outbox_of(b)
    assert (row.event_type, row.payload["late_minutes"], row.not_before) == (
        "lateness_recorded",
        7,
        AT_10 + timedelta(minutes=5),
    )
