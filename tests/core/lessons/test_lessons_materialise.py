"""Dated lessons from the timetable over the working calendar (§3.3, R3, R22, R7)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import (
    Assignment,
    CalendarDay,
    CurriculumPlan,
    Group,
    GroupClass,
    GroupMembership,
    Holiday,
    IndividualCurriculum,
    Lesson,
    Subject,
    TimetableEntry,
)
from core.domain.enums import ActivityKind, CalendarDayKind, GroupKind, HolidayType
from core.domain.errors import Forbidden
from core.usecases.context import execute
from core.usecases.journal.homework import homework_for_student, set_homework
from core.usecases.journal.lesson_record import record_topic
from core.usecases.roster import roster
from core.usecases.timetable.materialise import materialise_lessons
from core.usecases.timetable.timetable import create_timetable_entry
from tests.builders import YEAR_START, SpecSchool, build_spec_school, msk
from tests.core.lessons.support import count, fetch_all, get

FROM, TO = date(2025, 10, 20), date(2025, 11, 9)


async def _entry(b: SpecSchool, group: str, subject: str, weekday: int, slot: int, teacher: str) -> int:
    result = await execute(
        b.sessionmaker,
        b.actor("coordinator"),
        create_timetable_entry,
        group_id=b.group_ids[group],
        subject_id=b.subject_ids[subject],
        weekday=weekday,
        bell_slot_id=b.slot_ids[slot],
        teacher_staff_id=b.staff_ids[teacher],
        valid_from=YEAR_START,
    )
    return result.entry_id


async def _calendar(b: SpecSchool) -> None:
    async with b.sessionmaker() as s:
        s.add_all(
            [
                Holiday(
                    school_id=b.school_id,
                    year_id=b.year_id,
                    type=HolidayType.autumn,
                    start_date=date(2025, 10, 27),
                    end_date=date(2025, 11, 2),
                ),
                # Extra holidays of grade 1 only: 5th-grade lessons go on.
                Holiday(
                    school_id=b.school_id,
                    year_id=b.year_id,
                    type=HolidayType.extra_grade1,
                    start_date=date(2025, 10, 20),
                    end_date=date(2025, 10, 24),
                    grades=[1],
                ),
                CalendarDay(
                    school_id=b.school_id,
                    year_id=b.year_id,
                    day=date(2025, 11, 4),
                    kind=CalendarDayKind.non_working,
                ),
            ]
        )
        await s.commit()


async def _lesson_dates(b: SpecSchool, *where: object) -> list[tuple[str, date]]:
    names = {v: k for k, v in b.group_ids.items()}
    lessons = await fetch_all(
        b.sessionmaker,
        Lesson,
        Lesson.school_id == b.school_id,
        Lesson.timetable_entry_id.is_not(None),
        *where,
    )
    return sorted((names.get(lesson.group_id, "iup"), lesson.date) for lesson in lessons)


async def test_lessons_follow_the_timetable_around_holidays_and_non_working_days_once(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R3: three weeks with the autumn holiday and 04.11 off give exactly the expected dates; a rerun adds nothing."""
    b = await build_spec_school(sessionmaker)
    await _calendar(b)
    await _entry(b, "5А", "maths", 0, 1, "T")  # Mondays
    await _entry(b, "5А", "maths", 1, 2, "T")  # Tuesdays
    await _entry(b, "5Б", "maths", 3, 1, "T2")  # Thursdays
    await _entry(b, "5А", "music", 5, 1, "K")  # Saturday: outside the five-day week
    created = await execute(sessionmaker, b.system(), materialise_lessons, date_from=FROM, date_to=TO)
    expected = [
        ("5А", date(2025, 10, 20)),
        ("5А", date(2025, 10, 21)),
        ("5А", date(2025, 11, 3)),
        ("5Б", date(2025, 10, 23)),
        ("5Б", date(2025, 11, 6)),
    ]
    assert created == 5
    assert await _lesson_dates(b) == expected
    again = await execute(sessionmaker, b.actor("deputy"), materialise_lessons, date_from=FROM, date_to=TO)
    assert again == 0
    assert await _lesson_dates(b) == expected
    first = (await fetch_all(sessionmaker, Lesson, Lesson.school_id == b.school_id, Lesson.date == FROM))[0]
    assert (first.scheduled_teacher_id, first.actual_teacher_id) == (b.staff_ids["T"], b.staff_ids["T"])
    assert first.status == "planned"


