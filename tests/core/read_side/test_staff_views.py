"""Staff read models: the journal page (§6.1), the class's day (R36–R38) and the teacher's day (R32, R36, R39)."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import Enrollment, PeriodMark, Student, Substitution
from core.domain.enums import (
    AbsenceReason,
    EnrollmentReason,
    HomeworkStatus,
    LessonStatus,
    PeriodMarkKind,
    RequestStatus,
    SubstitutionKind,
)
from core.domain.errors import Forbidden
from core.policy.deadlines import attendance_deadline, homework_deadline, topic_deadline
from core.policy.settings import SchoolPolicy
from core.reports.class_day import class_day
from core.reports.journal_page import journal_page
from core.reports.teacher_day import teacher_day
from core.usecases.context import execute
from tests.builders import L_DATE, build_spec_school, msk
from tests.core.read_side.journal_rows import add_absence, add_homework, add_mark, add_row, update_lesson


async def test_journal_page_grid_shows_marks_codes_period_mark_and_lessons(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R37, R118: the 5А Maths Q1 page lists students alphabetically × dates with marks, codes and the period mark."""
    b = await build_spec_school(sessionmaker)
    await update_lesson(b, b.lesson_l, topic="Дроби", status=LessonStatus.held)
    second = await b.add_lesson(date(2025, 10, 10))
    await update_lesson(b, second, actual_teacher_id=b.staff_ids["U"])
    await add_mark(b, b.lesson_l, "S", "5", "control")
    await add_mark(b, b.lesson_l, "S", "3", voided=True)
    await add_absence(b, b.lesson_l, "V", AbsenceReason.ill)
    await add_absence(b, b.lesson_l, "X", AbsenceReason.excused)
    await add_absence(b, b.lesson_l, "Y", AbsenceReason.unexcused)
    await add_absence(b, second, "W", late_minutes=4)
    await add_homework(b, b.lesson_l, "№ 5", due_lesson_id=second)
    async with sessionmaker() as s:
        s.add(
            PeriodMark(
                school_id=b.school_id,
                student_id=b.student_ids["S"],
                subject_id=b.subject_ids["maths"],
                group_id=b.group_ids["5А"],
                year_id=b.year_id,
                period_id=b.q1,
                scope_key=f"p:{b.q1}",
                kind=PeriodMarkKind.period,
                value_code="5",
                entered_by=b.account_ids["T"],
                entered_at=msk(2025, 10, 24),
                published_at=msk(2025, 10, 24),
            )
        )
        await s.commit()
    page = await execute(
        sessionmaker,
        b.actor("K"),
        journal_page,
        group_id=b.group_ids["5А"],
        subject_id=b.subject_ids["maths"],
        period_id=b.q1,
    )
    names = [r.last_name for r in page.rows]
    assert names == sorted(names)
    assert len(page.rows) == 6
    by_name = {r.student_id: r for r in page.rows}
    s_row = by_name[b.student_ids["S"]]
    assert [(m.value, m.work_type) for m in s_row.cells[0].marks] == [("5", "К/р")]
    assert s_row.period_mark == "5"
    codes = {key: by_name[b.student_ids[key]].cells[0].attendance for key in ("V", "X", "Y", "S")}
    assert codes == {"V": "Н/б", "X": "Н/у", "Y": "Н", "S": None}
    assert by_name[b.student_ids["W"]].cells[1].attendance == "Опз"
    assert [(lesson.topic, lesson.homework, lesson.substituted) for lesson in page.lessons] == [
        ("Дроби", ("№ 5",), False),
        (None, (), True),
    ]
    with pytest.raises(Forbidden):
        await execute(
            sessionmaker,
            b.actor("T2"),
            journal_page,
            group_id=b.group_ids["5А"],
            subject_id=b.subject_ids["maths"],
            period_id=b.q1,
        )


