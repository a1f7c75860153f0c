"""Academic year set-up: dates, periods, holidays, group lists, transfers and the checklist (R10–R27)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import AuditEvent, Enrollment, GroupMembership, Holiday, Mark
from core.domain.enums import GroupKind, HolidayType
from core.domain.errors import Forbidden, InvalidInput
from core.usecases.context import Ctx, execute
from core.usecases.roster import roster
from core.usecases.setup.checklist import ItemStatus, setup_checklist
from core.usecases.setup.groups import create_group, move_to_subgroup, set_group_members, transfer_student
from core.usecases.setup.year import activate_year, add_holiday, add_period, create_year
from tests.builders import build_spec_school, msk


async def _status(sm: async_sessionmaker[AsyncSession], b, on: date) -> dict[str, ItemStatus]:  # type: ignore[no-untyped-def]
    items = await execute(sm, b.actor("deputy"), setup_checklist, year_id=b.year_id, on=on)
    return {item.key: item.status for item in items}


async def test_missing_holidays_and_first_graders_are_due_before_5_september_and_overdue_after(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R11, R26, R122, C14: on 04.09 both items are due; on 06.09 both are overdue."""
    b = await build_spec_school(sessionmaker)
    before = await _status(sessionmaker, b, date(2025, 9, 4))
    after = await _status(sessionmaker, b, date(2025, 9, 6))
    assert (before["holidays"], before["first_graders"]) == (ItemStatus.due, ItemStatus.due)
    assert (after["holidays"], after["first_graders"]) == (ItemStatus.overdue, ItemStatus.overdue)
    assert before["periods"] == ItemStatus.done


