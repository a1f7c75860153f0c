"""Journal rows written straight into the database, so read-side tests do not depend on write use cases."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from core.db.models import Attendance, Homework, HomeworkTarget, Lesson, Mark, Note
from core.domain.enums import AbsenceReason, AttendanceStatus, HomeworkScope, NoteKind
from tests.builders import SpecSchool, msk


async def add_mark(
    b: SpecSchool,
    lesson_id: int,
    student: str,
    value: str,
    work_type: str = "classwork",
    *,
    voided: bool = False,
    weight_override: Decimal | None = None,
) -> int:
    at = msk(2025, 10, 8, 15)
    async with b.sessionmaker() as s:
        mark = Mark(
            school_id=b.school_id,
            student_id=b.student_ids[student],
            lesson_id=lesson_id,
            work_type_id=b.work_type_ids[work_type],
            value_code=value,
            weight_override=weight_override,
            entered_by=b.account_ids["T"],
            entered_at=at,
            first_entered_at=at,
            status="void" if voided else "active",
        )
        s.add(mark)
        await s.commit()
        return mark.id


async def add_absence(
    b: SpecSchool,
    lesson_id: int,
    student: str,
    reason: AbsenceReason | None = AbsenceReason.unknown,
    *,
    late_minutes: int | None = None,
    made_up: bool = False,
) -> int:
    async with b.sessionmaker() as s:
        row = Attendance(
            school_id=b.school_id,
            student_id=b.student_ids[student],
            lesson_id=lesson_id,
            kind=AttendanceStatus.late if late_minutes is not None else AttendanceStatus.absent,
            late_minutes=late_minutes,
            reason=None if late_minutes is not None else reason,
            made_up=made_up,
            entered_by=b.account_ids["T"],
            entered_at=msk(2025, 10, 8, 15),
        )
        s.add(row)
        await s.commit()
        return row.id


async def add_homework(
    b: SpecSchool,
    lesson_id: int,
    text: str,
    *,
    due_lesson_id: int | None = None,
    for_students: tuple[str, ...] = (),
) -> int:
    async with b.sessionmaker() as s:
        hw = Homework(
            school_id=b.school_id,
            lesson_id=lesson_id,
            due_lesson_id=due_lesson_id,
            scope=HomeworkScope.individual if for_students else HomeworkScope.general,
            text=text,
            entered_by=b.account_ids["T"],
            entered_at=msk(2025, 10, 8, 15),
        )
        s.add(hw)
        await s.flush()
        s.add_all(
            HomeworkTarget(school_id=b.school_id, homework_id=hw.id, student_id=b.student_ids[key])
            for key in for_students
        )
        await s.commit()
        return hw.id


async def add_note(
    b: SpecSchool, lesson_id: int, student: str, kind: NoteKind, text: str, *, diary_visible: bool
) -> int:
    async with b.sessionmaker() as s:
        note = Note(
            school_id=b.school_id,
            kind=kind,
            student_id=b.student_ids[student],
            lesson_id=lesson_id,
            text=text,
            diary_visible=diary_visible,
            author_account_id=b.account_ids["T"],
            written_at=msk(2025, 10, 8, 15),
        )
        s.add(note)
        await s.commit()
        return note.id


async def update_lesson(b: SpecSchool, lesson_id: int, **values: Any) -> None:
    async with b.sessionmaker() as s:
        lesson = await s.get(Lesson, lesson_id)
        assert lesson is not None
        for key, value in values.items():
            setattr(lesson, key, value)
        await s.commit()


async def add_row(b: SpecSchool, row: object) -> int:
    async with b.sessionmaker() as s:
        s.add(row)
        await s.commit()
        return row.id  # type: ignore[attr-defined]


def at(day: date, h: int = 15) -> datetime:
    return msk(day.year, day.month, day.day, h)


async def add_students(b: SpecSchool, class_name: str, n: int, prefix: str = "Ученик") -> list[int]:
    """`n` more students enrolled in the class from the year start, by bulk insert."""
    from sqlalchemy import insert, select

    from core.db.models import Enrollment, Student
    from core.domain.enums import EnrollmentReason
    from tests.builders import YEAR_START

    tag = f"{prefix}-{class_name}"
    async with b.sessionmaker() as s:
        await s.execute(
            insert(Student),
            [{"school_id": b.school_id, "last_name": f"{tag}{i:04d}", "first_name": "Имя"} for i in range(n)],
        )
        ids = list(
            await s.scalars(
                select(Student.id).where(Student.school_id == b.school_id, Student.last_name.like(f"{tag}%"))
            )
        )
        await s.execute(
            insert(Enrollment),
            [
                {
                    "school_id": b.school_id,
                    "student_id": sid,
                    "class_id": b.class_ids[class_name],
                    "from_date": YEAR_START,
                    "reason": EnrollmentReason.admission,
                }
                for sid in ids
            ],
        )
        await s.commit()
    return ids
