"""The lesson record: topic, КТП link, Cyrillic check and `held` status (R31, R32, R24, R5)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import Lesson, ThematicPlan, ThematicPlanItem
from core.domain.enums import LessonStatus
from core.domain.errors import Forbidden, InvalidInput
from core.policy.settings import SchoolPolicy
from core.usecases.context import execute
from core.usecases.journal.lesson_record import mark_lesson_held, record_topic, topic_missing
from tests.builders import L_DATE, SpecSchool, build_spec_school, msk
from tests.core.lessons.support import audit_actions, get


async def _plan(b: SpecSchool, group: str = "5А", items: int = 12) -> dict[int, int]:
    """A КТП for the group's Maths with items 1..N; returns seq → item id."""
    async with b.sessionmaker() as s:
        plan = ThematicPlan(
            school_id=b.school_id,
            teacher_staff_id=b.staff_ids["T"],
            subject_id=b.subject_ids["maths"],
            group_id=b.group_ids[group],
            year_id=b.year_id,
        )
        s.add(plan)
        await s.flush()
        rows = [
            ThematicPlanItem(school_id=b.school_id, plan_id=plan.id, seq=n, topic=f"Тема {n}: дроби")
            for n in range(1, items + 1)
        ]
        s.add_all(rows)
        await s.commit()
        return {row.seq: row.id for row in rows}


async def test_lesson_without_topic_cannot_be_marked_held_and_is_flagged_after_day_end(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R32, C35: marking L held without a topic is refused; after 21:00 without a topic L is flagged "topic missing"."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(InvalidInput) as refusal:
        await execute(sessionmaker, b.actor("T"), mark_lesson_held, lesson_id=b.lesson_l)
    assert refusal.value.rule == "R32"
    lesson = await get(sessionmaker, Lesson, b.lesson_l)
    assert lesson.status == LessonStatus.planned
    policy = SchoolPolicy()
    assert not topic_missing(lesson, msk(2025, 10, 8, 21, 0, 59), policy)
    assert topic_missing(lesson, msk(2025, 10, 8, 21, 1), policy)
    await execute(sessionmaker, b.actor("T"), record_topic, lesson_id=b.lesson_l, topic="Сложение дробей")
    await execute(sessionmaker, b.actor("T"), mark_lesson_held, lesson_id=b.lesson_l)
    assert not topic_missing(await get(sessionmaker, Lesson, b.lesson_l), msk(2025, 10, 9), policy)


async def test_topic_from_plan_item_keeps_its_link_when_the_wording_is_edited(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R32, R24, C36: T picks КТП item 12 for L, then edits the wording: topic_item_id stays item 12, the new text is saved."""
    b = await build_spec_school(sessionmaker)
    items = await _plan(b)
    t = b.actor("T", at=msk(2025, 10, 8, 12))
    picked = await execute(sessionmaker, t, record_topic, lesson_id=b.lesson_l, topic_item_id=items[12])
    assert (picked.topic_item_id, picked.late_seconds, picked.warnings) == (items[12], None, ())
    lesson = await get(sessionmaker, Lesson, b.lesson_l)
    assert (lesson.topic, lesson.status) == ("Тема 12: дроби", LessonStatus.held)
    await execute(
        sessionmaker, t, record_topic, lesson_id=b.lesson_l, topic="Сравнение дробей", material="№ 12–15"
    )
    lesson = await get(sessionmaker, Lesson, b.lesson_l)
    assert (lesson.topic, lesson.topic_item_id, lesson.material) == ("Сравнение дробей", items[12], "№ 12–15")
    assert await audit_actions(b, "lesson", b.lesson_l) == ["update", "update"]


async def test_topic_item_of_another_group_plan_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R32: an item of 5Б's КТП cannot be the topic of a 5А lesson; the lesson stays unchanged."""
    b = await build_spec_school(sessionmaker)
    items = await _plan(b, group="5Б", items=2)
    with pytest.raises(InvalidInput) as refusal:
        await execute(sessionmaker, b.actor("T"), record_topic, lesson_id=b.lesson_l, topic_item_id=items[1])
    assert refusal.value.rule == "R32"
    assert (await get(sessionmaker, Lesson, b.lesson_l)).topic is None


async def test_topic_without_cyrillic_warns_or_is_blocked_per_policy(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R5, C37: with warn "Present Simple" is saved with a warning, "Время Present Simple" without; with block it is refused."""
    b = await build_spec_school(sessionmaker)
    t = b.actor("T")
    warned = await execute(sessionmaker, t, record_topic, lesson_id=b.lesson_l, topic="Present Simple")
    assert warned.warnings == ("R5",)
    assert (await get(sessionmaker, Lesson, b.lesson_l)).topic == "Present Simple"
    clean = await execute(sessionmaker, t, record_topic, lesson_id=b.lesson_l, topic="Время Present Simple")
    assert clean.warnings == ()
    await b.set_policy(cyrillic_check="block")
    with pytest.raises(InvalidInput) as refusal:
        await execute(sessionmaker, t, record_topic, lesson_id=b.lesson_l, topic="Present Simple")
    assert refusal.value.rule == "R5"
    assert (await get(sessionmaker, Lesson, b.lesson_l)).topic == "Время Present Simple"


async def test_topic_entered_after_day_end_is_flagged_late_not_refused(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R32, R4: a topic saved at 21:30 on the lesson day is accepted with topic_late_seconds; at 21:00 it is on time."""
    b = await build_spec_school(sessionmaker)
    other = await b.add_lesson(L_DATE, slot=5)
    on_time = await execute(
        sessionmaker,
        b.actor("T", at=msk(2025, 10, 8, 21, 0)),
        record_topic,
        lesson_id=b.lesson_l,
        topic="Дроби",
    )
    late = await execute(
        sessionmaker, b.actor("T", at=msk(2025, 10, 8, 21, 30)), record_topic, lesson_id=other, topic="Дроби"
    )
    assert on_time.late_seconds is None
    assert late.late_seconds == 29 * 60
    assert (await get(sessionmaker, Lesson, other)).status == LessonStatus.held


async def test_teacher_outside_scope_cannot_record_a_topic(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R30: T2 does not teach 5А Maths; recording L's topic is refused and L is unchanged."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden):
        await execute(sessionmaker, b.actor("T2"), record_topic, lesson_id=b.lesson_l, topic="Дроби")
    assert (await get(sessionmaker, Lesson, b.lesson_l)).status == LessonStatus.planned
