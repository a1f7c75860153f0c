"""Outage windows declared by the coordinator and their effect on lateness (R9, C43)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import AuditEvent, Lesson, OutageWindow
from core.domain.enums import AuditAction
from core.domain.errors import Forbidden, InvalidInput
from core.usecases.context import execute
from core.usecases.control.outages import declare_outage
from core.usecases.journal.attendance import record_attendance
from tests.builders import SpecSchool, build_spec_school, msk


async def _declare(b: SpecSchool, who: str = "coordinator", starts=None, ends=None) -> int:
    return await execute(
        b.sessionmaker,
        b.actor(who, at=msk(2025, 10, 9, 13)),
        declare_outage,
        starts_at=starts or msk(2025, 10, 8, 8),
        ends_at=ends or msk(2025, 10, 9, 12),
        reason="Сбой сервера",
    )


async def _attendance_late(b: SpecSchool, lesson_id: int, at) -> int | None:
    await execute(b.sessionmaker, b.actor("T", at=at), record_attendance, lesson_id=lesson_id, entries=[])
    async with b.sessionmaker() as s:
        lesson = await s.get(Lesson, lesson_id)
        assert lesson is not None
        return lesson.attendance_late_seconds


async def _windows(b: SpecSchool) -> list[OutageWindow]:
    async with b.sessionmaker() as s:
        return list(await s.scalars(select(OutageWindow).where(OutageWindow.school_id == b.school_id)))


async def test_declared_outage_exempts_entries_made_within_the_deadline_from_its_end(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R9, C43: outage 08.10 08:00 – 09.10 12:00; attendance for L on 09.10 20:00 is on time, on 10.10 late."""
    b = await build_spec_school(sessionmaker)
    window_id = await _declare(b)
    window = (await _windows(b))[0]
    assert (window.id, window.declared_by, window.reason) == (
        window_id,
        b.account_ids["coordinator"],
        "Сбой сервера",
    )
    async with sessionmaker() as s:
        event = await s.scalar(select(AuditEvent).where(AuditEvent.entity_type == "outage_window"))
    assert event is not None
    assert (event.action, event.entity_id) == (AuditAction.create, window_id)
    assert await _attendance_late(b, b.lesson_l, msk(2025, 10, 9, 20)) is None
    second = await b.add_lesson(date(2025, 10, 8), slot=4)
    assert await _attendance_late(b, second, msk(2025, 10, 10, 9)) is not None


async def test_without_an_outage_the_same_entry_is_late(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R9, R36: with no declared outage, attendance for L entered on 09.10 20:00 is flagged late."""
    b = await build_spec_school(sessionmaker)
    assert await _attendance_late(b, b.lesson_l, msk(2025, 10, 9, 20)) is not None


async def test_only_the_coordinator_declares_an_outage(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R9, §2.3 row 44: the head, deputy head and T are refused; nothing is stored."""
    b = await build_spec_school(sessionmaker)
    for who in ("head", "deputy", "T"):
        with pytest.raises(Forbidden) as refusal:
            await _declare(b, who=who)
        assert refusal.value.rule == "R9"
    assert await _windows(b) == []


async def test_outage_ending_before_it_starts_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R9: a window must end after it starts."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(InvalidInput):
        await _declare(b, starts=msk(2025, 10, 9, 12), ends=msk(2025, 10, 8, 8))
    assert await _windows(b) == []


async def test_an_outage_also_exempts_topics_and_homework_entered_after_it(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R9, R32, R39: after the 08.10–09.10 outage, L's topic and homework entered on 09.10 are not late."""
    from core.usecases.journal.homework import set_homework
    from core.usecases.journal.lesson_record import record_topic

    b = await build_spec_school(sessionmaker)
    await _declare(b)
    entered = b.actor("T", at=msk(2025, 10, 9, 12, 30))  # homework: 90 min after 11:05, on the window end day
    await execute(sessionmaker, entered, record_topic, lesson_id=b.lesson_l, topic="Дроби: сложение")
    result = await execute(
        sessionmaker, entered, set_homework, lesson_id=b.lesson_l, text="№ 12, 14 на стр. 40"
    )
    async with sessionmaker() as s:
        lesson = await s.get(Lesson, b.lesson_l)
    assert lesson is not None
    assert lesson.topic_late_seconds is None
    assert result.late_seconds is None
    without = await b.add_lesson(date(2025, 10, 8), slot=4)
    late = await execute(
        sessionmaker,
        b.actor("T", at=msk(2025, 10, 10, 14)),
        record_topic,
        lesson_id=without,
        topic="Дроби: вычитание",
    )
    assert late.late_seconds is not None
