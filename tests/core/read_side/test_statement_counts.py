"""Issue item 13: every read model is a fixed number of set-based queries, whatever the number of students.

Each report runs against three schools of the same shape: 5 students, a class of 30, and a school
of about 1,000 students in many classes. The SQL statements are counted with a cursor event on the
engine; the count must be the same for all three.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.db.models import (
    Attendance,
    Enrollment,
    Group,
    GroupClass,
    Homework,
    Lesson,
    Mark,
    Note,
    SchoolClass,
    Student,
)
from core.domain.enums import (
    AbsenceReason,
    AttendanceStatus,
    EnrollmentReason,
    GroupKind,
    HomeworkScope,
    LessonStatus,
    NoteKind,
)
from core.reports.class_day import class_day
from core.reports.diary import student_diary
from core.reports.journal_page import journal_page
from core.reports.marks_summary import marks_summary
from core.reports.teacher_day import teacher_day
from core.usecases.context import execute
from tests.builders import L_DATE, YEAR_START, SpecSchool, build_spec_school, msk
from tests.core.read_side.journal_rows import add_students

AT = msk(2025, 10, 8, 22)
WEEKS = [
    date(2025, 9, 22) + timedelta(days=n)
    for n in range(19)
    if (date(2025, 9, 22) + timedelta(days=n)).weekday() < 5
]


@contextmanager
def counted(engine: AsyncEngine) -> Iterator[list[str]]:
    statements: list[str] = []

    def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", on_execute)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", on_execute)


async def _journal(s: AsyncSession, b: SpecSchool, group_id: int, teacher: str, students: list[int]) -> None:
    """Three weeks of held Maths lessons with marks, absences, lateness, homework and notes for everyone."""
    now = msk(2025, 10, 8, 15)
    lessons = list(
        await s.scalars(
            insert(Lesson).returning(Lesson.id),
            [
                {
                    "school_id": b.school_id,
                    "date": d,
                    "bell_slot_id": b.slot_ids[3 if d != L_DATE else 2],
                    "group_id": group_id,
                    "subject_id": b.subject_ids["maths"],
                    "scheduled_teacher_id": b.staff_ids[teacher],
                    "actual_teacher_id": b.staff_ids[teacher],
                    "status": LessonStatus.held,
                    "topic": f"Тема {d}",
                }
                for d in WEEKS
            ],
        )
    )
    by = b.account_ids[teacher]
    await s.execute(
        insert(Mark),
        [
            {
                "school_id": b.school_id,
                "student_id": sid,
                "lesson_id": lessons[(i + k) % len(lessons)],
                "work_type_id": b.work_type_ids["classwork" if k else "control"],
                "value_code": str(2 + (i + k) % 4),
                "entered_by": by,
                "entered_at": now,
                "first_entered_at": now,
            }
            for i, sid in enumerate(students)
            for k in range(4)
        ],
    )
    await s.execute(
        insert(Attendance),
        [
            {
                "school_id": b.school_id,
                "student_id": sid,
                "lesson_id": lessons[WEEKS.index(L_DATE)] if i % 2 else lessons[i % len(lessons)],
                "kind": AttendanceStatus.late if i % 3 == 0 else AttendanceStatus.absent,
                "late_minutes": 5 if i % 3 == 0 else None,
                "reason": None if i % 3 == 0 else AbsenceReason.ill,
                "entered_by": by,
                "entered_at": now,
            }
            for i, sid in enumerate(students)
        ],
    )
    await s.execute(
        insert(Homework),
        [
            {
                "school_id": b.school_id,
                "lesson_id": lessons[n],
                "due_lesson_id": lessons[n + 1],
                "scope": HomeworkScope.general,
                "text": f"№ {n}",
                "entered_by": by,
                "entered_at": now,
            }
            for n in range(len(lessons) - 1)
        ],
    )
    await s.execute(
        insert(Note),
        [
            {
                "school_id": b.school_id,
                "kind": NoteKind.recommendation,
                "student_id": sid,
                "lesson_id": lessons[WEEKS.index(L_DATE)],
                "text": "Повторить",
                "diary_visible": i % 2 == 0,
                "author_account_id": by,
                "written_at": now,
            }
            for i, sid in enumerate(students)
        ],
    )


async def _school(sm: async_sessionmaker[AsyncSession], class_size: int, others: int) -> SpecSchool:
    """The §8 school with 5А grown to `class_size` and `others` students in further classes of 30."""
    b = await build_spec_school(sm, students_5a=5)
    extra = await add_students(b, "5А", class_size - 5) if class_size > 5 else []
    async with sm() as s:
        five = await s.get(SchoolClass, b.class_ids["5А"])
        assert five is not None
        class_a = [b.student_ids[k] for k in ("S", "V", "X", "Y", "W")] + extra
        await _journal(s, b, b.group_ids["5А"], "T", class_a)
        n_classes = (others + 29) // 30
        if n_classes:
            class_ids = list(
                await s.scalars(
                    insert(SchoolClass).returning(SchoolClass.id),
                    [
                        {
                            "school_id": b.school_id,
                            "year_id": b.year_id,
                            "parallel_id": five.parallel_id,
                            "letter": str(i),
                            "name": f"6-{i}",
                            "period_scheme_id": five.period_scheme_id,
                        }
                        for i in range(n_classes)
                    ],
                )
            )
            group_ids = list(
                await s.scalars(
                    insert(Group).returning(Group.id),
                    [
                        {
                            "school_id": b.school_id,
                            "year_id": b.year_id,
                            "kind": GroupKind.whole_class,
                            "name": f"6-{i}",
                        }
                        for i in range(n_classes)
                    ],
                )
            )
            await s.execute(
                insert(GroupClass),
                [
                    {"school_id": b.school_id, "group_id": g, "class_id": c}
                    for g, c in zip(group_ids, class_ids, strict=True)
                ],
            )
            students = list(
                await s.scalars(
                    insert(Student).returning(Student.id),
                    [
                        {"school_id": b.school_id, "last_name": f"Ш{i:05d}", "first_name": "Имя"}
                        for i in range(others)
                    ],
                )
            )
            await s.execute(
                insert(Enrollment),
                [
                    {
                        "school_id": b.school_id,
                        "student_id": sid,
                        "class_id": class_ids[i // 30],
                        "from_date": YEAR_START,
                        "reason": EnrollmentReason.admission,
                    }
                    for i, sid in enumerate(students)
                ],
            )
            for n, group_id in enumerate(group_ids):
                await _journal(s, b, group_id, "T2", students[n * 30 : (n + 1) * 30])
        await s.commit()
    return b


Report = Callable[[async_sessionmaker[AsyncSession], SpecSchool], Awaitable[object]]

REPORTS: dict[str, Report] = {
    "journal_page": lambda sm, b: execute(
        sm,
        b.actor("T", at=AT),
        journal_page,
        group_id=b.group_ids["5А"],
        subject_id=b.subject_ids["maths"],
        period_id=b.q1,
    ),
    "class_day": lambda sm, b: execute(
        sm, b.actor("K", at=AT), class_day, class_id=b.class_ids["5А"], day=L_DATE
    ),
    "marks_summary": lambda sm, b: execute(
        sm, b.actor("P", at=AT), marks_summary, student_id=b.student_ids["S"], period_id=b.q1
    ),
    "student_diary": lambda sm, b: execute(
        sm,
        b.actor("P", at=AT),
        student_diary,
        student_id=b.student_ids["S"],
        date_from=date(2025, 10, 6),
        date_to=date(2025, 10, 12),
    ),
    "teacher_day": lambda sm, b: execute(sm, b.actor("T", at=AT), teacher_day, day=L_DATE),
}


async def test_statement_counts_do_not_grow_with_the_number_of_students(
    sessionmaker: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    """R80, R73–R79: journal page, class day, marks summary, diary and teacher day: same statement count for 5, 30 and ~1,000 students."""
    schools = {
        "5 students": await _school(sessionmaker, 5, 0),
        "class of 30": await _school(sessionmaker, 30, 0),
        "school of 1000": await _school(sessionmaker, 30, 975),
    }
    async with sessionmaker() as s:
        big = schools["school of 1000"].school_id
        assert len(list(await s.scalars(select(Student.id).where(Student.school_id == big)))) == 1006
    counts: dict[str, dict[str, int]] = {}
    for report, run in REPORTS.items():
        for size, b in schools.items():
            with counted(engine) as statements:
                result = await run(sessionmaker, b)
            assert result is not None
            counts.setdefault(report, {})[size] = len(statements)
    for report, by_size in counts.items():
        assert len(set(by_size.values())) == 1, (report, by_size)
        assert next(iter(by_size.values())) < 30, (report, by_size)


async def test_reports_over_the_big_school_see_only_their_own_class(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R80, §6.1: in the 30-student class the page has 30 rows and the tutor's day covers 5А only."""
    b = await _school(sessionmaker, 30, 60)
    page = await REPORTS["journal_page"](sessionmaker, b)
    assert len(page.rows) == 30  # type: ignore[attr-defined]
    day = await REPORTS["class_day"](sessionmaker, b)
    assert 0 < len(day.students) <= 30  # type: ignore[attr-defined]
    diary = await REPORTS["student_diary"](sessionmaker, b)
    assert sum(len(d.lessons) for d in diary.days) == 6  # type: ignore[attr-defined]  # L plus 5 held lessons