async def test_journal_page_marks_cells_off_the_roster_before_a_student_arrives(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R27, R48: a student enrolled from 09.10 is on the page, off the roster for L (08.10) and on it on 10.10."""
    b = await build_spec_school(sessionmaker)
    second = await b.add_lesson(date(2025, 10, 10))
    newcomer = await add_row(b, Student(school_id=b.school_id, last_name="Аавик", first_name="Ян"))
    await add_row(
        b,
        Enrollment(
            school_id=b.school_id,
            student_id=newcomer,
            class_id=b.class_ids["5А"],
            from_date=date(2025, 10, 9),
            reason=EnrollmentReason.arrival,
        ),
    )
    page = await execute(
        sessionmaker,
        b.actor("T"),
        journal_page,
        group_id=b.group_ids["5А"],
        subject_id=b.subject_ids["maths"],
        period_id=b.q1,
    )
    first = page.rows[0]
    assert first.student_id == newcomer
    assert [(c.lesson_id, c.on_roster) for c in first.cells] == [(b.lesson_l, False), (second, True)]


async def test_class_day_lists_absences_and_latenesses_with_reasons_for_the_tutor_only(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R38, R108: K sees 5А's absences and latenesses of 08.10 per student; 5Б's B is absent; T is refused."""
    b = await build_spec_school(sessionmaker)
    music = await b.add_lesson(L_DATE, subject="music", slot=4, teacher="K")
    await add_absence(b, b.lesson_l, "S", AbsenceReason.ill)
    await add_absence(b, music, "S", AbsenceReason.ill)
    await add_absence(b, music, "Y", late_minutes=10)
    other = await b.add_lesson(L_DATE, group="5Б", teacher="T2")
    await add_absence(b, other, "B", AbsenceReason.unexcused)
    day = await execute(sessionmaker, b.actor("K"), class_day, class_id=b.class_ids["5А"], day=L_DATE)
    got = {
        s.student_id: [(e.slot, e.kind.value, e.reason, e.late_minutes) for e in s.entries]
        for s in day.students
    }
    assert got == {
        b.student_ids["S"]: [(3, "absent", AbsenceReason.ill, None), (4, "absent", AbsenceReason.ill, None)],
        b.student_ids["Y"]: [(4, "late", None, 10)],
    }
    by_deputy = await execute(
        sessionmaker, b.actor("deputy"), class_day, class_id=b.class_ids["5А"], day=L_DATE
    )
    assert by_deputy == day
    with pytest.raises(Forbidden):
        await execute(sessionmaker, b.actor("T"), class_day, class_id=b.class_ids["5А"], day=L_DATE)


async def test_teacher_day_lists_missing_items_with_deadlines_and_given_away_lessons(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R32, R36, R39, R42: T's day shows L missing attendance/topic/homework with deadlines; U sees the lesson T gave away."""
    b = await build_spec_school(sessionmaker)
    given_away = await b.add_lesson(L_DATE, slot=5)
    done = await b.add_lesson(L_DATE, slot=1)
    await update_lesson(
        b,
        done,
        topic="Повторение",
        status=LessonStatus.held,
        attendance_taken_at=msk(2025, 10, 8, 9),
        homework_status=HomeworkStatus.none,
    )
    await update_lesson(b, given_away, actual_teacher_id=b.staff_ids["U"])
    await add_row(
        b,
        Substitution(
            school_id=b.school_id,
            lesson_id=given_away,
            kind=SubstitutionKind.substitution,
            original_teacher_id=b.staff_ids["T"],
            substitute_teacher_id=b.staff_ids["U"],
            status=RequestStatus.registered,
        ),
    )
    at = msk(2025, 10, 8, 21, 30)
    day = await execute(sessionmaker, b.actor("T", at=at), teacher_day, day=L_DATE)
    assert [lesson.lesson_id for lesson in day.lessons] == [done, b.lesson_l]
    assert [lesson.lesson_id for lesson in day.given_away] == [given_away]
    assert day.lessons[0].missing == ()
    policy = SchoolPolicy()
    # Homework anchors at the group's day end: 5А's last lesson that day is slot 5 (ends 13:15).
    expected = {
        "attendance": attendance_deadline(L_DATE, policy),
        "topic": topic_deadline(L_DATE, policy),
        "homework": homework_deadline(L_DATE, time(13, 15), policy),
    }
    missing = {m.item: (m.due, m.late) for m in day.lessons[1].missing}
    assert missing == {item: (due, at > due) for item, due in expected.items()}
    assert missing["homework"][1] is True
    assert missing["attendance"][1] is True  # 21:00 passed at 21:30
    for_u = await execute(sessionmaker, b.actor("U", at=at), teacher_day, day=L_DATE)
    assert [(lesson.lesson_id, lesson.as_substitute) for lesson in for_u.lessons] == [(given_away, True)]
    assert for_u.lessons[0].missing[0].item == "attendance"
    earlier = await execute(sessionmaker, b.actor("T", at=msk(2025, 10, 8, 12)), teacher_day, day=L_DATE)
    assert not any(m.late for m in earlier.lessons[1].missing)
    assert timedelta(0) < expected["topic"] - msk(2025, 10, 8, 12)
