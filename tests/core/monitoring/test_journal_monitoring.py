"""Journal fill-in monitoring per teacher and journal page (R119, §6.8)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import Mark, Substitution
from core.domain.enums import RequestStatus, SubstitutionKind
from core.domain.errors import Forbidden
from core.reports.monitoring import JournalMonitoring, journal_monitoring
from core.usecases.context import execute
from tests.builders import SpecSchool, build_spec_school, msk
from tests.core.read_side.journal_rows import add_mark

DAY = date(2025, 10, 8)
AFTER_21 = msk(2025, 10, 8, 21, 1)


async def _monitor(b: SpecSchool, who: str, now: datetime) -> JournalMonitoring:
    return await execute(
        b.sessionmaker, b.actor(who, at=now), journal_monitoring, date_from=DAY, date_to=DAY, now=now
    )


async def test_an_empty_lesson_counts_once_for_each_missing_item_and_the_head_sees_the_teacher(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R119, R46, C116: (entries are monitored, not enforced) L with no attendance, topic or homework status just after 21:00 → 1 each; head's view lists T."""
    b = await build_spec_school(sessionmaker)
    await b.add_lesson(DAY, group="5Б", teacher="T2", slot=1)

    own = await _monitor(b, "T", AFTER_21)
    assert not own.school_view
    [row] = own.rows
    assert (row.staff_id, row.group_id, row.subject_id) == (
        b.staff_ids["T"],
        b.group_ids["5А"],
        b.subject_ids["maths"],
    )
    assert (row.lessons_past, row.lessons_held) == (1, 0)
    assert (row.attendance_missing, row.topic_missing, row.homework_missing) == (1, 1, 1)
    assert row.not_recorded == 1

    school = await _monitor(b, "head", AFTER_21)
    assert school.school_view
    assert {r.staff_id for r in school.rows} == {b.staff_ids["T"], b.staff_ids["T2"]}
    assert b.staff_ids["T"] in school.teachers_with_issues


async def test_items_are_missing_only_once_their_deadline_has_passed(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R119, R32, R36, R39, R4: at 20:59 only homework (due lesson end + 90 min) is missing; nothing is blocked."""
    b = await build_spec_school(sessionmaker)
    [row] = (await _monitor(b, "deputy", msk(2025, 10, 8, 20, 59))).rows
    assert (row.attendance_missing, row.topic_missing, row.homework_missing, row.not_recorded) == (0, 0, 1, 0)
    [early] = (await _monitor(b, "deputy", msk(2025, 10, 8, 9, 0))).rows
    assert early.lessons_past == 0


async def test_late_marks_are_counted_by_work_type_and_late_substitutions_per_page(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R119, R33, R42: marks with late_seconds count per work type; a substitution registered late counts."""
    b = await build_spec_school(sessionmaker)
    late = await add_mark(b, b.lesson_l, "S", "5", "classwork")
    await add_mark(b, b.lesson_l, "V", "4", "classwork")
    voided = await add_mark(b, b.lesson_l, "X", "3", "classwork", voided=True)
    async with sessionmaker() as s:
        await s.execute(update(Mark).where(Mark.id.in_([late, voided])).values(late_seconds=3600))
        s.add(
            Substitution(
                school_id=b.school_id,
                lesson_id=b.lesson_l,
                kind=SubstitutionKind.substitution,
                original_teacher_id=b.staff_ids["T"],
                substitute_teacher_id=b.staff_ids["U"],
                status=RequestStatus.registered,
                registered_at=msk(2025, 10, 9, 9),
                late_seconds=36000,
            )
        )
        await s.commit()
    [row] = (await _monitor(b, "head", AFTER_21)).rows
    assert row.marks_late == 1
    assert row.marks_late_by_work_type == {b.work_type_ids["classwork"]: 1}
    assert row.substitutions_late == 1


@pytest.mark.parametrize("who", ["P", "S"])
async def test_families_are_refused_monitoring(
    sessionmaker: async_sessionmaker[AsyncSession], who: str
) -> None:
    """R119, §2.3 row 31: parents and students have no monitoring view."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden) as refused:
        await _monitor(b, who, AFTER_21)
    assert refused.value.rule == "R119"