async def test_timetable_missing_on_28_august_is_overdue(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R13, C15: the timetable was due 5 days before the 01.09 start, i.e. on 27.08."""
    b = await build_spec_school(sessionmaker)
    assert (await _status(sessionmaker, b, date(2025, 8, 27)))["timetable"] == ItemStatus.due
    assert (await _status(sessionmaker, b, date(2025, 8, 28)))["timetable"] == ItemStatus.overdue


async def test_unformed_subgroup_lists_are_flagged_from_the_sixth_day(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R14, C16: a split without lists is not flagged on 06.09 and is flagged on 07.09."""
    b = await build_spec_school(sessionmaker)
    await execute(
        sessionmaker,
        b.actor("deputy"),
        create_group,
        year_id=b.year_id,
        kind=GroupKind.subgroup,
        name="5А информатика 1",
        class_ids=[b.class_ids["5А"]],
        subject_id=b.subject_ids["physics"],
        split_key="инф 5А",
    )
    assert (await _status(sessionmaker, b, date(2025, 9, 6)))["group_lists"] == ItemStatus.due
    assert (await _status(sessionmaker, b, date(2025, 9, 7)))["group_lists"] == ItemStatus.overdue


async def test_an_overlapping_period_is_refused(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """R15, C18: with Q1 01.09–24.10, a Q2 starting 20.10 in the same scheme is refused and nothing is added."""
    b = await build_spec_school(sessionmaker)
    from core.db.models import ReportingPeriod

    async with sessionmaker() as s:
        scheme_id = (await s.get(ReportingPeriod, b.q1)).scheme_id  # type: ignore[union-attr]
    with pytest.raises(InvalidInput) as refusal:
        await execute(
            sessionmaker,
            b.actor("deputy"),
            add_period,
            scheme_id=scheme_id,
            name="2 четверть",
            start_date=date(2025, 10, 20),
            end_date=date(2025, 12, 28),
        )
    assert refusal.value.rule == "R15"
    async with sessionmaker() as s:
        count = await s.scalar(
            select(func.count()).select_from(ReportingPeriod).where(ReportingPeriod.scheme_id == scheme_id)
        )
    assert count == 4


async def test_only_one_year_is_active_and_a_new_one_is_prepared_in_draft(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R10: a 2026/2027 year is created in draft while 2025/2026 is active, and cannot be activated beside it."""
    b = await build_spec_school(sessionmaker)
    coordinator = b.actor("coordinator")
    year_id = await execute(
        sessionmaker,
        coordinator,
        create_year,
        title="2026/2027",
        start_date=date(2026, 9, 1),
        teaching_end_date=date(2027, 5, 26),
        end_date=date(2027, 8, 31),
    )
    with pytest.raises(InvalidInput):
        await execute(sessionmaker, coordinator, activate_year, year_id=year_id)
    with pytest.raises(InvalidInput):
        await execute(
            sessionmaker,
            coordinator,
            create_year,
            title="overlap",
            start_date=date(2026, 8, 1),
            teaching_end_date=date(2026, 12, 1),
            end_date=date(2027, 1, 1),
        )


async def test_holidays_are_typed_bounded_to_the_year_and_per_parallel(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R16: an autumn holiday for grade 5 is stored; one outside the year is refused; a teacher cannot add one."""
    b = await build_spec_school(sessionmaker)
    holiday_id = await execute(
        sessionmaker,
        b.actor("deputy"),
        add_holiday,
        year_id=b.year_id,
        type=HolidayType.autumn,
        start_date=date(2025, 10, 25),
        end_date=date(2025, 11, 2),
        grades=[5],
    )
    with pytest.raises(InvalidInput):
        await execute(
            sessionmaker,
            b.actor("deputy"),
            add_holiday,
            year_id=b.year_id,
            type=HolidayType.summer,
            start_date=date(2026, 6, 1),
            end_date=date(2026, 9, 10),
        )
    with pytest.raises(Forbidden):
        await execute(
            sessionmaker,
            b.actor("T"),
            add_holiday,
            year_id=b.year_id,
            type=HolidayType.other,
            start_date=date(2025, 12, 1),
            end_date=date(2025, 12, 2),
        )
    async with sessionmaker() as s:
        holiday = await s.get(Holiday, holiday_id)
    assert holiday is not None
    assert holiday.grades == [5]


async def test_a_stream_of_28_is_saved_with_a_warning(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """R21, C20: a stream group with fewer than 31 members is saved, with the >30 warning."""
    b = await build_spec_school(sessionmaker)
    group_id = await execute(
        sessionmaker,
        b.actor("deputy"),
        create_group,
        year_id=b.year_id,
        kind=GroupKind.stream,
        name="Поток 5",
        class_ids=[b.class_ids["5А"]],
        subject_id=b.subject_ids["music"],
    )
    saved = await execute(
        sessionmaker,
        b.actor("deputy"),
        set_group_members,
        group_id=group_id,
        student_ids=[b.student_ids[k] for k in ("S", "V", "X")],
        from_date=date(2025, 9, 1),
    )
    assert saved.warnings == ("stream_needs_more_than_30",)
    async with sessionmaker() as s:
        members = await s.scalar(
            select(func.count()).select_from(GroupMembership).where(GroupMembership.group_id == group_id)
        )
    assert members == 3


async def test_form_tutor_moves_own_students_between_subgroups_but_not_others(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R108, C4: K moves a 5А student into English subgroup 2; the same for a 5Б student is refused."""
    b = await build_spec_school(sessionmaker)
    k = b.actor("K", at=msk(2025, 10, 1, 10))
    await execute(
        sessionmaker,
        k,
        move_to_subgroup,
        student_id=b.student_ids["S"],
        group_id=b.group_ids["eng2"],
        from_date=date(2025, 10, 1),
    )

    async def lists(ctx: Ctx) -> tuple[set[int], set[int]]:
        from core.db.models import Group

        eng1 = await ctx.session.get(Group, b.group_ids["eng1"])
        eng2 = await ctx.session.get(Group, b.group_ids["eng2"])
        return await roster(ctx.session, eng1, date(2025, 10, 2)), await roster(
            ctx.session, eng2, date(2025, 10, 2)
        )  # type: ignore[arg-type]

    eng1, eng2 = await execute(sessionmaker, b.system(), lists)
    assert b.student_ids["S"] in eng2
    assert b.student_ids["S"] not in eng1
    with pytest.raises((Forbidden, InvalidInput)):
        await execute(
            sessionmaker,
            k,
            move_to_subgroup,
            student_id=b.student_ids["B"],
            group_id=b.group_ids["eng2"],
            from_date=date(2025, 10, 1),
        )


async def test_a_transfer_keeps_earlier_records_with_the_old_class(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R27, C21: S moves from 5А to 5Б on 15.11: earlier marks stay, 5А rosters drop S and 5Б rosters gain S from 15.11."""
    b = await build_spec_school(sessionmaker)
    s_id = b.student_ids["S"]
    async with sessionmaker() as s:
        s.add(
            Mark(
                school_id=b.school_id,
                student_id=s_id,
                lesson_id=b.lesson_l,
                work_type_id=b.work_type_ids["classwork"],
                value_code="5",
                entered_by=b.account_ids["T"],
                entered_at=msk(2025, 10, 8, 13),
                first_entered_at=msk(2025, 10, 8, 13),
            )
        )
        await s.commit()
    await execute(
        sessionmaker,
        b.actor("coordinator", at=msk(2025, 11, 10)),
        transfer_student,
        student_id=s_id,
        to_class_id=b.class_ids["5Б"],
        effective=date(2025, 11, 15),
    )

    async def rosters(ctx: Ctx) -> dict[str, set[int]]:
        from core.db.models import Group

        g5a = await ctx.session.get(Group, b.group_ids["5А"])
        g5b = await ctx.session.get(Group, b.group_ids["5Б"])
        return {
            "5А before": await roster(ctx.session, g5a, date(2025, 11, 14)),  # type: ignore[arg-type]
            "5А after": await roster(ctx.session, g5a, date(2025, 11, 15)),  # type: ignore[arg-type]
            "5Б after": await roster(ctx.session, g5b, date(2025, 11, 15)),  # type: ignore[arg-type]
        }

    r = await execute(sessionmaker, b.system(), rosters)
    assert s_id in r["5А before"]
    assert s_id not in r["5А after"]
    assert s_id in r["5Б after"]
    async with sessionmaker() as s:
        mark_lessons = list(await s.scalars(select(Mark.lesson_id).where(Mark.student_id == s_id)))
        enrollments = await s.scalar(
            select(func.count()).select_from(Enrollment).where(Enrollment.student_id == s_id)
        )
        audited = await s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.school_id == b.school_id, AuditEvent.entity_type == "enrollment")
        )
    assert mark_lessons == [b.lesson_l]
    assert enrollments == 2
    assert audited == 2
