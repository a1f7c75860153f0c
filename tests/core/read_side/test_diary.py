"""The student's diary for students, parents and staff (R80, R41, R45, R23, R88, R105, R107)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import AssessmentScheduleItem, AuditEvent, DiaryView, Holiday, Substitution
from core.domain.enums import (
    AbsenceReason,
    AuditAction,
    DiarySection,
    HolidayType,
    LessonStatus,
    NoteKind,
    RequestStatus,
    SubstitutionKind,
)
from core.domain.errors import Forbidden
from core.reports.diary import Diary, student_diary
from core.reports.marks_summary import marks_summary
from core.reports.topics import missed_topics, unsatisfactory_topics
from core.usecases.context import execute
from tests.builders import L_DATE, build_spec_school, msk
from tests.core.read_side.journal_rows import (
    add_absence,
    add_homework,
    add_mark,
    add_note,
    add_row,
    update_lesson,
)

NEXT = date(2025, 10, 9)


def _day(diary: Diary, day: date):  # type: ignore[no-untyped-def]
    return next(d for d in diary.days if d.day == day)


async def _views(sm: async_sessionmaker[AsyncSession], school_id: int) -> list[DiaryView]:
    async with sm() as s:
        return list(
            await s.scalars(select(DiaryView).where(DiaryView.school_id == school_id).order_by(DiaryView.id))
        )


async def test_parent_sees_lessons_topics_marks_attendance_and_the_view_is_logged(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R80, R88, C91: P opens S's day: topic, substitute, mark, lateness, group teachers; a DiaryView is stored."""
    b = await build_spec_school(sessionmaker)
    await update_lesson(b, b.lesson_l, topic="Дроби", material="§12", status=LessonStatus.held)
    await update_lesson(b, b.lesson_l, actual_teacher_id=b.staff_ids["U"])
    await add_row(
        b,
        Substitution(
            school_id=b.school_id,
            lesson_id=b.lesson_l,
            kind=SubstitutionKind.substitution,
            original_teacher_id=b.staff_ids["T"],
            substitute_teacher_id=b.staff_ids["U"],
            status=RequestStatus.registered,
        ),
    )
    await add_mark(b, b.lesson_l, "S", "5")
    await add_mark(b, b.lesson_l, "V", "2")
    await add_absence(b, b.lesson_l, "S", late_minutes=7)
    diary = await execute(
        sessionmaker,
        b.actor("P"),
        student_diary,
        student_id=b.student_ids["S"],
        date_from=L_DATE,
        date_to=NEXT,
    )
    day = _day(diary, L_DATE)
    (lesson,) = day.lessons
    assert (lesson.topic, lesson.material, lesson.substituted, lesson.teacher.split()[0]) == (
        "Дроби",
        "§12",
        True,
        "Васильев",
    )
    assert [(m.value, m.work_type) for m in day.marks] == [("5", "Раб")]
    assert [(a.kind.value, a.late_minutes) for a in day.attendance] == [("late", 7)]
    assert _day(diary, NEXT).lessons == ()
    teachers = {(t.subject, t.teacher.split()[0]) for t in diary.teachers}
    assert teachers == {("Математика", "Смирнова"), ("Музыка", "Морозова"), ("Английский язык", "Попова")}
    (view,) = await _views(sessionmaker, b.school_id)
    assert (view.viewer_account_id, view.student_id, view.section, view.range_from, view.range_to) == (
        b.account_ids["P"],
        b.student_ids["S"],
        DiarySection.day,
        L_DATE,
        NEXT,
    )


async def test_deputy_reads_any_diary_without_a_diary_view_or_any_change(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R107, C6: the deputy head opens Y's diary read-only; nothing is written (no DiaryView, no audit)."""
    b = await build_spec_school(sessionmaker)
    await add_mark(b, b.lesson_l, "Y", "4")
    diary = await execute(
        sessionmaker,
        b.actor("deputy"),
        student_diary,
        student_id=b.student_ids["Y"],
        date_from=L_DATE,
        date_to=L_DATE,
    )
    assert [m.value for m in _day(diary, L_DATE).marks] == ["4"]
    assert await _views(sessionmaker, b.school_id) == []
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).where(AuditEvent.school_id == b.school_id)) == 0


