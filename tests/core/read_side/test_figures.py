"""Group figures: success and quality (R76, R77), mark density (R78), attendance (R79)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import Attendance, Deferral, Enrollment, Lesson, Mark, PeriodMark, Student, Subject
from core.domain.enums import (
    AbsenceReason,
    AttendanceStatus,
    DeferralReason,
    EnrollmentReason,
    LessonStatus,
    PeriodMarkKind,
)
from core.domain.errors import Forbidden
from core.reports.figures import (
    group_attendance,
    group_mark_density,
    group_success,
    student_attendance,
    student_success_rate,
)
from core.usecases.context import execute
from tests.builders import SpecSchool, build_spec_school, msk
from tests.core.read_side.journal_rows import add_students

NOW = msk(2025, 10, 27, 12)


def _period_mark(
    b: SpecSchool, student_id: int, value: str, subject: str = "maths", group: str = "5Б"
) -> dict:
    return {
        "school_id": b.school_id,
        "student_id": student_id,
        "subject_id": b.subject_ids[subject],
        "group_id": b.group_ids[group],
        "year_id": b.year_id,
        "period_id": b.q1,
        "scope_key": f"p:{b.q1}",
        "kind": PeriodMarkKind.period,
        "value_code": value,
        "entered_by": b.account_ids["T2"],
        "entered_at": NOW,
        "published_at": NOW,
    }


async def test_success_and_quality_leave_exempt_and_deferred_students_out(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R76, R77, C77, C78: 25 students, 20 passing (12 of them 4/5), two 2s, н/а, осв, a deferral → 23, 87.0%, 52.2%."""
    b = await build_spec_school(sessionmaker)
    ids = [b.student_ids["B"], *await add_students(b, "5Б", 24)]
    values = ["5"] * 6 + ["4"] * 6 + ["3"] * 8 + ["2", "2", "н/а", "осв"]
    async with sessionmaker() as s:
        await s.execute(
            insert(PeriodMark), [_period_mark(b, sid, v) for sid, v in zip(ids, values, strict=False)]
        )
        s.add(
            Deferral(
                school_id=b.school_id,
                student_id=ids[24],
                subject_id=b.subject_ids["maths"],
                period_id=b.q1,
                reason=DeferralReason.illness,
                document_ref="Справка",
                granted_by=b.account_ids["deputy"],
                granted_at=NOW,
                due_date=date(2025, 11, 24),
            )
        )
        await s.commit()
    rates = await execute(
        sessionmaker,
        b.actor("T2", at=NOW),
        group_success,
        group_id=b.group_ids["5Б"],
        subject_id=b.subject_ids["maths"],
        period_id=b.q1,
    )
    assert (rates.attested, rates.passing, rates.quality) == (23, 20, 12)
    assert (rates.success_pct, rates.quality_pct) == (Decimal("87.0"), Decimal("52.2"))
    with pytest.raises(Forbidden):
        await execute(
            sessionmaker,
            b.actor("T", at=NOW),
            group_success,
            group_id=b.group_ids["5Б"],
            subject_id=b.subject_ids["maths"],
            period_id=b.q1,
        )


