"""КТП: building, approval, lesson planning and the weekly planning flag (R24, R25, R5, R30)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import AuditEvent, Lesson, ThematicPlan, ThematicPlanItem
from core.domain.enums import AuditAction, PlanStatus
from core.domain.errors import Forbidden, InvalidInput
from core.usecases.context import execute
from core.usecases.journal.lesson_record import record_topic
from core.usecases.setup.thematic_plans import (
    PlanItemInput,
    approve_thematic_plan,
    create_thematic_plan,
    plan_lessons,
    planning_missing,
)
from tests.builders import SpecSchool, build_spec_school, msk

MONDAY = date(2025, 10, 13)


def _items(n: int, **extra: object) -> list[PlanItemInput]:
    return [PlanItemInput(topic=f"Тема {i}: дроби", planned_week=i, **extra) for i in range(1, n + 1)]


async def _create(b: SpecSchool, who: str = "T", items: list[PlanItemInput] | None = None, group: str = "5А"):
    return await execute(
        b.sessionmaker,
        b.actor(who, at=msk(2025, 9, 3, 15)),
        create_thematic_plan,
        group_id=b.group_ids[group],
        subject_id=b.subject_ids["maths"],
        year_id=b.year_id,
        items=items if items is not None else _items(3),
    )


async def _plans(b: SpecSchool) -> list[ThematicPlan]:
    async with b.sessionmaker() as s:
        return list(await s.scalars(select(ThematicPlan).where(ThematicPlan.school_id == b.school_id)))


async def _planned(b: SpecSchool, *lesson_ids: int) -> list[int | None]:
    async with b.sessionmaker() as s:
        return [(await s.get(Lesson, i)).planned_item_id for i in lesson_ids]  # type: ignore[union-attr]


async def test_subject_teacher_builds_an_ordered_draft_plan_and_it_is_audited(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R24: T builds the 5А Maths КТП; items are stored in order seq 1..n as a draft, with an audit event."""
    b = await build_spec_school(sessionmaker)
    saved = await _create(
        b,
        items=[
            *_items(2),
            PlanItemInput("Контрольная работа № 1", hours=2, is_control_work=True, control_form="КР"),
        ],
    )
    assert saved.warnings == ()
    async with sessionmaker() as s:
        plan = await s.get(ThematicPlan, saved.plan_id)
        items = list(
            await s.scalars(
                select(ThematicPlanItem)
                .where(ThematicPlanItem.plan_id == saved.plan_id)
                .order_by(ThematicPlanItem.id)
            )
        )
        events = list(
            await s.scalars(
                select(AuditEvent).where(
                    AuditEvent.entity_type == "thematic_plan", AuditEvent.entity_id == saved.plan_id
                )
            )
        )
    assert plan is not None
    assert plan.status == PlanStatus.draft
    assert (plan.teacher_staff_id, plan.group_id, plan.year_id) == (
        b.staff_ids["T"],
        b.group_ids["5А"],
        b.year_id,
    )
    assert [(i.seq, i.hours, i.is_control_work) for i in items] == [
        (1, 1, False),
        (2, 1, False),
        (3, 2, True),
    ]
    assert [i.id for i in items] == list(saved.item_ids)
    assert [e.action for e in events] == [AuditAction.create]
    assert len(events[0].after["items"]) == 3


