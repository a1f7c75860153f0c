"""Homework load per class per day with the optional daily limit per parallel (R124)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import Homework
from core.domain.errors import Forbidden
from core.reports.homework_load import homework_load
from core.usecases.context import execute
from tests.builders import SpecSchool, build_spec_school, msk
from tests.core.read_side.journal_rows import add_homework

WEEK = date(2025, 10, 6)


async def _homework(b: SpecSchool, lesson_id: int, due_lesson_id: int, minutes: int | None) -> None:
    hw = await add_homework(b, lesson_id, "§ 12, № 3", due_lesson_id=due_lesson_id)
    async with b.sessionmaker() as s:
        await s.execute(update(Homework).where(Homework.id == hw).values(est_minutes=minutes))
        await s.commit()


async def test_a_day_over_the_parallel_limit_gives_a_warning(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R124, C118: limit 150 min for parallel 5; 5А homework for 09.10 totals 170 → warning for 5А on 09.10."""
    b = await build_spec_school(sessionmaker)
    await b.set_policy(homework_daily_limit_minutes={5: 150})
    thu = date(2025, 10, 9)
    maths, physics = await b.add_lesson(thu, slot=1), await b.add_lesson(thu, subject="physics", slot=2)
    english = await b.add_lesson(thu, group="eng1", subject="english", teacher="E", slot=4)
    await _homework(b, b.lesson_l, maths, 90)
    await _homework(b, b.lesson_l, physics, 50)
    await _homework(b, b.lesson_l, english, 30)
    await _homework(b, b.lesson_l, english, None)
    set_5b = await b.add_lesson(date(2025, 10, 8), group="5Б", teacher="T2")
    fri = await b.add_lesson(date(2025, 10, 10), group="5Б", teacher="T2")
    await _homework(b, set_5b, fri, 20)

    load = await execute(
        sessionmaker, b.actor("deputy", at=msk(2025, 10, 9, 8)), homework_load, week_start=WEEK
    )
    day = next(d for d in load.days if d.class_id == b.class_ids["5А"] and d.day == thu)
    assert (day.items, day.minutes, day.unestimated, day.limit_minutes) == (4, 170, 1, 150)
    assert day.over_limit
    assert load.warnings == (day,)
    other = next(d for d in load.days if d.class_id == b.class_ids["5Б"])
    assert (other.day, other.items, other.minutes, other.over_limit) == (date(2025, 10, 10), 1, 20, False)


async def test_without_a_limit_there_is_no_warning(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """R124: no norm by default, so the load is shown without a warning."""
    b = await build_spec_school(sessionmaker)
    due = await b.add_lesson(date(2025, 10, 9), slot=1)
    await _homework(b, b.lesson_l, due, 400)
    load = await execute(sessionmaker, b.actor("head"), homework_load, week_start=WEEK)
    [day] = load.days
    assert (day.minutes, day.limit_minutes, day.over_limit) == (400, None, False)


@pytest.mark.parametrize("who", ["T", "K", "P"])
async def test_only_the_administration_reviews_homework_load(
    sessionmaker: async_sessionmaker[AsyncSession], who: str
) -> None:
    """R124, §6.8: a teacher, a form tutor or a parent is refused."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden) as refused:
        await execute(sessionmaker, b.actor(who), homework_load, week_start=WEEK)
    assert refused.value.rule == "R124"
