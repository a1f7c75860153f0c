"""Homework: the R39 deadline, "no homework", advance posting and individual homework (R39–R41)."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import BellSlot, Homework, HomeworkTarget, Lesson
from core.domain.enums import HomeworkScope, HomeworkStatus
from core.domain.errors import Forbidden, InvalidInput
from core.policy.settings import SchoolPolicy
from core.usecases.context import execute
from core.usecases.journal.homework import (
    homework_for_student,
    homework_status_missing,
    set_homework,
    set_no_homework,
    void_homework,
)
from tests.builders import L_DATE, SpecSchool, build_spec_school, msk
from tests.core.lessons.support import audit_actions, count, fetch_all, get


async def _last_lesson_ending_1340(b: SpecSchool) -> int:
    """A 5А lesson on 08.10 in an extra bell slot 12:55–13:40, so 5А's day ends at 13:40 as in C32."""
    async with b.sessionmaker() as s:
        schedule_id = await s.scalar(select(BellSlot.schedule_id).where(BellSlot.id == b.slot_ids[1]))
        slot = BellSlot(
            school_id=b.school_id,
            schedule_id=schedule_id,
            number=8,
            start_time=time(12, 55),
            end_time=time(13, 40),
        )
        s.add(slot)
        await s.commit()
        b.slot_ids[8] = slot.id
    return await b.add_lesson(L_DATE, subject="music", slot=8, teacher="K")


async def _diary(b: SpecSchool, who: str, day_from: date, day_to: date) -> list[str]:
    async with b.sessionmaker() as s:
        return [h.text for h in await homework_for_student(s, b.student_ids[who], day_from, day_to)]


