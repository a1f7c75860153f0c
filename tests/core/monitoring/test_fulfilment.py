"""Curriculum and КТП fulfilment per class × subject × group (R121, R20, R24)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import CurriculumPlan, Lesson, Substitution, ThematicPlan, ThematicPlanItem
from core.domain.enums import LessonStatus, RequestStatus, SubstitutionKind
from core.domain.errors import Forbidden
from core.reports.fulfilment import curriculum_fulfilment
from core.usecases.context import execute
from tests.builders import SpecSchool, build_spec_school, msk

Q1_DAYS = [
    date(2025, 9, 1) + timedelta(days=i)
    for i in range(54)
    if (date(2025, 9, 1) + timedelta(days=i)).weekday() < 5
]


async def _plan(b: SpecSchool) -> list[int]:
    """A КТП of 10 items: 6 dated in Q1, one for week 3, one for week 12, two dated in November."""
    async with b.sessionmaker() as s:
        plan = ThematicPlan(
            school_id=b.school_id,
            teacher_staff_id=b.staff_ids["T"],
            subject_id=b.subject_ids["maths"],
            group_id=b.group_ids["5А"],
            year_id=b.year_id,
        )
        s.add(plan)
        await s.flush()
        dated = [date(2025, 9, 2) + timedelta(weeks=i) for i in range(6)] + [
            None,
            None,
            date(2025, 11, 5),
            date(2025, 11, 12),
        ]
        weeks = [None] * 6 + [3, 12, None, None]
        items = [
            ThematicPlanItem(
                school_id=b.school_id,
                plan_id=plan.id,
                seq=i + 1,
                topic=f"Тема {i + 1}",
                planned_date=d,
                planned_week=w,
            )
            for i, (d, w) in enumerate(zip(dated, weeks, strict=True))
        ]
        s.add_all(items)
        await s.commit()
        return [item.id for item in items]


async def test_fulfilment_shows_held_of_planned_cancellations_substitutions_and_ktp_coverage(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R121, R20, C117: 5 h/week, 40 lessons in Q1, 37 held, 2 cancelled → 37 of 40, 2 cancellations; КТП 5 of 7."""
    b = await build_spec_school(sessionmaker)
    items = await _plan(b)
    assert len(Q1_DAYS) == 40
    others = [d for d in Q1_DAYS if d != date(2025, 10, 8)]  # lesson L (planned, no topic) is the 40th
    base = {
        "school_id": b.school_id,
        "bell_slot_id": b.slot_ids[3],
        "group_id": b.group_ids["5А"],
        "subject_id": b.subject_ids["maths"],
        "scheduled_teacher_id": b.staff_ids["T"],
        "actual_teacher_id": b.staff_ids["T"],
        "version": 1,
    }
    rows = [
        {**base, "date": d, "status": LessonStatus.cancelled, "topic": None, "topic_item_id": None}
        if i < 2
        else {
            **base,
            "date": d,
            "status": LessonStatus.held,
            "topic": "Тема",
            "topic_item_id": items[i % 5] if i < 12 else None,
        }
        for i, d in enumerate(others)
    ]
    # A lesson moved away counts once, at its new date.
    rows.append(
        {
            **base,
            "date": date(2025, 10, 9),
            "status": LessonStatus.rescheduled,
            "topic": None,
            "topic_item_id": None,
        }
    )
    async with sessionmaker() as s:
        await s.execute(insert(Lesson), rows)
        await s.execute(
            update(CurriculumPlan)
            .where(
                CurriculumPlan.class_id == b.class_ids["5А"],
                CurriculumPlan.subject_id == b.subject_ids["maths"],
            )
            .values(hours_per_week=Decimal(5))
        )
        s.add(
            Substitution(
                school_id=b.school_id,
                lesson_id=b.lesson_l,
                kind=SubstitutionKind.substitution,
                original_teacher_id=b.staff_ids["T"],
                substitute_teacher_id=b.staff_ids["U"],
                status=RequestStatus.registered,
                registered_at=msk(2025, 10, 7, 9),
            )
        )
        await s.commit()

    report = await execute(
        sessionmaker,
        b.actor("deputy", at=msk(2025, 10, 27, 12)),
        curriculum_fulfilment,
        class_id=b.class_ids["5А"],
        period_id=b.q1,
    )
    assert report.as_of == date(2025, 10, 24)
    maths = next(r for r in report.rows if r.subject_id == b.subject_ids["maths"])
    assert (maths.hours_per_week, maths.planned, maths.held, maths.cancelled) == (Decimal(5), 40, 37, 2)
    assert maths.substituted == 1
    assert (maths.plan_items_covered, maths.plan_items_planned) == (5, 7)
    # The other loads of the class appear with nothing held yet (music by K, English in subgroup 1).
    assert {(r.subject_id, r.group_id) for r in report.rows} >= {
        (b.subject_ids["music"], b.group_ids["5А"]),
        (b.subject_ids["english"], b.group_ids["eng1"]),
    }


@pytest.mark.parametrize("who", ["T", "K", "inspector"])
async def test_only_the_administration_sees_curriculum_fulfilment(
    sessionmaker: async_sessionmaker[AsyncSession], who: str
) -> None:
    """R121, §6.8: deputy, head and coordinator only; a teacher, tutor or inspector is refused."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden) as refused:
        await execute(
            sessionmaker, b.actor(who), curriculum_fulfilment, class_id=b.class_ids["5А"], period_id=b.q1
        )
    assert refused.value.rule == "R121"
