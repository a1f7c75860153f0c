"""The diary updates itself (R81) and extracts for any range are available on demand (R85)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import AuditEvent, DiaryView
from core.domain.enums import AttendanceStatus, AuditAction, DiarySection
from core.domain.errors import Forbidden
from core.reports.diary import Diary, DiaryDay, student_diary
from core.usecases.context import execute
from core.usecases.journal.attendance import AttendanceEntry, record_attendance
from core.usecases.journal.homework import set_homework
from core.usecases.journal.marks import record_mark
from tests.builders import L_DATE, SpecSchool, build_spec_school, msk

EXTRACT_FROM, EXTRACT_TO = date(2025, 10, 1), date(2025, 10, 15)


def _day(diary: Diary, day: date) -> DiaryDay:
    [found] = [d for d in diary.days if d.day == day]
    return found


async def _diary(b: SpecSchool, who: str, date_from: date, date_to: date, hour: int = 16) -> Diary:
    return await execute(
        b.sessionmaker,
        b.actor(who, at=msk(2025, 10, 8, hour)),
        student_diary,
        student_id=b.student_ids["S"],
        date_from=date_from,
        date_to=date_to,
    )


async def test_saved_mark_homework_and_absence_show_in_the_parents_diary_at_once(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R81, R80, C82: a mark, homework for the next lesson and an absence saved by T appear in P's diary of S right away, with no publish step."""
    b = await build_spec_school(sessionmaker)
    monday = await b.add_lesson(date(2025, 10, 6), slot=2)
    thursday = await b.add_lesson(date(2025, 10, 9), slot=1)
    week = (date(2025, 10, 6), date(2025, 10, 10))
    before = await _diary(b, "P", *week, hour=14)
    assert all(not (d.marks or d.homework_due or d.attendance) for d in before.days)

    t = b.actor("T", at=msk(2025, 10, 8, 15))
    mark = await execute(
        sessionmaker,
        t,
        record_mark,
        lesson_id=b.lesson_l,
        student_id=b.student_ids["S"],
        work_type_id=b.work_type_ids["classwork"],
        value_code="5",
    )
    homework = await execute(sessionmaker, t, set_homework, lesson_id=b.lesson_l, text="№ 15, 16")
    await execute(
        sessionmaker,
        t,
        record_attendance,
        lesson_id=monday,
        entries=[AttendanceEntry(b.student_ids["S"], AttendanceStatus.absent)],
    )

    diary = await _diary(b, "P", *week, hour=15)
    wednesday = _day(diary, L_DATE)
    assert [(m.mark_id, m.value, m.work_type) for m in wednesday.marks] == [(mark.mark_id, "5", "Раб")]
    due = _day(diary, L_DATE + timedelta(days=1))
    assert [(h.homework_id, h.lesson_id, h.text) for h in due.homework_due] == [
        (homework.homework_id, b.lesson_l, "№ 15, 16")
    ]
    assert [h.lesson_id for h in due.lessons] == [thursday]
    absences = _day(diary, date(2025, 10, 6)).attendance
    assert [(a.lesson_id, a.kind) for a in absences] == [(monday, AttendanceStatus.absent)]
    async with sessionmaker() as s:
        publishes = await s.scalar(
            select(AuditEvent.seq).where(
                AuditEvent.school_id == b.school_id,
                AuditEvent.action.in_((AuditAction.approve, AuditAction.unlock)),
            )
        )
    assert publishes is None  # nothing but the entries themselves happened in between


@pytest.mark.parametrize("who", ["K", "P"])
async def test_form_tutor_and_parent_get_a_diary_extract_for_any_range(
    sessionmaker: async_sessionmaker[AsyncSession], who: str
) -> None:
    """R85, C87: the form tutor K and the parent P request S's diary for 01.10–15.10, every day of the range included."""
    b = await build_spec_school(sessionmaker)
    await execute(
        sessionmaker,
        b.actor("T", at=msk(2025, 10, 8, 15)),
        record_mark,
        lesson_id=b.lesson_l,
        student_id=b.student_ids["S"],
        work_type_id=b.work_type_ids["oral"],
        value_code="4",
    )
    extract = await _diary(b, who, EXTRACT_FROM, EXTRACT_TO)
    assert (extract.date_from, extract.date_to) == (EXTRACT_FROM, EXTRACT_TO)
    assert [d.day for d in extract.days] == [EXTRACT_FROM + timedelta(days=i) for i in range(15)]
    assert [m.value for m in _day(extract, L_DATE).marks] == ["4"]
    async with sessionmaker() as s:
        views = list(
            await s.execute(
                select(DiaryView.viewer_account_id, DiaryView.range_from, DiaryView.range_to).where(
                    DiaryView.school_id == b.school_id, DiaryView.section == DiarySection.day
                )
            )
        )
    # R88: a guardian's read is a logged diary view; a staff read is not.
    expected = [(b.account_ids["P"], EXTRACT_FROM, EXTRACT_TO)] if who == "P" else []
    assert [tuple(v) for v in views] == expected


async def test_teacher_of_another_class_gets_no_diary_extract(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R85, R105: T2 (tutor of 5Б, Maths in 5Б only) asking for S's 01.10–15.10 extract is refused and the denial audited."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden) as refusal:
        await _diary(b, "T2", EXTRACT_FROM, EXTRACT_TO)
    assert refusal.value.rule == "R105"
    async with sessionmaker() as s:
        denied = list(
            await s.scalars(
                select(AuditEvent.actor_account_id).where(
                    AuditEvent.school_id == b.school_id, AuditEvent.action == AuditAction.access_denied
                )
            )
        )
        views = await s.scalar(select(DiaryView.id).where(DiaryView.school_id == b.school_id))
    assert denied == [b.account_ids["T2"]]
    assert views is None