async def test_homework_is_late_after_ninety_minutes_past_the_group_last_lesson(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R39, C32: 5А's last lesson on 08.10 ends at 13:40; homework for L at 15:10 is on time, at 15:11 flagged late."""
    b = await build_spec_school(sessionmaker)
    await _last_lesson_ending_1340(b)
    on_time = await execute(
        sessionmaker,
        b.actor("T", at=msk(2025, 10, 8, 15, 10)),
        set_homework,
        lesson_id=b.lesson_l,
        text="№ 101",
    )
    late = await execute(
        sessionmaker,
        b.actor("T", at=msk(2025, 10, 8, 15, 11)),
        set_homework,
        lesson_id=b.lesson_l,
        text="№ 102",
    )
    assert on_time.late_seconds is None
    assert late.late_seconds == 1
    lesson = await get(sessionmaker, Lesson, b.lesson_l)
    assert (lesson.homework_status, lesson.homework_late_seconds) == (HomeworkStatus.given, None)


async def test_homework_anchored_at_the_lesson_end_when_the_school_says_so(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R39: with homework_anchor = lesson_end, L (ends 11:05) has its deadline at 12:35, whatever 5А's day end."""
    b = await build_spec_school(sessionmaker)
    await _last_lesson_ending_1340(b)
    await b.set_policy(homework_anchor="lesson_end")
    result = await execute(
        sessionmaker,
        b.actor("T", at=msk(2025, 10, 8, 12, 36)),
        set_homework,
        lesson_id=b.lesson_l,
        text="№ 5",
    )
    assert result.late_seconds == 1


async def test_missing_homework_status_is_flagged_unless_no_homework_was_tapped(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R40, C33: after the deadline a lesson with neither is flagged; after "no homework" it is not."""
    b = await build_spec_school(sessionmaker)
    policy = SchoolPolicy()
    after_deadline = msk(2025, 10, 8, 13, 0)  # L is 5А's only lesson: 11:05 + 90 min = 12:35
    async with sessionmaker() as s:
        lesson = await s.get(Lesson, b.lesson_l)
        assert lesson is not None
        assert not await homework_status_missing(s, lesson, msk(2025, 10, 8, 12, 35), policy)
        assert await homework_status_missing(s, lesson, after_deadline, policy)
    result = await execute(
        sessionmaker, b.actor("T", at=after_deadline), set_no_homework, lesson_id=b.lesson_l
    )
    assert result.late_seconds == 24 * 60
    async with sessionmaker() as s:
        lesson = await s.get(Lesson, b.lesson_l)
        assert lesson is not None
        assert lesson.homework_status == HomeworkStatus.none
        assert not await homework_status_missing(s, lesson, msk(2025, 10, 9), policy)


async def test_homework_posted_in_advance_appears_under_its_lesson_date(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R40, C34, C82: T posts homework for the 15.10 lesson on 08.10; it is on time and S's diary lists it under 15.10."""
    b = await build_spec_school(sessionmaker)
    future = await b.add_lesson(date(2025, 10, 15))
    result = await execute(
        sessionmaker,
        b.actor("T", at=msk(2025, 10, 8, 16)),
        set_homework,
        lesson_id=future,
        text="Повторить дроби",
        pages="с. 45",
        tasks="№ 3, 4",
        est_minutes=20,
    )
    assert result.late_seconds is None
    async with sessionmaker() as s:
        items = await homework_for_student(s, b.student_ids["S"], date(2025, 10, 15), date(2025, 10, 15))
    assert [(h.text, h.lesson_date, h.due_on, h.pages, h.est_minutes) for h in items] == [
        ("Повторить дроби", date(2025, 10, 15), None, "с. 45", 20)
    ]
    assert await _diary(b, "S", date(2025, 10, 8), date(2025, 10, 9)) == []


async def test_individual_homework_is_listed_only_for_its_targets(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R41, C12: individual homework for X is stored with its target; X's diary lists it, Y's does not; general items reach both."""
    b = await build_spec_school(sessionmaker)
    t = b.actor("T")
    general = await execute(sessionmaker, t, set_homework, lesson_id=b.lesson_l, text="№ 200")
    own = await execute(
        sessionmaker,
        t,
        set_homework,
        lesson_id=b.lesson_l,
        text="Карточка № 3",
        scope=HomeworkScope.individual,
        student_ids=[b.student_ids["X"]],
    )
    targets = await fetch_all(sessionmaker, HomeworkTarget, HomeworkTarget.homework_id == own.homework_id)
    assert [r.student_id for r in targets] == [b.student_ids["X"]]
    assert await _diary(b, "X", L_DATE, L_DATE) == ["№ 200", "Карточка № 3"]
    assert await _diary(b, "Y", L_DATE, L_DATE) == ["№ 200"]
    assert await _diary(b, "B", L_DATE, L_DATE) == []  # 5Б
    assert await audit_actions(b, "homework", general.homework_id) == ["create"]


async def test_homework_is_due_at_the_next_lesson_of_the_page_unless_told_otherwise(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R40, C82: homework set at L is due at the next 5А Maths lesson (10.10) and listed for that date; a due date wins."""
    b = await build_spec_school(sessionmaker)
    await b.add_lesson(date(2025, 10, 13))
    next_lesson = await b.add_lesson(date(2025, 10, 10))
    t = b.actor("T")
    default = await execute(sessionmaker, t, set_homework, lesson_id=b.lesson_l, text="№ 300")
    assert default.homework_id is not None
    assert (await get(sessionmaker, Homework, default.homework_id)).due_lesson_id == next_lesson
    await execute(
        sessionmaker, t, set_homework, lesson_id=b.lesson_l, text="Проект", due_date=date(2025, 10, 20)
    )
    async with sessionmaker() as s:
        due_friday = await homework_for_student(s, b.student_ids["S"], date(2025, 10, 10), date(2025, 10, 10))
        due_later = await homework_for_student(s, b.student_ids["S"], date(2025, 10, 20), date(2025, 10, 20))
    assert [(h.text, h.due_on) for h in due_friday] == [("№ 300", date(2025, 10, 10))]
    assert [(h.text, h.due_on) for h in due_later] == [("Проект", date(2025, 10, 20))]
    with pytest.raises(InvalidInput):
        await execute(
            sessionmaker, t, set_homework, lesson_id=b.lesson_l, text="№ 1", due_date=date(2025, 10, 1)
        )


async def test_individual_homework_for_a_student_off_the_roster_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R41: B is in 5Б, so individual 5А homework for B is refused and nothing is written."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(InvalidInput) as refusal:
        await execute(
            sessionmaker,
            b.actor("T"),
            set_homework,
            lesson_id=b.lesson_l,
            text="Карточка",
            scope=HomeworkScope.individual,
            student_ids=[b.student_ids["B"]],
        )
    assert refusal.value.rule == "R41"
    assert await count(sessionmaker, Homework, Homework.lesson_id == b.lesson_l) == 0
    assert (await get(sessionmaker, Lesson, b.lesson_l)).homework_status == HomeworkStatus.unset


async def test_voided_homework_leaves_the_diary_and_the_lesson_status_unset(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R58, R40: voiding the only homework keeps the row (void, with reason) and returns the lesson to unset."""
    b = await build_spec_school(sessionmaker)
    t = b.actor("T")
    result = await execute(sessionmaker, t, set_homework, lesson_id=b.lesson_l, text="№ 7")
    assert result.homework_id is not None
    with pytest.raises(InvalidInput):
        await execute(sessionmaker, t, set_no_homework, lesson_id=b.lesson_l)
    await execute(sessionmaker, t, void_homework, homework_id=result.homework_id, reason="ошибка")
    row = await get(sessionmaker, Homework, result.homework_id)
    assert (row.status, row.void_reason) == ("void", "ошибка")
    assert (await get(sessionmaker, Lesson, b.lesson_l)).homework_status == HomeworkStatus.unset
    assert await _diary(b, "S", L_DATE, L_DATE) == []
    assert await audit_actions(b, "homework", result.homework_id) == ["create", "void"]


async def test_homework_text_without_cyrillic_warns_and_students_never_write(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R5, R47: "Exercise 5" is saved with a warning; student S setting homework is refused."""
    b = await build_spec_school(sessionmaker)
    warned = await execute(sessionmaker, b.actor("T"), set_homework, lesson_id=b.lesson_l, text="Exercise 5")
    assert warned.warnings == ("R5",)
    with pytest.raises(Forbidden) as refusal:
        await execute(sessionmaker, b.actor("S"), set_homework, lesson_id=b.lesson_l, text="№ 1")
    assert refusal.value.rule == "R47"
    assert await count(sessionmaker, Homework, Homework.lesson_id == b.lesson_l) == 1