async def test_student_passing_nine_of_ten_subjects_has_ninety_percent(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R76, C79: S passes 9 of 10 attested subjects (a 2 in one; осв in an eleventh) → 90.0%."""
    b = await build_spec_school(sessionmaker)
    async with sessionmaker() as s:
        await s.execute(
            insert(Subject),
            [{"school_id": b.school_id, "name": f"Предмет {i}", "short_name": f"П{i}"} for i in range(7)],
        )
        extra = list(
            await s.scalars(
                select(Subject.id).where(Subject.school_id == b.school_id, Subject.name.like("Предмет%"))
            )
        )
        b.subject_ids.update({f"extra{i}": sid for i, sid in enumerate(extra)})
        subjects = ["maths", "english", "physics", "music", *(f"extra{i}" for i in range(7))]
        values = ["5", "4", "3", "3", "4", "5", "3", "4", "5", "2", "осв"]
        await s.execute(
            insert(PeriodMark),
            [
                _period_mark(b, b.student_ids["S"], v, subject, "5А")
                for subject, v in zip(subjects, values, strict=True)
            ],
        )
        await s.commit()
    success = await execute(
        sessionmaker,
        b.actor("K", at=NOW),
        student_success_rate,
        student_id=b.student_ids["S"],
        period_id=b.q1,
    )
    assert success == Decimal("90.0")


async def test_density_lists_students_with_no_marks_and_with_one_mark(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R78, C80: in a 25-student group 3 students have 0 marks and 2 exactly 1 in Q1 → 12.0% and 8.0%."""
    b = await build_spec_school(sessionmaker)
    ids = [b.student_ids["B"], *await add_students(b, "5Б", 24)]
    lesson = await b.add_lesson(date(2025, 10, 8), group="5Б", teacher="T2")
    counts = [0, 0, 0, 1, 1] + [3] * 20
    rows = [
        {
            "school_id": b.school_id,
            "student_id": sid,
            "lesson_id": lesson,
            "work_type_id": b.work_type_ids["oral"],
            "value_code": "4",
            "entered_by": b.account_ids["T2"],
            "entered_at": NOW,
            "first_entered_at": NOW,
        }
        for sid, n in zip(ids, counts, strict=True)
        for _ in range(n)
    ]
    voided = {**rows[0], "student_id": ids[0], "status": "void"}
    async with sessionmaker() as s:
        await s.execute(insert(Mark), [*rows, voided])
        await s.commit()
    density = await execute(
        sessionmaker,
        b.actor("deputy", at=NOW),
        group_mark_density,
        group_id=b.group_ids["5Б"],
        subject_id=b.subject_ids["maths"],
        period_id=b.q1,
    )
    assert (sorted(density.zero), sorted(density.one)) == (sorted(ids[:3]), sorted(ids[3:5]))
    assert (density.zero_pct, density.one_pct) == (Decimal("12.0"), Decimal("8.0"))
    assert sorted(density.below_min) == sorted(ids[:5])


async def test_attendance_counts_student_lessons_from_the_roster_of_each_day(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R79, C81: S (group figures and S's own view) had 40 held lessons, 4 absences (2 ill, 1 excused, 1 unexcused), 3 latenesses → 90.0%, lateness 3."""
    b = await build_spec_school(sessionmaker)
    days = [date(2025, 9, 1) + timedelta(days=n) for n in range(54)]
    workdays = [d for d in days if d.weekday() < 5][:20]
    async with sessionmaker() as s:
        newcomer = Student(school_id=b.school_id, last_name="Новенький", first_name="Ян")
        s.add(newcomer)
        await s.flush()
        s.add(
            Enrollment(
                school_id=b.school_id,
                student_id=newcomer.id,
                class_id=b.class_ids["5А"],
                from_date=workdays[10],
                reason=EnrollmentReason.arrival,
            )
        )
        lesson_rows = [
            {
                "school_id": b.school_id,
                "date": d,
                "bell_slot_id": b.slot_ids[slot],
                "group_id": b.group_ids["5А"],
                "subject_id": b.subject_ids["maths"],
                "scheduled_teacher_id": b.staff_ids["T"],
                "actual_teacher_id": b.staff_ids["T"],
                "status": LessonStatus.held,
                "topic": "Тема",
            }
            for d in workdays
            for slot in (1, 2)
        ]
        cancelled = {**lesson_rows[0], "bell_slot_id": b.slot_ids[5], "status": LessonStatus.cancelled}
        await s.execute(insert(Lesson), [*lesson_rows, cancelled])
        held = list(
            await s.scalars(
                select(Lesson.id)
                .where(Lesson.group_id == b.group_ids["5А"], Lesson.status == LessonStatus.held)
                .order_by(Lesson.date, Lesson.bell_slot_id)
            )
        )
        assert len(held) == 40  # lesson L is planned, not held

        def row(
            lesson_id: int, student_id: int, reason: AbsenceReason | None, late: int | None = None
        ) -> dict:
            return {
                "school_id": b.school_id,
                "student_id": student_id,
                "lesson_id": lesson_id,
                "kind": AttendanceStatus.late if late else AttendanceStatus.absent,
                "reason": reason,
                "late_minutes": late,
                "entered_by": b.account_ids["T"],
                "entered_at": NOW,
            }

        sid = b.student_ids["S"]
        reasons = [AbsenceReason.ill, AbsenceReason.ill, AbsenceReason.excused, AbsenceReason.unexcused]
        await s.execute(
            insert(Attendance),
            [
                *(row(held[i], sid, r) for i, r in enumerate(reasons)),
                *(row(held[10 + i], sid, None, late=5) for i in range(3)),
                row(held[0], newcomer.id, AbsenceReason.unknown),  # before enrolment: not a student-lesson
            ],
        )
        await s.commit()
    figures = await execute(
        sessionmaker,
        b.actor("T", at=NOW),
        group_attendance,
        group_id=b.group_ids["5А"],
        subject_id=b.subject_ids["maths"],
        period_id=b.q1,
    )
    mine = figures.per_student[sid]
    assert (mine.student_lessons, mine.absences, mine.late, mine.percent) == (40, 4, 3, Decimal("90.0"))
    assert mine.by_reason == {"ill": 2, "excused": 1, "unexcused": 1}
    assert figures.per_student[newcomer.id].student_lessons == 20
    assert figures.total.student_lessons == 6 * 40 + 20
    assert figures.total.absences == 4
    own = await execute(
        sessionmaker, b.actor("P", at=NOW), student_attendance, student_id=sid, period_id=b.q1
    )
    assert own.total == mine
    assert own.by_subject == {b.subject_ids["maths"]: mine}
