"""Timetable entries: set-up order (R12), curriculum link (R18) and double-booking (§3.3)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import AcademicYear, CurriculumPlan, Group, GroupClass, TimetableEntry
from core.domain.enums import GroupKind, YearStatus
from core.domain.errors import Forbidden, InvalidInput
from core.usecases.context import execute
from core.usecases.timetable.timetable import create_timetable_entry
from tests.builders import YEAR_START, SpecSchool, build_spec_school
from tests.core.lessons.support import audit_actions, count


def _entry(
    b: SpecSchool, group: str = "5А", subject: str = "maths", teacher: str = "T", **kw: object
) -> dict:
    return {
        "group_id": b.group_ids[group],
        "subject_id": b.subject_ids[subject],
        "weekday": 0,
        "bell_slot_id": b.slot_ids[1],
        "teacher_staff_id": b.staff_ids[teacher],
        "valid_from": YEAR_START,
    } | kw


async def test_timetable_entry_in_a_year_without_periods_or_bells_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R12, C17: in a draft year with no reporting periods and no bell schedule the deputy cannot add an entry."""
    b = await build_spec_school(sessionmaker)
    async with sessionmaker() as s:
        year = AcademicYear(
            school_id=b.school_id,
            title="2026/2027",
            start_date=date(2026, 9, 1),
            teaching_end_date=date(2027, 5, 26),
            end_date=date(2027, 8, 31),
            status=YearStatus.draft,
        )
        s.add(year)
        await s.flush()
        group = Group(school_id=b.school_id, year_id=year.id, kind=GroupKind.whole_class, name="6А")
        s.add(group)
        await s.flush()
        s.add(GroupClass(school_id=b.school_id, group_id=group.id, class_id=b.class_ids["5А"]))
        await s.commit()
        group_id = group.id
    with pytest.raises(InvalidInput) as refusal:
        await execute(
            sessionmaker,
            b.actor("deputy"),
            create_timetable_entry,
            **_entry(b, valid_from=date(2026, 9, 1)) | {"group_id": group_id},
        )
    assert refusal.value.rule == "R12"
    assert await count(sessionmaker, TimetableEntry, TimetableEntry.school_id == b.school_id) == 0


async def test_subject_without_curriculum_link_to_the_class_cannot_be_scheduled(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R18, C19: with no Physics line for 5А, scheduling Physics for 5А is refused; Maths is accepted and audited."""
    b = await build_spec_school(sessionmaker)
    async with sessionmaker() as s:
        await s.execute(
            delete(CurriculumPlan).where(
                CurriculumPlan.class_id == b.class_ids["5А"],
                CurriculumPlan.subject_id == b.subject_ids["physics"],
            )
        )
        await s.commit()
    with pytest.raises(InvalidInput) as refusal:
        await execute(sessionmaker, b.actor("deputy"), create_timetable_entry, **_entry(b, subject="physics"))
    assert refusal.value.rule == "R18"
    assert await count(sessionmaker, TimetableEntry, TimetableEntry.school_id == b.school_id) == 0
    result = await execute(sessionmaker, b.actor("deputy"), create_timetable_entry, **_entry(b))
    assert result.warnings == ()
    assert await audit_actions(b, "timetable_entry", result.entry_id) == ["create"]


async def test_group_double_booking_is_refused_and_teacher_clash_is_a_warning(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """§3.3, R18: a second 5А entry in the same slot is refused; T booked for 5Б in that slot is saved with a warning."""
    b = await build_spec_school(sessionmaker)
    coordinator = b.actor("coordinator")
    await execute(sessionmaker, coordinator, create_timetable_entry, **_entry(b, valid_to=date(2025, 12, 28)))
    with pytest.raises(InvalidInput) as refusal:
        await execute(
            sessionmaker, coordinator, create_timetable_entry, **_entry(b, subject="music", teacher="K")
        )
    assert refusal.value.details["clash"] == "group"
    clash = await execute(sessionmaker, coordinator, create_timetable_entry, **_entry(b, group="5Б"))
    assert clash.warnings == ("teacher_clash",)
    later = await execute(
        sessionmaker,
        coordinator,
        create_timetable_entry,
        **_entry(b, subject="music", teacher="K", valid_from=date(2026, 1, 12)),
    )
    assert later.warnings == ()  # the first entry ends before this one starts
    assert await count(sessionmaker, TimetableEntry, TimetableEntry.school_id == b.school_id) == 3


async def test_a_teacher_cannot_build_the_timetable(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """§2.3: building the timetable is for the coordinator and deputy head; a teacher is refused."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden):
        await execute(sessionmaker, b.actor("T"), create_timetable_entry, **_entry(b))
    assert await count(sessionmaker, TimetableEntry, TimetableEntry.school_id == b.school_id) == 0