async def test_plan_for_a_group_the_teacher_does_not_teach_is_refused_and_nothing_saved(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R24, R30: T2 (Maths 5Б), the head and parent P cannot build the 5А Maths КТП; nothing is stored."""
    b = await build_spec_school(sessionmaker)
    for who in ("T2", "head", "P", "K"):
        with pytest.raises(Forbidden) as refusal:
            await _create(b, who=who)
        assert refusal.value.rule == "R24"
    assert await _plans(b) == []


async def test_deputy_and_coordinator_build_a_plan_for_the_assigned_teacher(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R24: the deputy head builds 5А Maths and the coordinator imports 5Б Maths; each plan belongs to its teacher."""
    b = await build_spec_school(sessionmaker)
    first = await _create(b, who="deputy")
    second = await _create(b, who="coordinator", group="5Б")
    by_id = {p.id: p.teacher_staff_id for p in await _plans(b)}
    assert by_id == {first.plan_id: b.staff_ids["T"], second.plan_id: b.staff_ids["T2"]}


async def test_a_second_plan_for_the_same_group_and_subject_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R24: one КТП per teacher × subject × group × year."""
    b = await build_spec_school(sessionmaker)
    await _create(b)
    with pytest.raises(InvalidInput) as refusal:
        await _create(b, who="deputy")
    assert refusal.value.rule == "R24"
    assert len(await _plans(b)) == 1


async def test_latin_topic_warns_by_default_and_is_refused_under_block(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R5, R24, C37: "Present Simple" is saved with a warning under warn, refused under block; mixed text passes."""
    b = await build_spec_school(sessionmaker)
    warned = await _create(b, items=[PlanItemInput("Present Simple"), PlanItemInput("Время Present Simple")])
    assert warned.warnings == ("R5",)
    await b.set_policy(cyrillic_check="block")
    with pytest.raises(InvalidInput) as refusal:
        await _create(b, who="coordinator", group="5Б", items=[PlanItemInput("Present Simple")])
    assert refusal.value.rule == "R5"
    clean = await _create(b, who="coordinator", group="5Б", items=[PlanItemInput("Время Present Simple")])
    assert clean.warnings == ()


async def test_only_deputy_or_coordinator_approve_a_plan(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R24: T cannot approve the own КТП; the deputy head approves it (audited), and approving twice is refused."""
    b = await build_spec_school(sessionmaker)
    saved = await _create(b)
    with pytest.raises(Forbidden):
        await execute(sessionmaker, b.actor("T"), approve_thematic_plan, plan_id=saved.plan_id)
    assert (await _plans(b))[0].status == PlanStatus.draft
    await execute(sessionmaker, b.actor("deputy"), approve_thematic_plan, plan_id=saved.plan_id)
    assert (await _plans(b))[0].status == PlanStatus.approved
    with pytest.raises(InvalidInput):
        await execute(sessionmaker, b.actor("coordinator"), approve_thematic_plan, plan_id=saved.plan_id)
    async with sessionmaker() as s:
        approvals = list(
            await s.scalars(
                select(AuditEvent).where(
                    AuditEvent.entity_type == "thematic_plan", AuditEvent.action == AuditAction.approve
                )
            )
        )
    assert [(e.entity_id, e.after["status"]) for e in approvals] == [(saved.plan_id, "approved")]


async def test_plan_lessons_gives_each_lesson_the_next_item_honouring_hours(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R24, R25: items 1 (1 h), 2 (2 h), 3 (1 h) go to the week's lessons in date and slot order; extra lessons stay unplanned."""
    b = await build_spec_school(sessionmaker)
    saved = await _create(
        b, items=[PlanItemInput("Тема 1"), PlanItemInput("Тема 2", hours=2), PlanItemInput("Тема 3")]
    )
    lessons = [
        await b.add_lesson(date(2025, 10, 14), slot=2),
        await b.add_lesson(date(2025, 10, 13), slot=5),
        await b.add_lesson(date(2025, 10, 13), slot=1),
        await b.add_lesson(date(2025, 10, 16), slot=1),
        await b.add_lesson(date(2025, 10, 17), slot=1),
    ]
    result = await execute(
        sessionmaker,
        b.actor("T", at=msk(2025, 10, 10, 15)),
        plan_lessons,
        group_id=b.group_ids["5А"],
        subject_id=b.subject_ids["maths"],
        date_from=MONDAY,
        date_to=date(2025, 10, 19),
    )
    one, two, three = saved.item_ids
    assert await _planned(b, *lessons) == [two, two, one, three, None]
    assert result.unplanned == (lessons[4],)
    assert len(result.assigned) == 4
    events = [e for e in await _audit(b, "lesson") if e.entity_id in lessons]
    assert {e.entity_id for e in events} == set(lessons[:4])


async def _audit(b: SpecSchool, entity_type: str) -> list[AuditEvent]:
    async with b.sessionmaker() as s:
        return list(
            await s.scalars(
                select(AuditEvent).where(
                    AuditEvent.school_id == b.school_id, AuditEvent.entity_type == entity_type
                )
            )
        )


async def test_plan_lessons_by_another_teacher_or_the_deputy_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R25, R30, X32: only the group's subject teacher plans its lessons; nothing changes on refusal."""
    b = await build_spec_school(sessionmaker)
    await _create(b)
    monday = await b.add_lesson(MONDAY)
    for who in ("T2", "deputy", "K"):
        with pytest.raises(Forbidden):
            await execute(
                sessionmaker,
                b.actor(who, at=msk(2025, 10, 10, 15)),
                plan_lessons,
                group_id=b.group_ids["5А"],
                subject_id=b.subject_ids["maths"],
                date_from=MONDAY,
                date_to=date(2025, 10, 19),
            )
    assert await _planned(b, monday) == [None]


async def test_planned_item_survives_topic_entry_from_the_same_plan(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R24, C36 support: after planning, T records L's topic from plan item 2 and edits the wording; the link stays."""
    b = await build_spec_school(sessionmaker)
    saved = await _create(b)
    await execute(
        sessionmaker,
        b.actor("T", at=msk(2025, 10, 5, 15)),
        plan_lessons,
        group_id=b.group_ids["5А"],
        subject_id=b.subject_ids["maths"],
        date_from=date(2025, 10, 6),
        date_to=date(2025, 10, 12),
    )
    assert await _planned(b, b.lesson_l) == [saved.item_ids[0]]
    await execute(
        sessionmaker,
        b.actor("T"),
        record_topic,
        lesson_id=b.lesson_l,
        topic="Дроби, повторение",
        topic_item_id=saved.item_ids[1],
    )
    async with sessionmaker() as s:
        lesson = await s.get(Lesson, b.lesson_l)
    assert lesson is not None
    assert (lesson.topic_item_id, lesson.topic, lesson.planned_item_id) == (
        saved.item_ids[1],
        "Дроби, повторение",
        saved.item_ids[0],
    )


async def test_unplanned_lesson_of_the_coming_week_is_flagged_only_after_sunday_deadline(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R25, C23: Monday 13.10 5А Maths without a КТП item is flagged after Sunday 12.10 23:59, not before."""
    b = await build_spec_school(sessionmaker)
    monday = await b.add_lesson(MONDAY)
    planned = await b.add_lesson(date(2025, 10, 14))
    other = await b.add_lesson(MONDAY, group="5Б", teacher="T2")
    await _create(b)
    await execute(
        sessionmaker,
        b.actor("T", at=msk(2025, 10, 10, 15)),
        plan_lessons,
        group_id=b.group_ids["5А"],
        subject_id=b.subject_ids["maths"],
        date_from=date(2025, 10, 14),
        date_to=date(2025, 10, 14),
    )
    before = await execute(
        sessionmaker, b.actor("deputy", at=msk(2025, 10, 12, 23, 59)), planning_missing, week_start=MONDAY
    )
    assert before == []
    after = msk(2025, 10, 13, 0, 0)
    assert await execute(sessionmaker, b.actor("deputy", at=after), planning_missing, week_start=MONDAY) == [
        monday,
        other,
    ]
    assert await execute(sessionmaker, b.actor("T", at=after), planning_missing, week_start=MONDAY) == [
        monday
    ]
    assert await execute(sessionmaker, b.actor("K", at=after), planning_missing, week_start=MONDAY) == [
        monday
    ]
    assert planned not in await execute(
        sessionmaker, b.actor("coordinator", at=after), planning_missing, week_start=MONDAY
    )
    with pytest.raises(Forbidden):
        await execute(sessionmaker, b.actor("P", at=after), planning_missing, week_start=MONDAY)


async def test_planning_deadline_follows_the_policy(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """R25: with `planning_due` Friday 18:00 the Monday lesson is flagged from Friday 10.10 18:01."""
    b = await build_spec_school(sessionmaker)
    monday = await b.add_lesson(MONDAY)
    await b.set_policy(planning_due={"weekday": 4, "at": "18:00"})
    ask = lambda at: execute(sessionmaker, b.actor("T", at=at), planning_missing, week_start=MONDAY)  # noqa: E731
    assert await ask(msk(2025, 10, 10, 18, 0)) == []
    assert await ask(msk(2025, 10, 10, 18, 1)) == [monday]