async def test_parent_asking_for_a_classmates_marks_is_refused_with_nothing_returned(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R105, C9: P (parent of S) asks for Y's marks and diary: Forbidden, no DiaryView, access_denied audited."""
    b = await build_spec_school(sessionmaker)
    await add_mark(b, b.lesson_l, "Y", "2")
    with pytest.raises(Forbidden) as refusal:
        await execute(
            sessionmaker, b.actor("P"), marks_summary, student_id=b.student_ids["Y"], period_id=b.q1
        )
    assert refusal.value.rule == "R105"
    with pytest.raises(Forbidden):
        await execute(
            sessionmaker,
            b.actor("P"),
            student_diary,
            student_id=b.student_ids["Y"],
            date_from=L_DATE,
            date_to=L_DATE,
        )
    assert await _views(sessionmaker, b.school_id) == []
    async with sessionmaker() as s:
        denied = await s.scalar(
            select(func.count()).where(
                AuditEvent.school_id == b.school_id, AuditEvent.action == AuditAction.access_denied
            )
        )
    assert denied == 2


async def test_individual_homework_is_seen_only_by_its_student_and_that_students_parent(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R41, C12: X's individual item is absent for Y's parent; X sees it, S and P see only S's own item."""
    b = await build_spec_school(sessionmaker)
    due = await b.add_lesson(NEXT)
    await add_homework(b, b.lesson_l, "№ 101", due_lesson_id=due)
    await add_homework(b, b.lesson_l, "Карточка для X", due_lesson_id=due, for_students=("X",))
    await add_homework(b, b.lesson_l, "Карточка для S", due_lesson_id=due, for_students=("S",))

    async def texts(who: str, student: str) -> list[str]:
        diary = await execute(
            sessionmaker,
            b.actor(who),
            student_diary,
            student_id=b.student_ids[student],
            date_from=NEXT,
            date_to=NEXT,
        )
        return [h.text for h in _day(diary, NEXT).homework_due]

    assert await texts("X", "X") == ["№ 101", "Карточка для X"]
    assert await texts("PY", "Y") == ["№ 101"]
    assert await texts("P", "S") == ["№ 101", "Карточка для S"]
    assert await texts("S", "S") == ["№ 101", "Карточка для S"]


async def test_recommendation_is_shown_and_staff_only_comment_is_not(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R45, C45: a diary-visible recommendation reaches P; the staff-only comment on S does not."""
    b = await build_spec_school(sessionmaker)
    await add_note(b, b.lesson_l, "S", NoteKind.recommendation, "Повторить дроби", diary_visible=True)
    await add_note(b, b.lesson_l, "S", NoteKind.comment, "Списывал", diary_visible=False)
    diary = await execute(
        sessionmaker,
        b.actor("P"),
        student_diary,
        student_id=b.student_ids["S"],
        date_from=L_DATE,
        date_to=L_DATE,
    )
    assert [(n.kind, n.text) for n in _day(diary, L_DATE).notes] == [
        (NoteKind.recommendation, "Повторить дроби")
    ]


async def test_published_control_work_and_holidays_are_shown_and_unpublished_work_is_not(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R23, R16, C44: the published 20.10 control work and the 25.10–02.11 holidays show; the unpublished one does not."""
    b = await build_spec_school(sessionmaker)
    for day, published in ((date(2025, 10, 20), msk(2025, 10, 1)), (date(2025, 10, 22), None)):
        await add_row(
            b,
            AssessmentScheduleItem(
                school_id=b.school_id,
                group_id=b.group_ids["5А"],
                subject_id=b.subject_ids["maths"],
                date=day,
                work_type_id=b.work_type_ids["control"],
                control_form="письменная",
                published_at=published,
            ),
        )
    await add_row(
        b,
        Holiday(
            school_id=b.school_id,
            year_id=b.year_id,
            type=HolidayType.autumn,
            name="Осенние каникулы",
            start_date=date(2025, 10, 25),
            end_date=date(2025, 11, 2),
        ),
    )
    await add_row(
        b,
        Holiday(
            school_id=b.school_id,
            year_id=b.year_id,
            type=HolidayType.extra_grade1,
            start_date=date(2025, 10, 27),
            end_date=date(2025, 10, 28),
            grades=[1],
        ),
    )
    diary = await execute(
        sessionmaker,
        b.actor("P"),
        student_diary,
        student_id=b.student_ids["S"],
        date_from=date(2025, 10, 20),
        date_to=date(2025, 10, 26),
        section=DiarySection.schedule,
    )
    assert [(w.date, w.control_form) for w in diary.control_works] == [(date(2025, 10, 20), "письменная")]
    assert [(h.start, h.end) for h in diary.holidays] == [(date(2025, 10, 25), date(2025, 11, 2))]
    (view,) = await _views(sessionmaker, b.school_id)
    assert view.section == DiarySection.schedule


async def test_parent_gets_own_childs_missed_lessons_with_topics_only(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R91, C92: P's list holds S's absences with date, subject, topic and reason, not Y's; Y's is refused."""
    b = await build_spec_school(sessionmaker)
    await update_lesson(b, b.lesson_l, topic="Дроби", status=LessonStatus.held)
    await add_absence(b, b.lesson_l, "S", AbsenceReason.ill, made_up=True)
    await add_absence(b, b.lesson_l, "Y", AbsenceReason.unexcused)
    later = await b.add_lesson(NEXT)
    await add_absence(b, later, "S", late_minutes=5)
    missed = await execute(
        sessionmaker,
        b.actor("P"),
        missed_topics,
        student_id=b.student_ids["S"],
        date_from=L_DATE,
        date_to=NEXT,
    )
    assert [(m.date, m.subject, m.topic, m.reason, m.made_up) for m in missed] == [
        (L_DATE, "Математика", "Дроби", AbsenceReason.ill, True)
    ]
    with pytest.raises(Forbidden):
        await execute(
            sessionmaker,
            b.actor("P"),
            missed_topics,
            student_id=b.student_ids["Y"],
            date_from=L_DATE,
            date_to=NEXT,
        )
    (view,) = await _views(sessionmaker, b.school_id)
    assert view.section == DiarySection.missed_topics


async def test_unsatisfactory_marks_are_listed_with_their_topics(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R91: only S's marks whose scale value is unsatisfactory (2), with the lesson topic; «Д» and 3 are not."""
    b = await build_spec_school(sessionmaker)
    await update_lesson(b, b.lesson_l, topic="Дроби", status=LessonStatus.held)
    await add_mark(b, b.lesson_l, "S", "2", "quiz")
    await add_mark(b, b.lesson_l, "S", "3")
    await add_mark(b, b.lesson_l, "S", "Д")
    await add_mark(b, b.lesson_l, "S", "1", voided=True)
    rows = await execute(
        sessionmaker,
        b.actor("P"),
        unsatisfactory_topics,
        student_id=b.student_ids["S"],
        date_from=L_DATE,
        date_to=L_DATE,
    )
    assert [(r.value, r.topic, r.work_type) for r in rows] == [("2", "Дроби", "Пр")]