async def test_a_teacher_cannot_materialise_lessons(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """§2.3: generating lessons is for the coordinator, the deputy head or the system."""
    b = await build_spec_school(sessionmaker)
    await _entry(b, "5А", "maths", 0, 1, "T")
    with pytest.raises(Forbidden):
        await execute(sessionmaker, b.actor("T"), materialise_lessons, date_from=FROM, date_to=TO)
    assert await count(sessionmaker, Lesson, Lesson.school_id == b.school_id) == 1  # only L


async def test_individual_group_of_an_iup_student_gets_its_own_lessons_and_diary(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R22, R7, C13: S's ИУП Music group (via its ИУП curriculum line) and an extended-day group are both scheduled and recorded; ИУП lessons are S's only."""
    b = await build_spec_school(sessionmaker)
    s_id = b.student_ids["S"]
    async with sessionmaker() as s:
        iup = IndividualCurriculum(
            school_id=b.school_id, student_id=s_id, year_id=b.year_id, basis="Приказ № 7"
        )
        s.add(iup)
        await s.flush()
        group = Group(
            school_id=b.school_id,
            year_id=b.year_id,
            kind=GroupKind.individual,
            name="ИУП Иванов, музыка",
            subject_id=b.subject_ids["music"],
            individual_curriculum_id=iup.id,
        )
        s.add(group)
        await s.flush()
        s.add_all(
            [
                GroupMembership(
                    school_id=b.school_id, group_id=group.id, student_id=s_id, from_date=YEAR_START
                ),
                CurriculumPlan(
                    school_id=b.school_id,
                    year_id=b.year_id,
                    subject_id=b.subject_ids["music"],
                    individual_curriculum_id=iup.id,
                ),
                Assignment(
                    school_id=b.school_id,
                    staff_id=b.staff_ids["K"],
                    group_id=group.id,
                    subject_id=b.subject_ids["music"],
                    from_date=YEAR_START,
                ),
                Holiday(
                    school_id=b.school_id,
                    year_id=b.year_id,
                    type=HolidayType.autumn,
                    start_date=date(2025, 10, 27),
                    end_date=date(2025, 11, 2),
                    grades=[5],
                ),
            ]
        )
        extended = Subject(
            school_id=b.school_id,
            name="Группа продлённого дня",
            short_name="ГПД",
            activity_kind=ActivityKind.extended_day,
        )
        gpd = Group(school_id=b.school_id, year_id=b.year_id, kind=GroupKind.cross_class, name="ГПД 5")
        s.add_all([extended, gpd])
        await s.flush()
        s.add_all(
            [
                GroupClass(school_id=b.school_id, group_id=gpd.id, class_id=b.class_ids["5А"]),
                GroupMembership(
                    school_id=b.school_id, group_id=gpd.id, student_id=s_id, from_date=YEAR_START
                ),
                CurriculumPlan(school_id=b.school_id, year_id=b.year_id, subject_id=extended.id, grade=5),
                Assignment(
                    school_id=b.school_id,
                    staff_id=b.staff_ids["U"],
                    group_id=gpd.id,
                    subject_id=extended.id,
                    from_date=YEAR_START,
                ),
            ]
        )
        await s.commit()
        b.group_ids["iup"] = group.id
        b.group_ids["gpd"] = gpd.id
        b.subject_ids["gpd"] = extended.id
    await _entry(b, "iup", "music", 2, 7, "K")  # Wednesdays
    gpd_entry = await _entry(b, "gpd", "gpd", 2, 6, "U")  # Wednesdays, via the grade-5 curriculum line
    await _entry(b, "5Б", "maths", 2, 1, "T2")  # not asked for below
    created = await execute(
        sessionmaker,
        b.system(),
        materialise_lessons,
        date_from=FROM,
        date_to=TO,
        group_ids=[b.group_ids["iup"], b.group_ids["gpd"]],
    )
    assert created == 4
    # The grade-5 holiday reaches the ИУП group through S's class.
    assert await _lesson_dates(b) == [
        ("gpd", date(2025, 10, 22)),
        ("gpd", date(2025, 11, 5)),
        ("iup", date(2025, 10, 22)),
        ("iup", date(2025, 11, 5)),
    ]
    assert (await get(sessionmaker, TimetableEntry, gpd_entry)).activity_kind == ActivityKind.extended_day
    gpd_lesson = (await fetch_all(sessionmaker, Lesson, Lesson.group_id == b.group_ids["gpd"]))[0]
    u = b.actor("U", at=msk(2025, 10, 22, 16))
    await execute(sessionmaker, u, record_topic, lesson_id=gpd_lesson.id, topic="Прогулка, чтение")
    async with sessionmaker() as s:
        iup_group = await s.get(Group, b.group_ids["iup"])
        assert iup_group is not None
        assert await roster(s, iup_group, date(2025, 10, 22)) == {s_id}
    lesson = (await fetch_all(sessionmaker, Lesson, Lesson.group_id == b.group_ids["iup"]))[0]
    k = b.actor("K", at=msk(2025, 10, 22, 15))
    await execute(sessionmaker, k, record_topic, lesson_id=lesson.id, topic="Музыкальные жанры")
    await execute(sessionmaker, k, set_homework, lesson_id=lesson.id, text="Послушать марш")
    async with sessionmaker() as s:
        for_s = await homework_for_student(s, s_id, date(2025, 10, 22), date(2025, 10, 22))
        for_x = await homework_for_student(s, b.student_ids["X"], date(2025, 10, 22), date(2025, 10, 22))
    assert [h.text for h in for_s] == ["Послушать марш"]
    assert (await get(sessionmaker, Lesson, gpd_lesson.id)).status == "held"
    assert for_x == []


async def test_a_transferred_working_saturday_gets_the_lessons_of_the_weekday_it_stands_in_for(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R3: Saturday 08.11 declared a working day on Tuesday's timetable gets 5А's Tuesday Maths lesson."""
    b = await build_spec_school(sessionmaker)
    async with sessionmaker() as s:
        s.add(
            CalendarDay(
                school_id=b.school_id,
                year_id=b.year_id,
                day=date(2025, 11, 8),
                kind=CalendarDayKind.working,
                timetable_weekday=1,
            )
        )
        await s.commit()
    await _entry(b, "5А", "maths", 1, 2, "T")  # Tuesdays
    await _entry(b, "5А", "maths", 0, 1, "T")  # Mondays: not carried to the Saturday
    created = await execute(
        sessionmaker, b.system(), materialise_lessons, date_from=date(2025, 11, 3), date_to=date(2025, 11, 9)
    )
    assert created == 3
    assert await _lesson_dates(b) == [
        ("5А", date(2025, 11, 3)),
        ("5А", date(2025, 11, 4)),
        ("5А", date(2025, 11, 8)),
    ]
